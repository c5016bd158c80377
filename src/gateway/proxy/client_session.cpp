// ClientSession; see client_session.h.
#include "client_session.h"

#include <boost/beast/core/string.hpp>

#include <array>

namespace modelops::gateway::proxy {

// The two halves of a shadowed request: compared once both are in, on the worker's thread.
struct ShadowJoin {
  ShadowJoin(ProxyHooks& h, std::shared_ptr<ForwardPlan> p) : hooks(h), plan(std::move(p)) {}
  void complete() {
    if (!primaryDone || !shadowDone) return;
    if (!shadow) {
      hooks.shadowDropped(*plan, ShadowDrop::Failed, shadowFailure);
    } else if (primary) {
      hooks.shadowCompared(*plan, *primary, *shadow);
    }
  }
  ProxyHooks& hooks;
  std::shared_ptr<ForwardPlan> plan;
  std::optional<ProxyResponse> primary, shadow;
  std::string shadowFailure;
  bool primaryDone = false, shadowDone = false;
};

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

int failureStatus(UpstreamFailure failure) { return failure == UpstreamFailure::Timeout ? 504 : 502; }

}  // namespace

ClientSession::ClientSession(Worker& worker, Socket socket) : worker_(worker), stream_(std::move(socket)) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = peer.address().to_string();
  stream_.socket().set_option(tcp::no_delay(true), ec);
}

ClientSession::~ClientSession() {
  worker_.sessions.erase(this);
  worker_.state.connectionClosed();
}

void ClientSession::start() {
  worker_.sessions.insert(this);
  if (worker_.state.draining.load()) {
    close();
    return;
  }
  readHeader();
}

void ClientSession::close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

void ClientSession::readHeader() {
  busy_ = false;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(worker_.state.options.maxHeaderBytes));
  stream_.expires_after(worker_.state.options.clientIdleTimeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onHeader(ec); });
}

void ClientSession::onHeader(beast::error_code ec) {
  if (closed_) return;
  busy_ = true;
  worker_.state.inFlight.fetch_add(1);
  keepAlive_ = false;
  if (ec == http::error::header_limit) {
    respondError(431, "request header larger than " + std::to_string(worker_.state.options.maxHeaderBytes) + " bytes");
    return;
  }
  if (ec && ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    respondError(400, "malformed HTTP request: " + ec.message());
    return;
  }
  if (ec) {  // the client went away, or kept the connection idle past the timeout
    worker_.state.inFlight.fetch_sub(1);
    close();
    return;
  }
  const auto& message = parser_->get();
  keepAlive_ = message.keep_alive();
  headRequest_ = message.method() == http::verb::head;
  bool feedback = pathOf(message.target()) == "/v1/feedback";
  std::size_t limit = feedback ? worker_.state.options.maxFeedbackBodyBytes : worker_.state.options.maxRequestBodyBytes;
  parser_->body_limit(limit);
  bodyLimit_ = limit;
  if (auto length = parser_->content_length(); length && *length > limit) {
    keepAlive_ = false;  // the body is not read: the connection cannot carry another request
    respondError(413, std::string(feedback ? "feedback" : "request") + " body of " + std::to_string(*length) +
                          " bytes is larger than the limit of " + std::to_string(limit) + " bytes");
    return;
  }
  if (beast::iequals(message[http::field::expect], "100-continue")) {
    net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](beast::error_code e, std::size_t) {
                       if (e) {
                         self->worker_.state.inFlight.fetch_sub(1);
                         self->close();
                         return;
                       }
                       self->readBody();
                     });
    return;
  }
  readBody();
}

void ClientSession::readBody() {
  // A small request's body usually arrives in the same segment as its header: parsed in place, it costs
  // no asynchronous read (a completion through the io_context) and no timer re-arm.
  beast::error_code ec;
  if (parseBufferedBody(*parser_, buffer_, ec) || ec) {
    onBody(ec);
    return;
  }
  stream_.expires_after(worker_.state.options.clientReadTimeout);
  http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onBody(ec); });
}

void ClientSession::onBody(beast::error_code ec) {
  if (closed_) return;
  if (ec == http::error::body_limit) {
    keepAlive_ = false;
    respondError(413, "request body larger than the limit of " + std::to_string(bodyLimit_) + " bytes");
    return;
  }
  if (ec) {
    worker_.state.inFlight.fetch_sub(1);
    close();
    return;
  }
  dispatch();
}

std::shared_ptr<ProxyRequest> ClientSession::takeRequest() {
  auto& message = parser_->get();
  auto request = std::make_shared<ProxyRequest>();
  request->method = std::string(message.method_string());
  request->target = std::string(message.target());
  for (const auto& field : message) request->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request->body = std::move(message.body());
  return request;
}

void ClientSession::dispatch() {
  worker_.state.requests.fetch_add(1);
  auto request = takeRequest();
  auto path = pathOf(request->target);
  bool get = request->method == "GET" || request->method == "HEAD";
  auto& hooks = worker_.state.hooks;
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    if (!get) return respondError(405, "use GET");
    ProxyResponse r;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    if (path == "/healthz") {
      r.body = "ok\n";
    } else if (path == "/readyz") {
      bool stopping = worker_.state.draining.load() || worker_.state.unready.load();
      bool ready = !stopping && hooks.ready();
      r.status = ready ? 200 : 503;
      r.body = ready ? "ok\n" : (stopping ? "shutting down\n" : "not ready: routes or key not loaded\n");
    } else {
      r.headers.back().second = "text/plain; version=0.0.4; charset=utf-8";
      r.body = hooks.metricsText();
    }
    return respond(std::move(r));
  }
  if (path == "/v1/feedback") {
    if (request->method != "POST") return respondError(405, "POST feedback to /v1/feedback");
    return answerFeedback(std::move(request));
  }
  forward(std::move(request));
}

void ClientSession::answerFeedback(std::shared_ptr<ProxyRequest> request) {
  // The feedback service may wait on Redis: off the io thread, answer posted back to this worker.
  net::post(worker_.state.feedbackPool, [self = shared_from_this(), request = std::move(request)] {
    auto answer = self->worker_.state.hooks.feedback(*request);
    net::post(self->worker_.ioc, [self, answer = std::move(answer)]() mutable { self->respond(std::move(answer)); });
  });
}

std::shared_ptr<UpstreamRequest> ClientSession::upstreamRequest(const ProxyRequest& request) const {
  auto out = std::make_shared<UpstreamRequest>();
  out->method_string(request.method);
  out->target(request.target);
  out->version(11);
  std::string forwardedFor;
  for (const auto& [name, value] : request.headers) {
    if (isHopByHopHeader(name) || beast::iequals(name, "expect")) continue;
    if (beast::iequals(name, "x-forwarded-for")) {
      forwardedFor = value;
      continue;
    }
    if (beast::iequals(name, "host")) {
      // The upstream gets its own name (a Service behind name-based routing needs it); the client's goes along.
      out->set("X-Forwarded-Host", value);
      continue;
    }
    out->insert(name, value);
  }
  if (!peer_.empty()) out->set("X-Forwarded-For", forwardedFor.empty() ? peer_ : forwardedFor + ", " + peer_);
  out->keep_alive(true);
  out->body() = request.body;
  out->prepare_payload();
  return out;
}

void ClientSession::forward(std::shared_ptr<ProxyRequest> request) {
  auto& state = worker_.state;
  int status = 404;
  std::string message = "no model is served at " + std::string(pathOf(request->target));
  auto plan = state.hooks.plan(*request, status, message);
  if (!plan) return respondError(status, message);
  auto planRef = std::make_shared<ForwardPlan>(std::move(*plan));
  auto upstream = upstreamRequest(*request);
  if (!planRef->upstreamTarget.empty()) upstream->target(planRef->upstreamTarget);
  auto started = std::chrono::steady_clock::now();
  std::shared_ptr<ShadowJoin> join;
  if (planRef->shadow) {
    auto copy = std::make_shared<UpstreamRequest>(*upstream);
    copy->set(http::field::host, planRef->shadow->key());
    startShadow(*planRef, std::move(copy), planRef, join);
  }
  upstream->set(http::field::host, planRef->primary.key());
  auto exchange = std::make_shared<UpstreamExchange>(
      worker_, planRef->primary, upstream, started + state.options.requestTimeout,
      [self = shared_from_this(), request, planRef, started, join](UpstreamResult result) {
        self->onPrimary(request, planRef, started, std::move(result), join);
      });
  exchange->start();
}

void ClientSession::startShadow(const ForwardPlan& plan, std::shared_ptr<const UpstreamRequest> upstreamRequest,
                                const std::shared_ptr<ForwardPlan>& planRef, std::shared_ptr<ShadowJoin>& join) {
  auto& state = worker_.state;
  if (state.shadowInFlight.load() >= state.options.maxShadowInFlight) {
    state.shadowsDropped.fetch_add(1);
    state.hooks.shadowDropped(plan, ShadowDrop::Overload, "too many shadow requests in flight");
    return;
  }
  state.shadowInFlight.fetch_add(1);
  state.shadowsSent.fetch_add(1);
  join = std::make_shared<ShadowJoin>(state.hooks, planRef);
  // Its own exchange and pooled connection, its own deadline; the session does not wait for it.
  auto exchange = std::make_shared<UpstreamExchange>(
      worker_, *plan.shadow, std::move(upstreamRequest), std::chrono::steady_clock::now() + state.options.requestTimeout,
      [join, &state](UpstreamResult result) {
        state.shadowInFlight.fetch_sub(1);
        join->shadowDone = true;
        if (result.failure) {
          state.shadowsDropped.fetch_add(1);
          join->shadowFailure = result.detail;
        } else {
          join->shadow = std::move(result.response);
        }
        join->complete();
      });
  exchange->start();
}

void ClientSession::onPrimary(std::shared_ptr<ProxyRequest> request, std::shared_ptr<ForwardPlan> plan, SteadyTime started,
                              UpstreamResult result, std::shared_ptr<ShadowJoin> join) {
  auto& hooks = worker_.state.hooks;
  ProxyResponse response;
  if (!result.failure) {
    response = std::move(result.response);
    if (join) join->primary = response;  // compared as the upstream sent it, before stamping
    hooks.stamp(*plan, *request, response);
  } else {
    hooks.upstreamFailed(*plan, *result.failure);
    worker_.logUpstreamFailure(plan->primary.key(), *result.failure, result.detail);
    response.status = failureStatus(*result.failure);
    response.headers.emplace_back("Content-Type", "application/json");
    response.body = errorBody(result.detail);
  }
  if (join) {
    join->primaryDone = true;
    join->complete();
  }
  hooks.finished(*plan, response.status, std::chrono::steady_clock::now() - started);
  respond(std::move(response));
}

void ClientSession::respondError(int status, std::string_view message) {
  ProxyResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = errorBody(message);
  respond(std::move(r));
}

void ClientSession::respond(ProxyResponse response) {
  if (closed_) {
    worker_.state.inFlight.fetch_sub(1);
    return;
  }
  const bool close = !keepAlive_ || worker_.state.draining.load();
  auto written = [self = shared_from_this(), close](beast::error_code ec, std::size_t) { self->onWritten(ec, close); };
  stream_.expires_after(worker_.state.options.clientReadTimeout);
  if (writeFlatResponse(response, close)) {
    const std::array<net::const_buffer, 2> buffers{net::buffer(responseHead_), net::buffer(responseBody_)};
    net::async_write(stream_, buffers, std::move(written));
    return;
  }
  response_ = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
  for (auto& [name, value] : response.headers)
    if (!isHopByHopHeader(name)) response_->insert(name, value);
  response_->keep_alive(!close);
  response_->body() = std::move(response.body);
  response_->prepare_payload();
  if (headRequest_) response_->body().clear();  // keeps the Content-Length a GET would get, sends no body
  http::async_write(stream_, *response_, std::move(written));
}

bool ClientSession::writeFlatResponse(ProxyResponse& response, bool close) {
  // What Beast's message + prepare_payload + serializer would send, without building the message (one
  // allocation per header field). Statuses without a body (1xx, 204, 304) keep Beast's rules.
  const int status = response.status;
  if (status < 200 || status > 999 || status == 204 || status == 304) return false;
  responseBody_ = std::move(response.body);
  std::string& head = responseHead_;
  head.clear();
  head.reserve(512);
  head.append("HTTP/1.1 ").append(std::to_string(status)).push_back(' ');
  head.append(http::obsolete_reason(static_cast<http::status>(status))).append("\r\n");
  for (const auto& [name, value] : response.headers)
    if (!isHopByHopHeader(name)) head.append(name).append(": ").append(value).append("\r\n");
  if (close) head.append("Connection: close\r\n");
  head.append("Content-Length: ").append(std::to_string(responseBody_.size())).append("\r\n\r\n");
  if (headRequest_) responseBody_.clear();  // keeps the Content-Length a GET would get, sends no body
  return true;
}

void ClientSession::onWritten(beast::error_code ec, bool closeAfter) {
  worker_.state.inFlight.fetch_sub(1);
  response_.reset();
  busy_ = false;
  if (ec || closeAfter || worker_.state.draining.load()) {
    close();
    return;
  }
  readHeader();
}

}  // namespace modelops::gateway::proxy
