// RangePrometheus: a Prometheus HTTP API stand-in on 127.0.0.1:<free port> for e2e.dashboard. It answers
// instant queries (/api/v1/query, the operator's analysis) and range queries (/api/v1/query_range, the
// dashboard's charts) for series named `correct` and `labeled` with version="X", from counts the test
// sets over time: a range query sees, at each step, the counts last set at or before that time (so a
// rollout's accuracy has a history). Gateway queries grouped `by (class)` answer three classes: prediction
// rates, and feedback counts split from the version's counts (class "8" of v2 right only 80% of the time).
// Other queries (the remaining gateway figures) answer an empty result.
// Combined queries (queryTogether) are answered part by part, each series tagged with its part.
// Thread-safety: set()/rangeQueries() are safe from any thread while the server runs.
#pragma once

#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"
#include "support/combined_query.h"

namespace modelops::e2e {

class RangePrometheus {
 public:
  RangePrometheus() {
    ::signal(SIGPIPE, SIG_IGN);
    server_.new_task_queue = [] { return new httplib::ThreadPool(4); };
    auto instant = [this](const httplib::Request& q, httplib::Response& r) { answerInstant(q, r); };
    server_.Get("/api/v1/query", instant);
    server_.Post("/api/v1/query", instant);
    server_.Get("/api/v1/query_range", [this](const httplib::Request& q, httplib::Response& r) { answerRange(q, r); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("RangePrometheus: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~RangePrometheus() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  RangePrometheus(const RangePrometheus&) = delete;
  RangePrometheus& operator=(const RangePrometheus&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // From `at` (seconds since the epoch) on, `correct` of `labeled` predictions of `version` were right.
  void set(const std::string& version, double at, double correct, double labeled) {
    std::lock_guard lock(mu_);
    history_[version][at] = {correct, labeled};
  }
  int rangeQueries() const {
    std::lock_guard lock(mu_);
    return rangeQueries_;
  }

 private:
  // The counts of `version` at time t (before the first set: none).
  std::optional<std::pair<double, double>> at(const std::string& version, double t) const {
    auto h = history_.find(version);
    if (h == history_.end()) return std::nullopt;
    auto it = h->second.upper_bound(t);
    if (it == h->second.begin()) return std::nullopt;
    return std::prev(it)->second;
  }
  static std::string versionOf(const std::string& query) {
    static const std::regex versionRe(R"(version=\"([^\"]*)\")");
    std::smatch m;
    return std::regex_search(query, m, versionRe) ? m[1].str() : "";
  }
  void answerInstant(const httplib::Request& req, httplib::Response& res) {
    const std::string query = req.has_param("query") ? req.get_param_value("query") : "";
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    nlohmann::json result = nlohmann::json::array();
    std::lock_guard lock(mu_);
    for (const auto& part : testsupport::splitCombinedQuery(query)) {
      auto counts = at(versionOf(part.query), now);
      if (!counts) continue;
      double v = part.query.find("labeled") != std::string::npos ? counts->second : counts->first;
      nlohmann::json metric = nlohmann::json::object();
      if (!part.tag.empty()) metric["modelops_part"] = part.tag;
      result.push_back({{"metric", metric}, {"value", nlohmann::json::array({now, std::to_string(v)})}});
    }
    res.set_content(nlohmann::json{{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}}.dump(),
                    "application/json");
  }
  // Counts of `version` for one class: shares 0.6/0.3/0.1 of the labels.
  static std::pair<double, double> classCounts(const std::string& version, const std::string& cls,
                                               std::pair<double, double> counts) {
    const double share = cls == "0" ? 0.6 : cls == "3" ? 0.3 : 0.1;
    const double labeled = std::floor(counts.second * share);
    const double correct = cls == "8" && version == "v2" ? std::floor(labeled * 0.8)
                                                         : std::min(labeled, std::floor(counts.first * share));
    return {correct, labeled};
  }
  nlohmann::json byClass(const std::string& query, double start, double end, double step) const {
    nlohmann::json result = nlohmann::json::array();
    const std::string version = versionOf(query);
    const bool labeled = query.find("labeled") != std::string::npos;
    for (const std::string cls : {"0", "3", "8"}) {
      nlohmann::json values = nlohmann::json::array();
      for (double t = start; t <= end + 1e-9 && values.size() < 11000; t += step) {
        if (query.find("modelops_predictions_total") != std::string::npos) {
          values.push_back(nlohmann::json::array({t, cls == "0" ? "6" : cls == "3" ? "3" : "1"}));
        } else if (auto counts = at(version, t)) {
          auto c = classCounts(version, cls, *counts);
          values.push_back(nlohmann::json::array({t, std::to_string(labeled ? c.second : c.first)}));
        }
      }
      if (!values.empty()) result.push_back({{"metric", {{"class", cls}}}, {"values", values}});
    }
    return result;
  }
  void answerRange(const httplib::Request& req, httplib::Response& res) {
    const std::string query = req.get_param_value("query");
    const double start = std::stod(req.get_param_value("start")), end = std::stod(req.get_param_value("end"));
    const double step = std::stod(req.get_param_value("step"));  // "15s": stod stops at the unit
    nlohmann::json values = nlohmann::json::array();
    std::lock_guard lock(mu_);
    ++rangeQueries_;
    if (query.find("by (class)") != std::string::npos) {
      nlohmann::json body = {{"status", "success"},
                             {"data", {{"resultType", "matrix"}, {"result", byClass(query, start, end, step)}}}};
      res.set_content(body.dump(), "application/json");
      return;
    }
    const std::string version = versionOf(query);
    const bool labeled = query.find("labeled") != std::string::npos;
    for (double t = start; t <= end + 1e-9 && values.size() < 11000; t += step)
      if (auto counts = at(version, t))
        values.push_back(nlohmann::json::array({t, std::to_string(labeled ? counts->second : counts->first)}));
    nlohmann::json result = nlohmann::json::array();
    if (!values.empty()) result.push_back({{"metric", nlohmann::json::object()}, {"values", values}});
    res.set_content(nlohmann::json{{"status", "success"}, {"data", {{"resultType", "matrix"}, {"result", result}}}}.dump(),
                    "application/json");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::map<double, std::pair<double, double>>> history_;
  int rangeQueries_ = 0;
};

}  // namespace modelops::e2e
