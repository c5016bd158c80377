// FakePrometheus: a tiny Prometheus HTTP API on 127.0.0.1:<free port> for the operator's analysis.
// It answers GET/POST /api/v1/query with an instant vector whose value the test controls per model
// version: queries name a series `correct` or `labeled` and carry version="X" (the metric templates in
// the tests are `sum(correct{version="{{version}}"})` and `sum(labeled{version="{{version}}"})`).
// An unknown version (or another query) answers an empty vector. Combined queries (queryTogether) are
// answered part by part, each series tagged with its part.
// Thread-safety: set()/queries() are safe from any thread while the server runs.
#pragma once

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/combined_query.h"
#include "fakes/wait.h"

namespace modelops::itest {

class FakePrometheus {
 public:
  FakePrometheus() {
    ::signal(SIGPIPE, SIG_IGN);
    server_.new_task_queue = [] { return new httplib::ThreadPool(4); };
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); };
    server_.Get("/api/v1/query", handler);
    server_.Post("/api/v1/query", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("FakePrometheus: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~FakePrometheus() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  FakePrometheus(const FakePrometheus&) = delete;
  FakePrometheus& operator=(const FakePrometheus&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // `correct` of `labeled` predictions of model version `version` were right.
  void set(const std::string& version, double correct, double labeled) {
    std::lock_guard lock(mu_);
    counts_[version] = {correct, labeled};
  }
  // Queries answered for `version` so far (each part of a combined query counts).
  int queries(const std::string& version) const {
    std::lock_guard lock(mu_);
    auto it = asked_.find(version);
    return it == asked_.end() ? 0 : it->second;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    const std::string query = req.has_param("query") ? req.get_param_value("query") : "";
    nlohmann::json result = nlohmann::json::array();
    static const std::regex versionRe(R"(version=\"([^\"]*)\")");
    for (const auto& part : testsupport::splitCombinedQuery(query)) {
      std::smatch m;
      if (!std::regex_search(part.query, m, versionRe)) continue;
      std::string version = m[1];
      std::lock_guard lock(mu_);
      ++asked_[version];
      auto it = counts_.find(version);
      if (it == counts_.end()) continue;
      double v = part.query.find("labeled") != std::string::npos ? it->second.second : it->second.first;
      nlohmann::json metric = nlohmann::json::object();
      if (!part.tag.empty()) metric["modelops_part"] = part.tag;
      result.push_back({{"metric", metric}, {"value", nlohmann::json::array({1700000000.0, std::to_string(v)})}});
    }
    nlohmann::json body = {{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
    res.set_content(body.dump(), "application/json");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<double, double>> counts_;
  std::map<std::string, int> asked_;
};

}  // namespace modelops::itest
