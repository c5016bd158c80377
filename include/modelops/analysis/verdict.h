// Verdicts of the analysis judge: what one measurement of one metric says about a revision, with the
// evidence (value, confidence bounds, samples, per-segment results, the query as sent) and one human line.
// The rollout engine writes them into status and Events and exports them as gauges; the limits logic
// (limits.h) turns a sequence of them into pass / fail / pause / abort.
// Thread-safety: plain value types and pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::analysis {

enum class VerdictPhase { Pass, Fail, Inconclusive, Error };

// As written in status: "Successful", "Failed", "Inconclusive", "Error".
std::string_view to_string(VerdictPhase phase);
std::optional<VerdictPhase> parseVerdictPhase(std::string_view text);

// Labelled-prediction counts for one revision (or one segment of it), as measured by a provider.
// Doubles because Prometheus increase() extrapolates; they are rounded to whole counts where the
// statistics need it. `predictions` (all served) is optional and only used for label coverage.
struct Counts {
  double successes = 0;  // correct labelled predictions
  double trials = 0;     // labelled predictions
  std::optional<double> predictions;
};

// Sum of counts (e.g. the segments of a `sum by (segment)` query give the revision's total).
// predictions is set only when every part has it.
Counts total(const std::map<std::string, Counts>& parts);

// Canary versus stable: the always-valid confidence sequence for p_canary - p_stable (sequential.h).
struct StableComparison {
  double difference = 0;  // p_canary - p_stable (point estimates)
  double lowerBound = -1;  // one-sided always-valid bounds on the difference, at the metric's confidence
  double upperBound = 1;
  double margin = 0;       // maxDropVsStable
  double stableSamples = 0;
  VerdictPhase phase = VerdictPhase::Inconclusive;
  std::string reason;  // "canary 0.890 vs stable 0.920: difference upper bound -0.013 < -0.010, n=4012/3987"
};

// One segment (one series of the `segments.by` label) judged on its own.
struct SegmentVerdict {
  std::string segment;  // "region=eu-west"
  VerdictPhase phase = VerdictPhase::Inconclusive;
  double value = 0;       // point accuracy successes / trials (0 when there are no trials)
  double lowerBound = 0;  // one-sided Wilson bounds at the metric's confidence (shown; the always-valid
                          // test at the segment's share of the budget decides, see the reason)
  double upperBound = 1;
  double samples = 0;     // trials
  std::string reason;     // "segment region=eu-west: accuracy upper bound 0.81 < 0.85, n=240"
  std::optional<StableComparison> vsStable{};  // segments.maxDropVsStable: this segment versus stable's
};

struct Verdict {
  std::string metric;
  VerdictPhase phase = VerdictPhase::Inconclusive;
  std::optional<double> value;       // accuracy point estimate, or the threshold metric's value
  std::optional<double> lowerBound;  // accuracy: one-sided Wilson lower bound at `confidence` (shown)
  std::optional<double> upperBound;  // accuracy: one-sided Wilson upper bound at `confidence`
  double samples = 0;                // accuracy: canary trials
  std::optional<double> stableValue;
  std::optional<double> labelCoverage;  // canary trials / predictions, when predictions were measured
  std::optional<StableComparison> vsStable;
  std::vector<SegmentVerdict> segments;
  std::string query;   // the query as sent (filled in by the provider side)
  // One human line: "accuracy 0.973 >= 0.92 (always-valid lower bound 0.946, Wilson 0.962, n=812)".
  std::string reason;
  // Inconclusive because a sample (canary, stable or a segment) is still below its minSamples: such a
  // look does not spend inconclusiveLimit (limits.h).
  bool warmUp = false;
  // Inconclusive: the further canary labels needed for every undecided part to decide, projected at the
  // current estimates (nullopt: an estimate sits on a limit, or more labels would not help).
  std::optional<double> labelsNeeded{};
};

// A verdict for a measurement that could not be made (provider unreachable, bad response).
Verdict errorVerdict(const std::string& metric, const std::string& reason, const std::string& query = {});

// JSON as written into status (camelCase keys, absent optionals omitted, phase as to_string).
nlohmann::json toJson(const SegmentVerdict& segment);
nlohmann::json toJson(const Verdict& verdict);
// The inverse of toJson (for progress kept in status). Unknown keys are ignored; a wrong type or an
// unknown phase is an error naming the field path, relative to `path`.
Result<Verdict> verdictFromJson(const nlohmann::json& json, const std::string& path = "verdict");

}  // namespace modelops::analysis
