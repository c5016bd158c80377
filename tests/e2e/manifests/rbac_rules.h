// RBAC rules as the e2e.manifests tests read them: from the kustomize base (plain YAML) and from the Helm
// chart's templates/rbac.yaml without helm (template lines dropped, so every optional rule is on), and
// their expansion into the individual grants "verb group/resource" ("" group written as nothing).
// Thread-safety: pure functions.
#pragma once

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/yaml/yaml.h"

namespace modelops::testing {

// One API call or grant: "watch modelops.dev/modeldeployments", "create events", "update .../status".
inline std::string grantName(const std::string& verb, const std::string& group, const std::string& resource) {
  return verb + " " + (group.empty() ? "" : group + "/") + resource;
}

inline std::set<std::string> expandRules(const nlohmann::json& rules) {
  std::set<std::string> out;
  if (!rules.is_array()) return out;
  for (const auto& r : rules)
    for (const auto& g : r.value("apiGroups", nlohmann::json::array()))
      for (const auto& res : r.value("resources", nlohmann::json::array()))
        for (const auto& v : r.value("verbs", nlohmann::json::array()))
          out.insert(grantName(v.get<std::string>(), g.get<std::string>(), res.get<std::string>()));
  return out;
}

// Whether any rule grants something on the admission webhook's objects (its ValidatingWebhookConfiguration, or a
// Secret by a *-webhook-certs name): those rights belong with the webhook (manifests/webhook/rbac.yaml, the
// chart's templates/webhook.yaml), never in the operator's own rules.
inline bool grantsWebhookRights(const nlohmann::json& rules) {
  for (const auto& rule : rules) {
    for (const auto& res : rule.value("resources", nlohmann::json::array()))
      if (res == "validatingwebhookconfigurations") return true;
    for (const auto& name : rule.value("resourceNames", nlohmann::json::array()))
      if (name.is_string() && name.get<std::string>().ends_with("-webhook-certs")) return true;
  }
  return false;
}

// Every top-level `rules:` block of a Helm template, in order, each parsed as YAML after dropping the
// lines that hold template actions (`{{ ... }}`); a block ends at the next `---` document separator.
// Errors are reported through *error (empty when none).
inline std::vector<nlohmann::json> helmRuleBlocks(const std::string& templateText, std::string* error) {
  std::vector<nlohmann::json> out;
  std::istringstream in(templateText);
  std::string block;
  bool inRules = false;
  auto flush = [&] {
    if (!inRules) return;
    auto parsed = modelops::yaml::loadYamlDocuments(block, "rbac.yaml rules");
    if (!parsed.ok()) {
      *error = parsed.error().message;
    } else if (parsed.value().size() == 1) {
      out.push_back(parsed.value()[0]);
    } else {
      *error = "a rules block is not one YAML list";
    }
    block.clear();
    inRules = false;
  };
  for (std::string line; std::getline(in, line);) {
    if (line == "rules:") {
      flush();
      inRules = true;
      continue;
    }
    if (line == "---") flush();
    if (inRules && line.find("{{") == std::string::npos) block += line + "\n";
  }
  flush();
  return out;
}

}  // namespace modelops::testing
