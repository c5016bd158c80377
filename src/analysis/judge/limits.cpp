// Limits and timeouts across measurements (see limits.h and docs/statistics.md).
// Thread-safety: pure functions.
#include "modelops/analysis/limits.h"

#include <algorithm>
#include <cstdio>

namespace modelops::analysis {

using nlohmann::json;

std::string_view to_string(AnalysisOutcome outcome) {
  switch (outcome) {
    case AnalysisOutcome::Running: return "Running";
    case AnalysisOutcome::Passed: return "Passed";
    case AnalysisOutcome::Failed: return "Failed";
    case AnalysisOutcome::Paused: return "Paused";
    case AnalysisOutcome::Aborted: return "Aborted";
  }
  return "Running";
}

namespace {

std::optional<AnalysisOutcome> parseOutcome(std::string_view text) {
  for (auto o : {AnalysisOutcome::Running, AnalysisOutcome::Passed, AnalysisOutcome::Failed, AnalysisOutcome::Paused,
                 AnalysisOutcome::Aborted}) {
    if (to_string(o) == text) return o;
  }
  return std::nullopt;
}

std::string times(int n) { return std::to_string(n) + (n == 1 ? " time" : " times"); }

std::string latestReason(const MetricProgress& m) {
  if (!m.latest) return m.metric + ": not measured yet";
  const std::string note = labelsNeededNote(m);
  return note.empty() ? m.latest->reason : m.latest->reason + "; " + note;
}

AnalysisDecision finish(AnalysisDecision d, AnalysisOutcome outcome, std::string reason, std::string metric,
                        bool timedOut = false) {
  d.outcome = outcome;
  d.reason = std::move(reason);
  d.metric = std::move(metric);
  d.timedOut = timedOut;
  d.progress.outcome = d.outcome;
  d.progress.reason = d.reason;
  d.progress.decidedBy = d.metric;
  d.progress.timedOut = timedOut;
  return d;
}

// The canary label rate from two successive measurements of a growing sample; a shrinking or
// unchanged count (a windowed query, no new labels) gives no rate.
void updateLabelRate(MetricProgress& m, const Verdict& v, WallTime now) {
  if (!m.latest || !m.latestAt || v.phase == VerdictPhase::Error || m.latest->phase == VerdictPhase::Error) return;
  const double seconds = std::chrono::duration<double>(now - *m.latestAt).count();
  const double added = v.samples - m.latest->samples;
  if (seconds > 0 && added > 0) m.labelsPerSecond = added / seconds;
}

bool accumulating(const Verdict& v) {
  if (v.warmUp) return true;
  return v.labelsNeeded && *v.labelsNeeded <= kConvergingFactor * v.samples;
}

void fold(MetricProgress& m, const Verdict& v, WallTime now) {
  ++m.measurements;
  switch (v.phase) {
    case VerdictPhase::Pass: m.consecutiveErrors = 0; break;
    case VerdictPhase::Fail: ++m.failures; m.consecutiveErrors = 0; break;
    case VerdictPhase::Inconclusive:
      // Warm-up and convergence are expected at the start of every analysis: they do not spend
      // inconclusiveLimit, which is for looks that cannot tell when they will decide (limits.h).
      ++(accumulating(v) ? m.accumulating : m.inconclusives);
      m.consecutiveErrors = 0;
      break;
    case VerdictPhase::Error: ++m.errors; ++m.consecutiveErrors; break;
  }
  updateLabelRate(m, v, now);
  m.segmentsSeen = std::max(m.segmentsSeen, static_cast<int>(v.segments.size()));
  m.latest = v;
  m.latestAt = now;
}

}  // namespace

std::string labelsNeededNote(const MetricProgress& m) {
  if (!m.latest || m.latest->phase != VerdictPhase::Inconclusive || !m.latest->labelsNeeded) return {};
  const double labels = *m.latest->labelsNeeded;
  char buf[96];
  std::snprintf(buf, sizeof buf, "needs about %.0f more labels", labels);
  std::string note = buf;
  if (m.labelsPerSecond && *m.labelsPerSecond > 0) {
    const double seconds = std::min(labels / *m.labelsPerSecond, 1e9);
    std::snprintf(buf, sizeof buf, " at %.3g labels/s", *m.labelsPerSecond);
    note += " (about " + formatDuration(std::chrono::milliseconds(static_cast<long long>(seconds * 1000))) + buf + ")";
  }
  return note;
}

AnalysisDecision decide(const AnalysisProgress& before, const std::vector<Verdict>& latest,
                        const AnalysisPolicy& policy, WallTime now) {
  AnalysisDecision d;
  d.progress = before;
  AnalysisProgress& p = d.progress;
  if (p.outcome != AnalysisOutcome::Running) {
    d.outcome = p.outcome;
    d.timedOut = p.timedOut;
    d.reason = p.reason;
    d.metric = p.decidedBy;
    return d;
  }
  if (policy.metrics.empty()) return finish(std::move(d), AnalysisOutcome::Aborted, "analysis has no metrics", "");
  if (!p.startedAt) p.startedAt = now;

  // Progress in policy order; state of metrics no longer in the policy is dropped.
  std::vector<MetricProgress> metrics;
  for (const auto& policyMetric : policy.metrics) {
    auto it = std::find_if(p.metrics.begin(), p.metrics.end(),
                           [&](const MetricProgress& m) { return m.metric == policyMetric.metric; });
    if (it != p.metrics.end()) {
      metrics.push_back(*it);
    } else {
      metrics.emplace_back().metric = policyMetric.metric;
    }
  }
  std::vector<bool> measuredNow(metrics.size(), false);
  for (const auto& v : latest) {
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      if (metrics[i].metric == v.metric) {
        fold(metrics[i], v, now);
        measuredNow[i] = true;
      }
    }
  }
  p.metrics = metrics;

  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    const int limit = policy.metrics[i].limits.failureLimit;
    if (m.failures > limit) {
      return finish(std::move(d), AnalysisOutcome::Failed,
                    m.metric + " failed " + times(m.failures) + " (failureLimit " + std::to_string(limit) +
                        "): " + latestReason(m),
                    m.metric);
    }
  }
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    const int limit = std::max(1, policy.metrics[i].limits.consecutiveErrorLimit);
    if (measuredNow[i] && m.latest && m.latest->phase == VerdictPhase::Error && m.consecutiveErrors >= limit) {
      return finish(std::move(d), AnalysisOutcome::Aborted,
                    m.metric + " could not be measured " + std::to_string(m.consecutiveErrors) +
                        " times in a row (consecutiveErrorLimit " + std::to_string(limit) + "): " + latestReason(m),
                    m.metric);
    }
  }
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto& m = metrics[i];
    const int limit = policy.metrics[i].limits.inconclusiveLimit;
    if (m.inconclusives > limit) {
      return finish(std::move(d), AnalysisOutcome::Paused,
                    m.metric + " inconclusive " + times(m.inconclusives) + " (inconclusiveLimit " +
                        std::to_string(limit) + "): " + latestReason(m),
                    m.metric);
    }
  }
  const auto notPassing = std::find_if(metrics.begin(), metrics.end(), [](const MetricProgress& m) {
    return !m.latest || m.latest->phase != VerdictPhase::Pass;
  });
  if (notPassing == metrics.end()) {
    std::string reason;
    for (const auto& m : metrics) reason += (reason.empty() ? "" : "; ") + m.latest->reason;
    return finish(std::move(d), AnalysisOutcome::Passed, reason, "");
  }
  if (policy.maxDuration && now - *p.startedAt >= *policy.maxDuration) {
    const std::string head = "analysis timed out after " + formatDuration(*policy.maxDuration) + " (maxDuration)";
    const std::string why = latestReason(*notPassing);
    switch (policy.onTimeout) {
      case OnTimeout::Rollback:
        return finish(std::move(d), AnalysisOutcome::Failed, head + ", rolling back (onTimeout: Rollback): " + why,
                      notPassing->metric, true);
      case OnTimeout::Hold:
        return finish(std::move(d), AnalysisOutcome::Paused,
                      head + ", holding for a decision (onTimeout: Hold): " + why, notPassing->metric, true);
      case OnTimeout::Promote:
        return finish(std::move(d), AnalysisOutcome::Passed, head + ", promoting (onTimeout: Promote): " + why,
                      notPassing->metric, true);
    }
  }
  d.outcome = AnalysisOutcome::Running;
  d.reason = latestReason(*notPassing);
  d.metric = notPassing->metric;
  p.reason = d.reason;
  return d;
}

json toJson(const AnalysisProgress& p) {
  json j = json::object();
  if (p.startedAt) j["startedAt"] = formatRfc3339Micro(*p.startedAt);
  j["outcome"] = std::string(to_string(p.outcome));
  if (p.timedOut) j["timedOut"] = true;
  if (!p.reason.empty()) j["reason"] = p.reason;
  if (!p.decidedBy.empty()) j["decidedBy"] = p.decidedBy;
  json metrics = json::array();
  for (const auto& m : p.metrics) {
    json e = {{"metric", m.metric},     {"measurements", m.measurements},
              {"failures", m.failures}, {"inconclusives", m.inconclusives},
              {"errors", m.errors},     {"consecutiveErrors", m.consecutiveErrors}};
    if (m.accumulating > 0) e["accumulating"] = m.accumulating;
    if (m.segmentsSeen > 0) e["segmentsSeen"] = m.segmentsSeen;
    if (m.latestAt) e["latestAt"] = formatRfc3339Micro(*m.latestAt);
    if (m.labelsPerSecond) e["labelsPerSecond"] = *m.labelsPerSecond;
    if (m.latest) e["latest"] = toJson(*m.latest);
    metrics.push_back(std::move(e));
  }
  j["metrics"] = std::move(metrics);
  return j;
}

Result<AnalysisProgress> progressFromJson(const json& j) {
  auto bad = [](const std::string& path, const std::string& what) { return Error{"InvalidInput", path + ": " + what}; };
  if (!j.is_object()) return bad("progress", "must be an object");
  AnalysisProgress p;
  if (auto it = j.find("startedAt"); it != j.end() && !it->is_null()) {
    auto t = it->is_string() ? parseRfc3339(it->get<std::string>()) : std::nullopt;
    if (!t) return bad("progress.startedAt", "must be an RFC 3339 time");
    p.startedAt = *t;
  }
  if (auto it = j.find("outcome"); it != j.end() && !it->is_null()) {
    auto o = it->is_string() ? parseOutcome(it->get<std::string>()) : std::nullopt;
    if (!o) return bad("progress.outcome", "must be one of Running, Passed, Failed, Paused, Aborted");
    p.outcome = *o;
  }
  if (auto it = j.find("timedOut"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return bad("progress.timedOut", "must be a boolean");
    p.timedOut = it->get<bool>();
  }
  for (const char* key : {"reason", "decidedBy"}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_string()) return bad(std::string("progress.") + key, "must be a string");
      (std::string_view(key) == "reason" ? p.reason : p.decidedBy) = it->get<std::string>();
    }
  }
  if (auto it = j.find("metrics"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return bad("progress.metrics", "must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string at = "progress.metrics[" + std::to_string(i) + "]";
      if (!e.is_object()) return bad(at, "must be an object");
      MetricProgress m;
      if (!e.contains("metric") || !e["metric"].is_string()) return bad(at + ".metric", "must be a string");
      m.metric = e["metric"].get<std::string>();
      for (auto [key, field] : {std::pair{"measurements", &m.measurements}, std::pair{"failures", &m.failures},
                                std::pair{"inconclusives", &m.inconclusives}, std::pair{"errors", &m.errors},
                                std::pair{"consecutiveErrors", &m.consecutiveErrors},
                                std::pair{"accumulating", &m.accumulating},
                                std::pair{"segmentsSeen", &m.segmentsSeen}}) {
        if (auto f = e.find(key); f != e.end() && !f->is_null()) {
          if (!f->is_number_integer() || f->get<long long>() < 0 || f->get<long long>() > 1'000'000'000) {
            return bad(at + "." + key, "must be a non-negative integer");
          }
          *field = static_cast<int>(f->get<long long>());
        }
      }
      if (auto f = e.find("latestAt"); f != e.end() && !f->is_null()) {
        auto t = f->is_string() ? parseRfc3339(f->get<std::string>()) : std::nullopt;
        if (!t) return bad(at + ".latestAt", "must be an RFC 3339 time");
        m.latestAt = *t;
      }
      if (auto f = e.find("labelsPerSecond"); f != e.end() && !f->is_null()) {
        if (!f->is_number() || !(f->get<double>() >= 0)) return bad(at + ".labelsPerSecond", "must be a number >= 0");
        m.labelsPerSecond = f->get<double>();
      }
      if (auto f = e.find("latest"); f != e.end() && !f->is_null()) {
        auto v = verdictFromJson(*f, at + ".latest");
        if (!v) return v.error();
        m.latest = std::move(v).value();
      }
      p.metrics.push_back(std::move(m));
    }
  }
  return p;
}

}  // namespace modelops::analysis
