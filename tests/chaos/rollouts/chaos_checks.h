// Invariant checks of the chaos suite, as pure functions over what the suite recorded: every version of
// the ModelDeployments and routing objects seen by its watches (ordered by the dev server's global
// resourceVersion counter), the final objects, and RSS samples of the operator processes. Each returns
// human-readable violations (empty: the invariant held).
// Thread-safety: stateless.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::chaos {

using Json = nlohmann::json;

// One version of an object as a watch delivered it (or as a relist returned it).
struct Recorded {
  std::int64_t resourceVersion = 0;  // the dev server's counter is global and increasing
  std::string name;
  Json object;
};

// Weight of the backend named `backend` in a routing object: an HTTPRoute (the first rule not named
// modelops-match-*) or a VirtualService (http route named `vsRoute`); nullopt when absent.
std::optional<std::int64_t> backendWeight(const Json& route, const std::string& backend, const std::string& vsRoute = "primary");

// "version/outcome/hash" of a status.history[] entry; entries are identified by what they record, not by
// their position.
std::string historyKey(const Json& entry);

// History entries seen in any recorded version of the ModelDeployment but absent from `finalStatus`,
// unless the final history is at its limit (`historyLimit` entries, oldest dropped first).
std::vector<std::string> lostHistory(const std::vector<Recorded>& mdVersions, const Json& finalStatus,
                                     std::size_t historyLimit = 20);

// Entries of the final history recorded twice (same version, outcome and hash).
std::vector<std::string> duplicateHistory(const Json& finalStatus);

// The resourceVersion of the first recorded ModelDeployment version whose history holds a RolledBack
// or Aborted entry for `version`; nullopt when none was seen.
std::optional<std::int64_t> failureRecordedAt(const std::vector<Recorded>& mdVersions, const std::string& version);

// Routing-object versions written after `failureRv` in which `backend` carries a weight above 0 or a weight
// higher than in the previous version: a revision whose failure was recorded must never gain traffic.
std::vector<std::string> weightRaisedAfter(const std::vector<Recorded>& routeVersions, const std::string& backend,
                                           std::int64_t failureRv);

// RSS samples (KiB) of one operator process, in time order.
struct RssSample {
  double seconds = 0;  // since the start of the run
  int pid = 0;
  std::int64_t kib = 0;
};

// Memory is "flat" when
//  (1) the RSS of the process running at the end, after every rollout settled, is at most
//      baseline * (1 + relMargin) + absMarginKiB, where baseline is the RSS of the first process once the
//      initial ModelDeployments were all Healthy (the same objects, before the faults and rollouts), and
//  (2) no sample of any process exceeds that same bound plus the baseline once more (a process that grows
//      without bound during the run, even if it is killed later, is caught here).
struct MemoryVerdict {
  std::int64_t baselineKiB = 0, finalKiB = 0, peakKiB = 0, boundKiB = 0, peakBoundKiB = 0;
  std::vector<std::string> violations;
};
MemoryVerdict memoryFlat(const std::vector<RssSample>& samples, std::int64_t baselineKiB, std::int64_t finalKiB,
                         double relMargin, std::int64_t absMarginKiB);

}  // namespace modelops::chaos
