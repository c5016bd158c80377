// The planner acts on the value a spec writes for each defaulted field, not on a default of its own (it
// reads them through Pass::resolved): a progress deadline, automatic rollback off, the revision history
// limit and the scale-down delay, each set away from its default and checked in a rollout.
#include <gtest/gtest.h>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(SpecValues, ProgressDeadlineOfTheSpec) {
  World w;
  w.doc["spec"]["progressDeadlineSeconds"] = 60;
  w.settle();
  w.setVersion("2.0.0");
  w.neverReady.insert(w.specHash());
  w.step();
  w.advance(seconds(59));
  w.step();
  ASSERT_TRUE(w.status.canary) << "still within the 60 s deadline";
  w.advance(seconds(2));
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  ASSERT_FALSE(w.status.history.empty());
  EXPECT_NE(w.status.history[0].reason->find("progressDeadlineSeconds (60s)"), std::string::npos)
      << *w.status.history[0].reason;
}

TEST(SpecValues, AutomaticRollbackOffHoldsTheCanary) {
  World w;
  w.doc["spec"]["rollback"] = {{"automatic", false}};
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(minutes(2));  // past the pause: at the analysis step
  w.settle();
  ASSERT_TRUE(w.status.canary);
  w.step(verdicts(*w.status.canary->hash, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_TRUE(w.status.canary) << "no automatic rollback: the canary keeps its weight until a human decides";
  EXPECT_EQ(w.weightOf("canary"), 10);
}

TEST(SpecValues, RevisionHistoryLimitAndScaleDownDelayOfTheSpec) {
  World w;
  w.doc["spec"]["revisionHistoryLimit"] = 1;
  w.doc["spec"]["strategy"]["canary"]["scaleDownDelaySeconds"] = 300;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.settle();
  auto first = w.specHash();
  w.setVersion("2.0.0");
  w.settle();
  auto second = w.specHash();
  ASSERT_EQ(w.status.stable->hash, second);
  // The previous stable keeps its pods for the spec's 300 s (not the default 30 s).
  w.advance(seconds(60));
  w.settle();
  ASSERT_TRUE(w.deployment(first));
  EXPECT_EQ(w.deployment(first)->replicas, 4);
  w.advance(seconds(241));
  w.settle();
  ASSERT_TRUE(w.deployment(first));
  EXPECT_EQ(w.deployment(first)->replicas, 0);
  // One old revision is kept (limit 1, not the default 5): a third release deletes the first.
  w.setVersion("3.0.0");
  w.settle();
  w.advance(seconds(301));
  w.settle();
  EXPECT_FALSE(w.deployment(first));
  ASSERT_TRUE(w.deployment(second));
  EXPECT_EQ(w.deployment(second)->replicas, 0);
}

}  // namespace
}  // namespace modelops::rollout::testing
