// PrometheusProvider: instant queries against the Prometheus HTTP API (/api/v1/query).
// Results: "vector" -> one Sample per series (labels = the series labels), "scalar" -> one Sample
// without labels. "matrix" and "string" results are errors (Kind::Unsupported, "unsupported result
// type"): a range selector without an aggregation is a spec mistake, never a value. An empty vector is
// no data (no samples), and "NaN"/"+Inf"/"-Inf" values stay non-finite (no data, never zero).
// status:"error" answers become Kind::QueryError with "QueryError: <errorType> (HTTP <status>...)": the
// errorType only when it is one Prometheus documents, the error text in ProviderError::detail only.
// Non-JSON answers: HttpStatus ("HTTP 503") or BadResponse, the body in detail only. Transport failures
// and limits: see http_call.h and provider.h.
// Addresses: http://host[:port][/prefix] and https://... (TLS verified against caPem when given,
// else the system CAs; insecureSkipVerify turns verification off).
// queryTogether(): the queries go in one request, each tagged with a label,
//   label_replace((Q0), "modelops_part", "0", "", "") or label_replace((Q1), "modelops_part", "1", "", "")
// which Prometheus evaluates on one snapshot of its storage, so successes and trials always come from the
// same scrapes (a label the queries' own series carry under that name is overwritten). When Prometheus
// rejects that (a query whose result is a scalar, a query-size limit), the queries are sent one by one,
// each at the evaluation time of the first answer.
// Thread-safety: query() may be called concurrently; each call uses its own HTTP client.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelops/analysis/provider.h"

namespace modelops::analysis {

struct HttpEndpoint {
  std::string scheme;      // "http" or "https"
  std::string host;
  int port = 0;
  std::string pathPrefix;  // "" or "/prefix" without a trailing slash
  std::string schemeHostPort() const {
    const bool v6 = host.find(':') != std::string::npos;
    return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};
// Parses "http://host:9090", "https://prom.example/sub/path", "http://[::1]:9090". Error code "InvalidAddress".
Result<HttpEndpoint> parseHttpAddress(const std::string& address);

struct PrometheusConfig {
  std::string address;                                   // http(s)://host[:port][/prefix]
  bool usePost = true;                                   // POST form-encoded (no URL length limit) or GET
  std::optional<std::string> bearerToken;                // Authorization: Bearer ...
  std::optional<std::pair<std::string, std::string>> basicAuth;  // user, password
  std::vector<std::pair<std::string, std::string>> headers;      // extra headers (e.g. X-Scope-OrgID)
  std::string caPem;                                     // PEM CA bundle for https (in memory); empty: system CAs
  bool insecureSkipVerify = false;
  std::chrono::milliseconds connectTimeout{5000};
  std::chrono::milliseconds readTimeout{10000};          // the overall deadline of one request (capped by limits)
  ProviderLimits limits;                                 // the operator's limits and destination policy
};

// Parses a /api/v1/query body. Pure; exposed for tests and other Prometheus-compatible backends.
// httpStatus is used only when the body is not a Prometheus JSON answer.
Result<QueryResult, ProviderError> parsePrometheusResponse(int httpStatus, const std::string& body,
                                                           const std::string& query);

class PrometheusProvider final : public MetricProvider {
 public:
  explicit PrometheusProvider(PrometheusConfig config);
  Result<QueryResult, ProviderError> query(const std::string& renderedQuery, const CancelToken& cancel) override;
  Result<std::vector<QueryResult>, ProviderError> queryTogether(const std::vector<std::string>& renderedQueries,
                                                                const CancelToken& cancel) override;
  const PrometheusConfig& config() const { return config_; }

  // The combined query of queryTogether() and the split of its answer (pure; for tests and fakes). The
  // split removes the label; a series without a known part is a BadResponse.
  static constexpr const char* kPartLabel = "modelops_part";
  static std::string combineQueries(const std::vector<std::string>& renderedQueries);
  static Result<std::vector<QueryResult>, ProviderError> splitCombined(QueryResult combined,
                                                                       const std::vector<std::string>& renderedQueries);

 private:
  // One /api/v1/query; `at` pins the evaluation time (Prometheus `time`), else the server's now.
  Result<QueryResult, ProviderError> send(const std::string& renderedQuery, std::optional<double> at,
                                          const CancelToken& cancel);
  PrometheusConfig config_;
};

}  // namespace modelops::analysis
