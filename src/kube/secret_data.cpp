// See secret_data.h.
#include "modelops/kube/secret_data.h"

#include "modelops/kube/config.h"

namespace modelops::kube {
namespace {

bool carriesLabel(const nlohmann::json& secret, std::string_view label) {
  auto meta = secret.find("metadata");
  if (meta == secret.end() || !meta->is_object()) return false;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return false;
  auto value = labels->find(std::string(label));
  return value != labels->end() && value->is_string() && value->get<std::string>() == "true";
}

}  // namespace

std::optional<std::string> secretDataValue(const nlohmann::json& secret, std::string_view key,
                                           const SecretValueOptions& options) {
  if (!secret.is_object()) return std::nullopt;
  if (!options.requiredLabel.empty() && !carriesLabel(secret, options.requiredLabel)) return std::nullopt;
  auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return std::nullopt;
  auto value = data->find(std::string(key));
  if (value == data->end() || !value->is_string()) return std::nullopt;
  auto decoded = decodeBase64(value->get_ref<const std::string&>());
  if (!decoded) return std::nullopt;
  if (options.trimTrailingNewlines) {
    while (!decoded->empty() && (decoded->back() == '\n' || decoded->back() == '\r')) decoded->pop_back();
    if (decoded->empty()) return std::nullopt;
  }
  return decoded;
}

}  // namespace modelops::kube
