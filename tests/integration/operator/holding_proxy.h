// HoldingProxy: a TCP relay on 127.0.0.1:<free port> in front of the dev API server that can hold the
// responses of chosen requests. An operator whose kubeconfig points here gets every answer at once,
// except that while holding, the response of a request whose request line matches the predicate is
// not passed on until release(): the request itself reaches the server at once (so the server's
// audit shows it when it was sent), but the operator's reconcile waits on its answer - a reconcile
// caught mid-way, for the fencing test. Plain HTTP only (the dev server in these tests); the
// kube client opens one connection per request, so the first line of a connection is its request.
// Thread-safety: hold/release/held from the test thread while relays run; the destructor stops and
// joins every thread it started and closes every socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace modelops::itest {

class HoldingProxy {
 public:
  using Match = std::function<bool(const std::string& requestLine)>;

  explicit HoldingProxy(int upstreamPort) : upstreamPort_(upstreamPort) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) throw std::runtime_error("HoldingProxy: socket");
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 128) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("HoldingProxy: bind 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~HoldingProxy() {
    stop_ = true;
    acceptor_.join();
    std::vector<std::thread> relays;
    {
      std::lock_guard lock(mu_);
      relays.swap(relays_);
    }
    for (auto& t : relays) t.join();
    ::close(listener_);
  }
  HoldingProxy(const HoldingProxy&) = delete;
  HoldingProxy& operator=(const HoldingProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // From now on, hold the responses of requests whose request line ("GET /path HTTP/1.1") matches.
  void hold(Match match) {
    std::lock_guard lock(mu_);
    match_ = std::move(match);
    holding_ = true;
  }
  // Passes held responses on and holds nothing more.
  void release() { holding_ = false; }
  // Requests whose response is (or was) held.
  int held() const { return held_.load(); }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    return addr;
  }

  void acceptLoop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      relays_.emplace_back([this, fd] { relay(fd); });
    }
  }

  static bool sendAll(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      auto n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  // Whether this connection's response is held now; decided once its request line is known.
  bool holdsResponse(const std::string& head, bool& decided, bool& matched) {
    if (!decided) {
      auto eol = head.find("\r\n");
      if (eol == std::string::npos && head.size() < 8192) return false;
      decided = true;
      std::lock_guard lock(mu_);
      matched = holding_ && match_ && match_(head.substr(0, eol));
      if (matched) ++held_;
    }
    return matched && holding_;
  }

  // Relays one connection both ways until either side closes or the proxy stops.
  void relay(int client) {
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(upstreamPort_);
    if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (upstream >= 0) ::close(upstream);
      ::close(client);
      return;
    }
    std::string head;
    bool decided = false, matched = false, clientOpen = true;
    char buf[64 * 1024];
    while (!stop_) {
      bool holdNow = holdsResponse(head, decided, matched);
      // A negative fd is skipped by poll: no busy loop on a hang-up we are not reading yet.
      pollfd p[2] = {{clientOpen ? client : -1, POLLIN, 0}, {holdNow ? -1 : upstream, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;  // the timeout only re-checks release() and stop
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) {
          clientOpen = false;
          ::shutdown(upstream, SHUT_WR);
          if (n < 0) break;
        } else {
          if (!decided) head.append(buf, static_cast<std::size_t>(n));
          if (!sendAll(upstream, buf, static_cast<std::size_t>(n))) break;
        }
      }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::recv(upstream, buf, sizeof buf, 0);
        if (n <= 0 || !sendAll(client, buf, static_cast<std::size_t>(n))) break;
      }
    }
    ::close(upstream);
    ::close(client);
  }

  int upstreamPort_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> holding_{false};
  std::atomic<int> held_{0};
  std::mutex mu_;
  Match match_;
  std::vector<std::thread> relays_;
  std::thread acceptor_;
};

}  // namespace modelops::itest
