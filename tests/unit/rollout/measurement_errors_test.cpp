// Measurements that could not be made (issue 13 items 2 and 5; issue 12 item 4), through the simulated
// world: a metrics outage during post-promotion monitoring is never read as degradation (onError Hold
// reports it, Ignore keeps quiet); the Degraded Event says what status says; an analysis says when it
// starts and when its provider fails (rate-limited); and a huge provider text stays bounded in Events,
// status and the encoded object.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/common/bounded_text.h"
#include "world.h"

namespace modelops::rollout::testing {
namespace {

using analysis::VerdictPhase;
using std::chrono::minutes;
using std::chrono::seconds;

const api::Condition* conditionOf(const World& w, const std::string& type) {
  for (const auto& c : w.status.conditions)
    if (c.type == type) return &c;
  return nullptr;
}

std::vector<PlannedEvent> eventsWith(const World& w, const std::string& reason) {
  std::vector<PlannedEvent> out;
  for (const auto& e : w.events)
    if (e.reason == reason) out.push_back(e);
  return out;
}

// 1.0.0 then 2.0.0 promoted straight away (no steps), monitoring on every minute; 1.0.0 is the last good.
World monitoredAfterTwoReleases(const nlohmann::json& monitoring) {
  World w;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::array();
  w.doc["spec"]["monitoring"] = monitoring;
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(seconds(31));
  w.settle();
  return w;
}

const std::string kRefused = "prometheus http://prom:9090: connection refused";

// Ten intervals of a provider that refuses connections: more than consecutiveErrorLimit (4).
void outage(World& w, int intervals) {
  for (int i = 0; i < intervals; ++i) {
    auto due = measurementDue(w.md(), w.now);
    ASSERT_TRUE(due) << "interval " << i << ": monitoring must keep measuring during an outage";
    w.step(verdicts(due->hash, VerdictPhase::Error, kRefused));
    w.advance(minutes(1));
  }
}

// Failed before the change: the fifth error aborted monitoring, 2.0.0 was declared Degraded and traffic
// went back to 1.0.0.
TEST(MeasurementErrors, MonitoringOutageHoldsAndNeverRollsBack) {
  auto w = monitoredAfterTwoReleases({{"enabled", true}, {"onDegraded", "Rollback"}, {"interval", "1m"}});
  ASSERT_EQ(w.status.phase, "Healthy");
  auto stable = *w.status.stable->hash;
  outage(w, 10);
  EXPECT_EQ(w.status.phase, "Healthy") << w.status.message.value_or("");
  EXPECT_EQ(w.status.stable->hash, stable);
  EXPECT_EQ(w.weightOf("stable"), 100);
  EXPECT_FALSE(w.hasEvent("Degraded"));
  EXPECT_FALSE(w.hasEvent("RolledBackToLastGood"));
  for (const auto& h : w.status.history) EXPECT_NE(h.outcome, "Degraded");
  const auto* monitoring = conditionOf(w, "MonitoringHealthy");
  ASSERT_NE(monitoring, nullptr);
  EXPECT_EQ(monitoring->status, "False");
  EXPECT_EQ(monitoring->reason, "MeasurementFailed");
  EXPECT_NE(monitoring->message->find("connection refused"), std::string::npos) << *monitoring->message;
  // Rate-limited: at most one Warning per metric per 5 minutes; measured every minute, ten errors give
  // the first one and the sixth one.
  auto failed = eventsWith(w, "MeasurementFailed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].type, EventType::Warning);
  EXPECT_NE(failed[0].message.find("metric accuracy could not be measured (1 in a row"), std::string::npos)
      << failed[0].message;
  EXPECT_NE(failed[0].message.find(kRefused), std::string::npos) << failed[0].message;
  EXPECT_NE(failed[1].message.find("(6 in a row"), std::string::npos) << failed[1].message;
  // The run shows the error, so the next measurement waits an interval (no hot loop on the provider).
  ASSERT_TRUE(w.status.analysis);
  EXPECT_EQ(w.status.analysis->runs.at(0).phase, "Error");
  EXPECT_FALSE(measurementDue(w.md(), w.now - seconds(30)));
  // The provider answers again: monitoring is healthy again and judges as before.
  w.step(verdicts(stable, VerdictPhase::Pass, "accuracy 0.95 >= 0.9"));
  EXPECT_EQ(conditionOf(w, "MonitoringHealthy")->status, "True");
  w.advance(minutes(1));
  // 1,000 new labels at 0.70 after the reading above (0.9 of 812): the change detector alarms.
  Measurement drop = verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9");
  drop.verdicts[0].value = (0.9 * 812 + 700) / 1812;
  drop.verdicts[0].samples = 1812;
  w.step(drop);
  EXPECT_EQ(w.status.phase, "Degraded") << "a real failure still degrades";
}

TEST(MeasurementErrors, OnErrorIgnoreKeepsTrafficAndSaysNothing) {
  auto w = monitoredAfterTwoReleases({{"enabled", true}, {"onError", "Ignore"}, {"interval", "1m"}});
  auto stable = *w.status.stable->hash;
  outage(w, 6);
  EXPECT_EQ(w.status.phase, "Healthy");
  EXPECT_EQ(w.status.stable->hash, stable);
  EXPECT_FALSE(w.hasEvent("MeasurementFailed"));
  EXPECT_FALSE(w.hasEvent("Degraded"));
  EXPECT_EQ(conditionOf(w, "MonitoringHealthy"), nullptr) << "Ignore keeps no condition";
  w.step(verdicts(stable, VerdictPhase::Pass, "accuracy 0.95 >= 0.9"));
  EXPECT_EQ(conditionOf(w, "MonitoringHealthy"), nullptr);
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(MeasurementErrors, OnErrorIsDefaultedAndValidated) {
  World w;
  EXPECT_EQ(w.md().spec.monitoring->onError, "Hold");
  w.doc["spec"]["monitoring"] = {{"onError", "Rollback"}};
  auto errors = api::validate(w.md());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "spec.monitoring.onError");
  EXPECT_NE(errors[0].message.find("Hold, Ignore"), std::string::npos) << errors[0].message;
}

// Monitoring's change detector sees a sharp drop: a base reading, then 1,000 new labels at 0.70.
void dropStableSharply(World& w) {
  const auto stable = *w.status.stable->hash;
  w.step(verdicts(stable, VerdictPhase::Pass, "accuracy 0.900, n=812"));  // 0.9 of 812
  w.advance(minutes(1));
  Measurement drop = verdicts(stable, VerdictPhase::Fail, "accuracy upper bound 0.85 < 0.9");
  drop.verdicts[0].value = (0.9 * 812 + 700) / 1812;
  drop.verdicts[0].samples = 1812;
  w.step(drop);
}

// Failed before the change: the Event said "returning to the last good revision" while status said
// there was none.
TEST(MeasurementErrors, DegradedEventAgreesWithStatusWithoutALastGoodRevision) {
  World w;
  w.doc["spec"]["monitoring"] = {{"enabled", true}};
  w.settle();
  ASSERT_FALSE(w.status.lastGoodRevision);
  dropStableSharply(w);
  auto degraded = eventsWith(w, "Degraded");
  ASSERT_EQ(degraded.size(), 1u);
  EXPECT_EQ(degraded[0].message.find("returning to the last good revision"), std::string::npos) << degraded[0].message;
  EXPECT_NE(degraded[0].message.find("no last good revision to return to"), std::string::npos) << degraded[0].message;
  EXPECT_NE(w.status.message->find("no last good revision"), std::string::npos);
}

TEST(MeasurementErrors, DegradedEventNamesTheRevisionItReturnsTo) {
  auto w = monitoredAfterTwoReleases({{"enabled", true}, {"interval", "1m"}});
  dropStableSharply(w);
  auto degraded = eventsWith(w, "Degraded");
  ASSERT_EQ(degraded.size(), 1u);
  EXPECT_NE(degraded[0].message.find("returning to the last good revision 1"), std::string::npos)
      << degraded[0].message;
}

World atCanaryAnalysis() {
  World w;
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  w.advance(minutes(2));
  w.settle();
  return w;
}

// Failed before the change: nothing between ActionRequested/RolloutStarted and the rollback.
TEST(MeasurementErrors, CanaryAnalysisSaysWhenItStartsAndWhenItsProviderFails) {
  auto w = atCanaryAnalysis();
  ASSERT_EQ(w.status.currentStepIndex, 2);
  auto hash = *w.status.canary->hash;
  EXPECT_FALSE(w.hasEvent("AnalysisStarted")) << "nothing measured yet";
  w.step(verdicts(hash, VerdictPhase::Error, kRefused));
  auto started = eventsWith(w, "AnalysisStarted");
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0].type, EventType::Normal);
  EXPECT_NE(started[0].message.find("step 3/5: version 2.0.0: analysis started (metrics accuracy; a measurement every 30s)"),
            std::string::npos)
      << started[0].message;
  auto failed = eventsWith(w, "MeasurementFailed");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].type, EventType::Warning);
  EXPECT_NE(failed[0].message.find(kRefused), std::string::npos) << failed[0].message;
  // The next error within 5 minutes is not reported again; the analysis does not start again.
  w.advance(seconds(30));
  w.step(verdicts(hash, VerdictPhase::Error, kRefused));
  EXPECT_EQ(eventsWith(w, "MeasurementFailed").size(), 1u);
  EXPECT_EQ(eventsWith(w, "AnalysisStarted").size(), 1u);
}

// Issue 12 item 4: a 1 MiB provider error (and ten thousand segments) through planner and codec.
TEST(MeasurementErrors, HugeProviderTextStaysWithinTheStatusBudget) {
  auto w = monitoredAfterTwoReleases({{"enabled", true}, {"interval", "1m"}});
  auto stable = *w.status.stable->hash;
  std::string huge;
  while (huge.size() < (1u << 20)) huge += "upstream said: \xC3\xA9" "chec ";  // UTF-8 é, cut anywhere
  auto m = verdicts(stable, VerdictPhase::Error, huge);
  m.verdicts[0].query = huge;
  for (int i = 0; i < 10000; ++i) {
    analysis::SegmentVerdict s;
    s.segment = "region=r" + std::to_string(i);
    s.reason = huge.substr(0, 4096);
    m.verdicts[0].segments.push_back(s);
  }
  for (int i = 0; i < 3; ++i) {
    w.step(m);
    w.advance(minutes(6));
  }
  for (const auto& e : w.events) {
    EXPECT_LE(e.message.size(), text_limits::kEventMessage) << e.reason;
    if (e.message.size() == text_limits::kEventMessage) {
      EXPECT_TRUE(e.message.ends_with(kTruncatedMarker));
    }
  }
  EXPECT_TRUE(w.hasEvent("MeasurementFailed"));
  const auto encoded = api::encodeStatus(w.status).dump();
  EXPECT_LE(encoded.size(), text_limits::kStatusBudget);
  auto doc = w.doc;
  doc["status"] = api::encodeStatus(w.status);
  EXPECT_LE(api::encodeModelDeployment(api::decodeModelDeployment(doc).value()).dump().size(),
            text_limits::kStatusBudget + w.doc.dump().size());
  for (const auto& c : w.status.conditions) EXPECT_LE(c.message->size(), text_limits::kStatusMessage);
  // Still valid UTF-8 after the cut (nlohmann's dump throws on invalid UTF-8).
  EXPECT_NO_THROW((void)nlohmann::json(w.events.back().message).dump());
  EXPECT_EQ(w.status.phase, "Healthy");
}

TEST(BoundedText, CutsOnACharacterBoundaryWithTheMarker) {
  EXPECT_EQ(truncateText("short", 10), "short");
  std::string text = "ab\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // 2 + 9*2 bytes
  for (std::size_t limit = kTruncatedMarker.size() + 1; limit < text.size(); ++limit) {
    auto cut = truncateText(text, limit);
    EXPECT_LE(cut.size(), limit);
    EXPECT_TRUE(cut.ends_with(kTruncatedMarker));
    EXPECT_NO_THROW((void)nlohmann::json(cut).dump()) << "limit " << limit;
  }
  EXPECT_EQ(truncateText(text, 3), "...");
}

}  // namespace
}  // namespace modelops::rollout::testing
