// spec.analysis.guards: the guards' names and policies, and their JSON codec, which is the spec's own
// (the field tables in modelops/api/fields.h walked by codec_fields.h).
// Thread-safety: pure functions.
#include <string>

#include "codec_fields.h"
#include "modelops/api/guards.h"

namespace modelops::api {

std::vector<std::string> guardNames(const GuardsSpec& g) {
  std::vector<std::string> out;
  const std::string p = kGuardMetricPrefix;
  if (g.classDistribution) out.push_back(p + "classDistribution");
  if (g.agreement) out.push_back(p + "agreement");
  if (g.errorRate) out.push_back(p + "errorRate");
  if (g.latency) out.push_back(p + "latency");
  if (g.estimatedAccuracy) out.push_back(p + "estimatedAccuracy");
  return out;
}

std::vector<GuardPolicy> guardPolicies(const GuardsSpec& g) {
  std::vector<GuardPolicy> out;
  for (auto& name : guardNames(g)) out.push_back({name, true});
  if (g.estimatedAccuracy && !g.estimatedAccuracy->rollback.value_or(false)) out.back().failureFailsAnalysis = false;
  return out;
}

GuardsSpec decodeGuards(const nlohmann::json& j, const std::string& path, FieldErrors& errs) {
  return detail::decodeObject<GuardsSpec>(j, path, errs);
}

nlohmann::json encodeGuards(const GuardsSpec& g) { return detail::encodeObject(g); }

}  // namespace modelops::api
