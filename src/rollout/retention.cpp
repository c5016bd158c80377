// Old revisions, which the step logic does not decide: kept scaled for a while after promotion (the
// previous stable and A/B losers), kept at zero for rollback up to revisionHistoryLimit, deleted beyond
// it, scaled back up when post-promotion monitoring returns to the last good one. (Traffic, Services and
// the live tracks' Deployments: traffic.cpp.)
#include <algorithm>

#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

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
    if (previousStable && promotedAt && !p.replicaRatio()) {
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

}  // namespace modelops::rollout::detail
