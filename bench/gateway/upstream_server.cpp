// bench-upstream: the fixed-response model server of the gateway benchmark. It answers every complete
// HTTP/1.1 request with `{"predictions":[3]}` (a KServe v1 predict answer), keep-alive, pipelining
// allowed. It must never be the bottleneck, so it is a raw epoll loop per thread (SO_REUSEPORT listeners,
// level-triggered, non-blocking) with no allocation per request beyond the connection's buffers.
// Bounds: request head 16 KiB, body 1 MiB, 10,000 connections; a request past a bound closes its
// connection. Chunked request bodies are refused (501): every client of the benchmark sends Content-Length.
// Usage: bench-upstream [--bind 127.0.0.1] [--port 0] [--threads 1]; prints one line once listening:
//   bench-upstream ready port=N
// SIGTERM or SIGINT stops it (exit 0).
// Thread-safety: each thread owns its epoll set and connections; they share nothing but the stop eventfd.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::size_t kMaxBody = 1024 * 1024;
constexpr int kMaxConnectionsPerThread = 10000;

constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 19\r\n\r\n{\"predictions\":[3]}";
constexpr std::string_view kNotImplemented =
    "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

struct Connection {
  std::string in;
  std::string out;
  bool closeAfterWrite = false;
};

// Case-insensitive search for a header's value in a request head (from the first line break on).
std::string_view headerValue(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    std::size_t lineStart = at + 2;
    std::size_t lineEnd = head.find("\r\n", lineStart);
    std::string_view line = head.substr(lineStart, lineEnd == std::string_view::npos ? lineEnd : lineEnd - lineStart);
    std::size_t colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      return v;
    }
    at = lineEnd;
  }
  return {};
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Consumes every complete request in c.in, appending a response per request to c.out.
// Returns false when the connection must be closed (a bound exceeded or a malformed head).
bool answerComplete(Connection& c) {
  std::size_t consumed = 0;
  while (true) {
    std::string_view rest(c.in.data() + consumed, c.in.size() - consumed);
    std::size_t headEnd = rest.find("\r\n\r\n");
    if (headEnd == std::string_view::npos) {
      if (rest.size() > kMaxHead) return false;
      break;
    }
    std::string_view head = rest.substr(0, headEnd);
    if (!headerValue(head, "Transfer-Encoding").empty()) {
      c.out.append(kNotImplemented);
      c.closeAfterWrite = true;
      c.in.clear();
      return true;
    }
    std::string_view lengthText = headerValue(head, "Content-Length");
    std::size_t length = 0;
    for (char ch : lengthText) {
      if (ch < '0' || ch > '9') return false;
      length = length * 10 + static_cast<std::size_t>(ch - '0');
      if (length > kMaxBody) return false;
    }
    if (rest.size() < headEnd + 4 + length) break;
    bool http10 = head.find("HTTP/1.0\r\n") != std::string_view::npos || head.ends_with("HTTP/1.0");
    std::string_view connection = headerValue(head, "Connection");
    c.out.append(kOk);
    consumed += headEnd + 4 + length;
    if (equalsIgnoreCase(connection, "close") || (http10 && !equalsIgnoreCase(connection, "keep-alive"))) {
      c.closeAfterWrite = true;
      break;
    }
  }
  c.in.erase(0, consumed);
  return true;
}

int listenOn(const std::string& bind, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, bind.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
    std::fprintf(stderr, "bench-upstream: cannot listen on %s:%d: %s\n", bind.c_str(), port, std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

int boundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// Writes what it can of c.out; false on a hard error.
bool flush(int fd, Connection& c) {
  while (!c.out.empty()) {
    ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

class Loop {
 public:
  Loop(int listenFd, int stopFd) : listenFd_(listenFd), stopFd_(stopFd), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    add(listenFd_, EPOLLIN);
    add(stopFd_, EPOLLIN);
  }
  ~Loop() {
    for (auto& [fd, c] : connections_) ::close(fd);
    ::close(epoll_);
  }
  void run() {
    std::vector<epoll_event> events(256);
    while (true) {
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno == EINTR) continue;
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == stopFd_) return;
        if (fd == listenFd_) accept();
        else serve(fd, events[i].events);
      }
    }
  }

 private:
  void add(int fd, std::uint32_t mask) {
    epoll_event ev{};
    ev.events = mask;
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }
  void accept() {
    while (true) {
      int fd = accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN: another thread took it, or none left
      if (static_cast<int>(connections_.size()) >= kMaxConnectionsPerThread) {
        ::close(fd);
        continue;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_.emplace(fd, std::make_unique<Connection>());
      add(fd, EPOLLIN | EPOLLRDHUP);
    }
  }
  void close(int fd) {
    epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections_.erase(fd);
  }
  void serve(int fd, std::uint32_t mask) {
    auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    bool hadOutput = !c.out.empty();
    if (mask & EPOLLIN) {
      char buffer[16384];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return close(fd);
      if (n > 0) {
        c.in.append(buffer, static_cast<std::size_t>(n));
        if (!answerComplete(c)) return close(fd);
      }
    } else if (mask & (EPOLLHUP | EPOLLERR)) {
      return close(fd);
    }
    if (!flush(fd, c)) return close(fd);
    if (c.out.empty() && c.closeAfterWrite) return close(fd);
    if (c.out.empty() != !hadOutput) {  // pending output appeared or drained: watch writability accordingly
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
      ev.data.fd = fd;
      epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
    }
  }

  int listenFd_, stopFd_, epoll_;
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "bench-upstream: %s\nusage: bench-upstream [--bind ADDR] [--port N] [--threads N]\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string bind = "127.0.0.1";
  int port = 0, threads = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) usage("a flag needs a value");
    if (a == "--bind") bind = argv[++i];
    else if (a == "--port") port = std::atoi(argv[++i]);
    else if (a == "--threads") threads = std::atoi(argv[++i]);
    else usage("unknown flag");
  }
  if (port < 0 || port > 65535) usage("--port must be 0..65535");
  if (threads < 1 || threads > 64) usage("--threads must be 1..64");

  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);  // the loops inherit the mask; main waits for them

  int first = listenOn(bind, port);
  port = boundPort(first);
  std::vector<int> listeners{first};
  for (int i = 1; i < threads; ++i) listeners.push_back(listenOn(bind, port));
  int stopFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::vector<std::thread> loops;
  for (int fd : listeners) loops.emplace_back([fd, stopFd] { Loop(fd, stopFd).run(); });
  std::printf("bench-upstream ready port=%d threads=%d\n", port, threads);
  std::fflush(stdout);

  int received = 0;
  sigwait(&stopSignals, &received);
  std::uint64_t one = 1;
  if (::write(stopFd, &one, sizeof one) != sizeof one) return 1;
  for (auto& t : loops) t.join();
  for (int fd : listeners) ::close(fd);
  return 0;
}
