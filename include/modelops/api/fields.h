// The field table of every ModelDeployment struct: the JSON name of each field, written once. The codec
// decodes and encodes through these tables (src/api/codec_fields.h), and the tests populate every field
// through them, so a field is either in both directions or in neither (and then a test counting the
// struct's members fails: tests/unit/api/field_table_test.cpp).
//
// visitFields(visitor, object) calls visitor("jsonName", object.field) for each field except `extra`
// (the unknown members, handled by the codec itself), in declaration order. `object` may be const.
// Thread-safety: pure functions.
#pragma once

#include <concepts>
#include <type_traits>

#include "modelops/api/model_deployment.h"

namespace modelops::api {

// S is T or const T: lets one table serve decode (mutable) and encode (const).
template <class S, class T>
concept FieldsOf = std::same_as<std::remove_const_t<S>, T>;

// ---------------------------------------------------------------- spec

template <class V, FieldsOf<ModelSpec> S>
void visitFields(V& v, S& s) { v("name", s.name); v("version", s.version); v("uri", s.uri); }

template <class V, FieldsOf<ServiceSpec> S>
void visitFields(V& v, S& s) { v("port", s.port); v("targetPort", s.targetPort); }

template <class V, FieldsOf<PauseStep> S>
void visitFields(V& v, S& s) { v("duration", s.duration); }

template <class V, FieldsOf<AnalysisStep> S>
void visitFields(V&, S&) {}  // no fields yet

template <class V, FieldsOf<CanaryStep> S>
void visitFields(V& v, S& s) { v("setWeight", s.setWeight); v("pause", s.pause); v("analysis", s.analysis); }

template <class V, FieldsOf<GatewayApiRouting> S>
void visitFields(V& v, S& s) {
  v("httpRoute", s.httpRoute); v("namespace", s.namespace_); v("ruleIndex", s.ruleIndex); v("port", s.port);
}

template <class V, FieldsOf<IstioVirtualService> S>
void visitFields(V& v, S& s) { v("name", s.name); v("routes", s.routes); }

template <class V, FieldsOf<IstioRouting> S>
void visitFields(V& v, S& s) { v("virtualService", s.virtualService); }

// trafficRouting.gateway (modelops/api/gateway_routing.h)
template <class V, FieldsOf<GatewayPrediction> S>
void visitFields(V& v, S& s) {
  v("classPath", s.classPath); v("argmax", s.argmax); v("task", s.task); v("idField", s.idField);
}

template <class V, FieldsOf<GatewaySegment> S>
void visitFields(V& v, S& s) { v("header", s.header); v("jsonPath", s.jsonPath); }

template <class V, FieldsOf<GatewaySticky> S>
void visitFields(V& v, S& s) { v("header", s.header); v("cookie", s.cookie); }

template <class V, FieldsOf<GatewayShadow> S>
void visitFields(V& v, S& s) { v("percent", s.percent); }

template <class V, FieldsOf<GatewayRouting> S>
void visitFields(V& v, S& s) {
  v("pathPrefix", s.pathPrefix); v("protocol", s.protocol); v("prediction", s.prediction); v("segment", s.segment);
  v("sticky", s.sticky); v("shadow", s.shadow);
}

template <class V, FieldsOf<TrafficRouting> S>
void visitFields(V& v, S& s) { v("gatewayAPI", s.gatewayAPI); v("istio", s.istio); v("gateway", s.gateway); }

template <class V, FieldsOf<CanaryStrategy> S>
void visitFields(V& v, S& s) {
  v("steps", s.steps); v("trafficRouting", s.trafficRouting); v("scaleDownDelaySeconds", s.scaleDownDelaySeconds);
}

template <class V, FieldsOf<NameValue> S>
void visitFields(V& v, S& s) { v("name", s.name); v("value", s.value); }

template <class V, FieldsOf<MatchRule> S>
void visitFields(V& v, S& s) { v("header", s.header); v("cookie", s.cookie); }

template <class V, FieldsOf<Variant> S>
void visitFields(V& v, S& s) { v("name", s.name); v("weight", s.weight); v("model", s.model); v("match", s.match); }

template <class V, FieldsOf<AbTestStrategy> S>
void visitFields(V& v, S& s) {
  v("variants", s.variants); v("trafficRouting", s.trafficRouting); v("duration", s.duration);
  v("winnerSelection", s.winnerSelection);
}

template <class V, FieldsOf<Strategy> S>
void visitFields(V& v, S& s) { v("canary", s.canary); v("abTest", s.abTest); }

template <class V, FieldsOf<SecretKeyRef> S>
void visitFields(V& v, S& s) { v("name", s.name); v("key", s.key); }

template <class V, FieldsOf<ProviderAuth> S>
void visitFields(V& v, S& s) {
  v("bearerTokenSecretRef", s.bearerTokenSecretRef); v("basicAuthSecretRef", s.basicAuthSecretRef);
}

template <class V, FieldsOf<ProviderTls> S>
void visitFields(V& v, S& s) { v("caSecretRef", s.caSecretRef); v("insecureSkipVerify", s.insecureSkipVerify); }

template <class V, FieldsOf<PrometheusProvider> S>
void visitFields(V& v, S& s) {
  v("address", s.address); v("timeout", s.timeout); v("headers", s.headers); v("auth", s.auth); v("tls", s.tls);
}

template <class V, FieldsOf<WebProvider> S>
void visitFields(V& v, S& s) {
  v("url", s.url); v("method", s.method); v("body", s.body); v("headers", s.headers); v("jsonPath", s.jsonPath);
  v("timeout", s.timeout);
}

template <class V, FieldsOf<MetricProvider> S>
void visitFields(V& v, S& s) { v("prometheus", s.prometheus); v("web", s.web); }

template <class V, FieldsOf<AccuracyCriteria> S>
void visitFields(V& v, S& s) {
  v("min", s.min); v("confidence", s.confidence); v("minSamples", s.minSamples);
  v("maxDropVsStable", s.maxDropVsStable); v("minLabelCoverage", s.minLabelCoverage);
}

template <class V, FieldsOf<SegmentCriteria> S>
void visitFields(V& v, S& s) {
  v("by", s.by); v("min", s.min); v("minSamples", s.minSamples); v("confidence", s.confidence);
  v("maxDropVsStable", s.maxDropVsStable); v("expectedSegments", s.expectedSegments);
}

template <class V, FieldsOf<ThresholdCriteria> S>
void visitFields(V& v, S& s) { v("min", s.min); v("max", s.max); }

template <class V, FieldsOf<Metric> S>
void visitFields(V& v, S& s) {
  v("name", s.name); v("provider", s.provider); v("query", s.query); v("successes", s.successes);
  v("trials", s.trials); v("predictions", s.predictions); v("args", s.args); v("accuracy", s.accuracy);
  v("segments", s.segments); v("threshold", s.threshold); v("failureLimit", s.failureLimit);
  v("inconclusiveLimit", s.inconclusiveLimit); v("consecutiveErrorLimit", s.consecutiveErrorLimit);
}

// spec.analysis.guards (modelops/api/guards.h)
template <class V, FieldsOf<ClassDistributionGuard> S>
void visitFields(V& v, S& s) {
  v("query", s.query); v("classLabel", s.classLabel); v("maxDistance", s.maxDistance); v("classes", s.classes);
}

template <class V, FieldsOf<AgreementGuard> S>
void visitFields(V& v, S& s) { v("agreeQuery", s.agreeQuery); v("totalQuery", s.totalQuery); v("min", s.min); }

template <class V, FieldsOf<ErrorRateGuard> S>
void visitFields(V& v, S& s) {
  v("errorsQuery", s.eventsQuery); v("totalQuery", s.totalQuery); v("maxIncrease", s.maxIncrease);
}

template <class V, FieldsOf<LatencyGuard> S>
void visitFields(V& v, S& s) {
  v("slowQuery", s.eventsQuery); v("totalQuery", s.totalQuery); v("maxIncrease", s.maxIncrease);
}

template <class V, FieldsOf<EstimatedAccuracyGuard> S>
void visitFields(V& v, S& s) {
  v("sumQuery", s.sumQuery); v("countQuery", s.countQuery); v("maxDropVsStable", s.maxDropVsStable);
  v("rollback", s.rollback);
}

template <class V, FieldsOf<GuardsSpec> S>
void visitFields(V& v, S& s) {
  v("providerFrom", s.providerFrom); v("confidence", s.confidence); v("minSamples", s.minSamples); v("args", s.args);
  v("classDistribution", s.classDistribution); v("agreement", s.agreement); v("errorRate", s.errorRate);
  v("latency", s.latency); v("estimatedAccuracy", s.estimatedAccuracy);
}

template <class V, FieldsOf<AnalysisSpec> S>
void visitFields(V& v, S& s) {
  v("interval", s.interval); v("metrics", s.metrics); v("maxDuration", s.maxDuration); v("onTimeout", s.onTimeout);
  v("guards", s.guards);
}

template <class V, FieldsOf<MonitoringSpec> S>
void visitFields(V& v, S& s) {
  v("enabled", s.enabled); v("onDegraded", s.onDegraded); v("onError", s.onError); v("interval", s.interval);
  v("expectedTimeToFalseAlarm", s.expectedTimeToFalseAlarm);
}

template <class V, FieldsOf<RollbackSpec> S>
void visitFields(V& v, S& s) { v("automatic", s.automatic); }

// spec.notifications (modelops/api/notifications.h)
template <class V, FieldsOf<NotificationSecretRef> S>
void visitFields(V& v, S& s) { v("name", s.name); v("key", s.key); }

template <class V, FieldsOf<NotificationSpec> S>
void visitFields(V& v, S& s) {
  v("name", s.name); v("events", s.events); v("format", s.format); v("urlSecretRef", s.urlSecretRef);
  v("tokenSecretRef", s.tokenSecretRef);
}

template <class V, FieldsOf<ModelDeploymentSpec> S>
void visitFields(V& v, S& s) {
  v("replicas", s.replicas); v("model", s.model); v("template", s.template_); v("service", s.service);
  v("strategy", s.strategy); v("analysis", s.analysis); v("monitoring", s.monitoring); v("rollback", s.rollback);
  v("progressDeadlineSeconds", s.progressDeadlineSeconds); v("revisionHistoryLimit", s.revisionHistoryLimit);
  v("paused", s.paused);
  v("notifications", s.notifications);
}

// ---------------------------------------------------------------- status

template <class V, FieldsOf<TrackStatus> S>
void visitFields(V& v, S& s) {
  v("revision", s.revision); v("version", s.version); v("hash", s.hash); v("weight", s.weight);
}

template <class V, FieldsOf<VariantStatus> S>
void visitFields(V& v, S& s) {
  v("name", s.name); v("revision", s.revision); v("version", s.version); v("hash", s.hash); v("weight", s.weight);
}

template <class V, FieldsOf<SegmentResult> S>
void visitFields(V& v, S& s) {
  v("segment", s.segment); v("phase", s.phase); v("value", s.value); v("lowerBound", s.lowerBound);
  v("upperBound", s.upperBound); v("samples", s.samples); v("message", s.message);
}

template <class V, FieldsOf<AnalysisRun> S>
void visitFields(V& v, S& s) {
  v("metric", s.metric); v("phase", s.phase); v("value", s.value); v("lowerBound", s.lowerBound);
  v("upperBound", s.upperBound); v("samples", s.samples); v("message", s.message); v("at", s.at);
  v("query", s.query); v("segments", s.segments);
}

template <class V, FieldsOf<StableComparisonStatus> S>
void visitFields(V& v, S& s) {
  v("phase", s.phase); v("difference", s.difference); v("lowerBound", s.lowerBound); v("upperBound", s.upperBound);
  v("margin", s.margin); v("stableSamples", s.stableSamples); v("reason", s.reason);
}

template <class V, FieldsOf<SegmentVerdictStatus> S>
void visitFields(V& v, S& s) {
  v("segment", s.segment); v("phase", s.phase); v("value", s.value); v("lowerBound", s.lowerBound);
  v("upperBound", s.upperBound); v("samples", s.samples); v("reason", s.reason); v("vsStable", s.vsStable);
}

template <class V, FieldsOf<VerdictStatus> S>
void visitFields(V& v, S& s) {
  v("metric", s.metric); v("phase", s.phase); v("value", s.value); v("lowerBound", s.lowerBound);
  v("upperBound", s.upperBound); v("samples", s.samples); v("stableValue", s.stableValue);
  v("labelCoverage", s.labelCoverage); v("vsStable", s.vsStable); v("warmUp", s.warmUp);
  v("labelsNeeded", s.labelsNeeded); v("segments", s.segments); v("query", s.query); v("reason", s.reason);
}

template <class V, FieldsOf<MetricProgressStatus> S>
void visitFields(V& v, S& s) {
  v("metric", s.metric); v("measurements", s.measurements); v("failures", s.failures);
  v("inconclusives", s.inconclusives); v("errors", s.errors); v("consecutiveErrors", s.consecutiveErrors);
  v("accumulating", s.accumulating); v("latestAt", s.latestAt); v("labelsPerSecond", s.labelsPerSecond);
  v("latest", s.latest);
}

template <class V, FieldsOf<AnalysisProgressStatus> S>
void visitFields(V& v, S& s) {
  v("startedAt", s.startedAt); v("outcome", s.outcome); v("timedOut", s.timedOut); v("reason", s.reason);
  v("decidedBy", s.decidedBy); v("metrics", s.metrics);
}

template <class V, FieldsOf<ChangeDetectionStateStatus> S>
void visitFields(V& v, S& s) {
  v("statistic", s.statistic); v("successes", s.successes); v("trials", s.trials); v("labels", s.labels);
}

template <class V, FieldsOf<AnalysisStatus> S>
void visitFields(V& v, S& s) {
  v("runs", s.runs); v("failures", s.failures); v("inconclusives", s.inconclusives);
  v("consecutiveErrors", s.consecutiveErrors); v("startedAt", s.startedAt); v("progress", s.progress);
  v("progressByVariant", s.progressByVariant); v("changeDetection", s.changeDetection);
}

template <class V, FieldsOf<Condition> S>
void visitFields(V& v, S& s) {
  v("type", s.type); v("status", s.status); v("reason", s.reason); v("message", s.message);
  v("lastTransitionTime", s.lastTransitionTime); v("observedGeneration", s.observedGeneration);
}

template <class V, FieldsOf<HistoryEntry> S>
void visitFields(V& v, S& s) {
  v("revision", s.revision); v("version", s.version); v("uri", s.uri); v("hash", s.hash); v("outcome", s.outcome);
  v("reason", s.reason); v("at", s.at);
}

template <class V, FieldsOf<PendingAction> S>
void visitFields(V& v, S& s) {
  v("action", s.action); v("id", s.id); v("argument", s.argument); v("requestedAt", s.requestedAt);
}

template <class V, FieldsOf<ModelDeploymentStatus> S>
void visitFields(V& v, S& s) {
  v("observedGeneration", s.observedGeneration); v("phase", s.phase); v("message", s.message);
  v("stable", s.stable); v("canary", s.canary); v("variants", s.variants); v("currentStepIndex", s.currentStepIndex);
  v("stepStartedAt", s.stepStartedAt); v("pauseStartedAt", s.pauseStartedAt);
  v("rolloutStartedAt", s.rolloutStartedAt); v("variantsAvailableAt", s.variantsAvailableAt);
  v("analysis", s.analysis); v("conditions", s.conditions); v("history", s.history);
  v("lastGoodRevision", s.lastGoodRevision); v("pendingAction", s.pendingAction);
  v("lastHandledActionId", s.lastHandledActionId);
}

// ---------------------------------------------------------------- the object

template <class V, FieldsOf<ModelDeployment> S>
void visitFields(V& v, S& s) {
  v("apiVersion", s.apiVersion); v("kind", s.kind); v("metadata", s.metadata); v("spec", s.spec);
  v("status", s.status);
}

// A type with a field table (every struct above): the codec decodes and encodes it as a JSON object.
struct FieldTableProbe {
  template <class F>
  void operator()(const char*, F&) {}
};
template <class T>
concept HasFieldTable = requires(FieldTableProbe& probe, T& object) { visitFields(probe, object); };

}  // namespace modelops::api
