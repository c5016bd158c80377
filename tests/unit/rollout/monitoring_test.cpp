// Post-promotion monitoring through the simulated world: an accuracy metric is judged by the change
// detector on counts since monitoring started (an alarm degrades at once); a failure degrades it and
// (onDegraded Rollback) returns traffic to the last good revision
// once that is available again, without re-rolling the declared version until `retry`; Alert mode only
// says so; without a last good revision the phase says that too.
#include <gtest/gtest.h>

#include "modelops/api/change_detection.h"
#include "modelops/api/defaults.h"
#include "modelops/common/time.h"
#include "modelops/api/validation.h"
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

// A measurement of the accuracy metric with counts since monitoring started (the judge's value is
// successes / trials on whole counts).
Measurement countsSinceStart(const std::string& hash, double successes, double trials) {
  Measurement m = verdicts(hash, VerdictPhase::Pass, "accuracy as measured");
  m.verdicts[0].value = successes / trials;
  m.verdicts[0].samples = trials;
  return m;
}

// The base reading, then a second look whose 1,000 new labels are 70% correct: far past the threshold.
void dropSharply(World& w, const std::string& stable) {
  w.step(countsSinceStart(stable, 900, 1000));
  w.advance(minutes(1));
  w.step(countsSinceStart(stable, 1600, 2000));
}

TEST(Monitoring, PassingVerdictsKeepHealthyAndRequeueAtTheInterval) {
  auto w = promotedTwice();
  ASSERT_EQ(w.status.phase, "Healthy");
  auto stable = *w.status.stable->hash;
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  EXPECT_EQ(due->track, "stable");
  EXPECT_EQ(due->hash, stable);
  w.step(countsSinceStart(stable, 950, 1000));  // the base reading: no evidence yet
  EXPECT_EQ(w.status.phase, "Healthy");
  w.advance(minutes(1));
  w.step(countsSinceStart(stable, 1900, 2000));  // 0.95 on the new labels: no drop
  EXPECT_EQ(w.status.phase, "Healthy");
  ASSERT_TRUE(condition(w, "AccuracyHealthy"));
  EXPECT_EQ(condition(w, "AccuracyHealthy")->status, "True");
  ASSERT_TRUE(w.status.analysis);
  ASSERT_EQ(w.status.analysis->runs.size(), 1u);
  EXPECT_NE(w.status.analysis->runs[0].message.value_or("").find("no drop detected"), std::string::npos);
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_EQ(w.last.requeueAfter->count(), 60000);
  EXPECT_FALSE(measurementDue(w.md(), w.now + seconds(30)));
  EXPECT_TRUE(measurementDue(w.md(), w.now + seconds(60)));
  // A pass is not terminal: a later drop still counts.
  w.advance(minutes(1));
  w.step(countsSinceStart(stable, 2600, 3000));
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
  dropSharply(w, degraded);
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_TRUE(w.hasEvent("Degraded"));
  EXPECT_EQ(w.status.history[0].outcome, "Degraded");
  EXPECT_EQ(w.status.history[0].hash, degraded);
  EXPECT_NE(w.status.history[0].reason->find("accuracy dropped: accuracy CUSUM"), std::string::npos)
      << *w.status.history[0].reason;
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
  dropSharply(w, stable);
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
  dropSharply(w, stable);
  EXPECT_EQ(w.status.phase, "Degraded");
  EXPECT_NE(w.status.message->find("no last good revision"), std::string::npos) << *w.status.message;
  EXPECT_EQ(w.weightOf("stable"), 100);
  w.settle();
  EXPECT_EQ(w.status.phase, "Degraded");
}

// The case: a failing window every few looks used to add up to "degraded" for a model above
// `min`; the detector judges only new labels, so a judge's Fail on a window means nothing here.
TEST(Monitoring, AWindowsFailingVerdictIsNotDegradationWhileTheNewLabelsAreHealthy) {
  auto w = promotedTwice();
  w.doc["spec"]["analysis"]["metrics"][0]["failureLimit"] = 0;
  auto stable = *w.status.stable->hash;
  double successes = 0, trials = 0;
  for (int look = 0; look < 50; ++look) {
    successes += 91, trials += 100;  // a model at min + 1 point
    Measurement m = countsSinceStart(stable, successes, trials);
    m.verdicts[0].phase = VerdictPhase::Fail;  // what the judge said does not decide monitoring
    w.step(m);
    ASSERT_EQ(w.status.phase, "Healthy") << "look " << look << ": " << w.status.message.value_or("");
    w.advance(minutes(1));
  }
  auto detection = api::changeDetectionOf(*w.status.analysis);
  ASSERT_EQ(detection.count("accuracy"), 1u);
  EXPECT_EQ(detection["accuracy"].labels, 4900);  // everything after the base reading, once
  EXPECT_EQ(detection["accuracy"].trials, 5000);
}

// A spec that still counts over a fixed window is judged, and the run says why it should change.
TEST(Monitoring, AFixedWindowIsNamedInTheRunsMessage) {
  auto w = promotedTwice();
  w.doc["spec"]["analysis"]["metrics"][0]["successes"] = "sum(increase(correct[1h]))";
  auto stable = *w.status.stable->hash;
  w.step(countsSinceStart(stable, 900, 1000));
  ASSERT_TRUE(w.status.analysis);
  const auto message = w.status.analysis->runs.at(0).message.value_or("");
  EXPECT_NE(message.find("the counts use the fixed range [1h]: change detection needs counts since the start"),
            std::string::npos)
      << message;
}

// Evidence accumulates across looks (each look alone is far from the threshold), failureLimit does not
// delay the alarm, and a shorter declared expected time to a false alarm alarms sooner.
TEST(Monitoring, SmallDropsAddUpAndTheDeclaredFalseAlarmTimeSetsTheThreshold) {
  auto looksToDegrade = [](const nlohmann::json& monitoringExtra) {
    auto w = promotedTwice();
    w.doc["spec"]["analysis"]["metrics"][0]["failureLimit"] = 5;
    for (const auto& [k, v] : monitoringExtra.items()) w.doc["spec"]["monitoring"][k] = v;
    auto stable = *w.status.stable->hash;
    double successes = 900, trials = 1000;
    w.step(countsSinceStart(stable, successes, trials));
    for (int look = 1; look <= 20; ++look) {
      w.advance(minutes(1));
      successes += 80, trials += 100;  // 0.80 on the new labels: LLR about +4.3 per look
      w.step(countsSinceStart(stable, successes, trials));
      if (w.status.phase == "Degraded") return look;
    }
    return -1;
  };
  // Default one year at 1m looks: h = ln(2 * 525,600) = 13.9, crossed at the fourth look.
  EXPECT_EQ(looksToDegrade(nlohmann::json::object()), 4);
  // 24h: h = ln(2 * 1,440) = 8.0, crossed at the second.
  EXPECT_EQ(looksToDegrade({{"expectedTimeToFalseAlarm", "24h"}}), 2);
}

// A restarted server or a reset counter makes counts since the start go backwards: the detector re-bases
// (no evidence that look), keeps its statistic, and an outage (Error) changes nothing.
TEST(Monitoring, CountsGoingBackwardsRebaseAndErrorsLeaveTheDetectorAlone) {
  auto w = promotedTwice();
  auto stable = *w.status.stable->hash;
  w.step(countsSinceStart(stable, 900, 1000));
  w.advance(minutes(1));
  w.step(countsSinceStart(stable, 980, 1100));  // 0.80 on 100 new labels
  const double before = api::changeDetectionOf(*w.status.analysis)["accuracy"].statistic;
  EXPECT_GT(before, 4.0);
  w.advance(minutes(1));
  w.step(verdicts(stable, VerdictPhase::Error, "connection refused"));
  EXPECT_EQ(api::changeDetectionOf(*w.status.analysis)["accuracy"].statistic, before);
  w.advance(minutes(1));
  w.step(countsSinceStart(stable, 40, 50));  // went backwards
  auto after = api::changeDetectionOf(*w.status.analysis)["accuracy"];
  EXPECT_EQ(after.statistic, before);
  EXPECT_EQ(after.trials, 50);
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_NE(w.status.analysis->runs[0].message.value_or("").find("re-based"), std::string::npos);
}

// {{analysis.elapsed}} during monitoring counts from the promotion, moved forward every 7 days so the
// query's range stays bounded; during a canary analysis it counts from the step's start.
TEST(Monitoring, CountsStartAtThePromotionMovedForwardWeekly) {
  auto w = promotedTwice();
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  ASSERT_TRUE(due->sinceCountsStart);
  const auto first = *due->sinceCountsStart;
  EXPECT_GE(first, std::chrono::milliseconds(0));
  EXPECT_LT(first, std::chrono::minutes(5)) << "promoted moments ago";
  w.advance(std::chrono::hours(24 * 8));
  due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due && due->sinceCountsStart);
  EXPECT_EQ(*due->sinceCountsStart, first + std::chrono::hours(24)) << "re-anchored after 7 days";
}

TEST(Monitoring, ACanaryAnalysisCountsFromItsStepsStart) {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(minutes(2));
  w.settle();
  ASSERT_EQ(w.status.currentStepIndex, 2);
  w.advance(seconds(45));
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  ASSERT_TRUE(due->sinceCountsStart);
  auto started = parseRfc3339(*w.status.stepStartedAt);
  ASSERT_TRUE(started);
  EXPECT_EQ(*due->sinceCountsStart, std::chrono::duration_cast<std::chrono::milliseconds>(w.now - *started));
}

TEST(Monitoring, ExpectedTimeToFalseAlarmIsValidated) {
  World w;
  w.doc["spec"]["monitoring"] = {{"enabled", true}, {"expectedTimeToFalseAlarm", "1h"}};
  auto errors = api::validate(w.md());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.monitoring.expectedTimeToFalseAlarm");
  w.doc["spec"]["monitoring"]["expectedTimeToFalseAlarm"] = "a year";
  errors = api::validate(w.md());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("not a duration"), std::string::npos);
  w.doc["spec"]["monitoring"]["expectedTimeToFalseAlarm"] = "17520h";
  EXPECT_TRUE(api::validate(w.md()).empty());
  EXPECT_EQ(api::resolve(w.md().spec).monitoring.expectedTimeToFalseAlarm, std::chrono::hours(17520));
  w.doc["spec"]["monitoring"].erase("expectedTimeToFalseAlarm");
  EXPECT_EQ(api::resolve(w.md().spec).monitoring.expectedTimeToFalseAlarm, std::chrono::hours(24 * 365));
}

}  // namespace
}  // namespace modelops::rollout::testing
