// ClientSession: one client connection (HTTP/1.1 keep-alive) on one worker: reads a request (header
// first, then the body with the bound that its path allows), answers the gateway's own endpoints,
// forwards predictions through an UpstreamExchange (plus an optional shadow exchange), writes the
// answer and reads the next request. While the server drains, a session waiting for a request closes
// and a busy one closes after its answer (Connection: close).
// Thread-safety: lives on its worker's thread only (the feedback call hops to the feedback pool and
// posts its answer back).
#pragma once

#include <memory>
#include <optional>

#include "proxy_internal.h"
#include "upstream_exchange.h"

namespace modelops::gateway::proxy {

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(Worker& worker, Socket socket);
  ~ClientSession();
  void start();
  bool busy() const { return busy_; }
  void close();  // drain: only called while not busy

 private:
  void readHeader();
  void onHeader(beast::error_code ec);
  void readBody();
  void onBody(beast::error_code ec);
  void dispatch();
  void answerFeedback(std::shared_ptr<ProxyRequest> request);
  void forward(std::shared_ptr<ProxyRequest> request);
  void onPrimary(std::shared_ptr<ProxyRequest> request, std::shared_ptr<ForwardPlan> plan, SteadyTime started,
                 UpstreamResult result, std::shared_ptr<struct ShadowJoin> join);
  void startShadow(const ForwardPlan& plan, std::shared_ptr<const UpstreamRequest> upstreamRequest,
                   const std::shared_ptr<ForwardPlan>& planRef, std::shared_ptr<struct ShadowJoin>& join);
  void respond(ProxyResponse response);
  // Builds responseHead_/responseBody_ for the usual answer; false for statuses left to Beast's serializer.
  bool writeFlatResponse(ProxyResponse& response, bool close);
  void respondError(int status, std::string_view message);
  void onWritten(beast::error_code ec, bool close);
  std::shared_ptr<ProxyRequest> takeRequest();
  std::shared_ptr<UpstreamRequest> upstreamRequest(const ProxyRequest& request) const;

  Worker& worker_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  std::string responseHead_;  // the answer's start line and fields, reused between requests
  std::string responseBody_;  // the answer's body while it is written (writeFlatResponse)
  std::string peer_;
  bool busy_ = false;        // a request is being read past its header, handled or answered
  bool keepAlive_ = true;    // the client's wish for the current request
  bool closed_ = false;
  bool headRequest_ = false;
  std::size_t bodyLimit_ = 0;  // of the current request (feedback and predictions differ)
};

}  // namespace modelops::gateway::proxy
