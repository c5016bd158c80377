// AnalysisMeasurer: one verdict per metric of spec.analysis for the requested revision; and the
// provider addresses a measurement queries (for the pool's per-provider bound).
#include "modelops/kube/secret_data.h"
#include "modelops/reconciler/measurer.h"


#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "modelops/analysis/api_metric.h"
#include "modelops/analysis/guard_runner.h"
#include "modelops/kube/config.h"

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

// data[key] of a Secret in the ModelDeployment's namespace, decoded. Every way it can be unusable
// gets the same message, so a ModelDeployment's author learns nothing about Secrets they may not use.
Result<std::string> secretValue(const SecretLookup& lookup, bool requireLabel, const std::string& ns,
                                const api::SecretKeyRef& ref, const std::string& key) {
  const std::string name = ref.name.value_or("");
  Error notUsable{"SecretNotUsable",
                  "secret " + ns + "/" + name + " key " + key + ": not usable as provider credentials (it must exist" +
                      (requireLabel ? ", carry the label " + std::string(kProviderCredentialsLabel) + ": \"true\"" : "") +
                      " and hold that key)"};
  if (!lookup || name.empty()) return notUsable;
  auto secret = lookup(ns, name);
  if (!secret) return notUsable;
  auto value = kube::secretDataValue(
      *secret, key, {.requiredLabel = requireLabel ? std::string_view(kProviderCredentialsLabel) : std::string_view()});
  if (!value) return notUsable;
  return *value;
}

Result<analysis::ProviderSecrets> resolveSecrets(const SecretLookup& lookup, bool requireLabel, const std::string& ns,
                                                 const api::Metric& metric) {
  analysis::ProviderSecrets out;
  if (!metric.provider || !metric.provider->prometheus) return out;
  const auto& prom = *metric.provider->prometheus;
  if (prom.auth && prom.auth->bearerTokenSecretRef) {
    const auto& ref = *prom.auth->bearerTokenSecretRef;
    auto token = secretValue(lookup, requireLabel, ns, ref, ref.key.value_or("token"));
    if (!token) return token.error();
    out.bearerToken = *token;
  }
  if (prom.auth && prom.auth->basicAuthSecretRef) {
    const auto& ref = *prom.auth->basicAuthSecretRef;
    auto user = secretValue(lookup, requireLabel, ns, ref, "username");
    if (!user) return user.error();
    auto password = secretValue(lookup, requireLabel, ns, ref, "password");
    if (!password) return password.error();
    out.basicAuth = std::make_pair(*user, *password);
  }
  if (prom.tls && prom.tls->caSecretRef) {
    const auto& ref = *prom.tls->caSecretRef;
    auto pem = secretValue(lookup, requireLabel, ns, ref, ref.key.value_or("ca.crt"));
    if (!pem) return pem.error();
    out.caPem = *pem;  // in memory: the provider verifies against it without a file
  }
  return out;
}

// "scheme://host:port" of an address; the whole text when it has no scheme.
std::string providerOf(const std::string& address) {
  auto scheme = address.find("://");
  auto start = scheme == std::string::npos ? 0 : scheme + 3;
  auto end = address.find_first_of("/?#", start);
  std::string out = address.substr(0, end == std::string::npos ? address.size() : end);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The metric whose provider the guards ask: guards.providerFrom, else the first metric.
const api::Metric* guardProviderMetric(const api::AnalysisSpec& analysis) {
  if (analysis.metrics.empty()) return nullptr;
  if (!analysis.guards || !analysis.guards->providerFrom) return &analysis.metrics.front();
  for (const auto& m : analysis.metrics)
    if (m.name == analysis.guards->providerFrom) return &m;
  return nullptr;
}

// One verdict per declared guard: measured for a canary (with stable when there is one); every guard an
// Error verdict when its provider cannot be set up (never a pass, never a fail).
std::vector<analysis::Verdict> measureGuards(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                             const std::vector<analysis::Verdict>& metricVerdicts,
                                             const analysis::ProviderFactory& factory, const SecretLookup& secrets,
                                             bool requireLabel, const CancelToken& cancel) {
  const auto& a = *md.spec.analysis;
  std::vector<analysis::Verdict> out;
  auto allError = [&](const std::string& reason) {
    for (const auto& name : api::guardNames(*a.guards)) out.push_back(analysis::errorVerdict(name, reason));
    return out;
  };
  const api::Metric* from = guardProviderMetric(a);
  if (!from) return allError("guards.providerFrom: no such metric");
  auto resolved = resolveSecrets(secrets, requireLabel, md.namespace_(), *from);
  if (!resolved) return allError(resolved.error().message);
  auto provider = analysis::metricSpecFromApi(*from, *resolved);
  if (!provider) return allError(provider.error().message);
  provider->name = "guards";
  const auto plan = analysis::planGuards(*a.guards, a.metrics);
  auto canary = varsFor(md, *from, request.revision, request.version, request.track);
  std::optional<analysis::TemplateVars> stable;
  if (request.stable && request.stable->revision)
    stable = varsFor(md, *from, *request.stable->revision, request.stable->version.value_or(""),
                     std::string(api::kTrackStable));
  out = analysis::GuardRunner(factory).measure(plan, *provider, canary, stable, cancel);
  for (auto& v : out)
    if (v.metric == analysis::kGuardEstimatedAccuracy) v = analysis::overruleEstimate(v, metricVerdicts, a.metrics, *a.guards);
  return out;
}

}  // namespace

std::vector<std::string> measurementProviders(const api::ModelDeployment& md) {
  std::set<std::string> out;
  if (md.spec.analysis)
    for (const auto& metric : md.spec.analysis->metrics) {
      if (!metric.provider) continue;
      if (metric.provider->prometheus && metric.provider->prometheus->address)
        out.insert(providerOf(*metric.provider->prometheus->address));
      if (metric.provider->web && metric.provider->web->url) out.insert(providerOf(*metric.provider->web->url));
    }
  return {out.begin(), out.end()};
}

rollout::Measurement AnalysisMeasurer::measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                               const CancelToken& cancel) {
  rollout::Measurement out;
  out.hash = request.hash;
  if (!md.spec.analysis) return out;
  // The label-free guards judge a canary rollout (not monitoring after promotion, not A/B variants) and
  // share the analysis' error budget with the accuracy tests (docs/statistics.md).
  const auto& guards = md.spec.analysis->guards;
  const bool withGuards = guards && request.track == api::kTrackCanary;
  for (const auto& metric : md.spec.analysis->metrics) {
    auto name = metric.name.value_or("");
    auto secrets = resolveSecrets(secrets_, requireLabel_, md.namespace_(), metric);
    if (!secrets) {
      out.verdicts.push_back(analysis::errorVerdict(name, secrets.error().message));
      continue;
    }
    auto spec = analysis::metricSpecFromApi(metric, *secrets);
    if (!spec) {
      out.verdicts.push_back(analysis::errorVerdict(name, spec.error().message));
      continue;
    }
    if (withGuards && spec->accuracy) spec->accuracy->guardTests = static_cast<int>(api::guardNames(*guards).size());
    if (auto seen = request.expectedSegments.find(name); spec->segments && seen != request.expectedSegments.end())
      spec->segments->expectedSegments =  // the declared count or the looks so far (issue 15 item 2)
          std::max(spec->segments->expectedSegments.value_or(0), seen->second);
    auto canary = varsFor(md, metric, request.revision, request.version, request.track);
    canary.analysisElapsed =
        analysis::analysisElapsedText(request.sinceCountsStart.value_or(std::chrono::milliseconds(0)));
    std::optional<analysis::TemplateVars> stable;
    if (request.stable && request.stable->revision)
      stable = varsFor(md, metric, *request.stable->revision, request.stable->version.value_or(""),
                       std::string(api::kTrackStable));
    if (stable) stable->analysisElapsed = canary.analysisElapsed;  // both arms over the same range
    out.verdicts.push_back(runner_.measure(*spec, canary, stable, cancel));
  }
  if (withGuards) {
    auto guardVerdicts = measureGuards(md, request, out.verdicts, runner_.factory(), secrets_, requireLabel_, cancel);
    out.verdicts.insert(out.verdicts.end(), guardVerdicts.begin(), guardVerdicts.end());
  }
  return out;
}

}  // namespace modelops::reconciler
