// Traffic and the children that carry it, from what the step logic decided: the live tracks'
// Deployments, the Services, the backends and weights the router writes, and the weights in status.
// planTraffic for the canary strategy (stable + canary), planAbTraffic for an A/B test (one backend per
// variant, the stable revision taking the share of variants not yet available).
// Pure: everything goes into the Pass. Thread-safety: one Pass per call.
#include <algorithm>

#include "abtest.h"
#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {

void planTraffic(Pass& p) {
  bool ratio = p.replicaRatio();
  std::string stableHash = p.st.stable->hash.value_or("");
  std::string canaryHash = p.st.canary ? p.st.canary->hash.value_or("") : "";
  auto weight = std::clamp<std::int64_t>(p.canaryWeight, 0, 100);

  if (ratio && weight > 0 && !canaryHash.empty()) {
    // Pods carry the traffic: shrink stable only by canary pods that are already available.
    auto carrying = std::min(p.available(canaryHash), canaryReplicasFor(p.replicas, weight));
    // Stable keeps one pod while it keeps some weight (never more pods than the spec asks for).
    p.stableReplicas = std::max<std::int64_t>(weight < 100 && p.replicas > 0 ? 1 : 0, p.replicas - carrying);
    std::int64_t total = p.stableReplicas + std::max<std::int64_t>(p.canaryReplicas, 0);
    if (total > 0 && p.st.message) {
      auto effective = (100 * p.canaryReplicas + total / 2) / total;
      *p.st.message += " [replica ratio: weight " + std::to_string(weight) + "% approximated by " +
                       std::to_string(p.canaryReplicas) + "/" + std::to_string(total) + " pods (" +
                       std::to_string(effective) + "%)]";
    }
  }

  api::ModelSpec model = p.spec.model;
  auto specHash = api::computeRevisionHash(p.spec);
  auto modelFor = [&](const std::string& hash) { return hash == specHash ? model : api::ModelSpec{}; };
  p.out.deployments.push_back({p.deploymentName(stableHash), stableHash, p.st.stable->revision.value_or(0),
                               std::string(api::kTrackStable), p.stableReplicas, modelFor(stableHash)});
  if (!canaryHash.empty())
    p.out.deployments.push_back({p.deploymentName(canaryHash), canaryHash, p.st.canary->revision.value_or(0),
                                 std::string(api::kTrackCanary), p.canaryReplicas, modelFor(canaryHash)});

  p.out.services = {{p.name, "", ""},
                    {p.name + "-stable", std::string(api::kTrackStable), stableHash},
                    {p.name + "-canary", std::string(api::kTrackCanary), canaryHash.empty() ? stableHash : canaryHash}};
  DesiredTraffic traffic;
  traffic.replicaRatio = ratio;
  traffic.owner = p.name;
  traffic.backends = {{p.name + "-stable", std::string(api::kTrackStable), 100 - weight, {}},
                      {p.name + "-canary", std::string(api::kTrackCanary), weight, {}}};
  p.out.traffic = traffic;
  p.st.stable->weight = canaryHash.empty() ? 100 : 100 - weight;
  if (p.st.canary) p.st.canary->weight = weight;
}

void planAbTraffic(Pass& p, std::vector<Arm>& arms, const Arm* winner) {
  const bool ratio = p.replicaRatio();
  const std::string sh = p.stableHash();
  std::int64_t carried = 0;
  for (auto& a : arms) {
    auto share = a.failed ? 0 : canaryReplicasFor(p.replicas, a.weight);
    a.replicas = share;
    a.ready = share > 0 && p.available(a.hash) >= share;
    a.carried = a.ready ? a.weight : 0;
    carried += a.carried;
  }
  // The share of variants not (yet) carrying traffic goes to the stable revision, else the first ready one.
  std::int64_t leftover = 100 - carried;
  Arm* stableArm = nullptr;
  for (auto& a : arms)
    if (!sh.empty() && a.hash == sh && !stableArm) stableArm = &a;
  std::int64_t stableWeight = 0;
  if (stableArm) {
    stableArm->carried += leftover;
  } else if (p.st.stable) {
    stableWeight = leftover;
  } else {
    auto it = std::find_if(arms.begin(), arms.end(), [](const Arm& a) { return a.ready; });
    (it == arms.end() ? arms.front() : *it).carried += leftover;
  }
  // With a router the stable revision keeps full capacity (traffic can return to it at once); without
  // one, pods carry the traffic, so every Deployment is sized to the weight it carries.
  for (auto& a : arms) {
    if (stableArm == &a) a.replicas = ratio ? std::max(a.replicas, canaryReplicasFor(p.replicas, a.carried)) : p.replicas;
    if (winner && winner->hash == a.hash) a.replicas = p.replicas;
  }
  std::vector<std::string> seen;
  for (const auto& a : arms) {
    if (std::find(seen.begin(), seen.end(), a.hash) != seen.end()) continue;  // two variants, one revision
    seen.push_back(a.hash);
    p.out.deployments.push_back({p.deploymentName(a.hash), a.hash, a.revision, a.name, a.replicas, a.model});
    p.liveHashes.insert(a.hash);
  }
  DesiredTraffic traffic;
  traffic.replicaRatio = ratio;
  traffic.owner = p.name;
  p.out.services = {{p.name, "", ""}};
  if (p.st.stable && !stableArm) {
    auto replicas = ratio ? canaryReplicasFor(p.replicas, stableWeight) : p.replicas;
    api::ModelSpec model = sh == api::computeRevisionHash(p.spec) ? p.spec.model : api::ModelSpec{};
    p.out.deployments.push_back({p.deploymentName(sh), sh, p.st.stable->revision.value_or(0),
                                 std::string(api::kTrackStable), replicas, model});
    p.out.services.push_back({p.name + "-stable", std::string(api::kTrackStable), sh});
    traffic.backends.push_back({p.name + "-stable", std::string(api::kTrackStable), stableWeight, {}});
    p.st.stable->weight = stableWeight;
  }
  p.st.variants.clear();
  for (const auto& a : arms) {
    p.out.services.push_back({p.name + "-" + a.name, a.name, a.hash});
    traffic.backends.push_back({p.name + "-" + a.name, a.name, a.carried, a.ready ? a.match : std::vector<api::MatchRule>{}});
    p.st.variants.push_back({a.name, a.revision, a.model.version, a.hash, a.carried, api::Json::object()});
    if (stableArm == &a) p.st.stable->weight = a.carried;
  }
  p.out.traffic = traffic;
}

}  // namespace modelops::rollout::detail
