// AnalysisMeasurer: one verdict per metric of spec.analysis for the requested revision.
#include "modelops/reconciler/measurer.h"

#include "modelops/analysis/api_metric.h"

namespace modelops::reconciler {
namespace {

analysis::TemplateVars varsFor(const api::ModelDeployment& md, const api::Metric& metric, std::int64_t revision,
                               const std::string& version, const std::string& track) {
  analysis::TemplateVars vars;
  vars.name = md.name();
  vars.ns = md.namespace_();
  vars.model = md.spec.model.name.value_or(md.name());
  vars.version = version;
  vars.revision = std::to_string(revision);
  vars.track = track;
  vars.args = metric.args;
  return vars;
}

}  // namespace

rollout::Measurement AnalysisMeasurer::measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                               const CancelToken& cancel) {
  rollout::Measurement out;
  out.hash = request.hash;
  if (!md.spec.analysis) return out;
  for (const auto& metric : md.spec.analysis->metrics) {
    auto name = metric.name.value_or("");
    auto spec = analysis::metricSpecFromApi(metric);
    if (!spec) {
      out.verdicts.push_back(analysis::errorVerdict(name, spec.error().message));
      continue;
    }
    auto canary = varsFor(md, metric, request.revision, request.version, request.track);
    std::optional<analysis::TemplateVars> stable;
    if (request.stable && request.stable->revision)
      stable = varsFor(md, metric, *request.stable->revision, request.stable->version.value_or(""),
                       std::string(api::kTrackStable));
    out.verdicts.push_back(runner_.measure(*spec, canary, stable, cancel));
  }
  return out;
}

}  // namespace modelops::reconciler
