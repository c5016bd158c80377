// spec.analysis.guards: the label-free guards (checks that need no labels: predicted-class distribution,
// shadow agreement, error and slow-request rates, estimated accuracy), their JSON codec and validation.
// Kept apart from model_deployment.h so that the spec types' codec can change without touching them;
// AnalysisSpec holds one `std::optional<GuardsSpec> guards`. Queries are templates with the metrics'
// placeholders ({{revision}}, {{track}}, ...), rendered once for the canary and once for stable.
// Defaults are applied where the guards are used (guardDefaults below), not by api/defaults.
// Thread-safety: plain value types and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/field_error.h"

namespace modelops::api {

// The prefix of the metric names guard verdicts carry in status ("guard:classDistribution").
inline constexpr const char* kGuardMetricPrefix = "guard:";

// (a) The canary's predicted-class distribution versus stable's.
struct ClassDistributionGuard {
  std::optional<std::string> query;       // required: predictions per class, one series per class
  std::optional<std::string> classLabel;  // defaulted: "class" (the series label naming the class)
  std::optional<double> maxDistance;      // required: Jensen-Shannon distance (base 2), in (0, 1]
  std::optional<std::int64_t> classes;    // the number of classes the budget is split over (>= 2)
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const ClassDistributionGuard&) const = default;
};

// (b) Shadow agreement of the canary with stable on mirrored requests.
struct AgreementGuard {
  std::optional<std::string> agreeQuery;  // required: shadowed requests where canary and stable agreed
  std::optional<std::string> totalQuery;  // required: shadowed requests
  std::optional<double> min;              // required, in [0, 1]
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const AgreementGuard&) const = default;
};

// (c) A rate of bad requests (errors, or requests slower than the latency objective) versus stable.
// One shape, two JSON spellings of the events query ("errorsQuery" / "slowQuery"): one type per spelling,
// so each has its own field table (modelops/api/fields.h).
enum class RateGuardKind { Errors, Slow };
template <RateGuardKind Kind>
struct RateIncreaseGuardOf {
  std::optional<std::string> eventsQuery;  // required: JSON "errorsQuery" (errorRate) / "slowQuery" (latency)
  std::optional<std::string> totalQuery;   // required: requests
  std::optional<double> maxIncrease;       // required, in [0, 1]: absolute increase of the rate tolerated
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const RateIncreaseGuardOf&) const = default;
};
using ErrorRateGuard = RateIncreaseGuardOf<RateGuardKind::Errors>;
using LatencyGuard = RateIncreaseGuardOf<RateGuardKind::Slow>;

// (d) Accuracy estimated from the predicted class's probability, canary versus stable.
struct EstimatedAccuracyGuard {
  std::optional<std::string> sumQuery;    // required: sum of the predicted class's probability
  std::optional<std::string> countQuery;  // required: predictions
  std::optional<double> maxDropVsStable;  // required, in [0, 1]
  // defaulted: false. False: an early warning; a failing estimate holds promotion until the labelled
  // accuracy metrics decide, which confirm (fail) or overrule it. True: a failing estimate rolls back.
  std::optional<bool> rollback;
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const EstimatedAccuracyGuard&) const = default;
};

struct GuardsSpec {
  // The metric (spec.analysis.metrics[].name) whose provider and credentials the guard queries use;
  // defaulted: the first metric.
  std::optional<std::string> providerFrom;
  // The analysis' error budget the guards share (Bonferroni) with the accuracy tests; defaulted: the
  // first accuracy metric's confidence, else 0.95. In (0, 1).
  std::optional<double> confidence;
  std::optional<std::int64_t> minSamples;    // per arm, before a guard decides; defaulted: 100
  std::map<std::string, std::string> args;   // {{args.KEY}} in the guards' queries
  std::optional<ClassDistributionGuard> classDistribution;
  std::optional<AgreementGuard> agreement;
  std::optional<ErrorRateGuard> errorRate;
  std::optional<LatencyGuard> latency;
  std::optional<EstimatedAccuracyGuard> estimatedAccuracy;
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const GuardsSpec&) const = default;
};

// The declared guards' metric names in a fixed order ("guard:classDistribution", "guard:agreement",
// "guard:errorRate", "guard:latency", "guard:estimatedAccuracy"), only those present.
std::vector<std::string> guardNames(const GuardsSpec& guards);

// How the limits treat each declared guard (same order as guardNames): a failing guard fails the
// analysis (failureLimit 0), except estimatedAccuracy without `rollback: true`, whose failures hold
// promotion but never fail it by themselves (the labelled metrics confirm or overrule it).
struct GuardPolicy {
  std::string name;
  bool failureFailsAnalysis = true;
};
std::vector<GuardPolicy> guardPolicies(const GuardsSpec& guards);

// JSON <-> GuardsSpec through the field tables of modelops/api/fields.h (the same codec as the rest of the
// spec). Wrong types are FieldErrors under `path`; unknown members are kept in `extra`.
GuardsSpec decodeGuards(const nlohmann::json& j, const std::string& path, FieldErrors& errors);
nlohmann::json encodeGuards(const GuardsSpec& guards);

// Rules: at least one guard; every required field; ranges as commented above; templates with known
// placeholders (args declared in guards.args); providerFrom names one of `metricNames`. `path` is
// "spec.analysis.guards".
void validateGuards(const GuardsSpec& guards, const std::vector<std::string>& metricNames, const std::string& path,
                    FieldErrors& errors);

}  // namespace modelops::api
