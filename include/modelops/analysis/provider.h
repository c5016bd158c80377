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
// What a remote endpoint answered never reaches status, conditions or Events: ProviderError::message is
// a fixed error class ("HttpStatus: HTTP 503", "ResponseTooLarge: ...") plus what the spec itself named
// (the provider's address, the query); the body text goes to `detail`, which only the operator's debug
// log shows (bounded, see kMaxDetailBytes).
// Limits (ProviderLimits, operator-level): every request has an overall deadline that includes name
// resolution, connect, TLS, headers and body; a response body larger than maxResponseBytes is refused
// (by Content-Length before reading, else when the limit is crossed); destinations are checked against
// the operator's DestinationPolicy after name resolution. A failed request is never retried: it is an
// Error verdict, and the next attempt is the next analysis interval.
// Thread-safety: implementations must allow concurrent query() calls from different threads.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/analysis/destination_policy.h"
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

// Operator-level limits for every provider request (flags --provider-*).
struct ProviderLimits {
  static constexpr std::size_t kDefaultMaxResponseBytes = std::size_t{4} << 20;  // 4 MiB
  std::size_t maxResponseBytes = kDefaultMaxResponseBytes;
  // Caps the overall deadline of one request (a metric's own timeout is used when it is shorter).
  std::chrono::milliseconds maxRequestTimeout{30000};
  // Null: DestinationPolicy() (only the built-in denials).
  std::shared_ptr<const DestinationPolicy> destinations;
};

struct ProviderError {
  // The text of toString(kind) is the error class users see, e.g. "DNSFailure".
  enum class Kind {
    InvalidConfig,      // the provider spec cannot work (bad address, unusable CA data)
    Unreachable,        // connection refused or reset, host unreachable, TLS handshake failure
    DnsFailure,         // the host name does not resolve (or resolution timed out)
    DestinationDenied,  // the operator's provider policy denies the host or an address it resolves to
    ResponseTooLarge,   // the answer is larger than ProviderLimits::maxResponseBytes
    Timeout,            // no complete answer within the request's overall deadline
    Cancelled,        // the CancelToken was cancelled
    HttpStatus,       // a non-2xx answer without a recognisable error body
    QueryError,       // the backend rejected the query (Prometheus status:"error")
    BadResponse,      // the body is not the JSON we expect
    Unsupported,      // a well-formed answer we cannot judge (matrix or string result)
  };
  Kind kind = Kind::BadResponse;
  std::string message;  // one line, for people; error class + fixed text; never credentials or body text
  std::string query;    // the query as sent, when there was one
  std::string detail = {};  // what the endpoint said (body text), for the debug log only; at most kMaxDetailBytes
  static constexpr std::size_t kMaxDetailBytes = 2048;
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
