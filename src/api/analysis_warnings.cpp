// analysisWarnings(): see analysis_warnings.h. The reasons are in docs/statistics.md sections 3 and 10.
// Thread-safety: pure functions.
#include "modelops/api/analysis_warnings.h"

#include <cstddef>
#include <optional>

namespace modelops::api {
namespace {

constexpr std::size_t kMaxRangeChars = 64;  // a range selector longer than this is shown cut

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool isElapsedPlaceholder(std::string_view inside) {
  inside = trimSpaces(inside);
  if (inside.size() < 4 || inside.substr(0, 2) != "{{" || inside.substr(inside.size() - 2) != "}}") return false;
  return trimSpaces(inside.substr(2, inside.size() - 4)) == "analysis.elapsed";
}

// What needs counts since the start in this metric, or nullopt when nothing does.
std::optional<std::string> cumulativeUse(const Metric& m, bool monitored) {
  std::string uses;
  auto add = [&](const char* what) { uses += (uses.empty() ? "" : ", ") + std::string(what); };
  if (m.accuracy && m.accuracy->maxDropVsStable) add("the comparison with stable (accuracy.maxDropVsStable)");
  if (m.segments && m.segments->maxDropVsStable) add("segments compared with stable (segments.maxDropVsStable)");
  if (monitored) add("monitoring's change detector");
  if (uses.empty()) return std::nullopt;
  return uses;
}

}  // namespace

std::vector<std::string> fixedRanges(std::string_view promql) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = promql.find('[', pos)) != std::string_view::npos) {
    const std::size_t close = promql.find(']', pos + 1);
    if (close == std::string_view::npos) break;
    const std::string_view inside = promql.substr(pos + 1, close - pos - 1);
    if (!isElapsedPlaceholder(inside)) {
      std::string shown(inside.substr(0, kMaxRangeChars));
      out.push_back("[" + shown + (inside.size() > kMaxRangeChars ? "..." : "") + "]");
    }
    pos = close + 1;
  }
  return out;
}

std::vector<std::string> analysisWarnings(const ModelDeployment& md) {
  std::vector<std::string> out;
  if (!md.spec.analysis) return out;
  const bool monitored = md.spec.monitoring && md.spec.monitoring->enabled.value_or(false);
  const auto& metrics = md.spec.analysis->metrics;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const Metric& m = metrics[i];
    if (!m.isAccuracy() || !m.provider || !m.provider->prometheus) continue;
    const auto uses = cumulativeUse(m, monitored);
    if (!uses) continue;
    const std::string path = "spec.analysis.metrics[" + std::to_string(i) + "].";
    for (const auto& [field, query] : {std::pair{"successes", &m.successes}, std::pair{"trials", &m.trials}}) {
      if (!*query) continue;
      const auto ranges = fixedRanges(**query);
      if (ranges.empty()) continue;
      out.push_back(path + field + ": the range " + ranges.front() +
                    " is a fixed window, but " + *uses +
                    " needs counts since the analysis started: with a window each look is a different, "
                    "overlapping sample, and no test over such looks keeps its error rate (simulated: 50% "
                    "false \"worse\" over 1,000 looks); use increase(...[{{analysis.elapsed}}])");
    }
  }
  return out;
}

}  // namespace modelops::api
