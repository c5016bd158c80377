// Built-in resource types, CRD-defined types and discovery documents; see registry.h.
// Thread-safety: a shared mutex guards types_ and groupOrder_.
#include "registry.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <regex>

namespace modelops::devserver {

namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

ResourceType builtin(std::string group, std::string plural, std::string singular, std::string kind,
                     bool namespaced, std::vector<std::string> shortNames, std::vector<std::string> categories,
                     bool hasStatus, bool hasScale = false) {
  ResourceType t;
  t.group = std::move(group);
  t.version = "v1";
  t.plural = std::move(plural);
  t.singular = std::move(singular);
  t.kind = std::move(kind);
  t.listKind = t.kind + "List";
  t.namespaced = namespaced;
  t.shortNames = std::move(shortNames);
  t.categories = std::move(categories);
  t.hasStatus = hasStatus;
  t.hasScale = hasScale;
  return t;
}

// Kubernetes version priority: GA > beta > alpha, higher numbers first, non-matching last by name.
struct VersionKey {
  int level;  // 3 GA, 2 beta, 1 alpha, 0 other
  int major;
  int minor;
  std::string text;
};
VersionKey versionKey(const std::string& v) {
  static const std::regex re(R"(^v(\d+)(?:(alpha|beta)(\d+))?$)");
  std::smatch m;
  if (!std::regex_match(v, m, re)) return {0, 0, 0, v};
  int level = m[2].matched ? (m[2] == "beta" ? 2 : 1) : 3;
  return {level, std::stoi(m[1]), m[3].matched ? std::stoi(m[3]) : 0, v};
}
bool versionBefore(const std::string& a, const std::string& b) {
  auto ka = versionKey(a), kb = versionKey(b);
  if (ka.level != kb.level) return ka.level > kb.level;
  if (ka.level == 0) return ka.text < kb.text;
  if (ka.major != kb.major) return ka.major > kb.major;
  return ka.minor > kb.minor;
}

std::vector<std::string> stringList(const Json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

Registry::Registry() {
  std::unique_lock lock(mu_);
  groupOrder_ = {"", "apps", "events.k8s.io", "rbac.authorization.k8s.io", "coordination.k8s.io",
                 "apiextensions.k8s.io"};
  addLocked(builtin("", "namespaces", "namespace", "Namespace", false, {"ns"}, {}, true));
  addLocked(builtin("", "configmaps", "configmap", "ConfigMap", true, {"cm"}, {}, false));
  addLocked(builtin("", "secrets", "secret", "Secret", true, {}, {}, false));
  addLocked(builtin("", "services", "service", "Service", true, {"svc"}, {"all"}, true));
  addLocked(builtin("", "events", "event", "Event", true, {"ev"}, {}, false));
  addLocked(builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}, {}, false));
  addLocked(builtin("apps", "deployments", "deployment", "Deployment", true, {"deploy"}, {"all"}, true, true));
  // Jobs and their Pods, run by the JobSimulator (jobs.h); Pods exist only as Jobs' pods.
  addLocked(builtin("", "pods", "pod", "Pod", true, {"po"}, {"all"}, true));
  addLocked(builtin("batch", "jobs", "job", "Job", true, {}, {"all"}, true));
  addLocked(builtin("events.k8s.io", "events", "event", "Event", true, {"ev"}, {}, false));
  // RBAC objects are stored and served (so that install manifests apply) but never enforced.
  addLocked(builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {}, {}, false));
  addLocked(builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding",
                    false, {}, {}, false));
  addLocked(builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}, {}, false));
  addLocked(builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, {}, {}, false));
  addLocked(builtin("coordination.k8s.io", "leases", "lease", "Lease", true, {}, {}, false));
  addLocked(builtin("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition",
                    "CustomResourceDefinition", false, {"crd", "crds"}, {"api-extensions"}, true));
  // Stored, and called by the write path (admission.h).
  addLocked(builtin("admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration",
                    "ValidatingWebhookConfiguration", false, {}, {"api-extensions"}, false));
}

void Registry::addLocked(ResourceType type) {
  if (std::find(groupOrder_.begin(), groupOrder_.end(), type.group) == groupOrder_.end())
    groupOrder_.push_back(type.group);
  auto k = key(type.group, type.version, type.plural);
  types_[k] = std::make_shared<const ResourceType>(std::move(type));
}

ResourceTypePtr Registry::find(const std::string& group, const std::string& version,
                               const std::string& plural) const {
  std::shared_lock lock(mu_);
  auto it = types_.find(key(group, version, plural));
  return it == types_.end() ? nullptr : it->second;
}

ResourceTypePtr Registry::findByKind(const std::string& apiVersion, const std::string& kind) const {
  std::shared_lock lock(mu_);
  for (const auto& [k, t] : types_)
    if (t->apiVersion() == apiVersion && t->kind == kind) return t;
  return nullptr;
}

ResourceTypePtr Registry::findByStorageKey(const std::string& storageKey) const {
  std::shared_lock lock(mu_);
  ResourceTypePtr fallback;
  for (const auto& [k, t] : types_) {
    if (t->storageKey() != storageKey) continue;
    if (t->storageVersion) return t;
    fallback = t;
  }
  return fallback;
}

std::vector<ResourceTypePtr> Registry::all() const {
  std::shared_lock lock(mu_);
  std::vector<ResourceTypePtr> out;
  for (const auto& [k, t] : types_) out.push_back(t);
  return out;
}

void Registry::setCustom(const std::string& crdName, const std::vector<ResourceType>& types) {
  std::unique_lock lock(mu_);
  for (auto it = types_.begin(); it != types_.end();) {
    if (it->second->custom && it->second->crdName == crdName)
      it = types_.erase(it);
    else
      ++it;
  }
  for (const auto& t : types) addLocked(t);
}

std::optional<std::vector<ResourceType>> Registry::typesFromCrd(const Json& crd, std::string* error) {
  auto fail = [&](const std::string& m) -> std::optional<std::vector<ResourceType>> {
    if (error) *error = m;
    return std::nullopt;
  };
  const Json& spec = crd.contains("spec") ? crd["spec"] : Json::object();
  if (!spec.is_object()) return fail("spec must be an object");
  const Json names = spec.value("names", Json::object());
  std::string group = spec.value("group", "");
  std::string plural = names.is_object() ? names.value("plural", "") : "";
  std::string kind = names.is_object() ? names.value("kind", "") : "";
  if (group.empty() || plural.empty() || kind.empty()) return fail("spec.group, spec.names.plural and spec.names.kind are required");
  std::vector<ResourceType> out;
  const Json versions = spec.value("versions", Json::array());
  if (!versions.is_array()) return fail("spec.versions must be a list");
  for (const auto& v : versions) {
    if (!v.is_object() || !v.value("served", true)) continue;
    ResourceType t;
    t.group = group;
    t.version = v.value("name", "");
    if (t.version.empty()) return fail("spec.versions[].name is required");
    t.plural = plural;
    t.kind = kind;
    t.singular = names.value("singular", "");
    if (t.singular.empty()) {
      t.singular = kind;
      std::transform(t.singular.begin(), t.singular.end(), t.singular.begin(), ::tolower);
    }
    t.listKind = names.value("listKind", kind + "List");
    t.namespaced = spec.value("scope", "Namespaced") != "Cluster";
    t.shortNames = stringList(names.value("shortNames", Json::array()));
    t.categories = stringList(names.value("categories", Json::array()));
    const Json sub = v.value("subresources", Json::object());
    t.hasStatus = sub.is_object() && sub.contains("status");
    t.hasScale = sub.is_object() && sub.contains("scale");
    t.custom = true;
    t.storageVersion = v.value("storage", false);
    t.crdName = plural + "." + group;
    const Json schema = v.value("schema", Json::object());
    t.schema = schema.is_object() ? schema.value("openAPIV3Schema", Json()) : Json();
    t.preserveUnknownFields = t.schema.is_object() && t.schema.value("x-kubernetes-preserve-unknown-fields", false);
    t.printerColumns = v.value("additionalPrinterColumns", Json::array());
    if (t.schema.is_object()) {
      auto parsed = apimachinery::StructuralSchema::fromJson(t.schema);
      if (!parsed) return fail("spec.versions[" + t.version + "].schema.openAPIV3Schema: " + parsed.error().message);
      t.structural = std::make_shared<const apimachinery::StructuralSchema>(std::move(parsed).value());
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) return fail("spec.versions must have at least one served version");
  return out;
}

std::map<std::string, std::vector<std::string>> Registry::versionsLocked() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [k, t] : types_) {
    auto& list = out[t->group];
    if (std::find(list.begin(), list.end(), t->version) == list.end()) list.push_back(t->version);
  }
  for (auto& [g, list] : out) std::sort(list.begin(), list.end(), versionBefore);
  return out;
}

Json Registry::coreVersions(const std::string& serverAddress) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", serverAddress}}}}};
}

static Json groupJson(const std::string& name, const std::vector<std::string>& versions) {
  Json vs = Json::array();
  for (const auto& v : versions) vs.push_back({{"groupVersion", name + "/" + v}, {"version", v}});
  return {{"name", name}, {"versions", vs}, {"preferredVersion", vs.at(0)}};
}

Json Registry::groupList() const {
  std::shared_lock lock(mu_);
  auto versions = versionsLocked();
  Json groups = Json::array();
  for (const auto& g : groupOrder_) {
    if (g.empty()) continue;
    auto it = versions.find(g);
    if (it == versions.end()) continue;
    groups.push_back(groupJson(g, it->second));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<Json> Registry::group(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto versions = versionsLocked();
  auto it = versions.find(name);
  if (name.empty() || it == versions.end()) return std::nullopt;
  Json g = groupJson(name, it->second);
  g["kind"] = "APIGroup";
  g["apiVersion"] = "v1";
  return g;
}

std::optional<Json> Registry::resourceList(const std::string& group, const std::string& version) const {
  std::shared_lock lock(mu_);
  Json resources = Json::array();
  for (const auto& [k, t] : types_) {
    if (t->group != group || t->version != version) continue;
    Json r = {{"name", t->plural}, {"singularName", t->singular}, {"namespaced", t->namespaced},
              {"kind", t->kind}, {"verbs", kAllVerbs}};
    if (t->plural == "namespaces") r["verbs"] = {"create", "delete", "get", "list", "patch", "update", "watch"};
    if (!t->shortNames.empty()) r["shortNames"] = t->shortNames;
    if (!t->categories.empty()) r["categories"] = t->categories;
    resources.push_back(r);
    if (t->hasStatus)
      resources.push_back({{"name", t->plural + "/status"}, {"singularName", ""}, {"namespaced", t->namespaced},
                           {"kind", t->kind}, {"verbs", {"get", "patch", "update"}}});
    if (t->hasScale)
      resources.push_back({{"name", t->plural + "/scale"}, {"singularName", ""}, {"namespaced", t->namespaced},
                           {"group", "autoscaling"}, {"version", "v1"}, {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
  }
  if (resources.empty()) return std::nullopt;
  std::string gv = group.empty() ? version : group + "/" + version;
  return Json{{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv}, {"resources", resources}};
}

}  // namespace modelops::devserver
