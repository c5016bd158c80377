// ModelDeploymentReconciler; see include/modelops/reconciler/reconciler.h.
// Every write passes ctx.cancel (the leadership term's token) and goes through ctx.client, which the
// controller fences: once the lease is lost nothing more is sent (runtime/fenced_client.h).
#include "modelops/reconciler/reconciler.h"

#include <algorithm>
#include <set>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"
#include "modelops/common/logging.h"
#include "modelops/reconciler/children.h"
#include "modelops/runtime/event_recorder.h"
#include "modelops/traffic/routing_status.h"

namespace modelops::reconciler {
namespace {

// Revisions the ModelDeployment still runs after a pass; their analysis gauges stay on /metrics.
std::set<std::int64_t> liveRevisions(const api::ModelDeploymentStatus& st) {
  std::set<std::int64_t> out;
  for (const auto* track : {&st.stable, &st.canary})
    if (*track && (*track)->revision) out.insert(*(*track)->revision);
  for (const auto& v : st.variants)
    if (v.revision) out.insert(*v.revision);
  return out;
}

using runtime::ReconcileResult;

struct Apply {
  runtime::ReconcileContext& ctx;
  const api::ModelDeployment& md;
  const rollout::Plan& plan;
  const runtime::ObjectCache* deploymentCache;
  const runtime::ObjectCache* serviceCache;
  std::string failure;  // the first write that failed

  bool ok() const { return failure.empty(); }
  void fail(const std::string& what, const kube::ApiError& e) {
    if (failure.empty()) failure = what + ": " + e.describe();
  }

  Json existing(const runtime::ObjectCache* cache, const std::string& name) const {
    if (!cache) return Json();
    auto obj = cache->get(md.namespace_(), name);
    return obj ? *obj : Json();
  }

  // Creates missing Deployments and applies replica/label changes; `grow` selects which half.
  void deployments(bool grow) {
    for (const auto& d : plan.deployments) {
      if (!ok()) return;
      auto current = existing(deploymentCache, d.name);
      if (current.is_null()) {
        if (!grow || d.replicas == 0 || !d.model.version) continue;  // only the declared revision can be created
        auto created =
            ctx.client.create(kube::resources::deployments(), md.namespace_(), renderDeployment(md, d), ctx.cancel);
        if (!created && !created.error().isAlreadyExists()) fail("create Deployment " + d.name, created.error());
        continue;
      }
      auto replicas = current["spec"].value("replicas", std::int64_t{1});
      auto labels = current["metadata"].value("labels", Json::object());
      // Labels follow the plan: the track changes at promotion, and the revision number can differ when
      // a previous operator process created the Deployment but was killed before writing status.
      auto revisionText = std::to_string(d.revision);
      bool relabel = labels.value(std::string(api::kLabelTrack), "") != d.track ||
                     (d.revision > 0 && labels.value(std::string(api::kLabelRevision), "") != revisionText);
      bool growing = d.replicas > replicas;
      bool shrinking = d.replicas < replicas;
      if (!relabel && !growing && !shrinking) continue;
      if (grow ? !(growing || (relabel && !shrinking)) : !shrinking) continue;
      Json patch = {{"metadata", {{"resourceVersion", current["metadata"].value("resourceVersion", "")}}},
                    {"spec", {{"replicas", d.replicas}}}};
      if (relabel) {
        patch["metadata"]["labels"][std::string(api::kLabelTrack)] = d.track;
        if (d.revision > 0) patch["metadata"]["labels"][std::string(api::kLabelRevision)] = revisionText;
      }
      auto r = ctx.client.patch(kube::resources::deployments(), md.namespace_(), d.name, kube::PatchType::Merge, patch,
                                {}, ctx.cancel);
      if (!r) fail("scale Deployment " + d.name, r.error());
    }
  }

  void servicesToDesired() {
    for (const auto& s : plan.services) {
      if (!ok()) return;
      auto desired = renderService(md, s);
      auto current = existing(serviceCache, s.name);
      if (current.is_null()) {
        auto created = ctx.client.create(kube::resources::services(), md.namespace_(), desired, ctx.cancel);
        if (!created && !created.error().isAlreadyExists()) fail("create Service " + s.name, created.error());
        continue;
      }
      auto patch = servicePatch(current, desired);
      if (patch.is_null()) continue;
      patch["metadata"]["resourceVersion"] = current["metadata"].value("resourceVersion", "");
      auto r = ctx.client.patch(kube::resources::services(), md.namespace_(), s.name, kube::PatchType::Merge, patch, {},
                                ctx.cancel);
      if (!r) fail("update Service " + s.name, r.error());
    }
  }

  void deletions() {
    for (const auto& name : plan.deleteDeployments) {
      if (!ok()) return;
      kube::DeleteOptions opts;
      opts.propagationPolicy = "Background";
      auto r = ctx.client.remove(kube::resources::deployments(), md.namespace_(), name, opts, ctx.cancel);
      if (!r && !r.error().isNotFound()) fail("delete Deployment " + name, r.error());
    }
  }
};

// The request as text, for the measurement key: what is measured and what it is compared with.
std::string describeRequest(const rollout::MeasurementRequest& r) {
  std::string out = r.track + "|" + std::to_string(r.revision) + "|" + r.hash + "|" + r.version + "|";
  if (r.stable) out += r.stable->hash.value_or("") + "@" + std::to_string(r.stable->revision.value_or(0));
  for (const auto& v : r.variants) out += "[" + describeRequest(v) + "]";
  return out;
}

// Identifies one due measurement: the object's incarnation and spec, where the analysis stands in
// status (rollout, step, newest recorded run) and the request. A key that was consumed comes back
// only from a cache that does not yet show the status written with its result.
std::string measurementKey(const api::ModelDeployment& md, const rollout::MeasurementRequest& request) {
  const auto& st = md.status;
  std::string newestRun;
  if (st.analysis)
    for (const auto& run : st.analysis->runs) newestRun = std::max(newestRun, run.at.value_or(""));
  return md.uid() + "|g" + std::to_string(md.generation()) + "|" +
         st.rolloutStartedAt.value_or("") + "|s" + std::to_string(st.currentStepIndex.value_or(-1)) + "@" +
         st.stepStartedAt.value_or("") + "|" + newestRun + "|" + describeRequest(request);
}

// The ModelDeployment the planner sees: decoded, defaulted, validated; a document that does not even
// decode keeps only its metadata and status, and every decode error becomes an InvalidSpec reason.
rollout::PlanInput planInputFor(const Json& raw, WallTime now) {
  rollout::PlanInput in;
  in.now = now;
  auto decoded = api::decodeModelDeployment(raw);
  if (decoded) {
    in.md = *decoded;
    api::applyDefaults(in.md);
    in.invalid = api::validate(in.md);
    return in;
  }
  in.invalid = decoded.error();
  in.md.metadata = raw.value("metadata", Json::object());
  if (raw.contains("status")) {
    auto status = api::decodeStatus(raw["status"]);
    if (status) in.md.status = *status;
  }
  return in;
}

std::string resourceVersionOf(const Json& object) {
  const auto& meta = object.value("metadata", Json::object());
  return meta.is_object() ? meta.value("resourceVersion", "") : "";
}

// A routing object a human must fix: the status says so (phase Failed, TrafficRoutingReady=False naming
// it) instead of the plan's, which would claim weights that were not written; retried every 30 s (the
// operator does not watch routes) and at once on any change of the ModelDeployment.
ReconcileResult reportBlockedRouting(runtime::ReconcileContext& ctx, const runtime::ReconcileRequest& request,
                                     const Json& raw, const rollout::PlanInput& in,
                                     const traffic::RoutingProblem& problem, WrittenVersions& writes) {
  auto status = api::encodeStatus(traffic::routingFailedStatus(in.md.status, problem, in.md.generation(), in.now));
  if (status != raw.value("status", Json::object())) {
    Json update = raw;
    update["status"] = status;
    auto written = ctx.client.updateStatus(kube::resources::modelDeployments(), request.ns, update, ctx.cancel);
    if (!written && written.error().isConflict()) return ReconcileResult::after(std::chrono::milliseconds(0));
    if (!written) return ReconcileResult::failed("update status: " + written.error().describe());
    writes.wrote(request.key(), resourceVersionOf(*written));
  }
  return ReconcileResult::after(std::chrono::seconds(30));
}

}  // namespace

struct ModelDeploymentReconciler::MeasurementStep {
  std::optional<rollout::Measurement> measurement;  // a finished result for the planner
  WallTime takenAt{};                               // when it was taken: the pass's `now`
  std::optional<std::string> consumeKey;            // mark consumed once status is written
  std::optional<std::chrono::milliseconds> requeue; // the pool was full: ask again then
};

// The measurement path: asks the pool for a due measurement; never waits for one.
ModelDeploymentReconciler::MeasurementStep ModelDeploymentReconciler::measurementFor(
    const runtime::ReconcileRequest& request, const runtime::ReconcileContext& ctx, const rollout::PlanInput& in) {
  MeasurementStep step;
  if (!in.invalid.empty() || !options_.measurer || !options_.measurements) return step;
  auto due = rollout::measurementDue(in.md, in.now);
  if (!due) return step;
  MeasurementJob job;
  job.object = request.key();
  job.key = measurementKey(in.md, *due);
  job.providers = measurementProviders(in.md);
  job.term = ctx.cancel;
  // One request, or one per A/B variant; the job owns copies (the reconcile returns long before it ends).
  job.measure = [measurer = options_.measurer, md = in.md, req = *due](const CancelToken& cancel) {
    return rollout::measureEach(req, [&](const rollout::MeasurementRequest& one) {
      return measurer->measure(md, one, cancel);
    });
  };
  auto key = job.key;
  auto answer = options_.measurements->ask(std::move(job));
  if (answer.state == MeasurementPool::State::Busy) step.requeue = options_.busyRequeue;
  if (answer.state != MeasurementPool::State::Ready) return step;
  if (options_.gauges) {
    const auto& m = answer.result->measurement;
    auto record = [&](std::int64_t revision, const rollout::Measurement& one) {
      for (const auto& v : one.verdicts) options_.gauges->record(request.ns, request.name, revision, v);
    };
    if (due->variants.empty()) record(due->revision, m);
    for (std::size_t i = 0; i < m.variants.size() && i < due->variants.size(); ++i)
      record(due->variants[i].revision, m.variants[i]);
  }
  step.measurement = std::move(answer.result->measurement);
  step.takenAt = answer.result->startedAt;
  step.consumeKey = key;
  return step;
}

ReconcileResult ModelDeploymentReconciler::reconcile(const runtime::ReconcileRequest& request,
                                                     runtime::ReconcileContext& ctx) {
  const auto* mds = ctx.caches.cache(kube::resources::modelDeployments());
  if (!mds) return ReconcileResult::failed("no ModelDeployment informer");
  auto object = mds->get(request.ns, request.name);
  if (!object) {  // deleted: children go with it (ownerReferences)
    if (options_.gauges) options_.gauges->forget(request.ns, request.name);
    if (options_.outcomes) options_.outcomes->forget(request.ns, request.name);
    if (options_.measurements) options_.measurements->forget(request.key());
    writes_.forget(request.key());
    return ReconcileResult::done();
  }
  const Json& raw = *object;
  if (raw["metadata"].contains("deletionTimestamp")) return ReconcileResult::done();
  // Our own last status write is not in the cache yet: acting on the older version could undo it. The
  // informer's event for it re-queues the key; the requeue is only a safety net.
  if (writes_.cacheIsBehind(request.key(), resourceVersionOf(raw))) return ReconcileResult::after(options_.cacheLagRequeue);

  auto in = planInputFor(raw, ctx.clock.now());
  const auto* deployments = ctx.caches.cache(kube::resources::deployments());
  const auto* services = ctx.caches.cache(kube::resources::services());
  if (deployments) {
    std::vector<Json> owned;
    for (const auto& d : deployments->byOwner(in.md.uid())) owned.push_back(*d);
    in.observed = observeDeployments(owned);
  }
  auto measured = measurementFor(request, ctx, in);
  if (measured.measurement) {
    in.measurement = std::move(measured.measurement);
    in.now = measured.takenAt;
  }

  auto plan = rollout::plan(in);
  if (measured.requeue && (!plan.requeueAfter || *measured.requeue < *plan.requeueAfter))
    plan.requeueAfter = measured.requeue;
  if (options_.gauges) options_.gauges->retain(request.ns, request.name, liveRevisions(plan.status));
  Apply apply{ctx, in.md, plan, deployments, services, {}};
  std::string routingProblem;
  std::optional<traffic::RoutingProblem> routingBlocked;  // a routing object a human must fix
  if (!plan.hold) {
    apply.deployments(/*grow=*/true);
    apply.servicesToDesired();
    if (apply.ok() && plan.traffic) {
      auto router = options_.routers(in.md, ctx.client);
      auto written = router->apply(in.md, *plan.traffic);
      if (!written) {
        routingBlocked = traffic::routingProblem(written.error());
        routingProblem = routingBlocked ? routingBlocked->message : router->describe() + ": " + written.error().message;
        apply.fail("traffic " + router->describe(), written.error());
      } else {
        traffic::recordRoutingReady(plan.status, plan.traffic->replicaRatio ? "" : router->describe(),
                                    in.md.generation(), in.now);
      }
    }
    // Only after traffic moved away: shrink and delete.
    if (apply.ok()) {
      apply.deployments(/*grow=*/false);
      apply.deletions();
    }
  }
  if (!apply.ok()) {
    // The plan was not carried out: do not record its status (it would claim weights not written).
    logWarn("reconcile incomplete", {{"object", objectRef(request.ns, request.name)}, {"err", apply.failure}});
    if (!routingProblem.empty() && ctx.events)
      ctx.events->record(runtime::ObjectReference::of(raw), EventType::Warning, "TrafficRoutingFailed", routingProblem);
    if (routingBlocked) return reportBlockedRouting(ctx, request, raw, in, *routingBlocked, writes_);
    return ReconcileResult::failed(apply.failure);
  }

  auto newStatus = api::encodeStatus(plan.status);
  if (newStatus != raw.value("status", Json::object())) {
    Json update = raw;
    update["status"] = newStatus;
    auto written = ctx.client.updateStatus(kube::resources::modelDeployments(), request.ns, update, ctx.cancel);
    if (!written) {
      if (written.error().isConflict()) return ReconcileResult::after(std::chrono::milliseconds(0));
      return ReconcileResult::failed("update status: " + written.error().describe());
    }
    writes_.wrote(request.key(), resourceVersionOf(*written));
  }
  // The status holding the measurement is written: a reconcile from a cache not showing it yet must
  // neither measure again nor hand the same result over twice.
  if (measured.consumeKey) options_.measurements->consumed(request.key(), *measured.consumeKey);
  // Counted once the status holding the new entries is written: a failed write is retried and counted then.
  if (options_.outcomes) options_.outcomes->countNew(request.ns, request.name, in.md.status.history, plan.status.history);
  for (const auto& e : plan.events) {
    if (ctx.events) ctx.events->record(runtime::ObjectReference::of(raw), e.type, e.reason, e.message);
    if (options_.notifier) options_.notifier->eventRecorded(in.md, e.type, e.reason, e.message, in.now);
    logInfo(e.message, {{"object", objectRef(request.ns, request.name)},
                        {"reason", e.reason},
                        {"type", std::string(eventTypeName(e.type))}});
  }
  if (plan.requeueAfter) return ReconcileResult::after(*plan.requeueAfter);
  return ReconcileResult::done();
}

}  // namespace modelops::reconciler
