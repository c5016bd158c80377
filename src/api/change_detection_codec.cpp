// spec.monitoring.expectedTimeToFalseAlarm and status.analysis.changeDetection (see change_detection.h).
// Thread-safety: pure functions.
#include "modelops/api/change_detection.h"

#include <cmath>

#include "modelops/common/time.h"

namespace modelops::api {
namespace {

const Json* memberOf(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

bool finiteNumber(const Json* v) { return v && v->is_number() && std::isfinite(v->get<double>()); }

}  // namespace

std::chrono::milliseconds expectedTimeToFalseAlarm(const MonitoringSpec& monitoring) {
  const Json* field = memberOf(monitoring.extra, kExpectedTimeToFalseAlarmField);
  if (field && field->is_string())
    if (auto d = parseDuration(field->get<std::string>());
        d && *d >= kMinExpectedTimeToFalseAlarm && *d <= kMaxExpectedTimeToFalseAlarm)
      return *d;
  return kDefaultExpectedTimeToFalseAlarm;
}

void validateChangeDetection(const MonitoringSpec& monitoring, FieldErrors& errs) {
  const Json* field = memberOf(monitoring.extra, kExpectedTimeToFalseAlarmField);
  if (!field) return;
  const std::string path = "spec.monitoring." + std::string(kExpectedTimeToFalseAlarmField);
  if (!field->is_string()) {
    errs.push_back({path, "must be a duration string such as \"8760h\""});
    return;
  }
  auto d = parseDuration(field->get<std::string>());
  if (!d) {
    errs.push_back({path, "\"" + field->get<std::string>() + "\" is not a duration (e.g. \"8760h\")"});
  } else if (*d < kMinExpectedTimeToFalseAlarm || *d > kMaxExpectedTimeToFalseAlarm) {
    errs.push_back({path, "must be between 24h and 876000h (100 years), got " + field->get<std::string>()});
  }
}

ChangeDetectionStatus changeDetectionOf(const AnalysisStatus& analysis) {
  ChangeDetectionStatus out;
  const Json* all = memberOf(analysis.extra, kChangeDetectionField);
  if (!all || !all->is_object()) return out;
  for (const auto& [metric, entry] : all->items()) {
    const Json* statistic = memberOf(entry, "statistic");
    const Json* labels = memberOf(entry, "labels");
    if (!finiteNumber(statistic) || statistic->get<double>() < 0 || !finiteNumber(labels)) continue;
    ChangeDetectionState s;
    s.statistic = statistic->get<double>();
    s.labels = labels->get<double>();
    const Json* successes = memberOf(entry, "successes");
    const Json* trials = memberOf(entry, "trials");
    if (finiteNumber(successes) && finiteNumber(trials)) {
      s.hasReading = true;
      s.successes = successes->get<double>();
      s.trials = trials->get<double>();
    }
    out[metric] = s;
  }
  return out;
}

void setChangeDetection(AnalysisStatus& analysis, const ChangeDetectionStatus& states) {
  if (!analysis.extra.is_object()) analysis.extra = Json::object();
  if (states.empty()) {
    analysis.extra.erase(std::string(kChangeDetectionField));
    return;
  }
  Json all = Json::object();
  for (const auto& [metric, s] : states) {
    Json entry = {{"statistic", s.statistic}, {"labels", s.labels}};
    if (s.hasReading) {
      entry["successes"] = s.successes;
      entry["trials"] = s.trials;
    }
    all[metric] = std::move(entry);
  }
  analysis.extra[std::string(kChangeDetectionField)] = std::move(all);
}

}  // namespace modelops::api
