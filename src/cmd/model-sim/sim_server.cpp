// HTTP endpoints and the traffic ticker of the simulated model server (see sim_server.h).
// Thread-safety: start()/stop() from one thread; handlers call the thread-safe ModelSimulator.
#include "sim_server.h"

#include <httplib.h>

namespace modelops::modelsim {

SimServer::SimServer(ModelSimulator& sim, std::chrono::milliseconds tick) : sim_(sim), tick_(tick) {}

SimServer::~SimServer() { stop(); }

Result<int> SimServer::start(const std::string& bind, int port) {
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  auto predict = [this](const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    std::optional<std::string> segment;
    if (req.has_param("segment")) segment = req.get_param_value("segment");
    if (!segment && !req.body.empty()) {
      const auto body = nlohmann::json::parse(req.body, nullptr, false);
      if (body.is_object() && body.contains("segment") && body["segment"].is_string()) {
        segment = body["segment"].get<std::string>();
      }
    }
    auto answer = sim_.predict(segment);
    if (!answer.ok()) {
      res.status = 400;
      res.set_content(nlohmann::json{{"error", answer.error().message}}.dump(), "application/json");
      return;
    }
    res.set_content(answer->dump(), "application/json");
    sim_.observeRequestDuration(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  };
  server_->Post("/predict", predict);
  server_->Get("/predict", predict);
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(sim_.metricsText(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/admin/accuracy", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(sim_.accuracyJson().dump(), "application/json");
  });
  server_->Post("/admin/accuracy", [this](const httplib::Request& req, httplib::Response& res) {
    auto update = parseAccuracyUpdate(req.body);
    Status st = update.ok() ? sim_.setAccuracy(*update) : Status(update.error());
    if (!st.ok()) {
      res.status = 400;
      res.set_content(nlohmann::json{{"error", st.error().message}}.dump(), "application/json");
      return;
    }
    res.set_content(sim_.accuracyJson().dump(), "application/json");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });

  int bound = port;
  if (port == 0) {
    bound = server_->bind_to_any_port(bind);
  } else if (!server_->bind_to_port(bind, port)) {
    bound = -1;
  }
  if (bound <= 0) return Error{"BindFailed", "cannot listen on " + bind + ":" + std::to_string(port)};
  serverThread_ = std::thread([this] { server_->listen_after_bind(); });
  tickerThread_ = std::thread([this] {
    while (!stopTicker_.waitFor(tick_)) sim_.advanceTo(std::chrono::steady_clock::now());
  });
  return bound;
}

void SimServer::stop() {
  stopTicker_.cancel();
  if (tickerThread_.joinable()) tickerThread_.join();
  if (serverThread_.joinable()) {
    // httplib ignores stop() until its listen loop runs: wait for it (bounded) first.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    server_->stop();
    serverThread_.join();
  }
}

}  // namespace modelops::modelsim
