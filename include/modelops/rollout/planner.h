// The rollout planner: a pure function from (ModelDeployment, observed children, analysis verdicts, now)
// to (desired children, new status, events, requeue-after). No I/O, no clock, no logging: it returns
// reasons and the reconciler logs and applies them.
//
// How the reconciler applies a Plan (the order carries the safety rules):
//   1. create / scale up the Deployments in `deployments` whose replicas grow (and create Services);
//   2. write `traffic` (weights) through the TrafficRouter;
//   3. only if 2 succeeded: scale down Deployments whose replicas shrink, delete `deleteDeployments`;
//   4. write `status` through the status subresource with the resourceVersion read; record `events`;
//   5. requeue after `requeueAfter` when set.
// So a canary being rolled back loses its traffic (one write) before its pods.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "modelops/analysis/verdict.h"
#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/event_type.h"
#include "modelops/common/time.h"
#include "modelops/api/cron.h"
#include "modelops/rollout/retraining.h"

namespace modelops::rollout {

// One Deployment owned by the ModelDeployment, as the cache shows it.
struct ObservedDeployment {
  std::string name;
  std::string hash;               // label modelops.dev/revision-hash
  std::int64_t revision = 0;      // label modelops.dev/revision
  std::string track;              // label modelops.dev/track
  std::int64_t replicas = 0;      // spec.replicas
  std::int64_t availableReplicas = 0;  // status.availableReplicas, 0 while status is older than spec
};

struct Observed {
  std::vector<ObservedDeployment> deployments;
  const ObservedDeployment* find(const std::string& hash) const;
};

// Verdicts measured for this reconcile (see measurementDue), one per metric.
// An A/B test is measured per variant: `variants` holds one Measurement per variant request (each with
// its own hash and `variant` name); the top-level hash/verdicts may then stay empty. measureEach() fills
// it from a function that measures one request.
struct Measurement {
  std::string hash;  // the revision measured
  std::vector<analysis::Verdict> verdicts;
  std::string variant;                // A/B: the variant measured ("" otherwise)
  std::vector<Measurement> variants;  // A/B: one per variant (see MeasurementRequest::variants)
};

struct PlanInput {
  api::ModelDeployment md;          // after applyDefaults
  api::FieldErrors invalid;         // validate()'s result; non-empty: hold everything as it is
  Observed observed;
  std::optional<Measurement> measurement;
  WallTime now;
  // Retraining (retraining.h): the run in flight as observed (nullopt: not looked at; the run waits),
  // and the time zone of spec.retraining.triggers.schedule (empty: UTC).
  std::optional<ObservedRetrainingRun> retrainingRun{};
  api::UtcOffsetAt cronUtcOffset{};
};

// A Deployment that should exist; the reconciler renders it with children.h.
struct DesiredDeployment {
  std::string name;  // "<md>-<hash>"
  std::string hash;
  std::int64_t revision = 0;
  std::string track;  // stable | canary | variant name | "previous" (old revisions kept for rollback)
  std::int64_t replicas = 0;
  api::ModelSpec model;  // what MODEL_NAME / MODEL_VERSION / MODEL_URI carry
};

struct Backend {
  std::string service;  // Service name the router sends to
  std::string track;
  std::int64_t weight = 0;
  std::vector<api::MatchRule> match;  // A/B: requests matching any rule go to this backend
};

struct DesiredService {
  std::string name;
  std::string track;         // "" for the all-tracks Service
  std::string selectorHash;  // "" for the all-tracks Service (selects modelops.dev/name only)
};

struct DesiredTraffic {
  std::vector<Backend> backends;  // weights sum to 100
  bool replicaRatio = false;      // no router: weights are carried by replica counts
  // The ModelDeployment's name: routers name the match rules/routes they add after it, so that they
  // find (and replace) only their own on the next edit.
  std::string owner;
};

struct PlannedEvent {
  EventType type = EventType::Normal;
  std::string reason;
  std::string message;
  bool operator==(const PlannedEvent&) const = default;
};

struct Plan {
  bool hold = false;  // invalid spec: change no child, write only status and events
  std::vector<DesiredDeployment> deployments;
  std::vector<std::string> deleteDeployments;
  std::vector<DesiredService> services;
  std::optional<DesiredTraffic> traffic;
  api::ModelDeploymentStatus status;
  std::vector<PlannedEvent> events;
  std::optional<std::chrono::milliseconds> requeueAfter;
  // Retraining: a run to start (applied before status), and, with rollout Automatic only, the model
  // version and uri to write into spec.model (the one spec write modelops makes).
  std::optional<RetrainingLaunch> retraining;
  std::optional<api::ModelSpec> automaticModel;
};

Plan plan(const PlanInput& input);

// What must be measured before planning now, if anything: the revision being analysed and, for the
// versus-stable comparison, the stable revision. nullopt: nothing is due.
// A/B test: `variants` has one request per variant still in the test (track = variant name; `stable` =
// the control variant for every other variant, so that maxDropVsStable compares with the control); the
// top-level fields repeat the first of them so a measurer that knows only single requests still
// measures something. Use measureEach() to measure all of them.
struct MeasurementRequest {
  std::string track;  // canary | stable (post-promotion monitoring) | a variant name
  std::int64_t revision = 0;
  std::string hash;
  std::string version;
  std::optional<api::TrackStatus> stable;  // compare with, when measuring a canary (or a variant)
  std::vector<MeasurementRequest> variants;  // A/B test: one per variant
  // Time since the analysis' counts start ({{analysis.elapsed}}): the step's start for a canary, the
  // variants' availability for an A/B test, the promotion for monitoring (re-anchored every
  // kMonitoringCountsPeriod). Not part of the measurement's identity.
  std::optional<std::chrono::milliseconds> sinceCountsStart;
  // Segments seen so far in this analysis, by metric (AnalysisProgress): the judge splits the segment
  // budget over at least this many. Not part of the measurement's identity.
  std::map<std::string, int> expectedSegments;
};
// Monitoring's counts start moves forward by this much at a time, so that its queries' range stays
// bounded over months (the change detector re-bases at each move: one look without evidence).
inline constexpr std::chrono::hours kMonitoringCountsPeriod{24 * 7};
std::optional<MeasurementRequest> measurementDue(const api::ModelDeployment& md, WallTime now);

// Measures `request` with `measureOne` (which handles a request without variants): once for a plain
// request, once per variant for an A/B request (the results go to Measurement::variants, each named).
Measurement measureEach(const MeasurementRequest& request,
                        const std::function<Measurement(const MeasurementRequest&)>& measureOne);

// Replica math (exposed for tests and the replica-ratio router).
// Replicas a canary needs to carry `weight` percent of `replicas`: ceil(replicas * weight / 100), at least 1
// when weight > 0, 0 when weight is 0.
std::int64_t canaryReplicasFor(std::int64_t replicas, std::int64_t weight);

}  // namespace modelops::rollout
