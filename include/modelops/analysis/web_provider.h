// WebProvider: GET (or POST with a body) a JSON endpoint and pick numbers out of it with JSONPath
// (the apimachinery subset: $.a.b, $.a[0].b, $.items[*].value, filters). The "query" of a web metric is
// the JSONPath; the URL, body and headers are fixed per provider instance (the runner renders their
// templates per revision, URL values percent-encoded, body values JSON-escaped).
// Each selected value becomes one unlabelled Sample: numbers as they are, numeric strings parsed,
// null as NaN (no data). A path that selects nothing is no data (no samples). Booleans, objects and
// arrays are BadResponse errors. Non-2xx answers are HttpStatus errors ("HttpStatus: HTTP 404"). No
// message repeats what the endpoint answered (it reaches status and Events); that is in
// ProviderError::detail, for the debug log. Limits and destination policy: http_call.h, provider.h.
// Thread-safety: query() may be called concurrently; each call uses its own HTTP client.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelops/analysis/provider.h"

namespace modelops::analysis {

struct WebConfig {
  std::string url;            // http(s)://host[:port]/path?query (already rendered)
  std::string method = "GET"; // GET or POST
  std::string body;           // POST body (already rendered)
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> bearerToken;
  std::optional<std::pair<std::string, std::string>> basicAuth;
  std::string caPem;  // PEM CA bundle for https (in memory); empty: system CAs
  bool insecureSkipVerify = false;
  std::chrono::milliseconds timeout{10000};  // the overall deadline of one request (capped by limits)
  ProviderLimits limits;                      // the operator's limits and destination policy
};

// Picks the samples out of a JSON document. Pure; exposed for tests.
Result<QueryResult, ProviderError> extractJsonSamples(const std::string& body, const std::string& jsonPath);

class WebProvider final : public MetricProvider {
 public:
  explicit WebProvider(WebConfig config);
  Result<QueryResult, ProviderError> query(const std::string& jsonPath, const CancelToken& cancel) override;

 private:
  WebConfig config_;
};

}  // namespace modelops::analysis
