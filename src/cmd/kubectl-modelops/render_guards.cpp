// The `get` tree's guard lines; see render_guards.h.
// Thread-safety: pure functions.
#include "render_guards.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "modelops/api/guards.h"
#include "modelops/api/names.h"

namespace modelops::plugin {
namespace {

using nlohmann::json;

std::string wholeCount(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", std::max(1.0, v));
  return buf;
}

// The limit each guard is judged against, from the spec ("max distance 0.100").
std::string guardLimit(const api::ModelDeploymentSpec& spec, const std::string& guard) {
  if (!spec.analysis || !spec.analysis->guards) return "";
  const auto& g = *spec.analysis->guards;
  const std::string key = guard.substr(std::string(api::kGuardMetricPrefix).size());
  if (key == "classDistribution" && g.classDistribution && g.classDistribution->maxDistance)
    return "max distance " + formatNumber(*g.classDistribution->maxDistance);
  if (key == "agreement" && g.agreement && g.agreement->min) return "min " + formatNumber(*g.agreement->min);
  if (key == "errorRate" && g.errorRate && g.errorRate->maxIncrease)
    return "max increase " + formatNumber(*g.errorRate->maxIncrease);
  if (key == "latency" && g.latency && g.latency->maxIncrease)
    return "max increase " + formatNumber(*g.latency->maxIncrease);
  if (key == "estimatedAccuracy" && g.estimatedAccuracy && g.estimatedAccuracy->maxDropVsStable)
    return "max drop " + formatNumber(*g.estimatedAccuracy->maxDropVsStable) +
           (g.estimatedAccuracy->rollback.value_or(false) ? "" : " (early warning)");
  return "";
}

std::string phaseText(const std::optional<std::string>& phase, const Style& st) {
  const std::string p = phase && !phase->empty() ? *phase : "-";
  if (p == api::run_phase::kSuccessful) return st.green(p);
  if (p == api::run_phase::kFailed || p == api::run_phase::kError) return st.red(p);
  return st.yellow(p);
}

}  // namespace

bool isGuardRun(const api::AnalysisRun& run) {
  return run.metric && run.metric->rfind(api::kGuardMetricPrefix, 0) == 0;
}

std::string guardWaitingFor(const std::optional<api::AnalysisProgressStatus>& progress, const std::string& guard) {
  if (!progress) return "-";
  for (const auto& m : progress->metrics) {
    if (m.metric.value_or("") != guard) continue;
    if (!m.latest) return "-";
    const api::VerdictStatus& latest = *m.latest;
    if (latest.phase.value_or("") != api::run_phase::kInconclusive) return "-";
    const bool hasNeeded = latest.labelsNeeded && std::isfinite(*latest.labelsNeeded);
    const std::string more = hasNeeded ? "about " + wholeCount(*latest.labelsNeeded) + " more predictions" : "";
    if (latest.warmUp.value_or(false)) return "minSamples" + (more.empty() ? "" : " (" + more + ")");
    if (!more.empty()) return more;
    return "data (no projection)";
  }
  return "-";
}

std::string renderGuardRun(const api::ModelDeployment& md, const api::AnalysisRun& r, const Style& st) {
  std::ostringstream out;
  const std::string name = r.metric.value_or("-");
  out << "  " << st.bold(name) << "  " << phaseText(r.phase, st);
  if (r.value) out << "  value " << formatNumber(*r.value);
  if (r.lowerBound || r.upperBound)
    out << "  bounds [" << (r.lowerBound ? formatNumber(*r.lowerBound) : "-") << ", "
        << (r.upperBound ? formatNumber(*r.upperBound) : "-") << "]";
  out << "  n " << (r.samples ? std::to_string(*r.samples) : "0");
  out << "  segment " << (r.segments.empty() || !r.segments.front().segment ? "all" : *r.segments.front().segment);
  const std::string limit = guardLimit(md.spec, name);
  if (!limit.empty()) out << "  " << limit;
  const auto progress = md.status.analysis ? md.status.analysis->progress : std::nullopt;
  out << "  waiting for " << guardWaitingFor(progress, name) << "\n";
  if (r.message && !r.message->empty()) out << "      " << *r.message << "\n";
  return out.str();
}

}  // namespace modelops::plugin
