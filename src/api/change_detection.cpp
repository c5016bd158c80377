// spec.monitoring.expectedTimeToFalseAlarm's rules and the typed status.analysis.changeDetection seen as
// the planner's detector states (see change_detection.h). The JSON is the codec's (fields.h).
// Thread-safety: pure functions.
#include "modelops/api/change_detection.h"

#include <cmath>

namespace modelops::api {
namespace {

bool usableCount(const std::optional<double>& v) { return v && std::isfinite(*v) && *v >= 0; }

}  // namespace

void validateChangeDetection(const MonitoringSpec& monitoring, FieldErrors& errs) {
  const auto& declared = monitoring.expectedTimeToFalseAlarm;
  if (!declared) return;
  const std::string path = "spec.monitoring.expectedTimeToFalseAlarm";
  if (!declared->value) {
    errs.push_back({path, "\"" + declared->text + "\" is not a duration (e.g. \"8760h\")"});
  } else if (*declared->value < kMinExpectedTimeToFalseAlarm || *declared->value > kMaxExpectedTimeToFalseAlarm) {
    errs.push_back({path, "must be between 24h and 876000h (100 years), got " + declared->text});
  }
}

ChangeDetectionStatus changeDetectionOf(const AnalysisStatus& analysis) {
  ChangeDetectionStatus out;
  if (!analysis.changeDetection) return out;
  for (const auto& [metric, kept] : *analysis.changeDetection) {
    if (!usableCount(kept.statistic) || !kept.labels || !std::isfinite(*kept.labels)) continue;
    ChangeDetectionState s;
    s.statistic = *kept.statistic;
    s.labels = *kept.labels;
    if (usableCount(kept.successes) && usableCount(kept.trials)) {
      s.hasReading = true;
      s.successes = *kept.successes;
      s.trials = *kept.trials;
    }
    out[metric] = s;
  }
  return out;
}

void setChangeDetection(AnalysisStatus& analysis, const ChangeDetectionStatus& states) {
  if (analysis.extra.is_object()) analysis.extra.erase("changeDetection");  // an unreadable one, replaced
  if (states.empty()) {
    analysis.changeDetection.reset();
    return;
  }
  analysis.changeDetection.emplace();
  for (const auto& [metric, s] : states) {
    ChangeDetectionStateStatus& kept = (*analysis.changeDetection)[metric];
    kept.statistic = s.statistic;
    kept.labels = s.labels;
    if (s.hasReading) {
      kept.successes = s.successes;
      kept.trials = s.trials;
    }
  }
}

}  // namespace modelops::api
