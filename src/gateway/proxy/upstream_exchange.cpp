// UpstreamPool and UpstreamExchange; see upstream_exchange.h and proxy_internal.h.
#include "upstream_exchange.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

namespace modelops::gateway::proxy {
namespace {

// True when a pooled connection is still usable: nothing to read (no EOF from the upstream closing
// it, no stray bytes). Checked before reuse so a request is not sent into a connection the upstream
// already closed (its keep-alive timeout), which would cost the request or a retry.
bool stillOpen(Stream& stream) {
  char byte;
  ssize_t n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// An HTTP syntax error in the upstream's answer (not a connection that ended early).
bool isParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category() && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

}  // namespace

std::unique_ptr<Stream> UpstreamPool::takeIdle(SteadyTime now) {
  while (!idle_.empty()) {
    Idle entry = std::move(idle_.back());
    idle_.pop_back();
    if (now - entry.since < idleTimeout_ && stillOpen(*entry.stream)) return std::move(entry.stream);
    beast::error_code ignored;
    entry.stream->socket().close(ignored);
    --open_;
  }
  return nullptr;
}

bool UpstreamPool::reserve() {
  if (open_ >= maxOpen_) return false;
  ++open_;
  return true;
}

void UpstreamPool::release(std::unique_ptr<Stream> stream, bool reusable, SteadyTime now) {
  // Expired idle connections at the front go first, so an upstream that is no longer called does not
  // keep its sockets until the next request.
  while (!idle_.empty() && now - idle_.front().since >= idleTimeout_) {
    beast::error_code ignored;
    idle_.front().stream->socket().close(ignored);
    idle_.pop_front();
    --open_;
  }
  if (stream && reusable && idle_.size() < maxIdle_) {
    stream->expires_never();
    idle_.push_back({std::move(stream), now});
    return;
  }
  if (stream) {
    beast::error_code ignored;
    stream->socket().close(ignored);
  }
  --open_;
}

UpstreamExchange::UpstreamExchange(Worker& worker, UpstreamAddress address, std::shared_ptr<const UpstreamRequest> request,
                                   SteadyTime deadline, Done done)
    : worker_(worker), address_(std::move(address)), pool_(worker.pool(address_.key())), request_(std::move(request)),
      deadline_(deadline), done_(std::move(done)), resolver_(worker.ioc) {}

void UpstreamExchange::start() { acquire(); }

void UpstreamExchange::acquire() {
  auto now = std::chrono::steady_clock::now();
  if (auto idle = pool_.takeIdle(now)) {
    stream_ = std::move(idle);
    reused_ = true;
    slotHeld_ = true;
    worker_.state.upstreamReuses.fetch_add(1);
    send();
    return;
  }
  if (!pool_.reserve()) {
    fail(UpstreamFailure::ConnectFailed, "too many open connections to " + address_.key());
    return;
  }
  slotHeld_ = true;
  connect();
}

void UpstreamExchange::connect() {
  ++attempts_;
  reused_ = false;
  worker_.state.upstreamConnects.fetch_add(1);
  stream_ = std::make_unique<Stream>(worker_.ioc);
  beast::error_code ec;
  auto ip = net::ip::make_address(address_.host, ec);
  if (!ec) {  // an address literal: no resolver round trip
    stream_->expires_at(std::min(deadline_, std::chrono::steady_clock::now() + worker_.state.options.connectTimeout));
    stream_->async_connect(tcp::endpoint(ip, address_.port),
                           [self = shared_from_this()](beast::error_code e) { self->onConnected(e); });
    return;
  }
  resolver_.async_resolve(address_.host, std::to_string(address_.port),
                          [self = shared_from_this()](beast::error_code e, Resolver::results_type r) {
                            self->onResolved(e, std::move(r));
                          });
}

void UpstreamExchange::onResolved(beast::error_code ec, Resolver::results_type results) {
  if (ec) {
    connectFailed("cannot resolve " + address_.host + ": " + ec.message());
    return;
  }
  auto now = std::chrono::steady_clock::now();
  auto limit = std::min(deadline_, now + worker_.state.options.connectTimeout);
  stream_->expires_at(limit);
  stream_->async_connect(results, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) {
    self->onConnected(e);
  });
}

void UpstreamExchange::onConnected(beast::error_code ec) {
  if (ec) {
    connectFailed("cannot connect to " + address_.key() + ": " + ec.message());
    return;
  }
  stream_->socket().set_option(tcp::no_delay(true), ec);
  send();
}

void UpstreamExchange::connectFailed(const std::string& what) {
  beast::error_code ignored;
  stream_->socket().close(ignored);
  if (attempts_ < worker_.state.options.connectAttempts && std::chrono::steady_clock::now() < deadline_) {
    worker_.state.upstreamRetries.fetch_add(1);
    connect();
    return;
  }
  if (std::chrono::steady_clock::now() >= deadline_) {
    fail(UpstreamFailure::Timeout, what + " (request timeout)");
    return;
  }
  fail(UpstreamFailure::ConnectFailed, what);
}

void UpstreamExchange::send() {
  stream_->expires_at(deadline_);
  auto sent = [self = shared_from_this()](beast::error_code ec, std::size_t bytes) { self->onSent(ec, bytes); };
  if (!writeUsesFlatHead(*request_)) {
    http::async_write(*stream_, *request_, std::move(sent));
    return;
  }
  if (head_.empty()) serializeHead(*request_, head_);  // a retry on another connection sends the same bytes
  const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(request_->body())};
  net::async_write(*stream_, buffers, std::move(sent));
}

void UpstreamExchange::onSent(beast::error_code ec, std::size_t bytes) {
  if (ec == beast::error::timeout) {
    fail(UpstreamFailure::Timeout, "sending to " + address_.key() + " timed out");
    return;
  }
  if (ec && bytes == 0) {
    // Not one byte went out: the upstream cannot have seen the request, so another connection may
    // take it. A pooled connection does not count as a connect attempt.
    beast::error_code ignored;
    stream_->socket().close(ignored);
    worker_.state.upstreamRetries.fetch_add(1);
    if (reused_) {
      pool_.release(nullptr, false, std::chrono::steady_clock::now());
      slotHeld_ = false;
      acquire();
      return;
    }
    connectFailed("sending to " + address_.key() + " failed: " + ec.message());
    return;
  }
  if (ec) {
    fail(UpstreamFailure::Reset, "sending to " + address_.key() + " failed: " + ec.message());
    return;
  }
  parser_.emplace();
  if (request_->method() == http::verb::head) parser_->skip(true);  // its Content-Length announces no body
  parser_->body_limit(worker_.state.options.maxResponseBodyBytes);
  parser_->header_limit(static_cast<std::uint32_t>(worker_.state.options.maxHeaderBytes));
  http::async_read_header(*stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code e, std::size_t) {
    self->onHeader(e);
  });
}

void UpstreamExchange::onHeader(beast::error_code ec) {
  // Beast 1.74 does not apply body_limit to a response's Content-Length (it does to chunked and
  // close-delimited bodies and to requests): checked here, before any of the body is read.
  if (!ec) {
    auto length = parser_->content_length();
    if (length && *length > worker_.state.options.maxResponseBodyBytes) ec = http::error::body_limit;
  }
  // The body of a small answer usually came in the header's segment: parsed in place, without another
  // asynchronous read.
  if (ec || parseBufferedBody(*parser_, buffer_, ec)) {
    onRead(ec);
    return;
  }
  http::async_read(*stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code e, std::size_t) {
    self->onRead(e);
  });
}

void UpstreamExchange::onRead(beast::error_code ec) {
  if (ec == beast::error::timeout) {
    fail(UpstreamFailure::Timeout, "no complete answer from " + address_.key() + " within the request timeout");
    return;
  }
  if (ec == http::error::body_limit) {
    fail(UpstreamFailure::ResponseTooLarge, "the answer of " + address_.key() + " is larger than " +
                                                std::to_string(worker_.state.options.maxResponseBodyBytes) + " bytes");
    return;
  }
  if (ec && isParseError(ec)) {
    fail(UpstreamFailure::BadResponse, "unreadable HTTP answer from " + address_.key() + ": " + ec.message());
    return;
  }
  if (ec) {
    fail(UpstreamFailure::Reset, "connection to " + address_.key() + " broke: " + ec.message());
    return;
  }
  auto message = parser_->release();
  UpstreamResult result;
  result.response.status = static_cast<int>(message.result_int());
  for (const auto& field : message)
    if (!isHopByHopHeader(field.name_string()))
      result.response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  bool reusable = message.keep_alive() && buffer_.size() == 0;
  result.response.body = std::move(message.body());
  pool_.release(std::move(stream_), reusable, std::chrono::steady_clock::now());
  slotHeld_ = false;
  finish(std::move(result));
}

void UpstreamExchange::fail(UpstreamFailure failure, std::string detail) {
  if (stream_) {
    beast::error_code ignored;
    stream_->socket().close(ignored);
  }
  if (slotHeld_) pool_.release(nullptr, false, std::chrono::steady_clock::now());
  slotHeld_ = false;
  stream_.reset();
  UpstreamResult result;
  result.failure = failure;
  result.detail = std::move(detail);
  finish(std::move(result));
}

void UpstreamExchange::finish(UpstreamResult result) {
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

}  // namespace modelops::gateway::proxy
