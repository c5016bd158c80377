// JSON <-> ModelDeploymentStatus; see codec.h. Every member this version does not know is kept in the
// `extra` of its struct, so a status read, changed and written back by this operator never loses fields
// written by a newer one.
// Thread-safety: pure functions.
#include <string>

#include "codec_internal.h"
#include "json_io.h"
#include "modelops/api/codec.h"
#include "modelops/api/status_bounds.h"

namespace modelops::api {
namespace detail {
namespace {

using E = FieldErrors;

TrackStatus decTrack(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  TrackStatus t;
  t.revision = r.int64("revision");
  t.version = r.str("version");
  t.hash = r.str("hash");
  t.weight = r.int64("weight");
  t.extra = r.rest();
  return t;
}
Json enc(const TrackStatus& t) {
  Json o = startObject(t.extra);
  put(o, "revision", t.revision);
  put(o, "version", t.version);
  put(o, "hash", t.hash);
  put(o, "weight", t.weight);
  return o;
}

VariantStatus decVariantStatus(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  VariantStatus v;
  v.name = r.str("name");
  v.revision = r.int64("revision");
  v.version = r.str("version");
  v.hash = r.str("hash");
  v.weight = r.int64("weight");
  v.extra = r.rest();
  return v;
}
Json enc(const VariantStatus& v) {
  Json o = startObject(v.extra);
  put(o, "name", v.name);
  put(o, "revision", v.revision);
  put(o, "version", v.version);
  put(o, "hash", v.hash);
  put(o, "weight", v.weight);
  return o;
}

SegmentResult decSegment(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  SegmentResult s;
  s.segment = r.str("segment");
  s.phase = r.str("phase");
  s.value = r.number("value");
  s.lowerBound = r.number("lowerBound");
  s.upperBound = r.number("upperBound");
  s.samples = r.int64("samples");
  s.message = r.str("message");
  s.extra = r.rest();
  return s;
}
Json enc(const SegmentResult& s) {
  Json o = startObject(s.extra);
  put(o, "segment", s.segment);
  put(o, "phase", s.phase);
  put(o, "value", s.value);
  put(o, "lowerBound", s.lowerBound);
  put(o, "upperBound", s.upperBound);
  put(o, "samples", s.samples);
  put(o, "message", s.message);
  return o;
}

AnalysisRun decRun(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  AnalysisRun a;
  a.metric = r.str("metric");
  a.phase = r.str("phase");
  a.value = r.number("value");
  a.lowerBound = r.number("lowerBound");
  a.upperBound = r.number("upperBound");
  a.samples = r.int64("samples");
  a.message = r.str("message");
  a.at = r.str("at");
  a.query = r.str("query");
  a.segments = r.list<SegmentResult>("segments", decSegment);
  a.extra = r.rest();
  return a;
}
Json enc(const AnalysisRun& a) {
  Json o = startObject(a.extra);
  put(o, "metric", a.metric);
  put(o, "phase", a.phase);
  put(o, "value", a.value);
  put(o, "lowerBound", a.lowerBound);
  put(o, "upperBound", a.upperBound);
  put(o, "samples", a.samples);
  put(o, "message", a.message);
  put(o, "at", a.at);
  put(o, "query", a.query);
  putList(o, "segments", a.segments, [](const SegmentResult& s) { return enc(s); });
  return o;
}

AnalysisStatus decAnalysisStatus(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  AnalysisStatus a;
  a.runs = r.list<AnalysisRun>("runs", decRun);
  a.failures = r.int64("failures");
  a.inconclusives = r.int64("inconclusives");
  a.consecutiveErrors = r.int64("consecutiveErrors");
  a.startedAt = r.str("startedAt");
  a.extra = r.rest();
  return a;
}
Json enc(const AnalysisStatus& a) {
  Json o = startObject(a.extra);
  putList(o, "runs", a.runs, [](const AnalysisRun& x) { return enc(x); });
  put(o, "failures", a.failures);
  put(o, "inconclusives", a.inconclusives);
  put(o, "consecutiveErrors", a.consecutiveErrors);
  put(o, "startedAt", a.startedAt);
  return o;
}

Condition decCondition(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  Condition c;
  c.type = r.str("type");
  c.status = r.str("status");
  c.reason = r.str("reason");
  c.message = r.str("message");
  c.lastTransitionTime = r.str("lastTransitionTime");
  c.observedGeneration = r.int64("observedGeneration");
  c.extra = r.rest();
  return c;
}
Json enc(const Condition& c) {
  Json o = startObject(c.extra);
  put(o, "type", c.type);
  put(o, "status", c.status);
  put(o, "reason", c.reason);
  put(o, "message", c.message);
  put(o, "lastTransitionTime", c.lastTransitionTime);
  put(o, "observedGeneration", c.observedGeneration);
  return o;
}

HistoryEntry decHistory(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  HistoryEntry h;
  h.revision = r.int64("revision");
  h.version = r.str("version");
  h.uri = r.str("uri");
  h.hash = r.str("hash");
  h.outcome = r.str("outcome");
  h.reason = r.str("reason");
  h.at = r.str("at");
  h.extra = r.rest();
  return h;
}
Json enc(const HistoryEntry& h) {
  Json o = startObject(h.extra);
  put(o, "revision", h.revision);
  put(o, "version", h.version);
  put(o, "uri", h.uri);
  put(o, "hash", h.hash);
  put(o, "outcome", h.outcome);
  put(o, "reason", h.reason);
  put(o, "at", h.at);
  return o;
}

PendingAction decAction(const Json& j, const std::string& path, E& errs) {
  Reader r(j, path, errs);
  PendingAction p;
  p.action = r.str("action");
  p.id = r.str("id");
  p.argument = r.str("argument");
  p.requestedAt = r.str("requestedAt");
  p.extra = r.rest();
  return p;
}
Json enc(const PendingAction& p) {
  Json o = startObject(p.extra);
  put(o, "action", p.action);
  put(o, "id", p.id);
  put(o, "argument", p.argument);
  put(o, "requestedAt", p.requestedAt);
  return o;
}

}  // namespace

ModelDeploymentStatus decodeStatusInto(const Json& j, const std::string& path, FieldErrors& errs) {
  Reader r(j, path, errs);
  ModelDeploymentStatus s;
  s.observedGeneration = r.int64("observedGeneration");
  s.phase = r.str("phase");
  s.message = r.str("message");
  s.stable = r.object<TrackStatus>("stable", decTrack);
  s.canary = r.object<TrackStatus>("canary", decTrack);
  s.variants = r.list<VariantStatus>("variants", decVariantStatus);
  s.currentStepIndex = r.int64("currentStepIndex");
  s.stepStartedAt = r.str("stepStartedAt");
  s.pauseStartedAt = r.str("pauseStartedAt");
  s.rolloutStartedAt = r.str("rolloutStartedAt");
  s.variantsAvailableAt = r.str("variantsAvailableAt");
  s.analysis = r.object<AnalysisStatus>("analysis", decAnalysisStatus);
  s.conditions = r.list<Condition>("conditions", decCondition);
  s.history = r.list<HistoryEntry>("history", decHistory);
  s.lastGoodRevision = r.int64("lastGoodRevision");
  s.pendingAction = r.object<PendingAction>("pendingAction", decAction);
  s.lastHandledActionId = r.str("lastHandledActionId");
  s.extra = r.rest();
  return s;
}

}  // namespace detail

Result<ModelDeploymentStatus, FieldErrors> decodeStatus(const nlohmann::json& status) {
  FieldErrors errs;
  ModelDeploymentStatus s = detail::decodeStatusInto(status, "status", errs);
  if (!errs.empty()) return errs;
  return s;
}

nlohmann::json encodeStatus(const ModelDeploymentStatus& status) {
  // Whatever the caller built (and whatever a provider said), what is written stays within the budget.
  ModelDeploymentStatus bounded = status;
  boundStatus(bounded);
  return detail::encodeStatusUnbounded(bounded);
}

namespace detail {

Json encodeStatusUnbounded(const ModelDeploymentStatus& s) {
  Json o = startObject(s.extra);
  put(o, "observedGeneration", s.observedGeneration);
  put(o, "phase", s.phase);
  put(o, "message", s.message);
  putObject(o, "stable", s.stable, [](const TrackStatus& t) { return enc(t); });
  putObject(o, "canary", s.canary, [](const TrackStatus& t) { return enc(t); });
  putList(o, "variants", s.variants, [](const VariantStatus& v) { return enc(v); });
  put(o, "currentStepIndex", s.currentStepIndex);
  put(o, "stepStartedAt", s.stepStartedAt);
  put(o, "pauseStartedAt", s.pauseStartedAt);
  put(o, "rolloutStartedAt", s.rolloutStartedAt);
  put(o, "variantsAvailableAt", s.variantsAvailableAt);
  putObject(o, "analysis", s.analysis, [](const AnalysisStatus& a) { return enc(a); });
  putList(o, "conditions", s.conditions, [](const Condition& c) { return enc(c); });
  putList(o, "history", s.history, [](const HistoryEntry& h) { return enc(h); });
  put(o, "lastGoodRevision", s.lastGoodRevision);
  putObject(o, "pendingAction", s.pendingAction, [](const PendingAction& p) { return enc(p); });
  put(o, "lastHandledActionId", s.lastHandledActionId);
  return o;
}

}  // namespace detail

}  // namespace modelops::api
