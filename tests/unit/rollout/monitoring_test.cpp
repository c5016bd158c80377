// Post-promotion monitoring through the simulated world: verdicts of the stable revision fold across
// intervals; a failure degrades it and (onDegraded Rollback) returns traffic to the last good revision
// once that is available again, without re-rolling the declared version until `retry`; Alert mode only
// says so; without a last good revision the phase says that too.
#include <gtest/gtest.h>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::minutes;
using std::chrono::seconds;

const api::Condition* condition(const World& w, const std::string& type) {
  for (const auto& c : w.status.conditions)
    if (c.type == type) return &c;
  return nullptr;
}

// 1.0.0 then 2.0.0 promoted straight away (no steps), monitoring on; the old revision at zero.
World promotedTwice(const std::string& onDegraded = "Rollback") {
  World w;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.doc["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", onDegraded}, {"interval", "1m"}};
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(seconds(31));
  w.settle();
  return w;
}

TEST(Monitoring, PassingVerdictsKeepHealthyAndRequeueAtTheInterval) {
  auto w = promotedTwice();
  ASSERT_EQ(w.status.phase, "Healthy");
  auto stable = *w.status.stable->hash;
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->track, "stable");
  EXPECT_EQ(due->hash, stable);
  w.step(verdicts(stable, VerdictPhase::Pass, "accuracy 0.95 >= 0.9"));
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(condition(w, "AccuracyHealthy")->status, "True");
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_EQ(w.last.requeueAfter->count(), 60000);
  EXPECT_FALSE(measurementDue(w.md(), w.now + seconds(30)));
  EXPECT_TRUE(measurementDue(w.md(), w.now + seconds(60)));
  // A pass is not terminal: a later failure still counts.
  w.advance(minutes(1));
  w.step(verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Degraded");
}

TEST(Monitoring, FailuresAccumulateAcrossIntervalsUpToTheLimit) {
  auto w = promotedTwice();
  w.doc["spec"]["analysis"]["metrics"][0]["failureLimit"] = 1;
  auto stable = *w.status.stable->hash;
  w.step(verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Healthy") << "one failure is within failureLimit 1";
  ASSERT_TRUE(w.status.analysis);
  EXPECT_EQ(w.status.analysis->failures, 1);
  w.advance(minutes(1));
  w.step(verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Degraded");
}

TEST(Monitoring, DegradedStableReturnsToTheLastGoodRevision) {
  auto w = promotedTwice();
  auto degraded = *w.status.stable->hash;
  ASSERT_EQ(w.status.lastGoodRevision, 1);
  std::string good;
  for (const auto& d : w.observed.deployments)
    if (d.revision == 1) good = d.hash;
  ASSERT_EQ(w.deployment(good)->replicas, 0) << "kept at zero for rollback";
  w.neverReady.insert(good);  // hold the old pods back to see the order
  w.step(verdicts(degraded, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9, n=812"));
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_TRUE(w.hasEvent("Degraded"));
  EXPECT_EQ(w.status.history[0].outcome, "Degraded");
  EXPECT_EQ(w.status.history[0].hash, degraded);
  EXPECT_NE(w.status.history[0].reason->find("accuracy upper bound 0.85 < 0.9"), std::string::npos);
  EXPECT_EQ(condition(w, "AccuracyHealthy")->status, "False");
  // The last good revision is scaled back up; traffic stays until it is available.
  EXPECT_EQ(w.deployment(good)->replicas, 4);
  EXPECT_EQ(w.status.stable->hash, degraded);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_NE(w.status.message->find("waiting for its replicas (0/4"), std::string::npos) << *w.status.message;
  EXPECT_FALSE(measurementDue(w.md(), w.now + minutes(5))) << "no monitoring while degraded";
  w.neverReady.clear();
  w.step();  // pods available now
  w.step();
  EXPECT_EQ(w.status.stable->hash, good);
  EXPECT_EQ(w.status.stable->version, "1.0.0");
  EXPECT_EQ(w.status.stable->revision, 1);
  EXPECT_EQ(w.status.stable->weight, 100);
  EXPECT_TRUE(w.hasEvent("RolledBackToLastGood"));
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_EQ(w.deployment(degraded)->replicas, 0);
  // The spec still declares 2.0.0: it is not rolled out again by itself.
  w.advance(minutes(10));
  w.settle();
  EXPECT_FALSE(w.status.canary);
  EXPECT_EQ(w.status.stable->hash, good);
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_NE(w.status.message->find("kubectl modelops retry"), std::string::npos) << *w.status.message;
  // retry re-runs it as a new revision.
  w.request("retry", "r1");
  w.step();
  ASSERT_TRUE(w.status.canary || w.status.stable->hash == degraded);
  w.settle();
  EXPECT_EQ(w.status.stable->hash, degraded);
  EXPECT_EQ(w.status.stable->revision, 3);
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(Monitoring, AlertModeKeepsTrafficAndSaysSo) {
  auto w = promotedTwice("Alert");
  auto stable = *w.status.stable->hash;
  std::string old;
  for (const auto& d : w.observed.deployments)
    if (d.revision == 1) old = d.hash;
  w.step(verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_TRUE(w.hasEvent("Degraded"));
  EXPECT_EQ(condition(w, "AccuracyHealthy")->status, "False");
  EXPECT_NE(w.status.message->find("Alert"), std::string::npos) << *w.status.message;
  w.settle();
  EXPECT_EQ(w.status.stable->hash, stable);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_EQ(w.deployment(old)->replicas, 0);
  EXPECT_EQ(w.status.phase, "Degraded") << "stays degraded";
  // retry accepts it again: Healthy, and monitoring resumes.
  w.request("retry", "r1");
  w.step();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_TRUE(measurementDue(w.md(), w.now));
}

TEST(Monitoring, WithoutALastGoodRevisionDegradedSaysSo) {
  World w;
  w.doc["spec"]["monitoring"] = {{"enabled", true}};
  w.settle();
  auto stable = *w.status.stable->hash;
  w.step(verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9"));
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_NE(w.status.message->find("no last good revision"), std::string::npos) << *w.status.message;
  EXPECT_EQ(w.weightOf("stable"), 100);
  w.settle();
  EXPECT_EQ(w.status.phase, "Degraded");
}

}  // namespace
}  // namespace modelops::rollout::testing
