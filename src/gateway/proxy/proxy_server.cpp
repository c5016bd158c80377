// ProxyServer: workers, the acceptor, drain and stop; see proxy_server.h and proxy_internal.h.
#include "modelops/gateway/proxy/proxy_server.h"

#include <boost/beast/core/string.hpp>
#include <nlohmann/json.hpp>

#include "client_session.h"
#include "modelops/common/logging.h"
#include "proxy_internal.h"

namespace modelops::gateway::proxy {

std::optional<std::string_view> findHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (beast::iequals(key, name)) return std::string_view(value);
  return std::nullopt;
}

std::string_view upstreamFailureName(UpstreamFailure failure) {
  switch (failure) {
    case UpstreamFailure::ConnectFailed: return "connect";
    case UpstreamFailure::Reset: return "reset";
    case UpstreamFailure::ResponseTooLarge: return "too_large";
    case UpstreamFailure::BadResponse: return "bad_response";
    case UpstreamFailure::Timeout: return "timeout";
  }
  return "unknown";
}

bool isHopByHopHeader(std::string_view name) {
  static constexpr std::string_view kHopByHop[] = {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                                                   "te", "trailer", "upgrade", "proxy-authenticate",
                                                   "proxy-authorization", "content-length"};
  for (auto h : kHopByHop)
    if (beast::iequals(name, h)) return true;
  return false;
}

std::string_view pathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string errorBody(std::string_view message) { return nlohmann::json{{"error", message}}.dump() + "\n"; }

namespace {
void appendFields(const http::fields& fields, std::string& out) {
  for (const auto& field : fields) {
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  }
  out.append("\r\n");
}
void appendHttpVersion(unsigned version, std::string& out) {
  out.append("HTTP/").push_back(char('0' + version / 10));
  out.push_back('.');
  out.push_back(char('0' + version % 10));
}
}  // namespace

// A head is typically 150 to 400 bytes: one allocation instead of growing the string field by field.
constexpr std::size_t kTypicalHeadBytes = 512;

void serializeHead(const http::request<http::string_body>& message, std::string& out) {
  out.clear();
  out.reserve(kTypicalHeadBytes);
  out.append(message.method_string()).push_back(' ');
  out.append(message.target()).push_back(' ');
  appendHttpVersion(message.version(), out);
  out.append("\r\n");
  appendFields(message, out);
}

void Worker::closeIdleSessions() {
  std::vector<ClientSession*> idle;
  for (auto* session : sessions)
    if (!session->busy()) idle.push_back(session);
  for (auto* session : idle) session->close();
}

void Worker::logUpstreamFailure(std::string_view upstream, UpstreamFailure failure, std::string_view detail) {
  auto now = std::chrono::steady_clock::now();
  if (now - lastFailureLog < std::chrono::seconds(1)) {
    ++failuresNotLogged;
    return;
  }
  logWarn("upstream request failed", {{"upstream", upstream}, {"failure", upstreamFailureName(failure)}, {"err", detail},
                                      {"notLoggedSinceLast", failuresNotLogged}});
  lastFailureLog = now;
  failuresNotLogged = 0;
}

class ProxyServer::Impl {
 public:
  Impl(ProxyOptions options, ProxyHooks& hooks) : state(std::move(options), hooks) {
    int n = std::max(1, state.options.ioThreads);
    for (int i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(state));
  }

  Status start() {
    auto& ioc = workers.front()->ioc;
    beast::error_code ec;
    auto address = net::ip::make_address(state.options.host, ec);
    if (ec) return Error{"InvalidAddress", "listen address \"" + state.options.host + "\" is not an IP address"};
    tcp::endpoint endpoint(address, state.options.port);
    acceptor = std::make_unique<tcp::acceptor>(ioc);
    if (acceptor->open(endpoint.protocol(), ec); !ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return Error{"ListenFailed", "cannot listen on " + state.options.host + ":" + std::to_string(state.options.port) +
                                       ": " + ec.message()};
    boundPort = acceptor->local_endpoint().port();
    accept();
    for (auto& w : workers) {
      guards.push_back(std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(w->ioc.get_executor()));
      w->thread = std::thread([worker = w.get()] { worker->ioc.run(); });
    }
    running = true;
    return {};
  }

  void accept() {
    auto& target = *workers[next++ % workers.size()];
    acceptor->async_accept(target.ioc, [this, &target](beast::error_code ec, Socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec) admit(target, std::move(socket));
      accept();
    });
  }

  void admit(Worker& target, Socket socket) {
    if (state.draining.load() || state.activeConnections.load() >= state.options.maxConnections) {
      state.refused.fetch_add(1);
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    state.accepted.fetch_add(1);
    state.activeConnections.fetch_add(1);
    // The session is built and started on its own worker's thread (its registry is that thread's).
    net::post(target.ioc, [&target, s = std::make_shared<Socket>(std::move(socket))]() mutable {
      std::make_shared<ClientSession>(target, std::move(*s))->start();
    });
  }

  bool drain(std::chrono::milliseconds grace) {
    if (!running) return true;
    state.draining.store(true);
    net::post(workers.front()->ioc, [this] {
      beast::error_code ignored;
      acceptor->close(ignored);
    });
    for (auto& w : workers) net::post(w->ioc, [worker = w.get()] { worker->closeIdleSessions(); });
    bool finished;
    {
      std::unique_lock lock(state.closedMu);
      finished = state.closedCv.wait_for(lock, grace, [this] { return state.activeConnections.load() == 0; });
    }
    stop();
    return finished;
  }

  void stop() {
    if (!running) return;
    running = false;
    state.draining.store(true);
    guards.clear();
    for (auto& w : workers) w->ioc.stop();
    for (auto& w : workers)
      if (w->thread.joinable()) w->thread.join();
    state.feedbackPool.join();
  }

  ~Impl() {
    stop();
    acceptor.reset();
    // Workers go before the state they reference; each destroys its pending handlers (and with them
    // the sessions and exchanges they own) with its io_context.
    workers.clear();
  }

  ServerState state;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>>> guards;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::size_t next = 0;  // accept handler only (worker 0's thread)
  std::uint16_t boundPort = 0;
  bool running = false;
};

ProxyServer::ProxyServer(ProxyOptions options, ProxyHooks& hooks) : impl_(std::make_unique<Impl>(std::move(options), hooks)) {}
ProxyServer::~ProxyServer() = default;
Status ProxyServer::start() { return impl_->start(); }
std::uint16_t ProxyServer::port() const { return impl_->boundPort; }
bool ProxyServer::drain(std::chrono::milliseconds grace) { return impl_->drain(grace); }
void ProxyServer::stop() { impl_->stop(); }
bool ProxyServer::draining() const { return impl_->state.draining.load(); }
void ProxyServer::setUnready() { impl_->state.unready.store(true); }

ProxyStats ProxyServer::stats() const {
  const auto& s = impl_->state;
  ProxyStats out;
  out.connectionsAccepted = s.accepted.load();
  out.connectionsRefused = s.refused.load();
  out.requests = s.requests.load();
  out.upstreamConnects = s.upstreamConnects.load();
  out.upstreamReuses = s.upstreamReuses.load();
  out.upstreamRetries = s.upstreamRetries.load();
  out.shadowsSent = s.shadowsSent.load();
  out.shadowsDropped = s.shadowsDropped.load();
  out.activeConnections = s.activeConnections.load();
  out.inFlight = s.inFlight.load();
  return out;
}

}  // namespace modelops::gateway::proxy
