// Rendering of owned children; see include/modelops/reconciler/children.h.
#include "modelops/reconciler/children.h"

#include <string>

#include "modelops/api/defaults.h"
#include "modelops/api/names.h"

namespace modelops::reconciler {
namespace {

std::string str(std::string_view v) { return std::string(v); }

Json labelsFor(const api::ModelDeployment& md, const std::string& track, const std::string& hash,
               std::int64_t revision) {
  Json labels = {{str(api::kLabelName), md.name()}};
  if (!track.empty()) labels[str(api::kLabelTrack)] = track;
  if (!hash.empty()) labels[str(api::kLabelRevisionHash)] = hash;
  if (revision > 0) labels[str(api::kLabelRevision)] = std::to_string(revision);
  return labels;
}

void setEnv(Json& container, const std::string& name, const std::string& value) {
  auto& env = container["env"];
  if (!env.is_array()) env = Json::array();
  for (auto& e : env)
    if (e.is_object() && e.value("name", "") == name) {
      e = {{"name", name}, {"value", value}};
      return;
    }
  env.push_back({{"name", name}, {"value", value}});
}

}  // namespace

Json ownerReference(const api::ModelDeployment& md) {
  return {{"apiVersion", str(api::kApiVersion)}, {"kind", str(api::kKind)}, {"name", md.name()},
          {"uid", md.uid()},                     {"controller", true},      {"blockOwnerDeletion", true}};
}

Json renderDeployment(const api::ModelDeployment& md, const rollout::DesiredDeployment& d) {
  Json podTemplate = md.spec.template_.value_or(Json::object());
  if (!podTemplate.is_object()) podTemplate = Json::object();
  auto& podLabels = podTemplate["metadata"]["labels"];
  if (!podLabels.is_object()) podLabels = Json::object();
  podLabels[str(api::kLabelName)] = md.name();
  podLabels[str(api::kLabelRevisionHash)] = d.hash;
  auto& containers = podTemplate["spec"]["containers"];
  if (containers.is_array())
    for (auto& c : containers) {
      if (!c.is_object()) continue;
      setEnv(c, "MODEL_NAME", d.model.name.value_or(md.name()));
      setEnv(c, "MODEL_VERSION", d.model.version.value_or(""));
      setEnv(c, "MODEL_URI", d.model.uri.value_or(""));
    }
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", d.name},
            {"namespace", md.namespace_()},
            {"labels", labelsFor(md, d.track, d.hash, d.revision)},
            {"ownerReferences", Json::array({ownerReference(md)})}}},
          {"spec",
           {{"replicas", d.replicas},
            {"selector", {{"matchLabels", {{str(api::kLabelName), md.name()}, {str(api::kLabelRevisionHash), d.hash}}}}},
            {"template", podTemplate}}}};
}

Json renderService(const api::ModelDeployment& md, const rollout::DesiredService& s) {
  Json selector = {{str(api::kLabelName), md.name()}};
  if (!s.selectorHash.empty()) selector[str(api::kLabelRevisionHash)] = s.selectorHash;
  const auto resolved = api::resolve(md.spec);  // the port and target port with their defaults
  const auto& target = resolved.targetPort;
  Json port = {{"name", "http"},
               {"port", resolved.servicePort},
               {"protocol", "TCP"},
               {"targetPort", target.isInt() ? Json(target.intValue()) : Json(target.stringValue())}};
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata",
           {{"name", s.name},
            {"namespace", md.namespace_()},
            {"labels", labelsFor(md, s.track, "", 0)},
            {"ownerReferences", Json::array({ownerReference(md)})}}},
          {"spec", {{"selector", selector}, {"ports", Json::array({port})}}}};
}

Json servicePatch(const Json& existing, const Json& desired) {
  Json patch = Json::object();
  const auto& spec = existing.contains("spec") ? existing["spec"] : Json::object();
  if (spec.value("selector", Json()) != desired["spec"]["selector"])
    patch["spec"]["selector"] = desired["spec"]["selector"];
  // Compare the fields we set on the one port (the server may add nodePort, appProtocol...).
  const auto& wantPort = desired["spec"]["ports"][0];
  bool portsMatch = spec.contains("ports") && spec["ports"].is_array() && spec["ports"].size() == 1;
  if (portsMatch)
    for (auto& [k, v] : wantPort.items())
      if (spec["ports"][0].value(k, Json()) != v) portsMatch = false;
  if (!portsMatch) patch["spec"]["ports"] = desired["spec"]["ports"];
  const auto& labels = existing.contains("metadata") ? existing["metadata"].value("labels", Json::object()) : Json::object();
  for (auto& [k, v] : desired["metadata"]["labels"].items())
    if (labels.value(k, Json()) != v) patch["metadata"]["labels"][k] = v;
  return patch.empty() ? Json() : patch;
}

rollout::Observed observeDeployments(const std::vector<Json>& owned) {
  rollout::Observed observed;
  for (const auto& d : owned) {
    if (!d.is_object() || !d.contains("metadata")) continue;
    try {
    const auto& meta = d["metadata"];
    auto labels = meta.value("labels", Json::object());
    if (!labels.is_object() || !labels.contains(str(api::kLabelRevisionHash))) continue;
    rollout::ObservedDeployment o;
    o.name = meta.value("name", "");
    o.hash = labels.value(str(api::kLabelRevisionHash), "");
    o.track = labels.value(str(api::kLabelTrack), "");
    try {
      o.revision = std::stoll(labels.value(str(api::kLabelRevision), "0"));
    } catch (const std::exception&) {
      o.revision = 0;  // a label someone edited: treat as oldest
    }
    const auto& spec = d.value("spec", Json::object());
    const auto& status = d.value("status", Json::object());
    o.replicas = spec.value("replicas", std::int64_t{1});
    auto generation = meta.value("generation", std::int64_t{0});
    auto seen = status.value("observedGeneration", std::int64_t{0});
    o.availableReplicas = seen >= generation ? status.value("availableReplicas", std::int64_t{0}) : 0;
    observed.deployments.push_back(std::move(o));
    } catch (const nlohmann::json::exception&) {
      // A field of an unexpected type (edited by hand): not one of ours to count on; skip it.
    }
  }
  return observed;
}

}  // namespace modelops::reconciler
