// The rules kube-apiserver applies to every object it stores, so that the dev server refuses what a
// cluster refuses (422 Invalid, one cause per violation, with apimachinery's field paths and texts):
// - metadata.name: a DNS-1035 label for Services, a DNS-1123 label for Namespaces, a path segment for
//   RBAC kinds, a DNS-1123 subdomain for everything else (checked on create; names are immutable);
// - metadata.labels: qualified-name keys (optional DNS subdomain prefix + '/' + name of at most 63
//   characters) and label values (at most 63 characters);
// - metadata.annotations: qualified-name keys (case-insensitive) and at most 262144 bytes in total;
// - Deployment pod templates: every container (and init container) has an image, and a template
//   that declares a pod spec has at least one container.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_status.h"
#include "registry.h"

namespace modelops::devserver {

inline constexpr std::size_t kTotalAnnotationSizeLimitBytes = 256 * 1024;

// apimachinery's validation messages for one value (empty when valid).
std::vector<std::string> dns1123LabelErrors(std::string_view value);
std::vector<std::string> dns1123SubdomainErrors(std::string_view value);
std::vector<std::string> dns1035LabelErrors(std::string_view value);
std::vector<std::string> qualifiedNameErrors(std::string_view value);
std::vector<std::string> labelValueErrors(std::string_view value);
std::vector<std::string> pathSegmentNameErrors(std::string_view value);

// The metadata causes of obj (name only when isCreate), in kube-apiserver's order.
std::vector<StatusCause> objectMetaCauses(const ResourceType& type, const Json& obj, bool isCreate);
// Pod template causes for workload kinds (Deployments); empty for other kinds.
std::vector<StatusCause> podTemplateCauses(const ResourceType& type, const Json& obj);
// Both, as one 422 Invalid Status, or nullopt when the object passes.
std::optional<ApiStatus> validateObjectRules(const ResourceType& type, const Json& obj, bool isCreate);

}  // namespace modelops::devserver
