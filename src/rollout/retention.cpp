// Children other than the step logic decides: old revisions (kept scaled for a while after promotion —
// the previous stable and A/B losers —, kept at zero for rollback up to revisionHistoryLimit, deleted
// beyond it, scaled back up when post-promotion monitoring returns to the last good one), the Services,
// and traffic of the canary strategy (A/B traffic: abtest.cpp).
#include <algorithm>

#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

bool replicaRatio(const Pass& p) { return p.replicaRatio(); }

// When the newest promotion happened (the previous stable keeps its pods scaleDownDelaySeconds after it).
std::optional<WallTime> lastPromotion(const Pass& p) {
  for (const auto& h : p.st.history)
    if (h.outcome == api::outcome::kPromoted) return p.parseTime(h.at);
  return std::nullopt;
}

// An A/B loser: superseded by the promotion itself (its history entry is as new as the promotion), so it
// carried traffic until then and keeps its pods for the delay like the previous stable.
bool supersededAtPromotion(const Pass& p, const std::string& hash, const std::optional<WallTime>& promotedAt) {
  if (!promotedAt) return false;
  for (const auto& h : p.st.history)
    if (h.hash == hash)
      return h.outcome == api::outcome::kSuperseded && h.reason && h.reason->starts_with(kLostAbTest) &&
             p.parseTime(h.at) >= promotedAt;
  return false;
}

}  // namespace

void planOldRevisions(Pass& p) {
  std::string stableHash = p.st.stable ? p.st.stable->hash.value_or("") : "";
  std::string canaryHash = p.st.canary ? p.st.canary->hash.value_or("") : "";
  std::vector<const ObservedDeployment*> old;
  for (const auto& d : p.in.observed.deployments)
    if (d.hash != stableHash && d.hash != canaryHash && !p.liveHashes.count(d.hash)) old.push_back(&d);
  std::sort(old.begin(), old.end(), [](auto* a, auto* b) { return a->revision > b->revision; });

  auto limit = static_cast<std::size_t>(std::max<std::int64_t>(0, p.resolved.revisionHistoryLimit));
  auto delay = p.resolved.scaleDownDelay;
  auto promotedAt = lastPromotion(p);
  for (std::size_t i = 0; i < old.size(); ++i) {
    const auto& d = *old[i];
    if (d.hash == p.restoreHash) {  // post-promotion rollback: the last good revision comes back
      p.out.deployments.push_back({d.name, d.hash, d.revision, "previous", p.replicas, {}});
      continue;
    }
    bool previousStable = (p.st.lastGoodRevision && d.revision == *p.st.lastGoodRevision) ||
                          supersededAtPromotion(p, d.hash, promotedAt);
    // The previous stable keeps its pods for the delay even beyond revisionHistoryLimit (it is deleted
    // after it). Replica-ratio mode routes by pods, so there it cannot keep pods without keeping traffic.
    std::int64_t keep = 0;
    if (previousStable && promotedAt && !replicaRatio(p)) {
      auto left = *promotedAt + delay - p.in.now;
      if (left > std::chrono::milliseconds(0)) {
        keep = d.replicas;
        p.requeue(std::chrono::duration_cast<std::chrono::milliseconds>(left));
      }
    }
    if (i >= limit && keep == 0) {
      p.out.deleteDeployments.push_back(d.name);
      continue;
    }
    p.out.deployments.push_back({d.name, d.hash, d.revision, "previous", keep, {}});
  }
}

void planTraffic(Pass& p) {
  bool ratio = replicaRatio(p);
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

}  // namespace modelops::rollout::detail
