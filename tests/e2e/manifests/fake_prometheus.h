// A Prometheus stand-in for end-to-end runs of the operator: answers /api/v1/query (GET, or POST with a
// form body as the operator sends it) on 127.0.0.1 (port chosen by the OS) with an instant vector, requiring `Authorization: Bearer <token>` so that the
// operator must read its provider credentials from a Secret. Queries name the count they want
// (`correct` or `labeled`) and the version (`version="X"`); the counts per version are set by the test.
// Combined queries (queryTogether) are answered part by part, each series tagged with its part.
// Thread-safety: setCounts and requests are safe from any thread; the server runs on its own thread,
// stopped and joined by the destructor.
#pragma once

#include <httplib.h>

#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/combined_query.h"

namespace modelops::testing {

class FakePrometheus {
 public:
  explicit FakePrometheus(std::string token) : token_(std::move(token)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); };
    server_.Get("/api/v1/query", handler);
    server_.Post("/api/v1/query", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakePrometheus() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  FakePrometheus(const FakePrometheus&) = delete;
  FakePrometheus& operator=(const FakePrometheus&) = delete;

  bool running() const { return port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // labeled predictions and how many were correct, for one model version.
  void setCounts(const std::string& version, long correct, long labeled) {
    std::lock_guard lock(mu_);
    counts_[version] = {correct, labeled};
  }
  long unauthorized() const {
    std::lock_guard lock(mu_);
    return unauthorized_;
  }
  long answered() const {
    std::lock_guard lock(mu_);
    return answered_;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    if (req.get_header_value("Authorization") != "Bearer " + token_) {
      ++unauthorized_;
      res.status = 401;
      res.set_content(R"({"status":"error","errorType":"unauthorized","error":"bad token"})", "application/json");
      return;
    }
    // httplib puts query-string and form-body parameters alike into params.
    const std::string query = req.get_param_value("query");
    static const std::regex versionRe(R"re(version="([^"]*)")re");
    nlohmann::json result = nlohmann::json::array();
    for (const auto& part : testsupport::splitCombinedQuery(query)) {
      std::smatch m;
      if (!std::regex_search(part.query, m, versionRe) || !counts_.count(m[1].str())) continue;
      auto [correct, labeled] = counts_[m[1].str()];
      long value = part.query.find("correct") != std::string::npos ? correct : labeled;
      nlohmann::json metric = nlohmann::json::object();
      if (!part.tag.empty()) metric["modelops_part"] = part.tag;
      result.push_back({{"metric", metric}, {"value", {1.0, std::to_string(value)}}});
    }
    ++answered_;
    nlohmann::json body = {{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}};
    res.set_content(body.dump(), "application/json");
  }

  std::string token_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<long, long>> counts_;
  long unauthorized_ = 0;
  long answered_ = 0;
};

}  // namespace modelops::testing
