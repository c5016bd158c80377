// Internals of the proxy shared by its translation units (not public surface).
// The io model is nginx's: one io_context per io thread (Worker), each single-threaded, so a client
// connection, its upstream exchanges, its shadow copy and that worker's upstream connection pools are
// only ever touched by one thread and need no locks or strands. The acceptor lives on worker 0 and
// hands each accepted socket to the workers in turn. Only ServerState (atomics, the feedback thread
// pool) is shared between threads.
// Thread-safety: a Worker's members only on its own thread (after start); ServerState from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "modelops/gateway/proxy/proxy_hooks.h"
#include "modelops/gateway/proxy/proxy_server.h"

namespace modelops::gateway::proxy {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
// Concrete executor types: every object of a worker runs on that worker's io_context, so the type-erased
// any_io_executor of tcp::socket and beast::tcp_stream (moved and copied on every asynchronous operation)
// buys nothing and cost a few percent of the instructions per request.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using Resolver = net::ip::basic_resolver<tcp, Executor>;

// What every worker shares.
struct ServerState {
  ServerState(ProxyOptions o, ProxyHooks& h) : options(std::move(o)), hooks(h), feedbackPool(poolSize(options)) {}
  static std::size_t poolSize(const ProxyOptions& o) { return static_cast<std::size_t>(std::max(1, o.feedbackThreads)); }

  const ProxyOptions options;
  ProxyHooks& hooks;
  net::thread_pool feedbackPool;  // POST /v1/feedback runs here (it may wait on Redis)
  std::atomic<bool> draining{false};
  std::atomic<bool> unready{false};  // /readyz 503 (shutting down), still serving
  std::atomic<std::size_t> activeConnections{0}, inFlight{0}, shadowInFlight{0};
  std::atomic<std::uint64_t> accepted{0}, refused{0}, requests{0};
  std::atomic<std::uint64_t> upstreamConnects{0}, upstreamReuses{0}, upstreamRetries{0};
  std::atomic<std::uint64_t> shadowsSent{0}, shadowsDropped{0};
  // Signalled when a client connection closes (drain waits on it).
  std::mutex closedMu;
  std::condition_variable closedCv;
  void connectionClosed() {
    { std::lock_guard lock(closedMu); activeConnections.fetch_sub(1); }
    closedCv.notify_all();
  }
};

// Idle keep-alive connections to one upstream address, on one worker. Bounded in idle count and in
// open connections (idle plus in use).
class UpstreamPool {
 public:
  struct Idle {
    std::unique_ptr<Stream> stream;
    SteadyTime since;
  };
  UpstreamPool(std::size_t maxIdle, std::size_t maxOpen, std::chrono::milliseconds idleTimeout)
      : maxIdle_(maxIdle), maxOpen_(maxOpen), idleTimeout_(idleTimeout) {}
  // The most recently used idle connection that is still open (nullptr if none). Dead or expired
  // ones met on the way are closed.
  std::unique_ptr<Stream> takeIdle(SteadyTime now);
  // Claims a slot for a new connection; false when the upstream has maxOpen open.
  bool reserve();
  // Gives a connection back: kept idle when reusable and there is room, else closed. A null stream
  // just frees its slot (a connection that failed).
  void release(std::unique_ptr<Stream> stream, bool reusable, SteadyTime now);
  std::size_t idle() const { return idle_.size(); }

 private:
  std::size_t maxIdle_, maxOpen_;
  std::chrono::milliseconds idleTimeout_;
  std::size_t open_ = 0;
  std::deque<Idle> idle_;  // back: most recently returned
};

class ClientSession;

struct Worker {
  Worker(ServerState& s) : state(s), ioc(1) {}
  UpstreamPool& pool(const std::string& key) {
    auto it = pools.find(key);
    if (it == pools.end())
      it = pools.emplace(key, std::make_unique<UpstreamPool>(state.options.maxIdlePerUpstream,
                                                             state.options.maxConnectionsPerUpstream,
                                                             state.options.upstreamIdleTimeout)).first;
    return *it->second;
  }
  // Closes the sessions waiting for a request (drain); busy ones close after their answer.
  void closeIdleSessions();
  // Logs a failed upstream exchange, at most once a second per worker (the rest are counted in the
  // next line and always in the metrics): an upstream outage must not flood the log.
  void logUpstreamFailure(std::string_view upstream, UpstreamFailure failure, std::string_view detail);

  ServerState& state;
  std::unordered_set<ClientSession*> sessions;  // declared before ioc: outlives the handlers that own sessions
  net::io_context ioc;
  // Declared after ioc: the pooled sockets are destroyed before their io_context.
  std::map<std::string, std::unique_ptr<UpstreamPool>> pools;
  std::thread thread;
  SteadyTime lastFailureLog{};
  std::uint64_t failuresNotLogged = 0;
};

// Hop-by-hop and framing headers never copied between client and upstream (RFC 9110 7.6.1; the
// length is recomputed).
bool isHopByHopHeader(std::string_view name);
// The path without the query string.
std::string_view pathOf(std::string_view target);
// A JSON error body {"error": message}.
std::string errorBody(std::string_view message);

// The head of a message (start line, fields, blank line) as one string, so that a write is two buffers (head,
// body). Beast's serializer walks a buffers_cat_view of four buffers per field on every write_some, which
// cost about a fifth of the gateway's instructions per request. Only for a message whose body length is in
// its fields (prepare_payload done, not chunked): writeUsesFlatHead says when.
void serializeHead(const http::request<http::string_body>& message, std::string& out);

// After its header was read: parses a body of known length that is already whole in `buffer` (it usually
// arrives in the header's segment), saving an asynchronous read. False (ec clear) when the body is chunked
// or not all here: the caller reads on; ec set on a parse error.
template <class Parser>
bool parseBufferedBody(Parser& parser, beast::flat_buffer& buffer, beast::error_code& ec) {
  if (parser.is_done()) return true;
  const auto length = parser.content_length();
  if (!length || buffer.size() < *length) return false;
  while (!parser.is_done()) {
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) ec = {};  // left to the asynchronous read
    if (ec || used == 0) return false;
  }
  return true;
}

template <class Message>
bool writeUsesFlatHead(const Message& message) {
  return !message.chunked();
}

}  // namespace modelops::gateway::proxy
