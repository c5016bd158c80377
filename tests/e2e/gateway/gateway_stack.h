// The programs of e2e.gateway around the in-process dev API server (tests/integration/support/cluster.h):
// the demo's scikit-learn model servers (demo/model-server/server.py, one per Service: the dev server runs no
// pods, so the test plays the kubelet and tells each server which version its Service's pods would run), the
// real modelops-gateway, a real prometheus scraping the gateway, and the traffic+label driver
// (demo/driver/driver.py). Each program leads its own process group and is stopped by its destructor (SIGTERM,
// grace, SIGKILL), also when an assertion fails half-way.
// Thread-safety: test thread only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fakes/wait.h"
#include "support/process.h"

namespace modelops::e2e_gateway {

using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;

// Debian's interpreter: the one that sees python3-sklearn / -fastapi / -uvicorn (a pyenv python3 on PATH does not).
inline const std::string kPython = "/usr/bin/python3";

inline std::unique_ptr<ChildProcess> startGroupLeader(const std::vector<std::string>& argv, const std::string& logFile) {
  testing::ChildProcessOptions options;
  options.ownProcessGroup = true;
  options.terminateGrace = seconds(10);
  options.stderrFile = logFile;
  auto p = std::make_unique<ChildProcess>(argv, options);
  if (!p->started()) throw std::runtime_error("cannot start " + argv[0]);
  return p;
}

// The first group of `pattern` in a complete stdout line (a line still being written could end in half a port).
inline std::optional<std::string> firstCompleteMatch(const std::string& text, const std::regex& pattern) {
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
    const std::string line = text.substr(start, nl - start);
    std::smatch m;
    if (std::regex_search(line, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
  }
  return std::nullopt;
}

// Waits for `pattern` (one group: the port) on the program's stdout; throws with its log otherwise.
inline int portFromOutput(ChildProcess& p, const std::regex& pattern, milliseconds timeout, const std::string& what) {
  p.waitForOutput([&](const std::string& out) { return firstCompleteMatch(out, pattern).has_value(); }, timeout,
                  testing::OutputStream::Stdout);
  auto port = firstCompleteMatch(p.out(), pattern);
  if (!port) throw std::runtime_error(what + " did not print its port; stderr:\n" + p.err());
  return std::stoi(*port);
}

// A loopback port nobody listened on a moment ago: for prometheus, which cannot report a port 0 it bound.
inline int unusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline Json getJson(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(seconds(2));
  cli.set_read_timeout(seconds(5));
  auto res = cli.Get(path);
  if (!res || res->status != 200) return Json();
  auto doc = Json::parse(res->body, nullptr, false);
  return doc.is_discarded() ? Json() : doc;
}

// One demo model server (a Service's pods): trains its model at start-up, prints its port.
class ModelServer {
 public:
  ModelServer(const std::string& sourceDir, const std::string& version, const std::string& quality,
              const std::string& logFile) {
    process_ = startGroupLeader({kPython, sourceDir + "/demo/model-server/server.py", "--model", "digits", "--version",
                                 version, "--quality", quality, "--port", "0"},
                                logFile);
    port_ = portFromOutput(*process_, std::regex(R"(^modelops-model-server ready port=(\d+))"), seconds(60),
                           "model server " + version);
  }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // What a rollout of the Service's pods to `version` does: the server now answers with that model.
  bool load(const std::string& version, const std::string& quality) {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(seconds(30));
    auto res = cli.Post("/admin/load", Json{{"version", version}, {"quality", quality}}.dump(), "application/json");
    return res && res->status == 200;
  }
  std::string servingVersion() const { return getJson(port_, "/v1/models/digits").value("version", ""); }
  std::optional<int> stop() { return process_->terminate(seconds(10)); }
  std::string log() const { return process_->err(); }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// prometheus (Debian) scraping `target` (host:port, /metrics) every second, TSDB in `dir`.
class Prometheus {
 public:
  Prometheus(const std::string& dir, const std::string& target) {
    std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                           << "scrape_configs:\n  - job_name: gateway\n    static_configs:\n"
                                           << "      - targets: ['" << target << "']\n";
    for (int attempt = 0; attempt < 3 && url_.empty(); ++attempt) {  // the port can be taken before it binds
      port_ = unusedLoopbackPort();
      process_ = startGroupLeader({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                                   "--storage.tsdb.path=" + dir + "/prometheus-data",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                                  dir + "/prometheus.log");
      httplib::Client cli("127.0.0.1", port_);
      cli.set_connection_timeout(milliseconds(500));
      const bool ready = testing::waitFor(
          [&] {
            if (!process_->running()) return true;
            auto res = cli.Get("/-/ready");
            return res && res->status == 200;
          },
          seconds(30), milliseconds(200));
      if (ready && process_->running()) url_ = "http://127.0.0.1:" + std::to_string(port_);
    }
    if (url_.empty()) throw std::runtime_error("prometheus did not start:\n" + process_->err());
  }
  const std::string& url() const { return url_; }
  // The value of a PromQL query's first sample (nullopt: no sample).
  std::optional<double> value(const std::string& promql) const {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(seconds(5));
    auto res = cli.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!res || res->status != 200) return std::nullopt;
    auto doc = Json::parse(res->body, nullptr, false);
    if (doc.is_discarded() || doc["data"]["result"].empty()) return std::nullopt;
    return std::stod(doc["data"]["result"][0]["value"][1].get<std::string>());
  }
  std::optional<int> stop() { return process_->terminate(seconds(10)); }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
  std::string url_;
};

// The traffic + label driver through the gateway, bounded by `duration`; stop() SIGTERMs it: it posts the
// labels still due and prints its summary line.
class Driver {
 public:
  Driver(const std::string& sourceDir, const std::string& gatewayUrl, const std::vector<std::string>& extraArgs,
         const std::string& logFile) {
    std::vector<std::string> argv = {kPython, sourceDir + "/demo/driver/driver.py", "--gateway", gatewayUrl};
    argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
    process_ = startGroupLeader(argv, logFile);
  }
  std::optional<int> stop() { return process_->terminate(seconds(15)); }
  std::string summary() const {
    auto s = firstCompleteMatch(process_->out(), std::regex(R"(^driver summary: (.*))"));
    return s.value_or("");
  }
  std::string output() const { return process_->out() + process_->err(); }

 private:
  std::unique_ptr<ChildProcess> process_;
};

// The real modelops-gateway: watches ModelDeployments through `kubeconfig` (namespace `ns`), signs ids with the
// keys of Secret `keySecret`, reaches each Service at the address the test gives (no cluster DNS here).
class Gateway {
 public:
  Gateway(const std::string& binaryDir, const std::string& kubeconfig, const std::string& ns,
          const std::string& keySecret, const std::vector<std::pair<std::string, std::string>>& serviceAddresses,
          const std::string& logFile) {
    std::vector<std::string> argv = {binaryDir + "/bin/modelops-gateway", "--kubeconfig", kubeconfig,
                                     "--listen-address", "127.0.0.1:0", "--namespace", ns,
                                     "--key-secret", keySecret, "--log-format", "text"};
    for (const auto& [service, address] : serviceAddresses) {
      argv.push_back("--service-address");
      argv.push_back(ns + "/" + service + "=" + address);
    }
    process_ = startGroupLeader(argv, logFile);
    port_ = portFromLog(seconds(30));
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool ready() const {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_connection_timeout(seconds(1));
    auto res = cli.Get("/readyz");
    return res && res->status == 200;
  }
  // SIGTERM: drains and must exit 0.
  std::optional<int> stop() { return process_->terminate(seconds(15)); }
  std::string log() const { return process_->err(); }

 private:
  int portFromLog(milliseconds timeout) {
    const std::regex serving(R"(serving.*port=(\d+))");
    std::optional<std::string> port;
    testing::waitFor(
        [&] {
          port = firstCompleteMatch(process_->err() + process_->out(), serving);
          return port.has_value() || !process_->running();
        },
        timeout, milliseconds(50));
    if (!port) throw std::runtime_error("modelops-gateway did not log its port:\n" + process_->err());
    return std::stoi(*port);
  }

  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// A counter `name=` in the driver's summary line (-1 when absent).
inline long summaryCount(const std::string& summary, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(summary, m, std::regex("(^| )" + name + "=([0-9]+)"))) return -1;
  return std::stol(m[2].str());
}

}  // namespace modelops::e2e_gateway
