// applyDefaults and resolve: every default of the ModelDeployment API in one place; see defaults.h.
// Thread-safety: pure function on the caller's value.
#include "modelops/api/defaults.h"

#include <string>

namespace modelops::api {
namespace {

template <class T, class V>
void fill(std::optional<T>& field, V value) {
  if (!field) field = T(value);
}

void defaultSecretKey(std::optional<SecretKeyRef>& ref, const char* key) {
  if (ref && !ref->key) ref->key = key;
}

void defaultProvider(MetricProvider& p) {
  if (p.prometheus) {
    auto& x = *p.prometheus;
    fill(x.timeout, Duration::of(defaults::kProviderTimeout));
    if (x.auth) defaultSecretKey(x.auth->bearerTokenSecretRef, "token");
    if (x.tls) {
      defaultSecretKey(x.tls->caSecretRef, "ca.crt");
      fill(x.tls->insecureSkipVerify, false);
    }
  }
  if (p.web) {
    fill(p.web->method, std::string(kMethodGet));
    fill(p.web->timeout, Duration::of(defaults::kProviderTimeout));
  }
}

void defaultMetric(Metric& m) {
  if (m.provider) defaultProvider(*m.provider);
  if (m.accuracy) {
    fill(m.accuracy->confidence, defaults::kConfidence);
    fill(m.accuracy->minSamples, defaults::kMinSamples);
  }
  if (m.segments) {
    // A segment is held to the metric's own floor unless it says otherwise.
    if (m.accuracy) {
      if (!m.segments->min && m.accuracy->min) m.segments->min = m.accuracy->min;
      fill(m.segments->minSamples, *m.accuracy->minSamples);
      fill(m.segments->confidence, *m.accuracy->confidence);
    } else {
      fill(m.segments->minSamples, defaults::kMinSamples);
      fill(m.segments->confidence, defaults::kConfidence);
    }
  }
  fill(m.failureLimit, defaults::kFailureLimit);
  fill(m.inconclusiveLimit, defaults::kInconclusiveLimit);
  fill(m.consecutiveErrorLimit, defaults::kConsecutiveErrorLimit);
}

void defaultAnalysis(AnalysisSpec& a) {
  fill(a.interval, Duration::of(defaults::kAnalysisInterval));
  fill(a.onTimeout, std::string(kOnTimeoutRollback));
  for (Metric& m : a.metrics) defaultMetric(m);
}

// Every default except model.name (which needs the object's name).
void defaultSpec(ModelDeploymentSpec& s) {
  fill(s.replicas, defaults::kReplicas);

  if (!s.service) s.service = ServiceSpec{};
  fill(s.service->port, defaults::kServicePort);
  fill(s.service->targetPort, IntOrString{std::string(defaults::kTargetPort)});

  if (!s.strategy) s.strategy = Strategy{};
  if (!s.strategy->canary && !s.strategy->abTest) s.strategy->canary = CanaryStrategy{};
  if (s.strategy->canary) fill(s.strategy->canary->scaleDownDelaySeconds, defaults::kScaleDownDelaySeconds);
  if (s.strategy->abTest) fill(s.strategy->abTest->winnerSelection, std::string(kWinnerAuto));
  for (auto* routing : {s.strategy->canary ? &s.strategy->canary->trafficRouting : nullptr,
                        s.strategy->abTest ? &s.strategy->abTest->trafficRouting : nullptr}) {
    if (routing && *routing && (*routing)->gateway) applyGatewayDefaults(*(*routing)->gateway);
  }

  if (s.analysis) defaultAnalysis(*s.analysis);

  if (!s.monitoring) s.monitoring = MonitoringSpec{};
  fill(s.monitoring->enabled, false);
  fill(s.monitoring->onDegraded, std::string(kOnDegradedRollback));
  fill(s.monitoring->onError, std::string(kOnErrorHold));

  if (!s.rollback) s.rollback = RollbackSpec{};
  fill(s.rollback->automatic, true);

  fill(s.progressDeadlineSeconds, defaults::kProgressDeadlineSeconds);
  fill(s.revisionHistoryLimit, defaults::kRevisionHistoryLimit);
  fill(s.paused, false);
  defaultNotifications(s.notifications);
}

// A defaulted duration's value; an unparsable text (validate() rejects the spec) reads as `fallback`.
std::chrono::milliseconds durationOr(const std::optional<Duration>& d, std::chrono::milliseconds fallback) {
  return d && d->value ? *d->value : fallback;
}

// The resolved values of a defaulted AnalysisSpec.
ResolvedAnalysis resolvedOf(const AnalysisSpec& a) {
  ResolvedAnalysis r;
  r.interval = durationOr(a.interval, defaults::kAnalysisInterval);
  if (a.maxDuration && a.maxDuration->value) r.maxDuration = *a.maxDuration->value;
  r.onTimeout = *a.onTimeout;
  for (const Metric& m : a.metrics)
    r.metrics.push_back({m.name.value_or(""), *m.failureLimit, *m.inconclusiveLimit, *m.consecutiveErrorLimit});
  return r;
}

// The resolved values of a spec defaultSpec() has filled.
ResolvedSpec resolvedOf(const ModelDeploymentSpec& s) {
  ResolvedSpec r;
  r.replicas = *s.replicas;
  r.servicePort = *s.service->port;
  r.targetPort = *s.service->targetPort;
  const auto& canary = s.strategy->canary;
  r.scaleDownDelay = std::chrono::seconds(canary ? *canary->scaleDownDelaySeconds : defaults::kScaleDownDelaySeconds);
  r.winnerSelection = s.strategy->abTest ? *s.strategy->abTest->winnerSelection : std::string(kWinnerAuto);
  r.progressDeadline = std::chrono::seconds(*s.progressDeadlineSeconds);
  r.revisionHistoryLimit = *s.revisionHistoryLimit;
  r.paused = *s.paused;
  r.automaticRollback = *s.rollback->automatic;
  if (s.analysis) r.analysis = resolvedOf(*s.analysis);
  const auto& m = *s.monitoring;
  r.monitoring.enabled = *m.enabled;
  r.monitoring.onDegraded = *m.onDegraded;
  r.monitoring.onError = *m.onError;
  r.monitoring.interval = durationOr(m.interval, r.analysis ? r.analysis->interval : defaults::kAnalysisInterval);
  r.monitoring.expectedTimeToFalseAlarm = durationOr(m.expectedTimeToFalseAlarm, defaults::kExpectedTimeToFalseAlarm);
  r.notifications = resolveNotifications(s.notifications);
  return r;
}

}  // namespace

ResolvedSpec applyDefaults(ModelDeployment& md) {
  if (!md.spec.model.name && !md.name().empty()) md.spec.model.name = md.name();
  defaultSpec(md.spec);
  return resolvedOf(md.spec);
}

ResolvedSpec resolve(const ModelDeploymentSpec& spec) {
  ModelDeploymentSpec copy = spec;
  defaultSpec(copy);
  return resolvedOf(copy);
}

ResolvedAnalysis resolve(const AnalysisSpec& analysis) {
  AnalysisSpec copy = analysis;
  defaultAnalysis(copy);
  return resolvedOf(copy);
}

}  // namespace modelops::api
