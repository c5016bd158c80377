// MisbehavingProvider: a metrics provider on 127.0.0.1:<free port> that never gives a usable answer,
// for the tests of measurements off the reconcile workers:
//   Silent      - accepts connections and never answers (a hung Prometheus);
//   Trickle     - answers 200 with headers, then one byte of body every 200 ms, never finishing (no
//                 read ever times out);
//   EndlessBody - answers 200 with headers and then a body that never ends (as fast as it can).
// Connections stay open until the provider is destroyed; the destructor stops everything it started.
// Thread-safety: accepted() may be called from any thread; construct and destroy on the test thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace modelops::itest {

class MisbehavingProvider {
 public:
  enum class Mode { Silent, Trickle, EndlessBody };

  explicit MisbehavingProvider(Mode mode) : mode_(mode) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("MisbehavingProvider: socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("MisbehavingProvider: bind 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~MisbehavingProvider() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : senders_) t.join();
    std::lock_guard lock(mu_);
    for (int fd : connections_) ::close(fd);
    ::close(listener_);
  }
  MisbehavingProvider(const MisbehavingProvider&) = delete;
  MisbehavingProvider& operator=(const MisbehavingProvider&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int accepted() const { return accepted_.load(); }
  long long bytesSent() const { return sent_.load(); }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      {
        std::lock_guard lock(mu_);
        connections_.push_back(fd);
      }
      ++accepted_;
      if (mode_ != Mode::Silent) senders_.emplace_back([this, fd] { sendForever(fd); });
    }
  }
  // Reads the request head (best effort), then writes a body with no end until stopped or closed.
  void sendForever(int fd) {
    char buf[4096];
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) > 0) (void)::recv(fd, buf, sizeof buf, 0);
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"status\":\"success\",\"data\":\"";
    if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) < 0) return;
    const std::string chunk(mode_ == Mode::Trickle ? 1 : 64 * 1024, 'x');
    while (!stop_) {
      pollfd w{fd, POLLOUT, 0};
      if (::poll(&w, 1, 50) <= 0) continue;
      if (mode_ == Mode::Trickle) {
        pollfd none{-1, 0, 0};
        (void)::poll(&none, 1, 200);  // the pace of the trickle, not a synchronisation
      }
      auto n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;  // the client gave up
      if (n > 0) sent_ += n;
    }
  }

  Mode mode_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<long long> sent_{0};
  std::mutex mu_;
  std::vector<int> connections_;
  std::thread acceptor_;
  std::vector<std::thread> senders_;  // touched by the acceptor thread only, joined after it
};

}  // namespace modelops::itest
