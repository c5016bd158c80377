// Planner transitions, each driven through the simulated world: first deploy, every step kind,
// promote / promote-full / abort / retry / pause, analysis failure and progress deadline rollbacks,
// a new version mid-rollout, the spec returning to stable, invalid spec, idempotence.
#include <gtest/gtest.h>

#include "world.h"
#include "write_log.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::minutes;
using std::chrono::seconds;

// Deploys 1.0.0 and starts 2.0.0: after this the canary is at step 1 (weight 10) waiting on the pause.
World rolloutStarted() {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  return w;
}

TEST(Planner, FirstDeployGoesStraightToFullWeight) {
  World w;
  auto plan = w.step();
  ASSERT_TRUE(w.status.stable);
  EXPECT_EQ(w.status.stable->revision, 1);
  EXPECT_EQ(w.status.stable->version, "1.0.0");
  EXPECT_EQ(w.status.stable->weight, 100);
  EXPECT_FALSE(w.status.canary);
  ASSERT_EQ(w.observed.deployments.size(), 1u);
  EXPECT_EQ(w.observed.deployments[0].replicas, 4);
  EXPECT_EQ(w.observed.deployments[0].name, "fraud-" + *w.status.stable->hash);
  EXPECT_EQ(w.weightOf("stable"), 100);
  // The world made the pods available: the next pass sees them and calls it Healthy.
  w.step();
  EXPECT_EQ(w.status.phase, "Healthy");
  ASSERT_EQ(w.status.history.size(), 1u);
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
  EXPECT_EQ(w.status.observedGeneration, 1);
}

TEST(Planner, FirstDeployFailsAfterProgressDeadline) {
  World w;
  w.neverReady.insert(w.specHash());
  w.step();
  w.step();
  EXPECT_EQ(w.status.phase, "Progressing");
  ASSERT_TRUE(w.last.requeueAfter);
  w.advance(seconds(601));
  w.step();
  EXPECT_EQ(w.status.phase, "Failed");
  EXPECT_TRUE(w.hasEvent("ProgressDeadlineExceeded"));
}

TEST(Planner, SteadyStateIsIdempotent) {
  World w;
  w.settle();
  auto before = w.status;
  auto events = w.events.size();
  auto plan = w.step();
  EXPECT_EQ(w.status, before);
  EXPECT_EQ(w.events.size(), events) << "a no-op pass must not emit events";
  EXPECT_TRUE(plan.deleteDeployments.empty());
}

TEST(Planner, SetWeightScalesCanaryBeforeMovingTraffic) {
  World w;
  w.settle();
  auto stable = *w.status.stable->hash;
  w.setVersion("2.0.0");
  w.step();  // creates the canary; its pods are not available yet
  ASSERT_TRUE(w.status.canary);
  auto canary = *w.status.canary->hash;
  EXPECT_NE(canary, stable);
  EXPECT_EQ(w.status.canary->revision, 2);
  EXPECT_TRUE(w.hasEvent("RolloutStarted"));
  EXPECT_EQ(w.deployment(canary)->replicas, 1);  // ceil(4 * 10 / 100)
  EXPECT_EQ(w.status.canary->weight, 0) << "traffic moves only once the canary is available";
  EXPECT_EQ(w.weightOf("canary"), 0);
  w.step();  // the pod is available now
  EXPECT_EQ(w.status.canary->weight, 10);
  EXPECT_EQ(w.weightOf("canary"), 10);
  EXPECT_EQ(w.weightOf("stable"), 90);
  EXPECT_EQ(w.deployment(stable)->replicas, 4);  // stable keeps full capacity with a router
  EXPECT_EQ(w.status.currentStepIndex, 1);
  EXPECT_TRUE(w.hasEvent("WeightChanged"));
}

TEST(Planner, CanaryWaitsForReplicasAndKeepsWeightAtZero) {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.neverReady.insert(w.specHash());
  w.step();
  w.step();
  EXPECT_EQ(w.status.canary->weight, 0);
  EXPECT_EQ(w.weightOf("canary"), 0);
  EXPECT_EQ(w.deployment(w.status.canary->hash)->replicas, 1);
  EXPECT_NE(w.status.message->find("waiting for canary replicas (0/1 available)"), std::string::npos)
      << *w.status.message;
  // Past progressDeadlineSeconds: rolled back with the reason.
  w.advance(seconds(601));
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  ASSERT_FALSE(w.status.history.empty());
  EXPECT_EQ(w.status.history[0].outcome, "RolledBack");
  EXPECT_NE(w.status.history[0].reason->find("progressDeadlineSeconds"), std::string::npos);
  EXPECT_EQ(w.weightOf("canary"), 0);
}

TEST(Planner, ProgressDeadlineCountsFromTheExactStartNotTheSecond) {
  World w;
  w.now += std::chrono::milliseconds(900);  // a start late in its second: cut to the second it would end early
  w.settle();
  w.setVersion("2.0.0");
  w.neverReady.insert(w.specHash());
  w.step();
  w.advance(seconds(600) - std::chrono::milliseconds(200));
  w.step();
  EXPECT_EQ(w.status.phase, "Progressing") << *w.status.message;
  ASSERT_TRUE(w.status.canary);
  w.advance(std::chrono::milliseconds(200));
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
}

TEST(Planner, TimedPauseWaitsItsDurationWithRequeue) {
  auto w = rolloutStarted();
  EXPECT_EQ(w.status.currentStepIndex, 1);
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_EQ(w.last.requeueAfter->count(), 120000);
  EXPECT_NE(w.status.message->find("step 2/5: pause (2m left)"), std::string::npos) << *w.status.message;
  w.advance(seconds(119));
  w.step();
  EXPECT_EQ(w.status.currentStepIndex, 1);
  w.advance(seconds(1));
  w.step();
  EXPECT_EQ(w.status.currentStepIndex, 2);  // at the analysis step
  EXPECT_NE(w.status.message->find("step 3/5: analysis running"), std::string::npos) << *w.status.message;
}

World atAnalysis() {
  auto w = rolloutStarted();
  w.advance(minutes(2));
  w.settle();
  return w;
}

TEST(Planner, AnalysisPassAdvancesToNextWeightThenIndefinitePause) {
  auto w = atAnalysis();
  auto hash = *w.status.canary->hash;
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->track, "canary");
  EXPECT_EQ(due->hash, hash);
  ASSERT_TRUE(due->stable);
  w.step(verdicts(hash, VerdictPhase::Pass, "accuracy 0.95 >= 0.9"));
  EXPECT_TRUE(w.hasEvent("AnalysisPassed"));
  w.settle();  // the second canary pod becomes available, then weight 50
  EXPECT_EQ(w.status.canary->weight, 50);
  EXPECT_EQ(w.deployment(hash)->replicas, 2);
  EXPECT_EQ(w.status.currentStepIndex, 4);
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_NE(w.status.message->find("paused until promoted"), std::string::npos);
  // Paused waits indefinitely: no requeue, no change.
  w.advance(minutes(60));
  w.step();
  EXPECT_EQ(w.status.currentStepIndex, 4);
}

TEST(Planner, AnalysisRunningRequeuesAtTheIntervalAndIsNotDueBeforeIt) {
  auto w = atAnalysis();
  auto hash = *w.status.canary->hash;
  w.step(verdicts(hash, VerdictPhase::Inconclusive, "n=40 < minSamples 100"));
  EXPECT_EQ(w.status.phase, "Progressing");
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_EQ(w.last.requeueAfter->count(), 30000);
  EXPECT_FALSE(measurementDue(w.md(), w.now + seconds(10)));
  EXPECT_TRUE(measurementDue(w.md(), w.now + seconds(30)));
  ASSERT_TRUE(w.status.analysis);
  ASSERT_EQ(w.status.analysis->runs.size(), 1u);
  EXPECT_EQ(w.status.analysis->runs[0].phase, "Inconclusive");
  EXPECT_EQ(w.status.analysis->runs[0].samples, 812);
}

TEST(Planner, AnalysisFailureRollsBackTrafficFirstAndRecordsWhy) {
  auto w = atAnalysis();
  auto hash = *w.status.canary->hash;
  ASSERT_GT(w.deployment(hash)->replicas, 0);
  // The World applies a plan at once; the WriteLog replays it write by write in the reconciler's order.
  WriteLog writes;
  writes.startFrom(w.last);
  ASSERT_GT(w.weightOf("canary"), 0);
  auto before = w.observed;
  w.step(verdicts(hash, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9, n=812"));
  writes.replay(w.last, before);
  EXPECT_TRUE(writes.violations().empty()) << writes.violations()[0] << "\nwrites:\n" << writes.text();
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_FALSE(w.status.canary);
  EXPECT_EQ(w.weightOf("canary"), 0);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_EQ(w.deployment(hash)->replicas, 0);
  ASSERT_FALSE(w.status.history.empty());
  EXPECT_EQ(w.status.history[0].outcome, "RolledBack");
  EXPECT_EQ(w.status.history[0].version, "2.0.0");
  EXPECT_NE(w.status.history[0].reason->find("accuracy upper bound 0.85 < 0.9"), std::string::npos);
  EXPECT_TRUE(w.hasEvent("RolledBack"));
  // The spec still declares 2.0.0, but the operator does not retry it by itself.
  w.advance(minutes(10));
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_FALSE(w.status.canary);
  EXPECT_NE(w.status.message->find("kubectl modelops retry"), std::string::npos);
  // retry re-runs it from the first step.
  w.request("retry", "r1");
  w.step();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->hash, hash);
  EXPECT_EQ(w.status.lastHandledActionId, "r1");
  EXPECT_EQ(w.status.canary->revision, 3);
}

TEST(Planner, PromoteSkipsIndefinitePauseAndPromotionKeepsOldStableForDelay) {
  auto w = atAnalysis();
  auto canary = *w.status.canary->hash;
  auto stable = *w.status.stable->hash;
  w.step(verdicts(canary, VerdictPhase::Pass, "ok"));
  w.settle();
  ASSERT_EQ(w.status.phase, "Paused");
  w.request("promote", "p1");
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, canary);
  EXPECT_EQ(w.status.stable->revision, 2);
  EXPECT_EQ(w.status.stable->weight, 100);
  EXPECT_EQ(w.status.lastGoodRevision, 1);
  EXPECT_EQ(w.deployment(canary)->replicas, 4);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
  // Old stable keeps its pods for scaleDownDelaySeconds (30), then goes to zero.
  EXPECT_EQ(w.deployment(stable)->replicas, 4);
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_LE(w.last.requeueAfter->count(), 30000);
  w.advance(seconds(30));
  w.step();
  EXPECT_EQ(w.deployment(stable)->replicas, 0);
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(Planner, PromoteWhileCanaryScalesUpIsKeptForTheNextWaitingStep) {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  auto canary = w.specHash();
  w.neverReady.insert(canary);
  w.settle();
  ASSERT_EQ(w.status.currentStepIndex, 0);  // setWeight 10 waits for the canary's pods
  w.request("promote", "p1");
  w.step();
  ASSERT_TRUE(w.status.pendingAction);
  EXPECT_EQ(w.status.pendingAction->action, "promote");
  EXPECT_EQ(w.status.pendingAction->id, "p1");
  EXPECT_EQ(w.status.currentStepIndex, 0);
  w.step();  // the request id is handled; the promote stays pending
  ASSERT_TRUE(w.status.pendingAction);

  w.neverReady.erase(canary);
  w.step();  // pods reported available from here on
  w.settle();
  // setWeight 10 done, the 2m pause skipped by the kept promote (no time passed), now at the analysis step.
  EXPECT_EQ(w.status.currentStepIndex, 2);
  EXPECT_EQ(w.weightOf("canary"), 10);
  EXPECT_FALSE(w.status.pendingAction);
}

TEST(Planner, PendingPromoteIsDroppedWithItsCanary) {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.neverReady.insert(w.specHash());
  w.settle();
  w.request("promote", "p1");
  w.step();
  ASSERT_TRUE(w.status.pendingAction);
  w.setVersion("1.0.0");  // back to stable: the canary is abandoned and its promote with it
  w.settle();
  EXPECT_FALSE(w.status.canary);
  EXPECT_FALSE(w.status.pendingAction);
}

TEST(Planner, PromoteFullSkipsEveryRemainingStep) {
  auto w = rolloutStarted();
  auto canary = *w.status.canary->hash;
  w.request("promote-full", "pf");
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, canary);
  EXPECT_TRUE(w.hasEvent("PromoteFull"));
}

TEST(Planner, AbortRollsBackWithAbortedOutcome) {
  auto w = rolloutStarted();
  w.request("abort", "a1");
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_EQ(w.status.history[0].outcome, "Aborted");
  EXPECT_EQ(w.weightOf("canary"), 0);
  // The same request id is not handled twice.
  w.step();
  EXPECT_EQ(w.status.history.size(), 2u);
}

TEST(Planner, PauseAndResumeRequests) {
  auto w = rolloutStarted();
  w.request("pause", "x1");
  w.advance(minutes(5));
  w.step();
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_EQ(w.status.currentStepIndex, 1) << "a paused rollout does not advance";
  w.request("resume", "x2");
  w.step();
  EXPECT_NE(w.status.phase, "Paused");
}

TEST(Planner, NewVersionMidRolloutSupersedesTheCanary) {
  auto w = rolloutStarted();
  auto first = *w.status.canary->hash;
  w.setVersion("3.0.0");
  w.settle();
  ASSERT_TRUE(w.status.canary);
  EXPECT_NE(w.status.canary->hash, first);
  EXPECT_EQ(w.status.canary->version, "3.0.0");
  EXPECT_EQ(w.status.canary->revision, 3);
  EXPECT_EQ(w.status.history[0].outcome, "Superseded");
  EXPECT_EQ(w.deployment(first)->replicas, 0);
  EXPECT_TRUE(w.hasEvent("RolloutSuperseded"));
}

TEST(Planner, SpecBackToStableAbandonsTheCanary) {
  auto w = rolloutStarted();
  auto canary = *w.status.canary->hash;
  w.setVersion("1.0.0");
  w.step();
  EXPECT_FALSE(w.status.canary);
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.history[0].outcome, "Aborted");
  EXPECT_EQ(w.deployment(canary)->replicas, 0);
}

TEST(Planner, InconclusiveLimitPausesWithTheReason) {
  auto w = atAnalysis();
  auto hash = *w.status.canary->hash;
  // inconclusiveLimit defaults to 10: the 11th inconclusive pauses.
  for (int i = 0; i < 11; ++i) {
    w.advance(seconds(30));
    w.step(verdicts(hash, VerdictPhase::Inconclusive, "n=40 < minSamples 100"));
  }
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_NE(w.status.message->find("analysis inconclusive"), std::string::npos) << *w.status.message;
  EXPECT_TRUE(w.hasEvent("AnalysisInconclusive"));
  // promote continues past the analysis step.
  w.request("promote", "p2");
  w.settle();
  EXPECT_EQ(w.status.currentStepIndex, 4);
}

TEST(Planner, InvalidSpecHoldsEverythingAndSaysWhere) {
  World w;
  w.settle();
  auto deployments = w.observed.deployments;
  w.doc["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 150;
  w.setVersion("2.0.0");
  auto plan = w.step();
  EXPECT_TRUE(plan.hold);
  EXPECT_EQ(w.status.phase, "Invalid");
  EXPECT_NE(w.status.message->find("spec.strategy.canary.steps[0].setWeight"), std::string::npos)
      << *w.status.message;
  EXPECT_TRUE(w.hasEvent("InvalidSpec"));
  EXPECT_EQ(w.observed.deployments.size(), deployments.size());
  EXPECT_EQ(w.observed.deployments[0].replicas, deployments[0].replicas);
  // Repeating the pass does not repeat the Event.
  auto events = w.events.size();
  w.step();
  EXPECT_EQ(w.events.size(), events);
}

TEST(Planner, ReplicaRatioModeCarriesWeightInPodsAndShowsTheApproximation) {
  World w;
  w.doc["spec"]["strategy"]["canary"].erase("trafficRouting");
  w.settle();
  auto stable = *w.status.stable->hash;
  w.setVersion("2.0.0");
  w.settle();
  auto canary = *w.status.canary->hash;
  EXPECT_TRUE(w.last.traffic->replicaRatio);
  EXPECT_EQ(w.deployment(canary)->replicas, 1);
  EXPECT_EQ(w.deployment(stable)->replicas, 3);
  EXPECT_NE(w.status.message->find("weight 10% approximated by 1/4 pods (25%)"), std::string::npos)
      << *w.status.message;
}

TEST(Planner, OldRevisionsBeyondHistoryLimitAreDeleted) {
  World w;
  w.doc["spec"]["revisionHistoryLimit"] = 1;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.settle();
  std::vector<std::string> hashes{*w.status.stable->hash};
  for (const char* v : {"2.0.0", "3.0.0", "4.0.0"}) {
    w.setVersion(v);
    w.settle();  // straight to promotion: no steps
    hashes.push_back(*w.status.stable->hash);
    w.advance(seconds(31));
    w.settle();
  }
  // Live: 4.0.0; kept at zero: 3.0.0 (the limit is 1); deleted: 1.0.0 and 2.0.0.
  EXPECT_TRUE(w.deployment(hashes[3]));
  ASSERT_TRUE(w.deployment(hashes[2]));
  EXPECT_EQ(w.deployment(hashes[2])->replicas, 0);
  EXPECT_FALSE(w.deployment(hashes[1]));
  EXPECT_FALSE(w.deployment(hashes[0]));
}

TEST(Planner, HistoryLimitZeroStillKeepsThePreviousStableForTheDelay) {
  World w;
  w.doc["spec"]["revisionHistoryLimit"] = 0;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.settle();
  const auto old = *w.status.stable->hash;
  w.setVersion("2.0.0");
  w.settle();  // straight to promotion: no steps
  ASSERT_NE(*w.status.stable->hash, old);
  ASSERT_TRUE(w.deployment(old)) << "deleted at promotion, before scaleDownDelaySeconds";
  EXPECT_EQ(w.deployment(old)->replicas, 4);
  ASSERT_TRUE(w.last.requeueAfter);
  w.advance(seconds(30));
  w.step();
  EXPECT_FALSE(w.deployment(old));
}

TEST(ReplicaMath, CanaryReplicasForWeight) {
  struct Case {
    std::int64_t replicas, weight, expected;
  } cases[] = {
      {4, 0, 0},  {4, 10, 1},  {4, 25, 1},  {4, 26, 2}, {4, 50, 2},  {4, 100, 4}, {1, 1, 1},
      {1, 99, 1}, {0, 50, 0},  {3, 33, 1},  {3, 34, 2}, {5, 50, 3},  {7, 10, 1},  {10, 10, 1},
  };
  for (const auto& c : cases)
    EXPECT_EQ(canaryReplicasFor(c.replicas, c.weight), c.expected) << c.replicas << " x " << c.weight << "%";
}

}  // namespace
}  // namespace modelops::rollout::testing
