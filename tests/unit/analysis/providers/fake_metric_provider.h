// FakeMetricProvider: a MetricProvider answering from a table (rendered query -> result or error),
// recording every query it was asked. Unknown queries answer "no series". Shared by the provider tests.
// Thread-safety: all members lock one mutex.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "modelops/analysis/provider.h"

namespace modelops::analysis::testing {

class FakeMetricProvider final : public MetricProvider {
 public:
  void set(const std::string& query, std::vector<Sample> samples) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(query, Answer{std::move(samples), std::nullopt});
  }
  void fail(const std::string& query, ProviderError error) {
    std::lock_guard lock(mu_);
    answers_.insert_or_assign(query, Answer{{}, std::move(error)});
  }
  Result<QueryResult, ProviderError> query(const std::string& q, const CancelToken&) override {
    std::lock_guard lock(mu_);
    asked_.push_back(q);
    auto it = answers_.find(q);
    if (it == answers_.end()) return QueryResult{{}, q, std::nullopt};
    if (it->second.error) {
      ProviderError e = *it->second.error;
      e.query = q;
      return e;
    }
    return QueryResult{it->second.samples, q, std::nullopt};
  }
  std::vector<std::string> asked() const {
    std::lock_guard lock(mu_);
    return asked_;
  }

 private:
  struct Answer {
    std::vector<Sample> samples;
    std::optional<ProviderError> error;
  };
  mutable std::mutex mu_;
  std::map<std::string, Answer> answers_;
  std::vector<std::string> asked_;
};

}  // namespace modelops::analysis::testing
