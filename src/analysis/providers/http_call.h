// One HTTP request for a metric provider, with the provider's auth, headers, TLS and timeouts, mapped
// to ProviderError kinds (refused -> Unreachable, timeouts -> Timeout, cancel -> Cancelled). Private to
// modelops_analysis_providers. Never logs or returns credentials.
// Thread-safety: each call builds its own client; safe to call concurrently.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/provider.h"

namespace modelops::analysis::detail {

struct HttpRequestSpec {
  HttpEndpoint endpoint;
  std::string method = "GET";  // GET or POST
  std::string pathAndQuery;    // appended to endpoint.pathPrefix, starts with '/'
  std::string body;            // POST only
  std::string contentType;     // POST only
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> bearerToken;
  std::optional<std::pair<std::string, std::string>> basicAuth;
  std::string caFile;
  bool insecureSkipVerify = false;
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds readTimeout{10000};
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// `what` names the call in error messages, e.g. "prometheus http://127.0.0.1:9090".
Result<HttpAnswer, ProviderError> httpCall(const HttpRequestSpec& spec, const std::string& what,
                                           const CancelToken& cancel);

}  // namespace modelops::analysis::detail
