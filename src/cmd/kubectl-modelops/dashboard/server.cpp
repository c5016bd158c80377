// The dashboard's HTTP server: request guard, routes, Server-Sent Events. See dashboard.h.
// Routes: GET / (list; ?namespace=&phase=), GET /ns/NS/md/NAME (detail), GET /events (SSE: "data:
// <version>" after every watch change, a comment every 15 s), GET /assets/app.{css,js},
// POST /api/ns/NS/md/NAME/actions/ACTION (form field `argument`). `X-Partial: 1` renders only <main>.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <ostream>
#include <thread>

#include "actions.h"
#include "assets.h"
#include "dashboard.h"
#include "detail_charts.h"
#include "pages.h"
#include "rollout_store.h"
#include "session_guard.h"

namespace modelops::plugin {
namespace {

using namespace dashboard;
using nlohmann::json;

constexpr int kMaxEventStreams = 16;
constexpr std::size_t kMaxBody = 4096;

void securityHeaders(httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                 "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");  // the start-up URL carries the token
  res.set_header("Cache-Control", "no-store");
}

void refuse(httplib::Response& res, int status, const std::string& why) {
  securityHeaders(res);
  res.status = status;
  res.set_content(why + "\n", "text/plain; charset=utf-8");
}

class DashboardServer {
 public:
  DashboardServer(Session& s, const DashboardOptions& o)
      : s_(s), options_(o), store_(s.client, s.allNamespaces ? "" : s.ns) {}

  int run();

 private:
  // Host, token (cookie or ?token=, which sets the cookie) and, for POST, Origin and the token again.
  httplib::Server::HandlerResponse guard(const httplib::Request& req, httplib::Response& res);
  PageContext context(const httplib::Request& req) const {
    return PageContext{guard_->token(), s_.allNamespaces ? "all namespaces" : "namespace " + s_.ns, store_.lastError(),
                       req.get_header_value("X-Partial") == "1"};
  }
  void routes();
  void list(const httplib::Request& req, httplib::Response& res);
  void detail(const httplib::Request& req, httplib::Response& res);
  void events(const httplib::Request& req, httplib::Response& res);
  void action(const httplib::Request& req, httplib::Response& res);

  Session& s_;
  DashboardOptions options_;
  RolloutStore store_;
  PrometheusRanges prometheus_;
  std::unique_ptr<SessionGuard> guard_;
  httplib::Server server_;
  CancelToken stop_;
  std::atomic<int> streams_{0};
};

httplib::Server::HandlerResponse DashboardServer::guard(const httplib::Request& req, httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  if (!guard_->hostAllowed(req.get_header_value("Host"))) {
    refuse(res, 403, "refused: unexpected Host header (open the URL kubectl modelops dashboard printed)");
    return HR::Handled;
  }
  if (req.method == "GET" && req.has_param("token")) {
    if (!guard_->tokenMatches(req.get_param_value("token"))) {
      refuse(res, 403, "refused: wrong token (open the URL kubectl modelops dashboard printed)");
      return HR::Handled;
    }
    securityHeaders(res);
    res.set_header("Set-Cookie", std::string(SessionGuard::kCookie) + "=" + guard_->token() +
                                     "; Path=/; HttpOnly; SameSite=Strict");
    res.set_redirect(req.path == "/" ? "/" : req.path, 303);  // the token leaves the address bar
    return HR::Handled;
  }
  if (!guard_->tokenMatches(cookieValue(req.get_header_value("Cookie"), SessionGuard::kCookie))) {
    refuse(res, 403, "refused: no session token (open the URL kubectl modelops dashboard printed)");
    return HR::Handled;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    // The header only: a cross-site form can send a cookie (not with SameSite=Strict, but older browsers)
    // and fields, never a custom header. (The guard runs before httplib reads a body.)
    const std::string presented = req.get_header_value(SessionGuard::kHeader);
    if (!guard_->originAllowed(req.get_header_value("Origin"), req.get_header_value("Host")) ||
        !guard_->tokenMatches(presented)) {
      refuse(res, 403, "refused: an action needs the session token and this dashboard's origin");
      return HR::Handled;
    }
  }
  return HR::Unhandled;
}

void DashboardServer::list(const httplib::Request& req, httplib::Response& res) {
  ListFilter filter{req.get_param_value("namespace"), req.get_param_value("phase")};
  securityHeaders(res);
  res.set_content(renderListPage(store_.snapshot(), filter, s_.ctx.clock.now(), context(req)), "text/html; charset=utf-8");
}

void DashboardServer::detail(const httplib::Request& req, httplib::Response& res) {
  const std::string ns = req.matches[1], name = req.matches[2];
  securityHeaders(res);
  auto md = store_.find(ns, name);
  if (!md) {
    res.status = 404;
    res.set_content(renderNotFoundPage(ns, name, context(req)), "text/html; charset=utf-8");
    return;
  }
  DetailInput in;
  in.md = *md;
  Session scoped{s_.client, ns, false, s_.ctx};
  in.events = eventsFor(scoped, name);
  in.now = s_.ctx.clock.now();
  const double now = std::chrono::duration<double>(in.now.time_since_epoch()).count();
  in.charts = buildDetailCharts(*md, store_.series(), prometheus_, now);
  res.set_content(renderDetailPage(in, context(req)), "text/html; charset=utf-8");
}

void DashboardServer::events(const httplib::Request&, httplib::Response& res) {
  if (streams_.fetch_add(1) >= kMaxEventStreams) {
    streams_.fetch_sub(1);
    refuse(res, 503, "too many open dashboard tabs");
    return;
  }
  securityHeaders(res);
  auto seen = std::make_shared<std::uint64_t>(0);
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, seen](std::size_t, httplib::DataSink& sink) {
        std::uint64_t v = store_.waitForChange(*seen, std::chrono::seconds(15), stop_);
        if (stop_.cancelled()) return false;
        std::string msg = v > *seen ? "data: " + std::to_string(v) + "\n\n" : ": keep-alive\n\n";
        *seen = v;
        return sink.write(msg.data(), msg.size());
      },
      [this](bool) { streams_.fetch_sub(1); });
}

void DashboardServer::action(const httplib::Request& req, httplib::Response& res) {
  securityHeaders(res);
  const std::string argument = req.has_param("argument") ? req.get_param_value("argument") : "";
  ActionOutcome outcome = runAction(s_.client, s_.ctx.clock, req.matches[1], req.matches[2], req.matches[3], argument);
  res.status = outcome.httpStatus;
  res.set_content(outcome.message + "\n", "text/plain; charset=utf-8");
}

void DashboardServer::routes() {
  server_.set_pre_routing_handler([this](const httplib::Request& q, httplib::Response& r) { return guard(q, r); });
  server_.set_payload_max_length(kMaxBody);
  server_.Get("/", [this](const httplib::Request& q, httplib::Response& r) { list(q, r); });
  server_.Get(R"(/ns/([a-z0-9.-]+)/md/([a-z0-9.-]+))",
              [this](const httplib::Request& q, httplib::Response& r) { detail(q, r); });
  server_.Get("/events", [this](const httplib::Request& q, httplib::Response& r) { events(q, r); });
  server_.Get("/assets/app.css", [](const httplib::Request&, httplib::Response& r) {
    securityHeaders(r);
    r.set_content(assets::kCss, "text/css; charset=utf-8");
  });
  server_.Get("/assets/app.js", [](const httplib::Request&, httplib::Response& r) {
    securityHeaders(r);
    r.set_content(assets::kJs, "text/javascript; charset=utf-8");
  });
  server_.Post(R"(/api/ns/([a-z0-9.-]+)/md/([a-z0-9.-]+)/actions/([a-z-]+))",
               [this](const httplib::Request& q, httplib::Response& r) { action(q, r); });
}

int DashboardServer::run() {
  ::signal(SIGPIPE, SIG_IGN);  // a closed browser tab must not end the process
  server_.new_task_queue = [] { return new httplib::ThreadPool(kMaxEventStreams + 8); };
  server_.set_read_timeout(std::chrono::seconds(10));
  server_.set_write_timeout(std::chrono::seconds(10));
  routes();
  int port = static_cast<int>(options_.port);
  if (port == 0) port = server_.bind_to_any_port(options_.address);
  else if (!server_.bind_to_port(options_.address, port)) port = -1;
  if (port <= 0) {
    s_.ctx.err << "error: cannot listen on " << options_.address << ":" << options_.port << "\n";
    return kExitFailed;
  }
  try {
    guard_ = std::make_unique<SessionGuard>(newSessionToken(), options_.address, port);
  } catch (const std::exception& e) {
    s_.ctx.err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
  if (!isLoopbackAddress(options_.address))
    s_.ctx.err << "warning: the dashboard listens on " << options_.address
               << ", not loopback: anyone who can reach it and learns the URL acts with your credentials\n";
  std::thread watcher([this] { store_.run(stop_); });
  const std::string host = options_.address.find(':') != std::string::npos ? "[" + options_.address + "]" : options_.address;
  s_.ctx.out << "Dashboard: http://" << host << ":" << port << "/?token=" << guard_->token() << "\n"
             << "(watching " << (s_.allNamespaces ? "all namespaces" : "namespace " + s_.ns) << "; Ctrl-C to stop)"
             << std::endl;
  auto onCancel = s_.ctx.cancel.scopedOnCancel([this] {
    stop_.cancel();  // first: the event streams end, so the server's pool can be joined
    server_.stop();
  });
  server_.listen_after_bind();
  stop_.cancel();
  watcher.join();
  return kExitOk;
}

}  // namespace

int cmdDashboard(Session& s, const DashboardOptions& options) {
  DashboardServer server(s, options);
  return server.run();
}

}  // namespace modelops::plugin
