// HTTP call helper for metric providers: limits, destination policy, TLS from memory, error classes
// (see http_call.h).
// Thread-safety: no shared state; the cancel callback and the watchdog hold only a weak reference to the
// client, and the watchdog is joined before the client is destroyed.
#include "http_call.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include <httplib.h>

#include "modelops/common/logging.h"

namespace modelops::analysis::detail {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = ProviderError::Kind;

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

struct X509StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
using CaStore = std::unique_ptr<X509_STORE, X509StoreFree>;

// Every certificate of a PEM bundle, in an in-memory store. No certificate at all is an error.
Result<CaStore, ProviderError> caStoreFromPem(const std::string& pem, const std::string& what) {
  CaStore store(X509_STORE_new());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!store || !bio) return ProviderError{Kind::InvalidConfig, what + ": InvalidConfig: cannot allocate a CA store", ""};
  int loaded = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store.get(), cert) == 1) ++loaded;
    X509_free(cert);
  }
  ERR_clear_error();  // the loop ends on an expected "no start line"
  if (loaded == 0) {
    return ProviderError{Kind::InvalidConfig, what + ": InvalidConfig: the CA data holds no PEM certificate", ""};
  }
  return store;
}

// Verifies the server's chain against our store only (arg), whatever the SSL_CTX's store holds; the
// result lands in the handshake's verify result, which cpp-httplib checks.
int verifyWithOwnStore(X509_STORE_CTX* handshake, void* arg) {
  auto* store = static_cast<X509_STORE*>(arg);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> own(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  if (!own || X509_STORE_CTX_init(own.get(), store, X509_STORE_CTX_get0_cert(handshake),
                                  X509_STORE_CTX_get0_untrusted(handshake)) != 1) {
    X509_STORE_CTX_set_error(handshake, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  X509_STORE_CTX_set_default(own.get(), "ssl_server");
  const int ok = X509_verify_cert(own.get());
  X509_STORE_CTX_set_error(handshake, ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(own.get()));
  return ok == 1 ? 1 : 0;
}

TransportFailure transportFailureOf(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return TransportFailure::Connection;
    case httplib::Error::ConnectionTimeout: return TransportFailure::ConnectionTimeout;
    case httplib::Error::Read: return TransportFailure::Read;
    case httplib::Error::Write: return TransportFailure::Write;
    case httplib::Error::Canceled: return TransportFailure::Canceled;
    case httplib::Error::SSLLoadingCerts: return TransportFailure::TlsLoadingCerts;
    case httplib::Error::SSLConnection: return TransportFailure::TlsHandshake;
    case httplib::Error::SSLServerVerification: return TransportFailure::TlsVerification;
    default: return TransportFailure::Other;
  }
}

// Collects the body within the size limit and the deadline; remembers why it stopped the request.
class BodyCollector {
 public:
  BodyCollector(std::size_t limit, Clock::time_point deadline, const CancelToken& cancel)
      : limit_(limit), deadline_(deadline), cancel_(cancel) {}

  bool onHeaders(const httplib::Response& response) {
    const std::string length = response.get_header_value("Content-Length");
    if (!length.empty()) {
      // Refuse before reading: an announced 2 GiB is never waited for. Unparseable lengths are left to
      // the body limit (cpp-httplib rejects them itself).
      char* end = nullptr;
      const unsigned long long announced = std::strtoull(length.c_str(), &end, 10);
      if (end != length.c_str() && *end == '\0' && announced > limit_) return stop(StopReason::TooLarge);
    }
    return proceed();
  }

  bool onChunk(const char* data, std::size_t size) {
    if (size > limit_ - body_.size()) return stop(StopReason::TooLarge);
    body_.append(data, size);
    maxHeld_ = std::max(maxHeld_, body_.size());
    return proceed();
  }

  StopReason stopped() const { return stop_; }
  std::size_t maxHeld() const { return maxHeld_; }
  std::string takeBody() { return std::move(body_); }

 private:
  bool proceed() {
    if (cancel_.cancelled()) return stop(StopReason::Cancelled);
    if (Clock::now() >= deadline_) return stop(StopReason::Deadline);
    return true;
  }
  bool stop(StopReason why) {
    if (stop_ == StopReason::None) stop_ = why;
    return false;
  }

  std::size_t limit_;
  Clock::time_point deadline_;
  const CancelToken& cancel_;
  std::string body_;
  std::size_t maxHeld_ = 0;
  StopReason stop_ = StopReason::None;
};

std::string urlHost(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// A client for the checked address: the host name stays the request's identity (Host, SNI, certificate).
Result<std::shared_ptr<httplib::Client>, ProviderError> makeClient(const HttpRequestSpec& spec, const std::string& what,
                                                                    const IpAddress& address, X509_STORE* caStore) {
  const auto& ep = spec.endpoint;
  // Always the checked address: a name is mapped to it (not resolved again); an address literal is
  // replaced by it, so a mapped literal (::ffff:a.b.c.d) connects to the IPv4 address it was checked as.
  const bool literal = parseIpAddress(ep.host).has_value();
  const std::string host = literal ? address.toString() : ep.host;
  std::shared_ptr<httplib::Client> client;
  try {
    client = std::make_shared<httplib::Client>(ep.scheme + "://" + urlHost(host) + ":" + std::to_string(ep.port));
  } catch (const std::exception&) {
    return ProviderError{Kind::InvalidConfig, what + ": InvalidConfig: cannot create an HTTP client", ""};
  }
  if (!client->is_valid()) return ProviderError{Kind::InvalidConfig, what + ": InvalidConfig: cannot create an HTTP client", ""};
  if (!literal) client->set_hostname_addr_map({{ep.host, address.toString()}});
  client->set_keep_alive(false);
  client->set_follow_location(false);
  if (ep.scheme == "https") {
    client->enable_server_certificate_verification(!spec.insecureSkipVerify);
    if (caStore != nullptr && !spec.insecureSkipVerify) {
      SSL_CTX_set_cert_verify_callback(client->ssl_context(), verifyWithOwnStore, caStore);
    }
  }
  if (spec.bearerToken) client->set_bearer_token_auth(*spec.bearerToken);
  if (spec.basicAuth) client->set_basic_auth(spec.basicAuth->first, spec.basicAuth->second);
  return client;
}

httplib::Request buildRequest(const HttpRequestSpec& spec, BodyCollector& collector) {
  httplib::Request req;
  req.method = spec.method == "POST" ? "POST" : "GET";
  req.path = spec.endpoint.pathPrefix + spec.pathAndQuery;
  for (const auto& [k, v] : spec.headers) req.headers.emplace(k, v);
  req.headers.emplace("Accept", "application/json");
  if (req.method == "POST") {
    req.body = spec.body;
    req.headers.emplace("Content-Type", spec.contentType.empty() ? "application/octet-stream" : spec.contentType);
  }
  req.response_handler = [&collector](const httplib::Response& r) { return collector.onHeaders(r); };
  req.content_receiver = [&collector](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    return collector.onChunk(data, size);
  };
  return req;
}

// Resolves and checks the destination: the addresses to connect to (every one checked), or the error.
Result<std::vector<IpAddress>, ProviderError> checkedAddresses(const HttpRequestSpec& spec, const std::string& what,
                                                               Clock::time_point deadline, const CancelToken& cancel) {
  auto addresses = resolveHost(spec.endpoint.host, deadline, what, cancel);
  if (!addresses.ok()) return addresses.error();
  static const auto kBuiltIn = std::make_shared<const DestinationPolicy>();
  const auto& policy = spec.destinations ? *spec.destinations : *kBuiltIn;
  const auto decision = policy.check(spec.endpoint.host, *addresses);
  if (!decision.allowed) return ProviderError{Kind::DestinationDenied, what + ": DestinationDenied: " + decision.reason, ""};
  return addresses;
}

// One request to one checked address, under the watchdog and the cancel token.
struct Attempt {
  bool sent = false;
  httplib::Error error = httplib::Error::Success;
  StopReason stop = StopReason::None;
  int status = 0;
};

Attempt sendOnce(httplib::Client& client, const HttpRequestSpec& spec, BodyCollector& collector,
                 Clock::time_point deadline, const CancelToken& cancel, std::weak_ptr<httplib::Client> weak) {
  Attempt out;
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (remaining.count() <= 0) {
    out.stop = StopReason::Deadline;
    return out;
  }
  client.set_connection_timeout(std::min(spec.connectTimeout, remaining));
  // Per-read timeouts a little beyond the deadline: the watchdog is what ends the request, so its end
  // is always classified as the Timeout it is.
  client.set_read_timeout(remaining + std::chrono::seconds(1));
  client.set_write_timeout(remaining + std::chrono::seconds(1));
  // The socket this attempt connects on, for the watchdog's byte count (replaces cpp-httplib's default
  // socket options, which only matter for servers).
  auto socketFd = std::make_shared<std::atomic<int>>(-1);
  client.set_socket_options([socketFd](int fd) { socketFd->store(fd); });
  // Twice the body limit: chunked framing of a legitimate answer (a few bytes per chunk) must not count
  // against it; the body itself is held to the limit by the collector.
  const std::uint64_t budget = 2 * std::uint64_t{spec.maxResponseBytes} + kHeaderAllowance;
  auto overBudget = [socketFd, budget] {
    const int fd = socketFd->load();
    const auto received = fd >= 0 ? tcpBytesReceived(fd) : std::nullopt;
    return received && *received > budget;
  };
  httplib::Request req = buildRequest(spec, collector);
  httplib::Response res;
  StopReason watchdogStop = StopReason::None;
  {
    auto stopClient = [weak] {
      if (auto c = weak.lock()) c->stop();
    };
    auto registration = cancel.scopedOnCancel(stopClient);
    RequestWatchdog watchdog(deadline, overBudget, stopClient);
    out.sent = client.send(req, res, out.error);
    watchdogStop = watchdog.stopReason();
  }
  out.status = res.status;
  out.stop = collector.stopped();
  // A complete answer stands even if the watchdog fired as it arrived (or read a reused descriptor).
  if (cancel.cancelled()) {
    out.stop = StopReason::Cancelled;
  } else if (out.stop == StopReason::None && !out.sent) {
    if (watchdogStop != StopReason::None) out.stop = watchdogStop;
    else if (Clock::now() >= deadline) out.stop = StopReason::Deadline;
  }
  return out;
}

}  // namespace

void applyLimits(HttpRequestSpec& spec, std::chrono::milliseconds providerTimeout, const ProviderLimits& limits) {
  const auto cap = limits.maxRequestTimeout.count() > 0 ? limits.maxRequestTimeout : providerTimeout;
  spec.deadline = std::min(providerTimeout.count() > 0 ? providerTimeout : cap, cap);
  spec.connectTimeout = std::min(spec.connectTimeout, spec.deadline);
  spec.maxResponseBytes = limits.maxResponseBytes;
  spec.destinations = limits.destinations;
}

Result<HttpAnswer, ProviderError> httpCall(const HttpRequestSpec& spec, const std::string& what,
                                           const CancelToken& cancel, HttpCallStats* stats) {
  const auto started = Clock::now();
  const auto deadline = started + spec.deadline;
  if (cancel.cancelled()) return ProviderError{Kind::Cancelled, what + ": Cancelled: cancelled", ""};
  if (spec.endpoint.scheme != "http" && spec.endpoint.scheme != "https") {
    return ProviderError{Kind::InvalidConfig, what + ": InvalidConfig: unsupported scheme " + spec.endpoint.scheme, ""};
  }
  CaStore caStore;
  if (spec.endpoint.scheme == "https" && !spec.caPem.empty()) {
    auto store = caStoreFromPem(spec.caPem, what);
    if (!store.ok()) return store.error();
    caStore = std::move(*store);
  }
  auto addresses = checkedAddresses(spec, what, deadline, cancel);
  if (!addresses.ok()) return addresses.error();
  // A refused connection moves on to the host's next checked address (as a client without the policy
  // would), at most kMaxConnectAttempts, all within the one deadline; nothing is retried once connected.
  BodyCollector collector(spec.maxResponseBytes, deadline, cancel);
  Attempt attempt;
  const std::size_t tries = std::min(addresses->size(), kMaxConnectAttempts);
  for (std::size_t i = 0; i < tries; ++i) {
    auto client = makeClient(spec, what, (*addresses)[i], caStore.get());
    if (!client.ok()) return client.error();
    attempt = sendOnce(**client, spec, collector, deadline, cancel, *client);
    if (attempt.sent || attempt.stop != StopReason::None || attempt.error != httplib::Error::Connection) break;
  }
  if (stats != nullptr) {
    stats->maxBodyBytesHeld = collector.maxHeld();
    stats->elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  }
  if (!attempt.sent || attempt.stop != StopReason::None) {
    return classifyFailure(transportFailureOf(attempt.error), attempt.stop, what, spec.deadline, spec.maxResponseBytes);
  }
  return HttpAnswer{attempt.status, collector.takeBody()};
}

ProviderError classifyFailure(TransportFailure failure, StopReason stop, const std::string& what,
                              std::chrono::milliseconds deadline, std::size_t maxResponseBytes) {
  switch (stop) {
    case StopReason::Cancelled: return {Kind::Cancelled, what + ": Cancelled: cancelled", ""};
    case StopReason::TooLarge:
      return {Kind::ResponseTooLarge,
              what + ": ResponseTooLarge: the answer exceeds the operator's limit of " +
                  std::to_string(maxResponseBytes) + " bytes",
              ""};
    case StopReason::Deadline: return {Kind::Timeout, what + ": Timeout: no complete answer within " + millis(deadline), ""};
    case StopReason::None: break;
  }
  switch (failure) {
    case TransportFailure::Connection:
      return {Kind::Unreachable, what + ": Unreachable: connection refused or host unreachable", ""};
    case TransportFailure::ConnectionTimeout:
      return {Kind::Timeout, what + ": Timeout: connection not established within the deadline", ""};
    case TransportFailure::Read:
    case TransportFailure::Write:
      return {Kind::Unreachable, what + ": Unreachable: connection closed before a complete answer", ""};
    case TransportFailure::Canceled: return {Kind::Cancelled, what + ": Cancelled: cancelled", ""};
    case TransportFailure::TlsLoadingCerts:
      return {Kind::InvalidConfig, what + ": InvalidConfig: cannot load the CA certificates", ""};
    case TransportFailure::TlsHandshake: return {Kind::Unreachable, what + ": Unreachable: TLS handshake failed", ""};
    case TransportFailure::TlsVerification:
      return {Kind::Unreachable, what + ": Unreachable: the TLS server certificate failed verification", ""};
    case TransportFailure::Other: break;
  }
  return {Kind::Unreachable, what + ": Unreachable: the request failed", ""};
}

std::string boundedDetail(const std::string& text) {
  std::string out = text.substr(0, ProviderError::kMaxDetailBytes);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  if (text.size() > out.size()) out += " ... (" + std::to_string(text.size()) + " bytes in all)";
  return out;
}

ProviderError httpStatusError(const std::string& what, int status, const std::string& body, const std::string& query) {
  ProviderError e{Kind::HttpStatus, what + ": HttpStatus: HTTP " + std::to_string(status), query};
  e.detail = boundedDetail(body);
  return e;
}

ProviderError logDetail(ProviderError error) {
  if (!error.detail.empty()) {
    logDebug("metric provider answer", {{"err", error.message}, {"answer", error.detail}});
  }
  return error;
}

}  // namespace modelops::analysis::detail
