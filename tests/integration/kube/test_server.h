// TestServer: runs an httplib::Server or SSLServer on 127.0.0.1 at a port chosen by the kernel,
// on its own thread, for the duration of a test; plus small helpers shared by the kube
// integration tests (a temp directory, a Status body, a client config pointing at the server).
// Thread-safety: handlers run on the server's pool threads; start/stop from the test thread.
#pragma once

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"

namespace modelops::kube::testing {

class TestServer {
 public:
  explicit TestServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the test
    server_->new_task_queue = [] { return new httplib::ThreadPool(8); };
  }
  ~TestServer() { stop(); }

  httplib::Server& http() { return *server_; }

  // Binds 127.0.0.1:0 (connections queue in the backlog until the thread accepts them).
  int start() {
    port_ = server_->bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    return port_;
  }
  void stop() {
    if (!thread_.joinable()) return;
    // stop() is ignored until the listen loop runs: wait for it (bounded) before stopping.
    modelops::testing::waitFor([&] { return server_->is_running(); }, std::chrono::seconds(5), std::chrono::milliseconds(1));
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url(bool tls) const { return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// A directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "modelops-kube-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content, std::filesystem::perms perms =
                                                                             std::filesystem::perms::owner_read |
                                                                             std::filesystem::perms::owner_write) const {
    std::string p = file(name);
    std::ofstream(p, std::ios::binary) << content;
    std::filesystem::permissions(p, perms);
    return p;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string statusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                        {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}}
      .dump();
}

}  // namespace modelops::kube::testing
