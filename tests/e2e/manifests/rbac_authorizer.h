// kube-apiserver's RBAC authorizer, reproduced for the e2e.manifests tests: the dev server stores RBAC objects
// but allows every request (docs/devserver.md), so the tests decide from its audit whether each request the
// operator sent would have been allowed, with the same rules as rbac/v1 (plugin/pkg/auth/authorizer/rbac):
// a ClusterRoleBinding's rules apply everywhere, a RoleBinding's only to requests in its own namespace (so
// never to a cluster-wide list or watch, nor to a cluster-scoped object); a rule matches when its apiGroups,
// resources ("*", "res/sub", "*/sub") and verbs ("*") match, and, when it names resourceNames, only a request
// for one of those names (never a list, watch or create, which carry no name).
// Thread-safety: an RbacAuthorizer is immutable after construction; concurrent reads are safe.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::testing {

// One resource request, as the dev server's audit records it.
struct ApiRequest {
  std::string verb;         // get, list, watch, create, update, patch, delete, ...
  std::string group;        // "" for core/v1
  std::string resource;     // plural, with "/subresource" when there is one
  std::string ns;           // "" for a cluster-wide or cluster-scoped request
  std::string name;         // "" for list, watch, create
};

// The audit record's request (see docs/devserver.md, GET /admin/audit).
inline ApiRequest requestFromAudit(const nlohmann::json& record) {
  ApiRequest r{record.value("verb", ""), record.value("group", ""), record.value("resource", ""),
               record.value("namespace", ""), record.value("name", "")};
  if (!record.value("subresource", "").empty()) r.resource += "/" + record.value("subresource", "");
  return r;
}

inline std::string describe(const ApiRequest& r) {
  return r.verb + " " + (r.group.empty() ? "" : r.group + "/") + r.resource +
         (r.ns.empty() ? " (cluster-wide)" : " in " + r.ns) + (r.name.empty() ? "" : " name=" + r.name);
}

namespace rbacdetail {

inline bool listHas(const nlohmann::json& list, const std::string& value, const char* wildcard = "*") {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(), [&](const nlohmann::json& v) {
    return v.is_string() && (v.get<std::string>() == value || v.get<std::string>() == wildcard);
  });
}

inline bool resourceMatches(const nlohmann::json& resources, const std::string& resource) {
  if (listHas(resources, resource)) return true;
  const auto slash = resource.find('/');
  return slash != std::string::npos && listHas(resources, "*" + resource.substr(slash), "");
}

}  // namespace rbacdetail

// Whether one rbac/v1 PolicyRule allows the request.
inline bool ruleAllows(const nlohmann::json& rule, const ApiRequest& r) {
  if (!rbacdetail::listHas(rule.value("verbs", nlohmann::json::array()), r.verb)) return false;
  if (!rbacdetail::listHas(rule.value("apiGroups", nlohmann::json::array()), r.group)) return false;
  if (!rbacdetail::resourceMatches(rule.value("resources", nlohmann::json::array()), r.resource)) return false;
  const auto names = rule.value("resourceNames", nlohmann::json::array());
  if (names.is_array() && !names.empty()) return !r.name.empty() && rbacdetail::listHas(names, r.name, "");
  return true;
}

class RbacAuthorizer {
 public:
  // A set of rules and where they apply: namespace "" for a ClusterRoleBinding (everywhere), else the
  // RoleBinding's namespace.
  struct Binding {
    nlohmann::json rules;
    std::string ns;
    std::string source;  // for messages: "ClusterRole/x via ClusterRoleBinding/y"
  };

  explicit RbacAuthorizer(std::vector<Binding> bindings) : bindings_(std::move(bindings)) {}

  // The bindings of ServiceAccount ns/name among RBAC objects as the API returns them (ClusterRoles, Roles,
  // ClusterRoleBindings, RoleBindings in any order); a binding whose role is missing grants nothing, as in
  // Kubernetes.
  static RbacAuthorizer forServiceAccount(const std::vector<nlohmann::json>& objects, const std::string& saNamespace,
                                          const std::string& saName) {
    std::vector<Binding> out;
    for (const auto& b : objects) {
      const std::string kind = b.value("kind", "");
      if (kind != "ClusterRoleBinding" && kind != "RoleBinding") continue;
      if (!bindsServiceAccount(b, saNamespace, saName)) continue;
      const std::string bindingNs = kind == "RoleBinding" ? b["metadata"].value("namespace", "") : "";
      const auto& ref = b.value("roleRef", nlohmann::json::object());
      const std::string roleKind = ref.value("kind", ""), roleName = ref.value("name", "");
      for (const auto& role : objects) {
        if (role.value("kind", "") != roleKind || role["metadata"].value("name", "") != roleName) continue;
        if (roleKind == "Role" && role["metadata"].value("namespace", "") != bindingNs) continue;
        out.push_back({role.value("rules", nlohmann::json::array()), bindingNs,
                       roleKind + "/" + roleName + " via " + kind + "/" + b["metadata"].value("name", "")});
      }
    }
    return RbacAuthorizer(std::move(out));
  }

  // The binding that allows the request, or nullptr (kube-apiserver would answer 403 Forbidden).
  const Binding* allowedBy(const ApiRequest& r) const {
    for (const auto& b : bindings_) {
      if (!b.ns.empty() && b.ns != r.ns) continue;
      for (const auto& rule : b.rules)
        if (ruleAllows(rule, r)) return &b;
    }
    return nullptr;
  }
  bool allows(const ApiRequest& r) const { return allowedBy(r) != nullptr; }
  const std::vector<Binding>& bindings() const { return bindings_; }

 private:
  static bool bindsServiceAccount(const nlohmann::json& binding, const std::string& ns, const std::string& name) {
    for (const auto& s : binding.value("subjects", nlohmann::json::array()))
      if (s.value("kind", "") == "ServiceAccount" && s.value("name", "") == name && s.value("namespace", "") == ns)
        return true;
    return false;
  }
  std::vector<Binding> bindings_;
};

}  // namespace modelops::testing
