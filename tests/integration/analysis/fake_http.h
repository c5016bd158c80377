// Test helpers for the provider integration tests: an httplib server on 127.0.0.1:0 on its own thread
// (plain or TLS), a port that refuses connections, a temp directory, a self-signed certificate for
// 127.0.0.1 made with the openssl command, and a gate that holds a handler until released.
// Thread-safety: handlers run on the server's pool threads; start/stop from the test thread.
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include "fakes/wait.h"

namespace modelops::analysis::testing {

class FakeHttpServer {
 public:
  explicit FakeHttpServer(std::unique_ptr<httplib::Server> server = std::make_unique<httplib::Server>())
      : server_(std::move(server)) {
    ::signal(SIGPIPE, SIG_IGN);
    server_->new_task_queue = [] { return new httplib::ThreadPool(4); };
  }
  ~FakeHttpServer() { stop(); }
  httplib::Server& http() { return *server_; }
  int start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    return port_;
  }
  void stop() {
    if (!thread_.joinable()) return;
    modelops::testing::waitFor([&] { return server_->is_running(); }, std::chrono::seconds(5));
    server_->stop();
    thread_.join();
  }
  std::string url(const std::string& scheme = "http") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A port on 127.0.0.1 that was just bound and closed: connecting is refused.
inline int refusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Holds handlers until release() (called at teardown at the latest), so a "slow server" never
// outlives the test by more than the release.
class Gate {
 public:
  ~Gate() { release(); }
  void wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  int waiting_ = 0;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "modelops-analysis-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A self-signed certificate for IP 127.0.0.1 (it is its own CA): returns {certFile, keyFile}.
inline std::pair<std::string, std::string> selfSignedCert(const TempDir& dir) {
  const std::string cert = dir.file("cert.pem"), key = dir.file("key.pem");
  const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1"
                          " -addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
  return {cert, key};
}

}  // namespace modelops::analysis::testing
