// A tiny simulated cluster for planner tests: applies each Plan to the observed Deployments the way
// the reconciler and the API server would (replicas become available at once unless held back), keeps
// the status, and moves an injected clock. No I/O.
#pragma once

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/revision.h"
#include "modelops/api/validation.h"
#include "modelops/rollout/planner.h"

namespace modelops::rollout::testing {

inline nlohmann::json baseSpec() {
  return nlohmann::json::parse(R"({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml", "generation": 1, "uid": "u1"},
    "spec": {
      "replicas": 4,
      "model": {"version": "1.0.0", "uri": "s3://m/1.0.0"},
      "template": {"spec": {"containers": [{"name": "server", "image": "srv:1"}]}},
      "strategy": {"canary": {"steps": [
        {"setWeight": 10}, {"pause": {"duration": "2m"}}, {"analysis": {}}, {"setWeight": 50}, {"pause": {}}],
        "trafficRouting": {"gatewayAPI": {"httpRoute": "fraud"}}}},
      "analysis": {"interval": "30s", "metrics": [{"name": "accuracy",
        "provider": {"prometheus": {"address": "http://prom:9090"}},
        "successes": "s", "trials": "t", "accuracy": {"min": 0.9}}]}
    }})");
}

struct World {
  nlohmann::json doc = baseSpec();
  api::ModelDeploymentStatus status;
  Observed observed;
  WallTime now = WallTime(std::chrono::seconds(1'800'000'000));
  std::set<std::string> neverReady;  // hashes whose pods never become available
  std::vector<PlannedEvent> events;
  Plan last;
  std::optional<ObservedRetrainingRun> retrainingRun;  // what the reconciler would observe of a run in flight

  api::ModelDeployment md() const {
    auto parsed = api::decodeModelDeployment(doc);
    auto m = parsed.value();
    api::applyDefaults(m);
    m.status = status;
    return m;
  }

  Plan step(std::optional<Measurement> measurement = std::nullopt) {
    PlanInput in{md(), {}, observed, std::move(measurement), now};
    in.invalid = api::validate(in.md);
    in.retrainingRun = retrainingRun;
    last = plan(in);
    status = last.status;
    events.insert(events.end(), last.events.begin(), last.events.end());
    if (last.hold) return last;
    for (const auto& d : last.deployments) {
      auto it = std::find_if(observed.deployments.begin(), observed.deployments.end(),
                             [&](const ObservedDeployment& o) { return o.hash == d.hash; });
      if (it == observed.deployments.end()) {
        observed.deployments.push_back({d.name, d.hash, d.revision, d.track, 0, 0});
        it = std::prev(observed.deployments.end());
      }
      it->replicas = d.replicas;
      it->track = d.track;
      it->availableReplicas = neverReady.count(d.hash) ? 0 : d.replicas;
    }
    for (const auto& name : last.deleteDeployments)
      std::erase_if(observed.deployments, [&](const ObservedDeployment& o) { return o.name == name; });
    return last;
  }

  // Steps until a pass changes nothing (bounded): pods created by one pass are seen by the next.
  void settle() {
    for (int i = 0; i < 10; ++i) {
      auto before = status;
      auto replicasBefore = observed.deployments.size();
      step();
      if (status == before && observed.deployments.size() == replicasBefore) return;
    }
  }
  std::string specHash() const;

  void advance(std::chrono::milliseconds d) { now += d; }
  void setVersion(const std::string& v) {
    doc["spec"]["model"]["version"] = v;
    doc["metadata"]["generation"] = doc["metadata"]["generation"].get<int>() + 1;
  }
  void request(const std::string& action, const std::string& id) {
    doc["metadata"]["annotations"]["modelops.dev/action"] = action;
    doc["metadata"]["annotations"]["modelops.dev/action-id"] = id;
  }

  const ObservedDeployment* deployment(const std::optional<std::string>& hash) const {
    return hash ? observed.find(*hash) : nullptr;
  }
  std::int64_t weightOf(const std::string& track) const {
    for (const auto& b : last.traffic->backends)
      if (b.track == track) return b.weight;
    return -1;
  }
  bool hasEvent(const std::string& reason) const {
    return std::any_of(events.begin(), events.end(), [&](const PlannedEvent& e) { return e.reason == reason; });
  }
};

inline std::string World::specHash() const { return api::computeRevisionHash(md().spec); }

inline Measurement verdicts(const std::string& hash, analysis::VerdictPhase phase, const std::string& reason) {
  analysis::Verdict v;
  v.metric = "accuracy";
  v.phase = phase;
  v.value = 0.9;
  v.lowerBound = 0.88;
  v.upperBound = 0.92;
  v.samples = 812;
  v.reason = reason;
  return Measurement{hash, {v}, "", {}};
}

}  // namespace modelops::rollout::testing
