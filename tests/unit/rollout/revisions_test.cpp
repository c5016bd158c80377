// Revision numbers: a status write lost after a Deployment was created (the operator stopped in
// between) does not make a second number for the same start; undo (a spec change back to an earlier
// version) rolls that version out again as a new revision, reusing its kept Deployment.
#include <gtest/gtest.h>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

using std::chrono::seconds;

std::int64_t desiredRevision(const Plan& plan, const std::string& hash) {
  for (const auto& d : plan.deployments)
    if (d.hash == hash) return d.revision;
  return -1;
}

std::size_t countEvents(const World& w, const std::string& reason) {
  return static_cast<std::size_t>(
      std::count_if(w.events.begin(), w.events.end(), [&](const PlannedEvent& e) { return e.reason == reason; }));
}

TEST(Revisions, StatusLostAfterCreatingTheCanaryKeepsItsNumber) {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  const auto before = w.status;
  w.step();  // the canary Deployment is created with revision 2 ...
  ASSERT_TRUE(w.status.canary);
  const auto hash = *w.status.canary->hash;
  EXPECT_EQ(w.status.canary->revision, 2);
  ASSERT_EQ(w.deployment(hash)->revision, 2);
  w.status = before;  // ... but the status write never happened
  w.events.clear();
  w.step();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->revision, 2);
  EXPECT_EQ(desiredRevision(w.last, hash), 2);
  EXPECT_EQ(countEvents(w, "RolloutStarted"), 1u);
  w.request("promote-full", "pf");
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->revision, 2);
  EXPECT_EQ(w.status.history[0].revision, 2);
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
}

TEST(Revisions, StatusLostAfterTheFirstDeployKeepsRevisionOne) {
  World w;
  w.step();
  ASSERT_EQ(w.observed.deployments.size(), 1u);
  w.status = {};
  w.settle();
  ASSERT_TRUE(w.status.stable);
  EXPECT_EQ(w.status.stable->revision, 1);
  EXPECT_EQ(w.observed.deployments.size(), 1u);
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(Revisions, AnOlderLabelIsNotReusedForANewStart) {
  // Rolled back revision 2 keeps its Deployment (label 2, recorded in history): retry is revision 3.
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  const auto hash = *w.status.canary->hash;
  w.request("abort", "a1");
  w.step();
  ASSERT_EQ(w.status.phase, "RolledBack");
  ASSERT_TRUE(w.deployment(hash));
  w.request("retry", "r1");
  w.step();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->revision, 3);
  EXPECT_EQ(desiredRevision(w.last, hash), 3);  // the reconciler relabels the kept Deployment
}

TEST(Revisions, UndoRollsTheEarlierVersionOutAgainAsANewRevision) {
  World w;
  w.settle();
  const auto first = *w.status.stable->hash;
  w.setVersion("2.0.0");
  w.settle();
  w.request("promote-full", "pf");
  w.settle();
  ASSERT_EQ(w.status.stable->revision, 2);
  w.advance(seconds(30));  // scaleDownDelaySeconds: the previous stable goes to 0 but is kept
  w.step();
  ASSERT_EQ(w.deployment(first)->replicas, 0);

  // `kubectl modelops undo` writes spec.model back to revision 1's version (the one spec change).
  w.setVersion("1.0.0");
  w.settle();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->hash, first);
  EXPECT_EQ(w.status.canary->revision, 3);
  EXPECT_EQ(w.status.canary->version, "1.0.0");
  EXPECT_EQ(w.status.currentStepIndex, 1) << "through the normal steps, not straight to 100%";
  EXPECT_EQ(w.status.canary->weight, 10);
  EXPECT_EQ(w.deployment(first)->replicas, 1);
  EXPECT_EQ(w.deployment(first)->track, "canary");
  EXPECT_EQ(w.observed.deployments.size(), 2u) << "its kept Deployment is reused";
  w.request("promote-full", "pf2");
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, first);
  EXPECT_EQ(w.status.stable->revision, 3);
  EXPECT_EQ(w.status.lastGoodRevision, 2);
  EXPECT_EQ(w.status.history[0].revision, 3);
  EXPECT_EQ(w.status.history[0].version, "1.0.0");
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
}

}  // namespace
}  // namespace modelops::rollout::testing
