// TestUpstream: a model server stand-in for the gateway suite: cpp-httplib on 127.0.0.1:<free port>,
// keep-alive, answering every POST with a KServe v1 body {"predictions": [<class>], "server": <name>}.
// A test can make it hang (requests wait until release() or the destructor), answer a big body, or
// count what it saw (requests, connections, the last request's headers).
// Thread-safety: every member is safe from any thread while the server runs.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"

namespace modelops::itest {

class TestUpstream {
 public:
  explicit TestUpstream(std::string name, std::string predictedClass = "1") : name_(std::move(name)), class_(std::move(predictedClass)) {
    ::signal(SIGPIPE, SIG_IGN);
    server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
    server_.set_keep_alive_max_count(100000);  // httplib closes after 5 requests by default
    server_.set_tcp_nodelay(true);              // header and body go out in two writes
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); };
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("TestUpstream: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~TestUpstream() {
    release();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& name() const { return name_; }

  // From now on requests wait (until release()); waiting() counts those that are waiting.
  void hang() {
    std::lock_guard lock(mu_);
    hanging_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      hanging_ = false;
    }
    cv_.notify_all();
  }
  int waiting() const { return waiting_.load(); }
  int requests() const { return requests_.load(); }
  // Bytes of filler added to every answer's body (to exceed the gateway's response bound).
  void setFiller(std::size_t bytes) { filler_.store(bytes); }
  void setClass(const std::string& predictedClass) {
    std::lock_guard lock(mu_);
    class_ = predictedClass;
  }
  std::string lastHeader(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = lastHeaders_.find(name);
    return it == lastHeaders_.end() ? "" : it->second;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    requests_.fetch_add(1);
    std::string predicted;
    {
      std::unique_lock lock(mu_);
      lastHeaders_ = req.headers;
      if (hanging_) {
        waiting_.fetch_add(1);
        cv_.wait(lock, [&] { return !hanging_; });
        waiting_.fetch_sub(1);
      }
      predicted = class_;
    }
    nlohmann::json body = {{"predictions", nlohmann::json::array({std::stoi(predicted)})}, {"server", name_}};
    if (auto n = filler_.load()) body["filler"] = std::string(n, 'x');
    res.set_content(body.dump(), "application/json");
    res.set_header("X-Prediction-Id", "set-by-upstream");  // the gateway must not pass it on
  }

  std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool hanging_ = false;
  std::string class_;
  httplib::Headers lastHeaders_;
  std::atomic<int> waiting_{0}, requests_{0};
  std::atomic<std::size_t> filler_{0};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// ClosingUpstream: answers each request with a keep-alive answer (no "Connection: close") and then closes the
// connection, as a model server does when its keep-alive timeout ends between two requests: a pooled connection
// to it is dead by the next request. Plain sockets, one connection at a time, on 127.0.0.1:<free port>.
class ClosingUpstream {
 public:
  ClosingUpstream() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("ClosingUpstream: cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ClosingUpstream() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  int port() const { return port_; }
  int answered() const { return answered_.load(); }

 private:
  void serve() {
    for (;;) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string in;
      char buf[4096];
      // The test's requests have no body: the header's end is the request's end.
      while (in.find("\r\n\r\n") == std::string::npos) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      if (in.find("\r\n\r\n") != std::string::npos) {
        static const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"predictions\":[1]}";
        if (::write(fd, answer.data(), answer.size()) == static_cast<ssize_t>(answer.size())) answered_.fetch_add(1);
      }
      ::close(fd);
    }
  }
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> answered_{0};
  std::thread thread_;
};

}  // namespace modelops::itest
