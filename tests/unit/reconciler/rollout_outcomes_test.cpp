// RolloutOutcomes: each new history entry counts once under its outcome; entries already in the old
// history (a no-op pass, a restarted operator, pruning) do not; forget() drops a ModelDeployment's series.
#include <gtest/gtest.h>

#include "modelops/reconciler/rollout_outcomes.h"
#include "modelops/runtime/metrics.h"

namespace modelops::reconciler {
namespace {

api::HistoryEntry entry(std::int64_t revision, const char* outcome, const char* at) {
  api::HistoryEntry h;
  h.revision = revision;
  h.outcome = outcome;
  h.at = at;
  return h;
}

TEST(RolloutOutcomes, CountsOnlyEntriesAPassAdded) {
  runtime::MetricsRegistry registry;
  auto outcomes = makeRolloutOutcomes(registry);
  auto first = entry(1, "Promoted", "2026-11-25T10:00:00Z");
  auto rollback = entry(2, "RolledBack", "2026-11-25T10:05:00Z");
  outcomes->countNew("ml", "fraud", {}, {first});
  outcomes->countNew("ml", "fraud", {first}, {first});  // a no-op pass
  outcomes->countNew("ml", "fraud", {first}, {rollback, first});
  outcomes->countNew("ml", "fraud", {rollback, first}, {rollback});  // pruning removes, adds nothing
  auto text = registry.render();
  EXPECT_NE(text.find("modelops_rollout_outcomes_total{name=\"fraud\",namespace=\"ml\",outcome=\"Promoted\"} 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("modelops_rollout_outcomes_total{name=\"fraud\",namespace=\"ml\",outcome=\"RolledBack\"} 1"),
            std::string::npos) << text;

  // The same revision rolled back again later is a new entry (another time): counted again.
  auto again = entry(2, "RolledBack", "2026-11-25T11:00:00Z");
  outcomes->countNew("ml", "fraud", {rollback}, {again, rollback});
  text = registry.render();
  EXPECT_NE(text.find("outcome=\"RolledBack\"} 2"), std::string::npos) << text;
}

TEST(RolloutOutcomes, ForgetDropsOnlyThatModelDeployment) {
  runtime::MetricsRegistry registry;
  auto outcomes = makeRolloutOutcomes(registry);
  outcomes->countNew("ml", "fraud", {}, {entry(1, "Promoted", "2026-11-25T10:00:00Z")});
  outcomes->countNew("ml", "recs", {}, {entry(1, "Promoted", "2026-11-25T10:00:00Z")});
  outcomes->forget("ml", "fraud");
  auto text = registry.render();
  EXPECT_EQ(text.find("name=\"fraud\""), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"recs\""), std::string::npos) << text;
}

}  // namespace
}  // namespace modelops::reconciler
