// Time series the dashboard draws when no Prometheus range query can be made: what the ModelDeployment's
// status holds (status.analysis.runs: one entry per measurement, with its time) plus every verdict
// (status.analysis.progress.metrics[].latest, at latestAt) the dashboard saw through its watch since it
// started. Series are kept per object and per revision measured, so a new rollout starts new charts.
// Bounded: kMaxPoints per series, kMaxSeries per object; a deleted object's series are dropped.
// Thread-safety: StatusSeries is internally locked; seriesFromStatus is pure.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chart.h"

namespace modelops::plugin::dashboard {

// Series names: "<metric>|canary", "<metric>|stable", "<metric>|segment|<segment>", "<metric>|labels"
// (label arrival rate, labels/s), "<metric>|variant|<name>" (an A/B test's variants). The revision measured prefixes the key in the store.
using SeriesMap = std::map<std::string, std::vector<ChartPoint>>;

// The points one version of a ModelDeployment (API JSON) holds: every analysis run and the latest
// verdict of each metric. Times without a parsable RFC 3339 stamp are skipped.
SeriesMap seriesFromStatus(const nlohmann::json& md);
// The revision the analysis measures now: status.canary.revision, else status.stable.revision, else 0.
std::int64_t measuredRevision(const nlohmann::json& md);

class StatusSeries {
 public:
  static constexpr std::size_t kMaxPoints = 720;
  static constexpr std::size_t kMaxSeries = 200;

  // Folds the points of this version of `md` in (same time: replaced).
  void observe(const std::string& key, const nlohmann::json& md);
  void forget(const std::string& key);
  // The series of `key` for `revision`, by series name.
  SeriesMap get(const std::string& key, std::int64_t revision) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::int64_t, SeriesMap>> byObject_;
};

}  // namespace modelops::plugin::dashboard
