// The HTTP WebhookTransport (cpp-httplib); see include/modelops/notify/webhook_sender.h.
// Thread-safety: each attempt builds its own client; the watchdog thread is joined before it is destroyed.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "destination_check.h"
#include "modelops/notify/webhook_sender.h"

namespace modelops::notify {
namespace {

constexpr std::size_t kMaxResponseBytes = 64 * 1024;
constexpr std::size_t kMaxConnectAttempts = 4;

struct ParsedUrl {
  std::string scheme, host;  // host without brackets
  int port = 0;
  std::string pathAndQuery;
};

std::optional<ParsedUrl> parseUrl(const std::string& url) {
  const std::string redacted = redactedUrl(url);
  if (redacted == "<invalid url>") return std::nullopt;
  const auto authorityStart = url.find("://") + 3;
  auto authorityEnd = url.find_first_of("/?#", authorityStart);
  if (authorityEnd == std::string::npos) authorityEnd = url.size();
  // user info in the URL (user:password@host) is not supported: tokenSecretRef carries credentials.
  if (url.substr(authorityStart, authorityEnd - authorityStart).find('@') != std::string::npos) return std::nullopt;
  std::string rest = url.substr(authorityEnd);
  if (rest.empty() || rest[0] != '/') rest = "/" + rest;
  if (const auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  ParsedUrl out{url.substr(0, url.find("://")), "", 0, rest};
  const std::string authority = url.substr(authorityStart, authorityEnd - authorityStart);
  std::string portText;
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      portText = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  out.port = out.scheme == "https" ? 443 : 80;
  if (!portText.empty()) {
    if (portText.size() > 5 || !std::all_of(portText.begin(), portText.end(), ::isdigit)) return std::nullopt;
    out.port = std::stoi(portText);
    if (out.port < 1 || out.port > 65535) return std::nullopt;
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}

// Stops the client at the deadline (a peer that accepts and never answers, or trickles).
class Watchdog {
 public:
  Watchdog(std::chrono::milliseconds timeout, httplib::Client& client, const CancelToken& cancel)
      : registration_(cancel.scopedOnCancel([this] { fire(); })) {
    thread_ = std::thread([this, timeout, &client] {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, timeout, [this] { return done_ || fired_; });
      if (!done_) {
        fired_ = true;
        client.stop();
      }
    });
  }
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() const {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  void fire() {
    {
      std::lock_guard lock(mu_);
      fired_ = true;
    }
    cv_.notify_all();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
  CancelRegistration registration_;
};

AttemptResult classifyStatus(int status) {
  AttemptResult r;
  r.status = status;
  r.reason = "HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) {
    r.kind = AttemptResult::Kind::Success;
  } else if (status == 408 || status == 429 || status >= 500) {
    r.kind = AttemptResult::Kind::Retryable;
  } else {
    r.kind = AttemptResult::Kind::Permanent;
  }
  return r;
}

AttemptResult transportFailure(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return {AttemptResult::Kind::Retryable, 0, "connection failed"};
    case httplib::Error::ConnectionTimeout: return {AttemptResult::Kind::Retryable, 0, "timeout"};
    case httplib::Error::Read: return {AttemptResult::Kind::Retryable, 0, "read failed"};
    case httplib::Error::Write: return {AttemptResult::Kind::Retryable, 0, "write failed"};
    case httplib::Error::SSLConnection: return {AttemptResult::Kind::Retryable, 0, "tls handshake failed"};
    case httplib::Error::SSLServerVerification: return {AttemptResult::Kind::Retryable, 0, "tls verification failed"};
    default: return {AttemptResult::Kind::Retryable, 0, "transport error"};
  }
}

struct Outgoing {
  const ParsedUrl& url;
  const WebhookTarget& target;
  const std::string& body;
  const std::string& contentType;
};

// One request to one checked address within `timeout`; refused tells the caller to try the next address.
AttemptResult sendTo(const Outgoing& out, const std::string& address, std::chrono::milliseconds timeout,
                     const CancelToken& cancel, bool* refused) {
  // The host name stays the request's identity (Host, SNI, certificate) and is mapped to the checked
  // address (never resolved again); an address literal is replaced by its checked form.
  const bool literal = analysis::parseIpAddress(out.url.host).has_value();
  const std::string host = literal ? address : out.url.host;
  httplib::Client client(out.url.scheme + "://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                         std::to_string(out.url.port));
  if (!client.is_valid()) return {AttemptResult::Kind::Permanent, 0, "invalid url"};
  if (!literal) client.set_hostname_addr_map({{out.url.host, address}});
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client.set_connection_timeout(seconds.count(), micros.count());
  // The watchdog below ends the attempt at `timeout` and names it a timeout; the socket's own read and
  // write limits sit one second later as a backstop, so they never race it (a read limit firing first
  // was reported as "read failed").
  client.set_read_timeout(seconds.count() + 1, micros.count());
  client.set_write_timeout(seconds.count() + 1, micros.count());
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.set_decompress(false);
  httplib::Request req;
  req.method = "POST";
  req.path = out.url.pathAndQuery;
  for (const auto& [k, v] : out.target.headers) req.headers.emplace(k, v);
  req.headers.emplace("Content-Type", out.contentType);
  req.headers.emplace("User-Agent", "modelops-operator");
  req.body = out.body;
  std::size_t received = 0;
  req.content_receiver = [&received](const char*, std::size_t size, std::uint64_t, std::uint64_t) {
    received += size;
    return received <= kMaxResponseBytes;  // the answer is not needed: stop reading a flood
  };
  Watchdog watchdog(timeout, client, cancel);
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (client.send(req, res, error) || res.status > 0) return classifyStatus(res.status);
  if (cancel.cancelled()) return {AttemptResult::Kind::Retryable, 0, "cancelled"};
  if (watchdog.fired()) return {AttemptResult::Kind::Retryable, 0, "timeout"};
  *refused = error == httplib::Error::Connection;
  return transportFailure(error);
}

class HttpTransport final : public WebhookTransport {
 public:
  // Resolve and check (built-in denials), then send to the checked addresses in turn (the next one only
  // after a refused connection, at most kMaxConnectAttempts), all within `timeout`.
  AttemptResult post(const WebhookTarget& target, const std::string& body, const std::string& contentType,
                     std::chrono::milliseconds timeout, const CancelToken& cancel) override {
    const auto url = parseUrl(target.url);
    if (!url) return {AttemptResult::Kind::Permanent, 0, "invalid url"};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto destination = detail::checkDestination(url->host, deadline, cancel);
    if (!destination.ok) {
      const bool denied = destination.error == "destination denied";
      return {denied ? AttemptResult::Kind::Permanent : AttemptResult::Kind::Retryable, 0, destination.error};
    }
    AttemptResult result{AttemptResult::Kind::Retryable, 0, "timeout"};
    const Outgoing out{*url, target, body, contentType};
    for (std::size_t i = 0; i < destination.addresses.size() && i < kMaxConnectAttempts; ++i) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return {AttemptResult::Kind::Retryable, 0, "timeout"};
      bool refused = false;
      result = sendTo(out, destination.addresses[i], left, cancel, &refused);
      if (!refused) break;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<WebhookTransport> makeHttpTransport() { return std::make_unique<HttpTransport>(); }

}  // namespace modelops::notify
