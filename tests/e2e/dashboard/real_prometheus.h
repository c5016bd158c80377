// e2e.dashboard's metrics side: a real prometheus (Debian package) on a loopback port the test picks,
// with a config file the test writes (scrape_interval 1s), scraping itself (its request counter) and what the test starts:
//   - ModelSim: one modelops-model-sim process per model version (model_feedback_{labeled,correct}_total,
//     the series the rollout's analysis templates name). A version started with --rate 0 counts only the
//     predictions the test sends it (predict()), so its labelled counts are exactly what the test made.
//   - GatewayExporter: the gateway's families of docs/metrics.md (modelops_predictions_total by predicted
//     class, modelops_feedback_{labeled,correct}_total by class and version) for one ModelDeployment, on an
//     httplib /metrics endpoint; every scrape advances the counters (classes 0/3/8 at 60/30/10 %, class 8
//     of the canary right 80 % of the time, everything else 95 %). The real gateway is not part of this
//     branch; the exposition is what it serves.
// Everything is stopped by the destructors (processes lead their own process groups), also on failure.
// Thread-safety: one test thread owns these objects; GatewayExporter's counters are locked (scrapes
// arrive on the server's threads).
#pragma once

#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"
#include "support/process.h"

namespace modelops::e2e {

using std::chrono::seconds;

inline std::unique_ptr<testing::ChildProcess> startLogged(const std::vector<std::string>& argv, const std::string& log) {
  testing::ChildProcessOptions options;
  options.ownProcessGroup = true;
  options.terminateGrace = seconds(10);
  options.stderrFile = log;
  return std::make_unique<testing::ChildProcess>(argv, options);
}

// A loopback port free when chosen (prometheus cannot be told to pick one and print it).
inline int freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class ModelSim {
 public:
  ModelSim(const std::string& binary, const std::string& version, std::vector<std::string> flags, const std::string& log) {
    std::vector<std::string> argv{binary, "--model", "fraud", "--version", version, "--port", "0", "--log-level", "warn"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = startLogged(argv, log);
    static const std::regex portLine(R"(listening .*port=(\d+)\n)");
    std::smatch m;
    process_->waitForOutput([&](const std::string& out) { return std::regex_search(out, m, portLine); }, seconds(10),
                            testing::OutputStream::Stdout);
    const std::string out = process_->out();
    if (!std::regex_search(out, m, portLine)) throw std::runtime_error("model-sim " + version + " printed no port: " + process_->err());
    port_ = std::stoi(m[1]);
  }
  int port() const { return port_; }
  // `n` predictions served through /predict (each labelled when started with --label-ratio 1).
  void predict(int n) {
    httplib::Client cli("127.0.0.1", port_);
    for (int i = 0; i < n; ++i) {
      auto res = cli.Get("/predict");
      if (!res || res->status != 200) throw std::runtime_error("model-sim /predict failed");
    }
  }

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

class GatewayExporter {
 public:
  GatewayExporter(std::string ns, std::string model, std::string stable, std::string canary)
      : ns_(std::move(ns)), model_(std::move(model)), stable_(std::move(stable)), canary_(std::move(canary)) {
    ::signal(SIGPIPE, SIG_IGN);
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(scrape(), "text/plain; version=0.0.4; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("GatewayExporter: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    testing::waitFor([&] { return server_.is_running(); }, seconds(5));
  }
  ~GatewayExporter() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  GatewayExporter(const GatewayExporter&) = delete;
  GatewayExporter& operator=(const GatewayExporter&) = delete;
  int port() const { return port_; }

 private:
  std::string scrape() {
    std::lock_guard lock(mu_);
    ++scrapes_;
    std::string text;
    const std::string common = "namespace=\"" + ns_ + "\",model=\"" + model_ + "\"";
    static const std::pair<std::string, int> kClassShares[] = {{"0", 6}, {"3", 3}, {"8", 1}};
    for (const auto& [cls, share] : kClassShares) {
      for (const std::string& version : {stable_, canary_}) {
        const std::string labels = "{" + common + ",version=\"" + version + "\",class=\"" + cls + "\"}";
        const double n = 10.0 * share * scrapes_;
        const double right = cls == "8" && version == canary_ ? 0.8 : 0.95;
        text += "modelops_predictions_total" + labels + " " + std::to_string(n) + "\n";
        text += "modelops_feedback_labeled_total" + labels + " " + std::to_string(n) + "\n";
        text += "modelops_feedback_correct_total" + labels + " " + std::to_string(std::floor(n * right)) + "\n";
      }
    }
    return text;
  }

  std::string ns_, model_, stable_, canary_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  long scrapes_ = 0;
};

class RealPrometheus {
 public:
  // Scrapes the targets (loopback ports) and itself (for its request counter) every second; throws when it
  // does not become ready.
  RealPrometheus(const std::string& dir, std::vector<int> targetPorts) {
    if (!std::filesystem::exists("/usr/bin/prometheus")) throw std::runtime_error("the prometheus package is not installed");
    bool ready = false;
    // The port is free when chosen; another program could take it before prometheus binds: retry.
    for (int attempt = 0; attempt < 3 && !ready; ++attempt) {
      port_ = freeLoopbackPort();
      std::string targets = "'127.0.0.1:" + std::to_string(port_) + "'";
      for (int p : targetPorts) targets += ", '127.0.0.1:" + std::to_string(p) + "'";
      std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                             << "scrape_configs:\n  - job_name: e2e-dashboard\n    static_configs:\n"
                                             << "      - targets: [" << targets << "]\n";
      process_ = startLogged({"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
                              "--storage.tsdb.path=" + dir + "/data",
                              "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"},
                             dir + "/prometheus.log");
      httplib::Client cli("127.0.0.1", port_);
      cli.set_connection_timeout(std::chrono::milliseconds(500));
      ready = testing::waitFor(
                  [&] {
                    if (!process_->running()) return true;
                    auto res = cli.Get("/-/ready");
                    return res && res->status == 200;
                  },
                  seconds(20)) &&
              process_->running();
    }
    if (!ready) throw std::runtime_error("prometheus did not become ready: " + process_->err());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return process_->err(); }

  // The sum of an instant query's samples now; nullopt when it has none (or on any error).
  std::optional<double> instant(const std::string& promql) const {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(seconds(5));
    auto res = cli.Post("/api/v1/query", httplib::Params{{"query", promql}});
    if (!res || res->status != 200) return std::nullopt;
    const auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (doc.is_discarded() || doc.value("status", "") != "success") return std::nullopt;
    const auto& result = doc["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    double sum = 0;
    for (const auto& s : result) sum += std::stod(s["value"][1].get<std::string>());
    return sum;
  }
  // The body of a /api/v1/query_range answer ("" on a transport error).
  std::string range(const std::string& promql, double start, double end, double step) const {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_read_timeout(seconds(5));
    auto res = cli.Post("/api/v1/query_range", httplib::Params{{"query", promql},
                                                               {"start", std::to_string(start)},
                                                               {"end", std::to_string(end)},
                                                               {"step", std::to_string(step)}});
    return res ? res->body : "";
  }
  // Range queries this prometheus has answered (its own request counter, as last scraped: up to 1 s late).
  double rangeQueries() const {
    return instant(R"(sum(prometheus_http_requests_total{handler="/api/v1/query_range"}))").value_or(0);
  }

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int port_ = 0;
};

}  // namespace modelops::e2e
