// UpstreamExchange: one request to one upstream address, on one worker: a pooled keep-alive connection
// (checked to be still open) or a new one, the request, the answer (bounded), the connection back to
// the pool when the answer was complete and the upstream keeps it alive. Connecting is retried up to
// options.connectAttempts times; a request is resent on another connection only when not one byte of
// it was written. The whole exchange runs against one deadline (the request timeout).
// Thread-safety: lives on its worker's thread only.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "proxy_internal.h"

namespace modelops::gateway::proxy {

using UpstreamRequest = http::request<http::string_body>;

struct UpstreamResult {
  std::optional<UpstreamFailure> failure;  // nullopt: `response` holds the upstream's answer
  std::string detail;                      // for logs and the 502 body: what went wrong
  ProxyResponse response;
};

class UpstreamExchange : public std::enable_shared_from_this<UpstreamExchange> {
 public:
  using Done = std::function<void(UpstreamResult)>;
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
  std::string head_;  // the request's start line and fields, serialized once (serializeHead)
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

}  // namespace modelops::gateway::proxy
