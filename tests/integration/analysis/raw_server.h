// RawServer: a TCP listener on 127.0.0.1 (port chosen by the kernel) whose connections are served by a
// test-written function on raw sockets, for answers no well-behaved HTTP server gives: an endless body,
// a 2 GiB Content-Length, a trickle of one byte every few seconds. It counts connections (to prove a
// denied destination was never contacted) and bytes written. stop() (also in the destructor) wakes every
// handler, shuts its socket down and joins every thread.
// Thread-safety: handlers run on one thread per connection; counters are atomic; start/stop from the
// test thread.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace modelops::analysis::testing {

class RawServer {
 public:
  class Connection {
   public:
    Connection(int fd, RawServer& server) : fd_(fd), server_(server) {}
    // Reads the request head (up to the blank line; at most 64 KiB). False when the peer went away.
    bool readRequestHead() {
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return false;
        head.append(buf, static_cast<std::size_t>(n));
      }
      return true;
    }
    // Writes all of `data`; false once the peer closed or the server is stopping.
    bool write(const std::string& data) {
      std::size_t off = 0;
      while (off < data.size()) {
        if (server_.stopping()) return false;
        const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
        server_.bytesWritten_ += static_cast<std::size_t>(n);
      }
      return true;
    }
    // Paces a slow answer; returns false (at once) when the server stops.
    bool pause(std::chrono::milliseconds d) { return !server_.waitForStop(d); }

   private:
    int fd_;
    RawServer& server_;
  };
  using Handler = std::function<void(Connection&)>;

  explicit RawServer(Handler handler) : handler_(std::move(handler)) { ::signal(SIGPIPE, SIG_IGN); }
  ~RawServer() { stop(); }

  int start() {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listenFd_, 16) != 0) {
      throw std::runtime_error("RawServer: cannot listen on 127.0.0.1");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
    return port_;
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    cv_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    for (auto& t : workers_) t.join();
    for (int fd : fds_) ::close(fd);
    if (listenFd_ >= 0) ::close(listenFd_);
  }

  std::string url(const std::string& host = "127.0.0.1") const { return "http://" + host + ":" + std::to_string(port_); }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::size_t bytesWritten() const { return bytesWritten_.load(); }
  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

 private:
  bool waitForStop(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [&] { return stopping_; });
  }

  void acceptLoop() {
    while (!stopping()) {
      pollfd p{listenFd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listenFd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        break;
      }
      ++connections_;
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] {
        Connection c(fd, *this);
        handler_(c);
        ::shutdown(fd, SHUT_RDWR);
      });
    }
  }

  Handler handler_;
  int listenFd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<int> fds_;
  std::vector<std::thread> workers_;
  std::atomic<int> connections_{0};
  std::atomic<std::size_t> bytesWritten_{0};
};

}  // namespace modelops::analysis::testing
