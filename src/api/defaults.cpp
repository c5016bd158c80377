// applyDefaults: every default of the ModelDeployment API in one place; see defaults.h for the list.
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

}  // namespace

void applyDefaults(ModelDeployment& md) {
  ModelDeploymentSpec& s = md.spec;
  fill(s.replicas, defaults::kReplicas);
  if (!s.model.name && !md.name().empty()) s.model.name = md.name();

  if (!s.service) s.service = ServiceSpec{};
  fill(s.service->port, defaults::kServicePort);
  fill(s.service->targetPort, IntOrString{std::string(defaults::kTargetPort)});

  if (!s.strategy) s.strategy = Strategy{};
  if (!s.strategy->canary && !s.strategy->abTest) s.strategy->canary = CanaryStrategy{};
  if (s.strategy->canary) fill(s.strategy->canary->scaleDownDelaySeconds, defaults::kScaleDownDelaySeconds);
  if (s.strategy->abTest) fill(s.strategy->abTest->winnerSelection, std::string(kWinnerAuto));

  if (s.analysis) {
    fill(s.analysis->interval, Duration::of(defaults::kAnalysisInterval));
    fill(s.analysis->onTimeout, std::string(kOnTimeoutRollback));
    for (Metric& m : s.analysis->metrics) defaultMetric(m);
  }

  if (!s.monitoring) s.monitoring = MonitoringSpec{};
  fill(s.monitoring->enabled, false);
  fill(s.monitoring->onDegraded, std::string(kOnDegradedRollback));
  fill(s.monitoring->onError, std::string(kOnErrorHold));

  if (!s.rollback) s.rollback = RollbackSpec{};
  fill(s.rollback->automatic, true);

  fill(s.progressDeadlineSeconds, defaults::kProgressDeadlineSeconds);
  fill(s.revisionHistoryLimit, defaults::kRevisionHistoryLimit);
  fill(s.paused, false);
}

}  // namespace modelops::api
