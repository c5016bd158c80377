// One HTTP request for a metric provider, with the provider's auth, headers and TLS, under the operator's
// ProviderLimits, and the mapping of every way it can fail to a short, fixed error class (provider.h).
// Private to modelops_analysis_providers. Never logs or returns credentials or body text in `message`.
//
// What a call does, in order, all within one overall deadline (`deadline`, from the call's start):
//   1. resolves the host (getaddrinfo on a helper thread, so a hung resolver costs at most the deadline;
//      an address literal is not resolved), at most kMaxResolvedAddresses addresses;
//   2. checks the host name and every resolved address against the DestinationPolicy;
//   3. connects to a checked address (cpp-httplib's host-to-address map: the Host header, SNI and
//      certificate verification still use the host name), never resolving the name again; a refused
//      connection moves on to the next checked address, at most kMaxConnectAttempts;
//   4. refuses a Content-Length above maxResponseBytes before reading the body, and stops reading when
//      the body crosses it (chunked or endless answers), so at most maxResponseBytes are ever held;
//   5. stops at the deadline whatever the peer does: a watchdog thread stops the client (a slow trickle
//      of headers or body), and the body receiver checks the clock on every chunk;
//   6. stops an answer whose headers never end: the watchdog reads the socket's received byte count
//      (TCP_INFO) and stops the client beyond 2 x maxResponseBytes + kHeaderAllowance on the wire
//      (cpp-httplib bounds a header line, not the number of lines, and hands nothing to us before the
//      last one; the factor 2 leaves room for chunked framing).
// Redirects are not followed (a 3xx is an HttpStatus error), so a redirect cannot reach past the policy.
// TLS: caPem is loaded into an in-memory X509_STORE and the server chain is verified against that store
// only (a verify callback: cpp-httplib 0.11.4's set_ca_cert_store would add the system CAs to it).
// Thread-safety: each call builds its own client; safe to call concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modelops/analysis/destination_policy.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/provider.h"

namespace modelops::analysis::detail {

constexpr std::size_t kMaxResolvedAddresses = 32;
constexpr std::size_t kMaxConnectAttempts = 4;
constexpr std::size_t kHeaderAllowance = 64 * 1024;  // headers and TLS handshake, on top of the body limit

struct HttpRequestSpec {
  HttpEndpoint endpoint;
  std::string method = "GET";  // GET or POST
  std::string pathAndQuery;    // appended to endpoint.pathPrefix, starts with '/'
  std::string body;            // POST only
  std::string contentType;     // POST only
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> bearerToken;
  std::optional<std::pair<std::string, std::string>> basicAuth;
  std::string caPem;  // PEM CA bundle for https; empty: the system CAs
  bool insecureSkipVerify = false;
  std::chrono::milliseconds connectTimeout{5000};  // also capped by what is left of the deadline
  std::chrono::milliseconds deadline{10000};       // overall: resolve, connect, TLS, headers, body
  std::size_t maxResponseBytes = ProviderLimits::kDefaultMaxResponseBytes;
  std::shared_ptr<const DestinationPolicy> destinations;  // null: the built-in denials only
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// What a call held and how long it took (tests assert the memory bound on this, not on RSS).
struct HttpCallStats {
  std::size_t maxBodyBytesHeld = 0;
  std::chrono::milliseconds elapsed{0};
};

// The spec's limits from a provider's own timeout and the operator's limits.
void applyLimits(HttpRequestSpec& spec, std::chrono::milliseconds providerTimeout, const ProviderLimits& limits);

// `what` names the call in error messages, e.g. "prometheus http://127.0.0.1:9090".
Result<HttpAnswer, ProviderError> httpCall(const HttpRequestSpec& spec, const std::string& what,
                                           const CancelToken& cancel, HttpCallStats* stats = nullptr);

// ---- error classes (pure; exposed for tests) ----

// How the transport failed, independent of cpp-httplib's enum.
enum class TransportFailure { Connection, ConnectionTimeout, Read, Write, Canceled, TlsLoadingCerts, TlsHandshake,
                              TlsVerification, Other };
// Why this side stopped the request, if it did (checked before the transport failure: a stop shows up
// as a Read or Canceled failure).
enum class StopReason { None, Cancelled, TooLarge, Deadline };

ProviderError classifyFailure(TransportFailure failure, StopReason stop, const std::string& what,
                              std::chrono::milliseconds deadline, std::size_t maxResponseBytes);

// A non-2xx answer: "HttpStatus: HTTP <status>"; the body goes to detail only.
ProviderError httpStatusError(const std::string& what, int status, const std::string& body, const std::string& query);

// At most ProviderError::kMaxDetailBytes of `text`, one line, with a note when cut.
std::string boundedDetail(const std::string& text);

// Logs the error's detail (the endpoint's words) at debug level and returns the error unchanged.
ProviderError logDetail(ProviderError error);

// ---- name resolution, watchdog, CA store (net_guard.cpp) ----

// The host's addresses (an address literal: itself), or DnsFailure / Timeout / Cancelled.
Result<std::vector<IpAddress>, ProviderError> resolveHost(const std::string& host,
                                                          std::chrono::steady_clock::time_point deadline,
                                                          const std::string& what, const CancelToken& cancel);

// Watches one request: every 50 ms it asks overBudget() (bytes received on the socket beyond the size
// budget), and at the deadline or over budget it calls stop(), then again every 100 ms until destroyed
// (a stop issued while the client was between sockets is issued again). Joins its thread on destruction.
class RequestWatchdog {
 public:
  RequestWatchdog(std::chrono::steady_clock::time_point deadline, std::function<bool()> overBudget,
                  std::function<void()> stop);
  ~RequestWatchdog();
  RequestWatchdog(const RequestWatchdog&) = delete;
  RequestWatchdog& operator=(const RequestWatchdog&) = delete;
  // None, Deadline or TooLarge: why it stopped the request, if it did.
  StopReason stopReason() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What the kernel received on a TCP socket so far (TCP_INFO), or nullopt (socket_budget.cpp).
std::optional<std::uint64_t> tcpBytesReceived(int fd);

}  // namespace modelops::analysis::detail
