// The reconciler's side of retraining; see include/modelops/reconciler/retraining.h.
// Thread-safety: free functions (see the header).
#include "modelops/kube/secret_data.h"
#include "modelops/reconciler/retraining.h"

#include <algorithm>
#include <cctype>

#include "modelops/common/bounded_text.h"
#include "modelops/common/logging.h"
#include "modelops/common/time.h"
#include "modelops/kube/config.h"
#include "modelops/notify/cloudevent.h"
#include "modelops/reconciler/children.h"

namespace modelops::reconciler {
namespace {

using Json = nlohmann::json;
using rollout::RetrainingRunState;

std::string text(std::string_view s) { return std::string(s); }

Json retrainingLabels(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch) {
  return {{text(api::kLabelName), md.name()}, {text(api::kLabelRetrainingRun), launch.run.name.value_or("")}};
}

// metadata for a created object: the template's labels and annotations, ours on top, name, namespace,
// owner reference.
Json runMetadata(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch, const Json& templ) {
  Json meta = Json::object();
  if (templ.is_object() && templ.contains("metadata") && templ["metadata"].is_object()) {
    for (const char* key : {"labels", "annotations"})
      if (templ["metadata"].contains(key) && templ["metadata"][key].is_object()) meta[key] = templ["metadata"][key];
  }
  if (!meta.contains("labels")) meta["labels"] = Json::object();
  meta["labels"].update(retrainingLabels(md, launch));
  meta["name"] = launch.run.name.value_or("");
  meta["namespace"] = md.namespace_();
  meta["ownerReferences"] = Json::array({ownerReference(md)});
  return meta;
}

void setEnv(Json& container, const std::vector<std::pair<std::string, std::string>>& env) {
  if (!container.is_object()) return;
  Json& list = container["env"];
  if (!list.is_array()) list = Json::array();
  for (const auto& entry : env) {
    const std::string& name = entry.first;  // a named reference: clang 14 cannot capture a structured binding
    auto same = [&name](const Json& e) { return e.is_object() && e.value("name", "") == name; };
    list.erase(std::remove_if(list.begin(), list.end(), same), list.end());
    list.push_back({{"name", name}, {"value", entry.second}});
  }
}

std::string envValue(const rollout::RetrainingLaunch& launch, const std::string& name) {
  for (const auto& [k, v] : launch.env)
    if (k == name) return v;
  return "";
}

// The termination message of the Job's pod that reported one (the newest succeeded pod first).
std::optional<std::string> terminationMessage(const api::ModelDeployment& md, const std::string& job,
                                              kube::KubeClient& client) {
  kube::ListOptions opts;
  opts.labelSelector = "job-name=" + job;
  opts.limit = 50;
  auto pods = client.list(podsResource(), md.namespace_(), opts);
  if (!pods) return std::nullopt;
  std::string best, bestStarted;
  for (const auto& pod : pods->items) {
    const auto status = pod.value("status", Json::object());
    if (!status.is_object() || status.value("phase", "") != "Succeeded") continue;
    const auto statuses = status.value("containerStatuses", Json::array());
    if (!statuses.is_array()) continue;
    for (const auto& cs : statuses) {
      if (!cs.is_object() || !cs.contains("state") || !cs["state"].is_object()) continue;
      const auto terminated = cs["state"].value("terminated", Json::object());
      if (!terminated.is_object() || !terminated.contains("message") || !terminated["message"].is_string()) continue;
      const auto started = status.value("startTime", "");
      if (best.empty() || started > bestStarted) {
        best = terminated["message"].get<std::string>();
        bestStarted = started;
      }
    }
  }
  return best;
}

std::optional<rollout::ObservedRetrainingRun> observeJob(const api::ModelDeployment& md, const std::string& name,
                                                         kube::KubeClient& client, const RetrainingOptions& options) {
  rollout::ObservedRetrainingRun seen{name, RetrainingRunState::Missing, ""};
  std::optional<Json> job;
  if (const runtime::ObjectCache* cache = options.jobs ? options.jobs() : nullptr) {
    if (auto cached = cache->get(md.namespace_(), name)) job = *cached;
  } else {
    auto got = client.get(jobsResource(), md.namespace_(), name);
    if (!got && !got.error().isNotFound()) return std::nullopt;
    if (got) job = *got;
  }
  if (!job) return seen;
  seen.state = RetrainingRunState::Running;
  const auto conditions = (*job)["status"].value("conditions", Json::array());
  for (const auto& c : conditions.is_array() ? conditions : Json::array()) {
    if (!c.is_object() || c.value("status", "") != "True") continue;
    if (c.value("type", "") == "Failed") {
      seen.state = RetrainingRunState::Failed;
      seen.message = "Job failed: " + c.value("reason", std::string("no reason")) +
                     (c.value("message", "").empty() ? "" : ": " + c.value("message", ""));
    } else if (c.value("type", "") == "Complete") {
      auto message = terminationMessage(md, name, client);
      if (!message) return std::nullopt;  // the Pods could not be listed now: look again later
      seen.state = RetrainingRunState::Succeeded;
      seen.message = *message;
    }
  }
  seen.message = truncateText(seen.message, rollout::kMaxTerminationMessage + 64);
  return seen;
}

// A custom object: status.phase Succeeded / Failed / Error (Argo Workflows), or a condition of type
// Succeeded True / False (Tekton, Knative style); the candidate in the modelops.dev/candidate annotation.
std::optional<rollout::ObservedRetrainingRun> observeObject(const api::ModelDeployment& md, const std::string& name,
                                                            kube::KubeClient& client) {
  const auto& action = *md.spec.retraining->object;
  rollout::ObservedRetrainingRun seen{name, RetrainingRunState::Missing, ""};
  auto got = client.get(resourceForKind(action.apiVersion.value_or(""), action.kind.value_or("")), md.namespace_(), name);
  if (!got) {
    if (got.error().isNotFound()) return seen;
    return std::nullopt;
  }
  seen.state = RetrainingRunState::Running;
  const Json status = got->value("status", Json::object());
  if (!status.is_object()) return seen;
  const std::string phase = status.value("phase", "");
  std::string why = status.value("message", "");
  if (phase == "Succeeded") seen.state = RetrainingRunState::Succeeded;
  if (phase == "Failed" || phase == "Error") seen.state = RetrainingRunState::Failed;
  const auto conditions = status.value("conditions", Json::array());
  for (const auto& c : conditions.is_array() ? conditions : Json::array()) {
    if (!c.is_object() || c.value("type", "") != "Succeeded") continue;
    if (c.value("status", "") == "True") seen.state = RetrainingRunState::Succeeded;
    if (c.value("status", "") == "False") {
      seen.state = RetrainingRunState::Failed;
      why = c.value("reason", "") + (c.value("message", "").empty() ? "" : ": " + c.value("message", ""));
    }
  }
  if (seen.state == RetrainingRunState::Failed)
    seen.message = truncateText(action.kind.value_or("object") + " failed" + (why.empty() ? "" : ": " + why),
                                text_limits::kStatusMessage);
  if (seen.state == RetrainingRunState::Succeeded) {
    const auto annotations = (*got)["metadata"].value("annotations", Json::object());
    if (annotations.is_object() && annotations.contains(kCandidateAnnotation) && annotations[kCandidateAnnotation].is_string())
      seen.message = annotations[kCandidateAnnotation].get<std::string>();
  }
  return seen;
}

std::optional<std::string> secretValue(const RetrainingOptions& options, const std::string& ns,
                                       const api::SecretKeyRef& ref) {
  if (!options.secrets || !ref.name) return std::nullopt;
  auto secret = options.secrets(ns, *ref.name);
  if (!secret) return std::nullopt;
  return kube::secretDataValue(*secret, ref.key.value_or(""),
                               {.requiredLabel = options.requiredLabel, .trimTrailingNewlines = true});
}

Result<void, std::string> sendWebhook(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch,
                                      const RetrainingOptions& options) {
  const auto& hook = *md.spec.retraining->webhook;
  if (!options.webhooks) return std::string("retraining webhook: no webhook sender in this operator");
  // The Secret names are safe to say; their values never are.
  const std::string usable = " (missing, without the key" +
                             (options.requiredLabel.empty() ? std::string() : ", or not labelled " + options.requiredLabel) + ")";
  auto url = secretValue(options, md.namespace_(), *hook.urlSecretRef);
  if (!url) return "retraining webhook: Secret " + hook.urlSecretRef->name.value_or("") + " is not usable" + usable;
  notify::WebhookTarget target{*url, {}};
  if (hook.tokenSecretRef) {
    auto token = secretValue(options, md.namespace_(), *hook.tokenSecretRef);
    if (!token) return "retraining webhook: Secret " + hook.tokenSecretRef->name.value_or("") + " is not usable" + usable;
    target.headers.push_back({"Authorization", "Bearer " + *token});
  }
  auto event = retrainingCloudEvent(md, launch);
  const std::string id = event.value("id", "");
  // false: a full queue (counted by the sender) or an id already delivered; a duplicate is not an error.
  if (!options.webhooks->enqueue(std::move(target), event.dump(), notify::kCloudEventContentType, id))
    logWarn("retraining CloudEvent not queued (queue full or already sent)",
            {{"object", objectRef(md.namespace_(), md.name())}, {"run", launch.run.name.value_or("")},
             {"url", notify::redactedUrl(*url)}});
  return {};
}

Result<void, std::string> startRun(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch,
                                   kube::KubeClient& client, const CancelToken& cancel, const RetrainingOptions& options) {
  const std::string name = launch.run.name.value_or("");
  if (launch.kind == rollout::RetrainingActionKind::Webhook) return sendWebhook(md, launch, options);
  const bool job = launch.kind == rollout::RetrainingActionKind::Job;
  const auto& action = *md.spec.retraining;
  const kube::Resource resource =
      job ? jobsResource() : resourceForKind(action.object->apiVersion.value_or(""), action.object->kind.value_or(""));
  const Json object = job ? renderRetrainingJob(md, launch) : renderRetrainingObject(md, launch);
  auto created = client.create(resource, md.namespace_(), object, cancel);
  if (!created && !created.error().isAlreadyExists())
    return "create " + resource.kind + " " + name + ": " + created.error().describe();
  return {};
}

}  // namespace

const kube::Resource& jobsResource() {
  static const kube::Resource r{"batch", "v1", "jobs", "Job", true};
  return r;
}

const kube::Resource& podsResource() {
  static const kube::Resource r{"", "v1", "pods", "Pod", true};
  return r;
}

kube::Resource resourceForKind(const std::string& apiVersion, const std::string& kind) {
  kube::Resource r;
  const auto slash = apiVersion.find('/');
  r.group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  r.version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  r.kind = kind;
  std::string plural;
  for (char c : kind) plural += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto endsWith = [&](std::string_view s) { return plural.size() >= s.size() && plural.ends_with(s); };
  if (endsWith("s") || endsWith("x") || endsWith("ch") || endsWith("sh")) {
    plural += "es";
  } else if (plural.size() >= 2 && plural.back() == 'y' && std::string_view("aeiou").find(plural[plural.size() - 2]) == std::string_view::npos) {
    plural = plural.substr(0, plural.size() - 1) + "ies";
  } else {
    plural += "s";
  }
  r.plural = plural;
  return r;
}

Json renderRetrainingJob(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch) {
  const Json templ = md.spec.retraining->job->template_.value_or(Json::object());
  Json spec = templ.is_object() ? templ.value("spec", Json::object()) : Json::object();
  Json& podTemplate = spec["template"];
  if (!podTemplate.is_object()) podTemplate = Json::object();
  Json& podLabels = podTemplate["metadata"]["labels"];
  if (!podLabels.is_object()) podLabels = Json::object();
  podLabels.update(retrainingLabels(md, launch));
  Json& podSpec = podTemplate["spec"];
  if (!podSpec.is_object()) podSpec = Json::object();
  if (!podSpec.contains("restartPolicy")) podSpec["restartPolicy"] = "Never";
  for (const char* list : {"initContainers", "containers"})
    if (podSpec.contains(list) && podSpec[list].is_array())
      for (auto& c : podSpec[list]) setEnv(c, launch.env);
  return {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", runMetadata(md, launch, templ)}, {"spec", spec}};
}

Json renderRetrainingObject(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch) {
  const auto& action = *md.spec.retraining->object;
  Json object = action.template_.value_or(Json::object());
  if (!object.is_object()) object = Json::object();
  object["apiVersion"] = action.apiVersion.value_or("");
  object["kind"] = action.kind.value_or("");
  object["metadata"] = runMetadata(md, launch, object);
  // The evidence as annotations modelops.dev/retraining-<name> (MODELOPS_EVIDENCE_VALUE -> evidence-value).
  for (const auto& [name, value] : launch.env) {
    std::string key = name.substr(std::string_view("MODELOPS_").size());
    for (auto& c : key) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    object["metadata"]["annotations"][kEvidenceAnnotationPrefix + key] = value;
  }
  return object;
}

Json retrainingCloudEvent(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch) {
  notify::CloudEvent e;
  e.id = md.uid() + "/" + launch.run.name.value_or("");
  e.source = "/apis/" + std::string(api::kApiVersion) + "/namespaces/" + md.namespace_() + "/modeldeployments/" + md.name();
  e.type = "dev.modelops.retraining.requested";
  e.subject = md.namespace_() + "/" + md.name();
  e.time = launch.run.startedAt.value_or("");
  Json evidence = Json::object();
  for (const char* key : {"metric", "value", "bound", "samples", "segment"}) {
    std::string upper = key;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    evidence[key] = envValue(launch, "MODELOPS_EVIDENCE_" + upper);
  }
  e.data = {{"modelDeployment", md.name()},
            {"namespace", md.namespace_()},
            {"model", envValue(launch, "MODELOPS_MODEL")},
            {"version", envValue(launch, "MODELOPS_VERSION")},
            {"revision", envValue(launch, "MODELOPS_REVISION")},
            {"uri", envValue(launch, "MODELOPS_URI")},
            {"run", launch.run.name.value_or("")},
            {"trigger", launch.run.trigger.value_or("")},
            {"reason", launch.run.reason.value_or("")},
            {"attempt", launch.run.attempt.value_or(1)},
            {"evidence", evidence}};
  return notify::toStructuredJson(e);
}

std::optional<rollout::ObservedRetrainingRun> observeRetrainingRun(const api::ModelDeployment& md,
                                                                   kube::KubeClient& client,
                                                                   const RetrainingOptions& options) {
  if (!md.spec.retraining || !md.status.retraining || !md.status.retraining->current) return std::nullopt;
  const std::string name = md.status.retraining->current->name.value_or("");
  if (name.empty()) return std::nullopt;
  if (md.spec.retraining->object) return observeObject(md, name, client);
  if (md.spec.retraining->job) return observeJob(md, name, client, options);
  return std::nullopt;
}

RetrainingApplied applyRetraining(const api::ModelDeployment& md, const rollout::Plan& plan, kube::KubeClient& client,
                                  const CancelToken& cancel, const RetrainingOptions& options) {
  if (plan.retraining) {
    auto started = startRun(md, *plan.retraining, client, cancel, options);
    if (!started) return {started.error(), ""};
  }
  if (!plan.automaticModel) return {};
  Json model = {{"version", plan.automaticModel->version.value_or("")}};
  model["uri"] = plan.automaticModel->uri ? Json(*plan.automaticModel->uri) : Json(nullptr);
  // Guarded by the resourceVersion read: a spec someone changed meanwhile is not overwritten.
  const Json patch = {{"metadata", {{"resourceVersion", md.resourceVersion()}}}, {"spec", {{"model", model}}}};
  auto written = client.patch(kube::resources::modelDeployments(), md.namespace_(), md.name(), kube::PatchType::Merge,
                              patch, {}, cancel);
  if (!written)
    return {"write spec.model (retraining rollout Automatic): " + written.error().describe() +
                (written.error().isForbidden() ? " (grant patch on modeldeployments: docs/operations.md)" : ""),
            ""};
  return {"", written->value("metadata", Json::object()).value("resourceVersion", "")};
}

}  // namespace modelops::reconciler
