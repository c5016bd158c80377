// unit.rollout: the retraining planner (spec.retraining): each trigger (degradation, drift, schedule,
// manual), the single flight, the cooldown and retries of a failed run, the history bound, candidates
// and rollout Automatic versus Manual (the only case in which the plan writes spec).
#include <gtest/gtest.h>

#include <algorithm>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

nlohmann::json jobAction() {
  return {{"job",
           {{"template",
             {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "train"}, {"image", "trainer:1"}}}}}}}}}}}}}}};
}

// 1.0.0 then 2.0.0 promoted (no steps), monitoring on, retraining with a Job and a 1h cooldown.
World retrainWorld(nlohmann::json retraining = jobAction()) {
  World w;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.doc["spec"]["monitoring"] = {{"enabled", true}, {"interval", "1m"}};
  w.doc["spec"]["retraining"] = std::move(retraining);
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(seconds(31));
  w.settle();
  return w;
}

Measurement accuracyCounts(const std::string& hash, double successes, double trials) {
  Measurement m = verdicts(hash, VerdictPhase::Pass, "accuracy as measured");
  m.verdicts[0].value = successes / trials;
  m.verdicts[0].samples = trials;
  return m;
}

// Monitoring's change detector alarms on the second look (70% on 1,000 new labels).
void degradeStable(World& w) {
  const auto stable = *w.status.stable->hash;
  w.step(accuracyCounts(stable, 900, 1000));
  w.advance(minutes(1));
  w.step(accuracyCounts(stable, 1600, 2000));
}

std::string envOf(const RetrainingLaunch& launch, const std::string& name) {
  for (const auto& [k, v] : launch.env)
    if (k == name) return v;
  return "<absent>";
}

int countEvents(const World& w, const std::string& reason) {
  return static_cast<int>(std::count_if(w.events.begin(), w.events.end(),
                                        [&](const PlannedEvent& e) { return e.reason == reason; }));
}

TEST(Retraining, DegradationStartsOneJobWithTheEvidence) {
  auto w = retrainWorld();
  ASSERT_EQ(w.status.phase, "Healthy");
  EXPECT_FALSE(w.status.retraining) << "nothing recorded before a trigger";
  degradeStable(w);
  ASSERT_EQ(w.status.phase, "Degraded");
  ASSERT_TRUE(w.last.retraining);
  const auto& launch = *w.last.retraining;
  EXPECT_EQ(launch.kind, RetrainingActionKind::Job);
  EXPECT_EQ(launch.run.name, "fraud-retrain-1");
  EXPECT_EQ(envOf(launch, "MODELOPS_TRIGGER"), "Degraded");
  EXPECT_EQ(envOf(launch, "MODELOPS_VERSION"), "2.0.0") << "the degraded version, not the one rolled back to";
  EXPECT_EQ(envOf(launch, "MODELOPS_MODEL"), "fraud");
  EXPECT_EQ(envOf(launch, "MODELOPS_EVIDENCE_METRIC"), "accuracy");
  EXPECT_NE(envOf(launch, "MODELOPS_EVIDENCE_VALUE"), "");
  EXPECT_NE(envOf(launch, "MODELOPS_REASON"), "");
  ASSERT_TRUE(w.status.retraining && w.status.retraining->current);
  EXPECT_EQ(w.status.retraining->current->outcome, "Running");
  EXPECT_TRUE(w.hasEvent("RetrainingStarted"));
  // The run is in flight: later passes start nothing more.
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Running, ""};
  for (int i = 0; i < 5; ++i) {
    w.advance(minutes(1));
    w.step();
    EXPECT_FALSE(w.last.retraining);
  }
  EXPECT_EQ(countEvents(w, "RetrainingStarted"), 1);
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_LE(*w.last.requeueAfter, std::chrono::milliseconds(kRetrainingPollInterval));
}

TEST(Retraining, OnDegradedFalseStartsNothing) {
  auto spec = jobAction();
  spec["triggers"] = {{"onDegraded", false}};
  auto w = retrainWorld(spec);
  degradeStable(w);
  ASSERT_EQ(w.status.phase, "Degraded");
  EXPECT_FALSE(w.last.retraining);
  EXPECT_FALSE(w.hasEvent("RetrainingStarted"));
}

// A label-free (threshold) metric failing after promotion is drift: onDrift decides.
void addDriftMetric(World& w) {
  w.doc["spec"]["analysis"]["metrics"].push_back(
      {{"name", "drift"}, {"provider", {{"prometheus", {{"address", "http://prom:9090"}}}}}, {"query", "psi"},
       {"threshold", {{"max", 0.2}}}});
}

Measurement driftFailing(const std::string& hash) {
  Measurement m = accuracyCounts(hash, 950, 1000);
  analysis::Verdict drift;
  drift.metric = "drift";
  drift.phase = VerdictPhase::Fail;
  drift.value = 0.35;
  drift.reason = "drift 0.350 > 0.2";
  m.verdicts.push_back(drift);
  return m;
}

TEST(Retraining, DriftStartsARunOnlyWithOnDrift) {
  for (bool onDrift : {true, false}) {
    auto spec = jobAction();
    spec["triggers"] = {{"onDrift", onDrift}};
    World w;
    addDriftMetric(w);
    w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
    w.doc["spec"]["monitoring"] = {{"enabled", true}, {"interval", "1m"}};
    w.doc["spec"]["retraining"] = spec;
    w.settle();
    w.setVersion("2.0.0");
    w.settle();
    w.advance(seconds(31));
    w.settle();
    w.step(driftFailing(*w.status.stable->hash));
    ASSERT_EQ(w.status.phase, "Degraded") << onDrift;
    ASSERT_EQ(w.last.retraining.has_value(), onDrift);
    if (onDrift) {
      EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_TRIGGER"), "Drift");
      EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_EVIDENCE_METRIC"), "drift");
      EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_EVIDENCE_VALUE"), "0.35");
    }
  }
}

TEST(Retraining, ScheduleFiresAtTheCronTimeNotWhenFirstSeen) {
  auto spec = jobAction();
  spec["triggers"] = {{"onDegraded", false}, {"schedule", "0 * * * *"}};
  auto w = retrainWorld(spec);
  EXPECT_FALSE(w.hasEvent("RetrainingStarted")) << "seeing a schedule does not start a run";
  ASSERT_TRUE(w.status.retraining && w.status.retraining->lastScheduleTime);
  ASSERT_TRUE(w.last.requeueAfter);
  // The world's clock (1,800,000,000 s + 61 s) is 08:01:01 UTC: the next fire is 09:00.
  const auto untilFire = std::chrono::ceil<minutes>(hours(1) - std::chrono::duration_cast<seconds>(
                                                                   w.now.time_since_epoch() % hours(1)));
  w.advance(untilFire - minutes(1));
  w.step();
  EXPECT_FALSE(w.last.retraining);
  w.advance(minutes(1));
  w.step();
  ASSERT_TRUE(w.last.retraining);
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_TRIGGER"), "Schedule");
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_VERSION"), "2.0.0");
}

TEST(Retraining, ManualRequestSkipsTheCooldownButNotTheSingleFlight) {
  auto w = retrainWorld();
  w.request("retrain:fresh labels from the EU", "r1");
  w.step();
  ASSERT_TRUE(w.last.retraining);
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_TRIGGER"), "Manual");
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_REASON"), "fresh labels from the EU");
  EXPECT_EQ(w.status.lastHandledActionId, "r1");
  // In flight: a second request is refused and said so.
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Running, ""};
  w.request("retrain", "r2");
  w.step();
  EXPECT_FALSE(w.last.retraining);
  EXPECT_TRUE(w.hasEvent("RetrainingNotStarted"));
  // Finished: a request right away (inside the 1h cooldown) starts run 2.
  w.retrainingRun->state = RetrainingRunState::Succeeded;
  w.step();
  ASSERT_FALSE(w.status.retraining->current);
  w.request("retrain", "r3");
  w.step();
  ASSERT_TRUE(w.last.retraining);
  EXPECT_EQ(w.last.retraining->run.name, "fraud-retrain-2");
}

TEST(Retraining, TriggerDuringARunIsSkipped) {
  auto w = retrainWorld();
  w.request("retrain", "r1");
  w.step();
  ASSERT_TRUE(w.last.retraining);
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Running, ""};
  w.advance(minutes(1));
  degradeStable(w);
  ASSERT_EQ(w.status.phase, "Degraded");
  EXPECT_FALSE(w.last.retraining);
  EXPECT_TRUE(w.hasEvent("RetrainingSkipped"));
  EXPECT_FALSE(w.status.retraining->pending) << "the run in flight covers it";
}

TEST(Retraining, FailedRunIsRetriedOnlyAfterTheCooldownUpToMaxAttempts) {
  auto spec = jobAction();
  spec["cooldown"] = "10m";
  spec["maxAttempts"] = 2;
  auto w = retrainWorld(spec);
  degradeStable(w);
  ASSERT_TRUE(w.last.retraining);
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Failed, "BackoffLimitExceeded"};
  w.step();
  ASSERT_EQ(w.status.retraining->history.size(), 1u);
  EXPECT_EQ(w.status.retraining->history[0].outcome, "Failed");
  EXPECT_EQ(w.status.retraining->history[0].message, "BackoffLimitExceeded");
  EXPECT_TRUE(w.hasEvent("RetrainingFailed"));
  ASSERT_TRUE(w.status.retraining->pending);
  EXPECT_FALSE(w.last.retraining) << "not retried inside the cooldown";
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_LE(*w.last.requeueAfter, std::chrono::milliseconds(minutes(10)));
  w.advance(minutes(9));
  w.step();
  EXPECT_FALSE(w.last.retraining);
  w.advance(minutes(1));
  w.step();
  ASSERT_TRUE(w.last.retraining);
  EXPECT_EQ(w.last.retraining->run.name, "fraud-retrain-2");
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_ATTEMPT"), "2");
  EXPECT_EQ(envOf(*w.last.retraining, "MODELOPS_TRIGGER"), "Degraded");
  // The second failure is the last attempt: nothing waits any more.
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-2", RetrainingRunState::Failed, "OOMKilled"};
  w.step();
  EXPECT_FALSE(w.status.retraining->pending);
  w.advance(hours(2));
  w.step();
  EXPECT_FALSE(w.last.retraining);
  EXPECT_EQ(countEvents(w, "RetrainingStarted"), 2);
}

TEST(Retraining, HistoryIsBoundedNewestFirst) {
  auto spec = jobAction();
  spec["historyLimit"] = 2;
  auto w = retrainWorld(spec);
  for (int n = 1; n <= 3; ++n) {
    w.request("retrain", "r" + std::to_string(n));
    w.step();
    ASSERT_TRUE(w.last.retraining) << n;
    w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-" + std::to_string(n), RetrainingRunState::Succeeded, ""};
    w.step();
  }
  ASSERT_EQ(w.status.retraining->history.size(), 2u);
  EXPECT_EQ(w.status.retraining->history[0].name, "fraud-retrain-3");
  EXPECT_EQ(w.status.retraining->history[1].name, "fraud-retrain-2");
  EXPECT_EQ(w.status.retraining->runs, 3);
}

TEST(Retraining, ManualRolloutRecordsTheCandidateAndNeverWritesSpec) {
  auto w = retrainWorld();
  degradeStable(w);
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Succeeded,
                                          R"({"version": "2.1.0", "uri": "s3://m/2.1.0"})"};
  w.step();
  EXPECT_FALSE(w.last.automaticModel) << "Manual: the plan never writes spec";
  ASSERT_TRUE(w.status.retraining->candidate);
  EXPECT_EQ(w.status.retraining->candidate->version, "2.1.0");
  EXPECT_EQ(w.status.retraining->candidate->uri, "s3://m/2.1.0");
  EXPECT_EQ(w.status.retraining->history[0].candidate->version, "2.1.0");
  auto ready = std::find_if(w.events.begin(), w.events.end(), [](const PlannedEvent& e) { return e.reason == "CandidateReady"; });
  ASSERT_NE(ready, w.events.end());
  EXPECT_NE(ready->message.find(R"(kubectl patch modeldeployment fraud -n ml --type merge -p '{"spec":{"model":{"uri":"s3://m/2.1.0","version":"2.1.0"}}}')"),
            std::string::npos)
      << ready->message;
  EXPECT_TRUE(w.hasEvent("RetrainingFinished"));
}

TEST(Retraining, AutomaticRolloutSetsTheCandidateVersionOnce) {
  auto spec = jobAction();
  spec["rollout"] = "Automatic";
  auto w = retrainWorld(spec);
  degradeStable(w);
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Succeeded, R"({"version": "2.1.0"})"};
  w.step();
  ASSERT_TRUE(w.last.automaticModel);
  EXPECT_EQ(w.last.automaticModel->version, "2.1.0");
  EXPECT_EQ(w.last.automaticModel->uri, "s3://m/1.0.0") << "no uri reported: the spec's stays";
}

TEST(Retraining, UnusableCandidateIsSaidAndNotRecorded) {
  auto spec = jobAction();
  spec["rollout"] = "Automatic";
  auto w = retrainWorld(spec);
  w.request("retrain", "r1");
  w.step();
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Succeeded, R"({"version": "2 1"})"};
  w.step();
  EXPECT_FALSE(w.last.automaticModel);
  EXPECT_FALSE(w.status.retraining->candidate);
  EXPECT_EQ(w.status.retraining->history[0].outcome, "Succeeded");
  EXPECT_NE(w.status.retraining->history[0].message.value_or("").find("version: contains whitespace"), std::string::npos);
}

TEST(Retraining, MissingJobFailsOnlyAfterTheGrace) {
  auto w = retrainWorld();
  w.request("retrain", "r1");
  w.step();
  w.retrainingRun = ObservedRetrainingRun{"fraud-retrain-1", RetrainingRunState::Missing, ""};
  w.advance(seconds(30));
  w.step();
  EXPECT_TRUE(w.status.retraining->current) << "a cache may not show a fresh create yet";
  w.advance(kRetrainingMissingGrace);
  w.step();
  EXPECT_FALSE(w.status.retraining->current);
  EXPECT_EQ(w.status.retraining->history[0].outcome, "Failed");
}

TEST(Retraining, WebhookRunIsDispatchedAndNeverInFlight) {
  nlohmann::json spec = {{"webhook", {{"urlSecretRef", {{"name", "hook"}}}}}};
  auto w = retrainWorld(spec);
  degradeStable(w);
  ASSERT_TRUE(w.last.retraining);
  EXPECT_EQ(w.last.retraining->kind, RetrainingActionKind::Webhook);
  EXPECT_FALSE(w.status.retraining->current);
  ASSERT_EQ(w.status.retraining->history.size(), 1u);
  EXPECT_EQ(w.status.retraining->history[0].outcome, "Dispatched");
  // The cooldown (1h) holds the next trigger back.
  w.request("retry", "accept");
  w.step();
  w.advance(minutes(1));
  w.settle();
  EXPECT_EQ(countEvents(w, "RetrainingStarted"), 1);
}

TEST(Retraining, RetrainWithoutSpecIsReported) {
  World w;
  w.settle();
  w.request("retrain", "r1");
  w.step();
  EXPECT_TRUE(w.hasEvent("RetrainingNotConfigured"));
  EXPECT_FALSE(w.last.retraining);
  EXPECT_FALSE(w.status.retraining);
}

}  // namespace
}  // namespace modelops::rollout::testing
