// MetricProvider: the one interface the analysis runner asks for measurements (Prometheus, web JSON,
// fakes in tests). A query returns labelled samples; "no data" is distinguishable from an error:
//   - an error (ProviderError) means the provider could not answer: unreachable, timeout, HTTP or
//     query error, malformed or unsupported response;
//   - no data means the provider answered but there is nothing to judge: no series at all, or series
//     whose value is NaN or +-Inf. Such samples are kept with their non-finite value (never turned into
//     zero) so the caller can see which series exist; use Sample::hasValue() before using the value.
// Cancellation: the HTTP providers register a callback on the CancelToken that stops the request in
// flight (it holds only a weak reference to the request's client). CancelToken has no way to remove a
// callback, so pass a token that lives for one measurement or one analysis run, not the process's
// shutdown token, or its callback list grows with every query.
// Consistency: queryTogether() answers several queries as of one moment where the backend can, so a ratio
// of two counters is never taken across a scrape (successes read before a scrape, trials after it, which
// on a young canary moved a 0.95 accuracy to 0.82).
// Thread-safety: implementations must allow concurrent query() calls from different threads.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/result.h"

namespace modelops::analysis {

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
  bool hasValue() const { return std::isfinite(value); }
};

struct QueryResult {
  std::vector<Sample> samples;
  std::string query;  // the query as sent (after template rendering), for evidence
  std::optional<double> evaluatedAt;  // the evaluation time the backend reported (Unix seconds), if any
  // True when at least one sample carries a finite value.
  bool hasData() const {
    for (const auto& s : samples) {
      if (s.hasValue()) return true;
    }
    return false;
  }
};

struct ProviderError {
  enum class Kind {
    InvalidConfig,    // the provider spec cannot work (bad address, unreadable CA file)
    Unreachable,      // connection refused, DNS failure, TLS handshake failure
    Timeout,          // connection or read timed out
    Cancelled,        // the CancelToken was cancelled
    HttpStatus,       // a non-2xx answer without a recognisable error body
    QueryError,       // the backend rejected the query (Prometheus status:"error")
    BadResponse,      // the body is not the JSON we expect
    Unsupported,      // a well-formed answer we cannot judge (matrix or string result)
  };
  Kind kind = Kind::BadResponse;
  std::string message;  // one line, for people; never contains credentials
  std::string query;    // the query as sent, when there was one
};

std::string_view toString(ProviderError::Kind kind);

class MetricProvider {
 public:
  virtual ~MetricProvider() = default;
  virtual Result<QueryResult, ProviderError> query(const std::string& renderedQuery,
                                                   const CancelToken& cancel) = 0;
  // One result per query, in order. The default asks them one after another (no common moment); an
  // error carries the query that failed.
  virtual Result<std::vector<QueryResult>, ProviderError> queryTogether(const std::vector<std::string>& renderedQueries,
                                                                        const CancelToken& cancel);
};

}  // namespace modelops::analysis
