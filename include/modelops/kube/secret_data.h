// The one way to read a value out of a Secret object (as a cache or the API returns it): data[key],
// base64-decoded, optionally only from Secrets that opted in with a label. Used for provider credentials,
// notification and retraining webhook URLs and tokens. The value is a credential: callers never log it.
// Thread-safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace modelops::kube {

struct SecretValueOptions {
  // Non-empty: the Secret must carry this label with the value "true" (opt-in), else no value.
  std::string_view requiredLabel;
  // Drop trailing CR/LF (Secrets made with `kubectl create secret --from-file` often end in a newline);
  // a value that is empty afterwards is no value.
  bool trimTrailingNewlines = false;
};

// nullopt when `secret` is not an object, lacks the label (if required) or the key, or the value is not base64.
std::optional<std::string> secretDataValue(const nlohmann::json& secret, std::string_view key,
                                           const SecretValueOptions& options = {});

}  // namespace modelops::kube
