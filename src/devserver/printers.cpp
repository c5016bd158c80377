// Printer columns; see printers.h. The RBAC and ServiceAccount columns follow kube-apiserver's
// pkg/printers/internalversion: SERVICEACCOUNT shows SECRETS and AGE; roles show CREATED AT (RFC 3339,
// not an age); bindings show ROLE as Kind/name, AGE, and with -o wide the USERS, GROUPS and
// SERVICEACCOUNTS of their subjects.
// Thread-safety: pure functions.
#include "printers.h"

#include <functional>
#include <string>

namespace modelops::devserver {

namespace {

using apimachinery::PrinterColumn;

constexpr const char* kCreationTimestampDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was created.";

PrinterColumn age() {
  PrinterColumn c;
  c.name = "Age";
  c.type = "date";
  c.jsonPath = ".metadata.creationTimestamp";
  c.description = kCreationTimestampDescription;
  return c;
}

PrinterColumn createdAt() {
  return apimachinery::computedColumn("Created At", kCreationTimestampDescription, [](const Json& o, Clock::WallTime) -> Json {
    const Json& meta = o.contains("metadata") ? o["metadata"] : Json();
    return meta.is_object() ? Json(meta.value("creationTimestamp", "")) : Json("");
  }, 0, "date");
}

// Subjects of one kind, joined as kubectl prints them: names, or namespace/name for ServiceAccounts.
std::string subjects(const Json& binding, const std::string& kind) {
  std::string out;
  const Json& list = binding.contains("subjects") ? binding["subjects"] : Json();
  if (!list.is_array()) return out;
  for (const auto& s : list) {
    if (!s.is_object() || s.value("kind", "") != kind) continue;
    std::string entry = s.value("name", "");
    if (kind == "ServiceAccount") entry = s.value("namespace", "") + "/" + entry;
    out += (out.empty() ? "" : ", ") + entry;
  }
  return out;
}

std::vector<PrinterColumn> bindingColumns() {
  auto of = [](std::string kind) {
    return [kind](const Json& o, Clock::WallTime) { return Json(subjects(o, kind)); };
  };
  return {apimachinery::computedColumn("Role", "Role could be Role or ClusterRole",
                   [](const Json& o, Clock::WallTime) {
                     const Json& ref = o.contains("roleRef") ? o["roleRef"] : Json();
                     if (!ref.is_object()) return Json("");
                     return Json(ref.value("kind", "") + "/" + ref.value("name", ""));
                   }),
          age(),
          apimachinery::computedColumn("Users", "Users in the roleBinding", of("User"), 1),
          apimachinery::computedColumn("Groups", "Groups in the roleBinding", of("Group"), 1),
          apimachinery::computedColumn("ServiceAccounts", "ServiceAccounts in the roleBinding", of("ServiceAccount"), 1)};
}

}  // namespace

std::vector<PrinterColumn> printerColumns(const ResourceType& type) {
  if (type.custom) return apimachinery::crdColumns(type.printerColumns);
  if (type.group.empty() && type.kind == "ServiceAccount") {
    return {apimachinery::computedColumn("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.",
                     [](const Json& o, Clock::WallTime) {
                       const Json& s = o.contains("secrets") ? o["secrets"] : Json();
                       return Json(s.is_array() ? s.size() : 0);
                     }, 0, "integer"),
            age()};
  }
  if (type.group == "rbac.authorization.k8s.io") {
    if (type.kind == "Role" || type.kind == "ClusterRole") return {createdAt()};
    if (type.kind == "RoleBinding" || type.kind == "ClusterRoleBinding") return bindingColumns();
  }
  return apimachinery::builtinColumns(type.kind);
}

}  // namespace modelops::devserver
