// WebhookReceiver: a local webhook endpoint on 127.0.0.1:<free port> for the notification tests. It
// records every POST (path, Authorization, Content-Type, body, the answer it gave) and answers as told:
// fail the first N requests with 500, or hang (hold every request until released or destroyed).
// Thread-safety: all members are safe from any thread while the server runs.
#pragma once

#include <httplib.h>
#include <signal.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"

namespace modelops::itest {

class WebhookReceiver {
 public:
  struct Request {
    std::string path, authorization, contentType, body;
    int answered = 0;  // the status sent (0 while held)
  };

  WebhookReceiver() {
    ::signal(SIGPIPE, SIG_IGN);
    server_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("WebhookReceiver: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~WebhookReceiver() {
    release();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  void failFirst(int n) {
    std::lock_guard lock(mu_);
    failuresLeft_ = n;
  }
  void hang() {
    std::lock_guard lock(mu_);
    hang_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      hang_ = false;
    }
    cv_.notify_all();
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests answered with a 2xx whose JSON body satisfies pred.
  template <class Pred>
  int successes(Pred pred) const {
    int n = 0;
    for (const auto& r : requests()) {
      if (r.answered < 200 || r.answered >= 300) continue;
      auto body = nlohmann::json::parse(r.body, nullptr, false);
      if (!body.is_discarded() && pred(r, body)) ++n;
    }
    return n;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mu_);
    const std::size_t index = requests_.size();
    requests_.push_back({req.path, req.get_header_value("Authorization"), req.get_header_value("Content-Type"), req.body, 0});
    cv_.wait(lock, [this] { return !hang_; });
    res.status = 200;
    if (failuresLeft_ > 0) {
      --failuresLeft_;
      res.status = 500;
    }
    requests_[index].answered = res.status;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  int failuresLeft_ = 0;
  bool hang_ = false;
};

}  // namespace modelops::itest
