// UpstreamExchange: one request to one upstream address, on one worker: a pooled keep-alive connection
// (checked to be still open) or a new one, the request, the answer (bounded), the connection back to
// the pool when the answer was complete and the upstream keeps it alive. Connecting is retried up to
// options.connectAttempts times; a request is resent on another connection only when not one byte of
// it was written. The whole exchange runs against one deadline (the request timeout).
// Thread-safety: lives on its worker's thread only.
#pragma once

#include <memory>
#include <optional>

#include "proxy_internal.h"

namespace modelops::gateway::proxy {

// What an exchange sends: the head (start line, fields, blank line) written once, straight from the client's
// parsed request (buildUpstreamHead), and the body, which stays in the client's ProxyRequest (shared, not
// copied). Always framed by Content-Length (the body is whole), never chunked.
struct UpstreamRequest {
  std::shared_ptr<const ProxyRequest> source;  // owns the body
  std::string head;
  bool headMethod = false;  // a HEAD request: the answer's Content-Length announces no body
  std::string_view body() const { return source->body; }
};

struct UpstreamResult {
  std::optional<UpstreamFailure> failure;  // nullopt: `response` holds the upstream's answer
  std::string detail;                      // for logs and the 502 body: what went wrong
  ProxyResponse response;
};

// An exchange's completion: a plain function called with its owner, which the exchange keeps alive until
// then. Not a std::function: the lambdas it held (the session and its request's context) did not fit its
// small buffer and cost an allocation and a free per exchange.
struct ExchangeDone {
  std::shared_ptr<void> owner;
  void (*call)(void* owner, UpstreamResult result) = nullptr;
};

class UpstreamExchange : public std::enable_shared_from_this<UpstreamExchange> {
 public:
  using Done = ExchangeDone;
  UpstreamExchange(Worker& worker, UpstreamAddress address, std::shared_ptr<const UpstreamRequest> request,
                   SteadyTime deadline, Done done);
  void start();

 private:
  void acquire();
  void connect();
  void onResolved(beast::error_code ec, Resolver::results_type results);
  void onConnected(beast::error_code ec);
  void connectFailed(const std::string& what);
  void send();
  void onSent(beast::error_code ec, std::size_t bytes);
  void onHeader(beast::error_code ec);
  void onRead(beast::error_code ec);
  void fail(UpstreamFailure failure, std::string detail);
  void finish(UpstreamResult result);

  Worker& worker_;
  UpstreamAddress address_;
  UpstreamPool& pool_;
  std::shared_ptr<const UpstreamRequest> request_;
  SteadyTime deadline_;
  Done done_;
  std::unique_ptr<Stream> stream_;
  bool reused_ = false;
  bool slotHeld_ = false;  // a connection slot of the pool is ours (free it when the stream goes)
  int attempts_ = 0;
  Resolver resolver_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace modelops::gateway::proxy
