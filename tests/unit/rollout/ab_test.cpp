// A/B test strategy through the simulated world: variants with their Deployments, Services and
// backends (match rules only once a variant carries traffic), per-variant measurements, winner
// selection after the duration (Auto, no confident winner, Manual + promote:<variant>), losers
// scaled down after the delay, failures taking a variant out; and the winner rule on its own.
#include <gtest/gtest.h>

#include "../../../src/rollout/abtest.h"
#include "world.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 1.0.0 is stable (canary strategy); then the spec switches to an A/B test of control (1.0.0, the
// stable revision) against treatment (2.0.0, pinned by header X-Variant: treatment).
World abWorld(const std::string& selection = "Auto") {
  World w;
  w.settle();
  w.doc["spec"]["strategy"] = nlohmann::json::parse(R"({"abTest": {
    "variants": [
      {"name": "control", "weight": 50},
      {"name": "treatment", "weight": 50, "model": {"version": "2.0.0", "uri": "s3://m/2.0.0"},
       "match": [{"header": {"name": "X-Variant", "value": "treatment"}}]}],
    "trafficRouting": {"gatewayAPI": {"httpRoute": "fraud"}},
    "duration": "1h"}})");
  w.doc["spec"]["strategy"]["abTest"]["winnerSelection"] = selection;
  w.doc["metadata"]["generation"] = 2;
  return w;
}

const Backend* backend(const World& w, const std::string& track) {
  for (const auto& b : w.last.traffic->backends)
    if (b.track == track) return &b;
  return nullptr;
}

const DesiredService* service(const World& w, const std::string& name) {
  for (const auto& s : w.last.services)
    if (s.name == name) return &s;
  return nullptr;
}

analysis::Verdict accuracy(VerdictPhase phase, double value, double lower, double upper) {
  analysis::Verdict v;
  v.metric = "accuracy";
  v.phase = phase;
  v.value = value;
  v.lowerBound = lower;
  v.upperBound = upper;
  v.samples = 2000;
  v.reason = "accuracy " + std::to_string(value);
  return v;
}

// A measurement of both variants, as measureEach() assembles it.
Measurement both(const World& w, const analysis::Verdict& control, const analysis::Verdict& treatment) {
  Measurement m;
  for (const auto& v : w.status.variants)
    m.variants.push_back({*v.hash, {*v.name == "control" ? control : treatment}, *v.name, {}});
  return m;
}

std::string hashOf(const World& w, const std::string& variant) {
  for (const auto& v : w.status.variants)
    if (v.name == variant) return *v.hash;
  return "";
}

TEST(AbTest, VariantsGetDeploymentsServicesAndMatchRulesOnceAvailable) {
  auto w = abWorld();
  auto stable = *w.status.stable->hash;
  w.step();
  ASSERT_EQ(w.status.variants.size(), 2u);
  EXPECT_TRUE(w.hasEvent("AbTestStarted"));
  EXPECT_TRUE(w.status.rolloutStartedAt);
  EXPECT_EQ(w.status.variants[0].hash, stable) << "control serves the stable revision";
  auto treatment = hashOf(w, "treatment");
  EXPECT_NE(treatment, stable);
  EXPECT_EQ(w.status.variants[1].version, "2.0.0");
  EXPECT_EQ(w.status.variants[1].revision, 2);
  // Created at its share (ceil(4 * 50%) = 2); no traffic and no match rule until available.
  EXPECT_EQ(w.deployment(treatment)->replicas, 2);
  EXPECT_EQ(w.deployment(treatment)->track, "treatment");
  EXPECT_EQ(w.status.variants[1].weight, 0);
  EXPECT_EQ(w.weightOf("control"), 100);
  EXPECT_TRUE(backend(w, "treatment")->match.empty());
  ASSERT_TRUE(service(w, "fraud-treatment"));
  EXPECT_EQ(service(w, "fraud-treatment")->selectorHash, treatment);
  EXPECT_EQ(service(w, "fraud-control")->selectorHash, stable);
  EXPECT_EQ(w.status.phase, "Progressing");
  EXPECT_NE(w.status.message->find("waiting for replicas: 0/2"), std::string::npos) << *w.status.message;

  w.step();  // the treatment pods are available now
  EXPECT_EQ(w.weightOf("control"), 50);
  EXPECT_EQ(w.weightOf("treatment"), 50);
  ASSERT_EQ(backend(w, "treatment")->match.size(), 1u);
  EXPECT_EQ(backend(w, "treatment")->match[0].header->name, "X-Variant");
  EXPECT_EQ(backend(w, "treatment")->service, "fraud-treatment");
  EXPECT_TRUE(w.last.traffic->owner == "fraud");
  EXPECT_EQ(w.status.variants[1].weight, 50);
  EXPECT_EQ(w.deployment(stable)->replicas, 4) << "with a router the stable revision keeps full capacity";
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_NE(w.status.message->find("A/B test (1h left)"), std::string::npos) << *w.status.message;
  // Idempotent once settled.
  auto before = w.status;
  auto events = w.events.size();
  w.step();
  EXPECT_EQ(w.status, before);
  EXPECT_EQ(w.events.size(), events);
}

TEST(AbTest, VariantCreatedBeforeALostStatusWriteKeepsItsRevision) {
  auto w = abWorld();
  const auto before = w.status;
  w.step();  // the treatment Deployment is created as revision 2 ...
  const auto treatment = hashOf(w, "treatment");
  ASSERT_EQ(w.deployment(treatment)->revision, 2);
  w.status = before;  // ... and the status write never happened
  w.step();
  ASSERT_EQ(w.status.variants.size(), 2u);
  EXPECT_EQ(w.status.variants[1].hash, treatment);
  EXPECT_EQ(w.status.variants[1].revision, 2);
  EXPECT_EQ(w.status.variants[0].revision, 1) << "control keeps the stable's number";
}

TEST(AbTest, MeasurementIsRequestedPerVariantAgainstTheControl) {
  auto w = abWorld();
  w.settle();
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->variants.size(), 2u);
  EXPECT_EQ(due->variants[0].track, "control");
  EXPECT_FALSE(due->variants[0].stable);
  EXPECT_EQ(due->variants[1].track, "treatment");
  EXPECT_EQ(due->variants[1].version, "2.0.0");
  ASSERT_TRUE(due->variants[1].stable);
  EXPECT_EQ(due->variants[1].stable->hash, hashOf(w, "control"));
  // measureEach measures every variant and names the results.
  int calls = 0;
  auto m = measureEach(*due, [&](const MeasurementRequest& r) {
    ++calls;
    return Measurement{r.hash, {accuracy(VerdictPhase::Pass, 0.9, 0.89, 0.91)}, "", {}};
  });
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(m.variants.size(), 2u);
  EXPECT_EQ(m.variants[1].variant, "treatment");
  w.step(m);
  ASSERT_TRUE(w.status.analysis);
  ASSERT_EQ(w.status.analysis->runs.size(), 2u);
  EXPECT_EQ(w.status.analysis->runs[1].metric, "treatment/accuracy");
  EXPECT_FALSE(measurementDue(w.md(), w.now + seconds(10))) << "not before the interval";
  EXPECT_TRUE(measurementDue(w.md(), w.now + seconds(30)));
  EXPECT_FALSE(measurementDue(w.md(), w.now + hours(2))) << "not after the duration";
}

TEST(AbTest, AutoPromotesTheConfidentlyBetterVariantAfterTheDuration) {
  auto w = abWorld();
  auto control = *w.status.stable->hash;
  w.settle();
  auto treatment = hashOf(w, "treatment");
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  w.advance(minutes(30));
  w.step();
  EXPECT_FALSE(w.status.canary) << "no decision before the duration";
  w.advance(minutes(30));
  w.step();
  EXPECT_TRUE(w.hasEvent("WinnerSelected"));
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->hash, treatment);
  EXPECT_EQ(w.deployment(treatment)->replicas, 4) << "the winner is scaled up before it takes all traffic";
  EXPECT_EQ(w.weightOf("treatment"), 50);
  w.step();  // all 4 winner pods available: promoted
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, treatment);
  EXPECT_EQ(w.status.stable->weight, 100);
  EXPECT_EQ(w.status.stable->version, "2.0.0");
  EXPECT_TRUE(w.status.variants.empty());
  EXPECT_FALSE(w.status.canary);
  EXPECT_EQ(w.status.lastGoodRevision, 1);
  EXPECT_EQ(w.weightOf("stable"), 100);
  ASSERT_GE(w.status.history.size(), 2u);
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
  EXPECT_NE(w.status.history[0].reason->find("treatment 0.950 [0.940, 0.960]"), std::string::npos)
      << *w.status.history[0].reason;
  EXPECT_NE(w.status.history[0].reason->find("treatment lower bound 0.940 > control upper bound 0.910"),
            std::string::npos);
  EXPECT_EQ(w.status.history[1].outcome, "Superseded");
  EXPECT_EQ(w.status.history[1].hash, control);
  EXPECT_TRUE(w.hasEvent("Promoted"));
  // The loser keeps its pods for scaleDownDelaySeconds, then goes to zero; the test is not run again.
  EXPECT_EQ(w.deployment(control)->replicas, 4);
  w.advance(seconds(30));
  w.settle();
  EXPECT_EQ(w.deployment(control)->replicas, 0);
  EXPECT_TRUE(w.status.variants.empty());
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, treatment);
}

TEST(AbTest, WinnerIsFoundFromTheRunsWhenTheServerPrunedTheProgress) {
  auto w = abWorld();
  w.settle();
  auto treatment = hashOf(w, "treatment");
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  ASSERT_TRUE(w.status.analysis);
  w.status.analysis->progressByVariant.reset();  // what a pruning API server gives back
  w.advance(std::chrono::hours(1));
  w.settle();
  EXPECT_EQ(w.status.stable->hash, treatment);
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(AbTest, NoConfidentWinnerHoldsForAHumanWhoPromotesAVariant) {
  auto w = abWorld();
  auto control = *w.status.stable->hash;
  w.settle();
  auto treatment = hashOf(w, "treatment");
  // Overlapping bounds: treatment looks better but not confidently.
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.920, 0.905, 0.935), accuracy(VerdictPhase::Pass, 0.930, 0.915, 0.945)));
  w.advance(hours(1));
  w.step();
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_FALSE(w.status.canary);
  EXPECT_NE(w.status.message->find("kubectl modelops promote fraud --variant V"), std::string::npos)
      << *w.status.message;
  EXPECT_NE(w.status.message->find("not confidently better"), std::string::npos) << *w.status.message;
  EXPECT_TRUE(w.hasEvent("AbTestNeedsDecision"));
  EXPECT_EQ(w.weightOf("treatment"), 50) << "the split holds while a human decides";
  auto events = w.events.size();
  w.advance(hours(5));
  w.step();
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_EQ(w.events.size(), events) << "holding does not repeat the event";
  // A plain promote names no variant: rejected with the way to do it.
  w.request("promote", "p0");
  w.step();
  EXPECT_TRUE(w.hasEvent("PromoteRejected"));
  EXPECT_EQ(w.status.phase, "Paused");
  // The human keeps the control.
  w.request("promote:control", "p1");
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, control);
  EXPECT_EQ(w.status.history[0].outcome, "Promoted");
  EXPECT_NE(w.status.history[0].reason->find("promoted by request"), std::string::npos);
  EXPECT_EQ(w.status.history[1].outcome, "Superseded");
  EXPECT_EQ(w.status.history[1].hash, treatment);
  EXPECT_EQ(w.status.lastGoodRevision, std::nullopt) << "the stable revision did not change";
  w.advance(seconds(30));
  w.settle();
  EXPECT_EQ(w.deployment(treatment)->replicas, 0);
  EXPECT_TRUE(w.status.variants.empty());
}

TEST(AbTest, ManualSelectionWaitsForPromoteVariant) {
  auto w = abWorld("Manual");
  w.settle();
  auto treatment = hashOf(w, "treatment");
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  w.advance(hours(1));
  w.step();
  EXPECT_EQ(w.status.phase, "Paused") << "Manual never promotes by itself, however clear the result";
  EXPECT_NE(w.status.message->find("winnerSelection is Manual"), std::string::npos) << *w.status.message;
  w.request("promote:nosuch", "m0");
  w.step();
  EXPECT_TRUE(w.hasEvent("PromoteRejected"));
  w.request("promote:treatment", "m1");
  w.step();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->hash, treatment);
  w.settle();
  EXPECT_EQ(w.status.stable->hash, treatment);
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.lastHandledActionId, "m1");
}

TEST(AbTest, FailedVariantAnalysisTakesItOutAndEndsTheTest) {
  auto w = abWorld();
  auto control = *w.status.stable->hash;
  w.settle();
  auto treatment = hashOf(w, "treatment");
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.92, 0.91, 0.93), accuracy(VerdictPhase::Fail, 0.80, 0.78, 0.82)));
  EXPECT_TRUE(w.hasEvent("VariantRolledBack"));
  EXPECT_TRUE(w.hasEvent("AbTestFailed"));
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_TRUE(w.status.variants.empty());
  EXPECT_EQ(w.status.stable->hash, control);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_EQ(w.deployment(treatment)->replicas, 0);
  EXPECT_EQ(w.status.history[0].outcome, "RolledBack");
  EXPECT_EQ(w.status.history[0].hash, treatment);
  // The spec still declares the test; it is not run again by itself, retry runs it.
  w.advance(minutes(5));
  w.settle();
  EXPECT_TRUE(w.status.variants.empty());
  EXPECT_NE(w.status.message->find("kubectl modelops retry"), std::string::npos) << *w.status.message;
  w.request("retry", "r1");
  w.step();
  EXPECT_EQ(w.status.variants.size(), 2u);
}

TEST(AbTest, VariantNeverAvailableIsRolledBackAfterTheDeadline) {
  auto w = abWorld();
  auto md = w.md();
  auto treatment = api::computeVariantHash(md.spec, md.spec.strategy->abTest->variants[1]);
  w.neverReady.insert(treatment);
  w.step();
  EXPECT_EQ(hashOf(w, "treatment"), treatment);
  w.step();
  EXPECT_EQ(w.weightOf("treatment"), 0);
  EXPECT_EQ(w.weightOf("control"), 100);
  w.advance(seconds(601));
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_NE(w.status.history[0].reason->find("progressDeadlineSeconds"), std::string::npos);
}

// A measurement of one variant, as measureEach() assembles it for a request naming only that variant.
Measurement only(const World& w, const std::string& variant, const analysis::Verdict& verdict) {
  Measurement m;
  for (const auto& v : w.status.variants)
    if (*v.name == variant) m.variants.push_back({*v.hash, {verdict}, *v.name, {}});
  return m;
}

// A provider that did not answer: an error verdict, no value.
analysis::Verdict unanswered() {
  analysis::Verdict v;
  v.metric = "accuracy";
  v.phase = VerdictPhase::Error;
  v.reason = "prometheus: connection refused";
  return v;
}

// abWorld with a 4-minute test (analysis interval 30 s, progressDeadlineSeconds 600).
World shortAbWorld() {
  auto w = abWorld();
  w.doc["spec"]["strategy"]["abTest"]["duration"] = "4m";
  return w;
}

std::string treatmentHash(const World& w) {
  auto md = w.md();
  return api::computeVariantHash(md.spec, md.spec.strategy->abTest->variants[1]);
}

TEST(AbTest, DurationCountsFromWhenEveryVariantIsAvailable) {
  auto w = shortAbWorld();
  const auto treatment = treatmentHash(w);
  w.neverReady.insert(treatment);
  w.step();
  const auto started = w.now;
  w.advance(minutes(5));  // longer than the duration, within progressDeadlineSeconds
  w.step();
  EXPECT_FALSE(w.status.variantsAvailableAt) << "the clock has not started";
  EXPECT_EQ(w.status.phase, "Progressing");
  EXPECT_FALSE(w.status.canary);
  EXPECT_NE(w.status.message->find("waiting for every variant's replicas; the 4m counts from then"), std::string::npos)
      << *w.status.message;
  w.neverReady.erase(treatment);
  w.step();  // the treatment pods are created available by this pass ...
  w.step();  // ... and seen by the next
  const auto available = w.now;
  ASSERT_TRUE(w.status.variantsAvailableAt);
  EXPECT_EQ(*w.status.variantsAvailableAt, formatRfc3339Micro(available));
  EXPECT_EQ(w.status.rolloutStartedAt, formatRfc3339Micro(started)) << "the test's start is unchanged";
  EXPECT_EQ(w.weightOf("treatment"), 50);
  EXPECT_NE(w.status.message->find("A/B test (4m left)"), std::string::npos) << *w.status.message;
  // Measured within the full 4 minutes after availability (9 minutes after the start).
  w.advance(minutes(3) + seconds(59));
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due) << "within the window counted from variantsAvailableAt";
  EXPECT_EQ(due->variants.size(), 2u);
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  EXPECT_FALSE(w.status.canary) << "no decision before the duration";
  EXPECT_EQ(w.status.phase, "Progressing");
  w.advance(seconds(1));
  EXPECT_FALSE(measurementDue(w.md(), w.now)) << "both measured: the horizon is the end";
  w.step();
  EXPECT_TRUE(w.hasEvent("WinnerSelected"));
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, treatment);
  EXPECT_FALSE(w.status.variantsAvailableAt) << "cleared with the test";
}

TEST(AbTest, UnavailableStablePodsDelayTheClockOnlyUntilTheProgressDeadline) {
  auto w = shortAbWorld();
  const auto stable = *w.status.stable->hash;
  w.neverReady.insert(stable);  // the control serves the stable revision, whose pods went unavailable
  w.step();
  w.step();
  EXPECT_FALSE(w.status.variantsAvailableAt) << "the control is not available yet";
  w.advance(minutes(9) + seconds(59));
  w.step();
  EXPECT_FALSE(w.status.variantsAvailableAt) << "still within progressDeadlineSeconds (600)";
  w.advance(seconds(1));
  w.step();
  ASSERT_TRUE(w.status.variantsAvailableAt) << "past the deadline the clock starts without the stable's pods";
  EXPECT_EQ(*w.status.variantsAvailableAt, formatRfc3339Micro(w.now));
  EXPECT_TRUE(w.status.history.empty() || w.status.history[0].outcome != "RolledBack")
      << "the stable revision is not rolled back for its own pods";
  EXPECT_NE(w.status.message->find("A/B test (4m left)"), std::string::npos) << *w.status.message;
}

TEST(AbTest, WindowIsCountedFromTheRecordedStatusAfterARestart) {
  auto w = shortAbWorld();
  const auto treatment = treatmentHash(w);
  w.neverReady.insert(treatment);
  w.step();
  w.advance(minutes(3));
  w.neverReady.erase(treatment);
  w.step();
  w.step();
  const auto available = w.now;
  ASSERT_EQ(w.status.variantsAvailableAt, formatRfc3339Micro(available));
  // The operator stops; a new one starts 2 minutes later (5 minutes after the test started) from the
  // status as written to the API server, with a fresh planner call.
  auto written = api::decodeStatus(api::encodeStatus(w.status));
  ASSERT_TRUE(written.ok());
  World restarted;
  restarted.doc = w.doc;
  restarted.observed = w.observed;
  restarted.status = *written;
  restarted.now = available + minutes(2);
  ASSERT_TRUE(measurementDue(restarted.md(), restarted.now)) << "still within the window";
  restarted.step(both(restarted, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910),
                      accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  EXPECT_EQ(restarted.status.phase, "Progressing");
  EXPECT_FALSE(restarted.status.canary);
  EXPECT_EQ(restarted.status.variantsAvailableAt, formatRfc3339Micro(available)) << "kept, not set again";
  EXPECT_NE(restarted.status.message->find("A/B test (2m left)"), std::string::npos) << *restarted.status.message;
  ASSERT_TRUE(restarted.last.requeueAfter);
  EXPECT_LE(*restarted.last.requeueAfter, minutes(2));
  restarted.advance(minutes(2) - std::chrono::milliseconds(1));
  restarted.step();
  EXPECT_FALSE(restarted.status.canary) << "1 ms before the end";
  restarted.advance(std::chrono::milliseconds(1));
  restarted.step();
  ASSERT_TRUE(restarted.status.canary);
  EXPECT_EQ(restarted.status.canary->hash, treatment);
}

TEST(AbTest, VariantUnmeasuredAtTheEndIsMeasuredInTheGraceThenJudged) {
  auto w = shortAbWorld();
  w.settle();
  const auto control = hashOf(w, "control");
  const auto treatment = hashOf(w, "treatment");
  // Within the window the control is measured, the treatment's provider did not answer.
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), unanswered()));
  w.advance(minutes(4));
  w.step();
  EXPECT_FALSE(w.hasEvent("AbTestNeedsDecision")) << "not judged while a variant has no measurement";
  EXPECT_EQ(w.status.phase, "Progressing");
  EXPECT_NE(w.status.message->find("duration over; waiting up to 1m for a first measurement of treatment"),
            std::string::npos)
      << *w.status.message;
  ASSERT_TRUE(w.last.requeueAfter);
  EXPECT_LE(*w.last.requeueAfter, seconds(30));
  // Only the unmeasured variant is measured after the horizon (still against the control).
  auto due = measurementDue(w.md(), w.now);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->variants.size(), 1u);
  EXPECT_EQ(due->variants[0].track, "treatment");
  ASSERT_TRUE(due->variants[0].stable);
  EXPECT_EQ(due->variants[0].stable->hash, control);
  w.step(only(w, "treatment", accuracy(VerdictPhase::Pass, 0.950, 0.940, 0.960)));
  EXPECT_TRUE(w.hasEvent("WinnerSelected"));
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.canary->hash, treatment);
  w.settle();
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, treatment);
}

TEST(AbTest, ProviderThatNeverAnswersEndsInTheHoldAfterTheGrace) {
  auto w = shortAbWorld();
  w.settle();
  w.step(both(w, accuracy(VerdictPhase::Pass, 0.900, 0.890, 0.910), unanswered()));
  w.advance(minutes(4));
  for (int i = 0; i < 2; ++i) {  // the grace: 2 intervals of 30 s, the treatment is asked for each
    auto due = measurementDue(w.md(), w.now);
    ASSERT_TRUE(due) << i;
    ASSERT_EQ(due->variants.size(), 1u);
    w.step(only(w, "treatment", unanswered()));
    EXPECT_EQ(w.status.phase, "Progressing") << i;
    w.advance(seconds(30));
  }
  EXPECT_FALSE(measurementDue(w.md(), w.now)) << "the grace is over";
  w.step();
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_TRUE(w.hasEvent("AbTestNeedsDecision"));
  EXPECT_NE(w.status.message->find("no confident winner"), std::string::npos) << *w.status.message;
  EXPECT_NE(w.status.message->find("treatment not measured"), std::string::npos) << *w.status.message;
  EXPECT_FALSE(w.status.canary);
  w.advance(hours(1));
  EXPECT_FALSE(measurementDue(w.md(), w.now));
  w.step();
  EXPECT_EQ(w.status.phase, "Paused") << "the hold lasts until a human decides";
}

TEST(AbTest, FirstDeployRunsTheTestWithoutAStable) {
  World w;
  w.doc["spec"]["strategy"] = nlohmann::json::parse(R"({"abTest": {
    "variants": [{"name": "a", "weight": 30}, {"name": "b", "weight": 70, "model": {"version": "2.0.0"}}],
    "trafficRouting": {"istio": {"virtualService": {"name": "fraud", "routes": ["primary"]}}}}})");
  w.step();
  EXPECT_FALSE(w.status.stable);
  ASSERT_EQ(w.status.variants.size(), 2u);
  EXPECT_EQ(w.weightOf("a"), 100) << "nothing is available yet: the first variant holds the rest";
  w.settle();
  EXPECT_EQ(w.weightOf("a"), 30);
  EXPECT_EQ(w.weightOf("b"), 70);
  EXPECT_EQ(w.deployment(hashOf(w, "a"))->replicas, 2);  // ceil(4 * 30%)
  EXPECT_EQ(w.deployment(hashOf(w, "b"))->replicas, 3);  // ceil(4 * 70%)
  auto due = measurementDue(w.md(), w.now);  // no stable: the first variant is the control
  ASSERT_TRUE(due);
  ASSERT_EQ(due->variants.size(), 2u);
  EXPECT_FALSE(due->variants[0].stable);
  ASSERT_TRUE(due->variants[1].stable);
  EXPECT_EQ(due->variants[1].stable->hash, hashOf(w, "a"));
  auto b = hashOf(w, "b");
  w.request("promote:b", "p1");
  w.settle();
  ASSERT_TRUE(w.status.stable);
  EXPECT_EQ(w.status.stable->hash, b);
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.weightOf("stable"), 100);
}

TEST(AbTest, AbortReturnsTrafficToStable) {
  auto w = abWorld();
  w.settle();
  w.request("abort", "a1");
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_EQ(w.status.history[0].outcome, "Aborted");
  EXPECT_TRUE(w.status.variants.empty());
}

// The winner rule on its own (abtest.h).
TEST(AbTestWinner, RuleTable) {
  api::AnalysisSpec spec;
  api::Metric m;
  m.name = "accuracy";
  m.successes = "s";
  m.trials = "t";
  m.accuracy = api::AccuracyCriteria{};
  spec.metrics = {m};
  auto arm = [](std::string name, bool control, std::optional<analysis::Verdict> v, bool failed = false) {
    detail::ArmEvidence a;
    a.name = std::move(name);
    a.control = control;
    a.failed = failed;
    if (v) a.progress.metrics.push_back({"accuracy", 1, 0, 0, 0, 0, v});
    return a;
  };
  auto pass = [](double lo, double hi) { return accuracy(VerdictPhase::Pass, (lo + hi) / 2, lo, hi); };
  auto withVs = [&](double lo, double hi, double dlo, double dhi) {
    auto v = pass(lo, hi);
    v.vsStable = analysis::StableComparison{0, dlo, dhi, 0, 1000, VerdictPhase::Pass, ""};
    return v;
  };
  struct Case {
    const char* what;
    std::vector<detail::ArmEvidence> arms;
    std::optional<std::size_t> winner;
  } cases[] = {
      {"disjoint bounds: the higher wins", {arm("a", true, pass(0.80, 0.85)), arm("b", false, pass(0.86, 0.90))}, 1},
      {"overlap: nobody", {arm("a", true, pass(0.80, 0.87)), arm("b", false, pass(0.86, 0.90))}, std::nullopt},
      {"control can win", {arm("a", true, pass(0.91, 0.95)), arm("b", false, pass(0.80, 0.90))}, 0},
      {"vs-control bound above 0 decides despite overlap",
       {arm("a", true, pass(0.80, 0.87)), arm("b", false, withVs(0.86, 0.90, 0.001, 0.05))}, 1},
      {"vs-control bound not above 0", {arm("a", true, pass(0.80, 0.85)), arm("b", false, withVs(0.86, 0.90, -0.01, 0.05))},
       std::nullopt},
      {"best did not pass", {arm("a", true, pass(0.80, 0.85)), arm("b", false, accuracy(VerdictPhase::Inconclusive, 0.9, 0.86, 0.95))},
       std::nullopt},
      {"unmeasured other is never beaten", {arm("a", true, std::nullopt), arm("b", false, pass(0.86, 0.90))}, std::nullopt},
      {"failed variants are ignored",
       {arm("a", true, pass(0.80, 0.85)), arm("b", false, pass(0.95, 0.99), true), arm("c", false, pass(0.86, 0.90))}, 2},
  };
  for (const auto& c : cases) {
    auto choice = detail::chooseWinner(c.arms, spec);
    EXPECT_EQ(choice.winner, c.winner) << c.what << ": " << choice.reason;
  }
  api::AnalysisSpec thresholdOnly;
  api::Metric t;
  t.name = "latency";
  t.query = "q";
  thresholdOnly.metrics = {t};
  auto none = detail::chooseWinner({arm("a", true, pass(0.1, 0.2)), arm("b", false, pass(0.8, 0.9))}, thresholdOnly);
  EXPECT_FALSE(none.winner);
  EXPECT_NE(none.reason.find("no accuracy metric"), std::string::npos);
}

}  // namespace
}  // namespace modelops::rollout::testing
