// EventRecorder tests: Event fields, aggregation of repeats into count/lastTimestamp by PATCH,
// distinct messages, the aggregation window, LRU eviction, re-create after the Event vanished,
// and that record() never blocks on a stuck API (bounded queue, drops counted).
// Thread-safety: each test owns its recorder and stops it before returning.
#include "modelops/runtime/event_recorder.h"

#include <gtest/gtest.h>

#include <future>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "modelops/common/bounded_text.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::FakeKubeClient;
using kube::Json;

ObjectReference md(const std::string& name = "fraud") {
  return ObjectReference::of({{"apiVersion", "modelops.dev/v1alpha1"},
                              {"kind", "ModelDeployment"},
                              {"metadata", {{"namespace", "ml"}, {"name", name}, {"uid", "u-" + name}, {"resourceVersion", "42"}}}});
}

struct RecorderFixture {
  FakeClock clock;
  FakeKubeClient client;
  std::unique_ptr<EventRecorder> rec;
  explicit RecorderFixture(EventRecorderOptions opts = {}) {
    opts.host = "operator-0";
    rec = std::make_unique<EventRecorder>(client, clock, opts);
    rec->start();
  }
  std::vector<Json> events() { return client.storedList(eventResource(), "ml"); }
};

TEST(EventRecorder, WritesACompleteEvent) {
  RecorderFixture f;
  ASSERT_TRUE(f.rec->record(md(), EventType::Normal, "StepStarted", "set canary weight to 10"));
  ASSERT_TRUE(f.rec->flush(5s));
  auto ev = f.events();
  ASSERT_EQ(ev.size(), 1u);
  auto& e = ev[0];
  EXPECT_EQ(e["reason"], "StepStarted");
  EXPECT_EQ(e["message"], "set canary weight to 10");
  EXPECT_EQ(e["type"], "Normal");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["firstTimestamp"], "2026-11-25T10:00:00Z");
  EXPECT_EQ(e["lastTimestamp"], e["firstTimestamp"]);
  EXPECT_EQ(e["source"]["component"], "modelops-operator");
  EXPECT_EQ(e["source"]["host"], "operator-0");
  EXPECT_EQ(e["involvedObject"], Json({{"kind", "ModelDeployment"}, {"namespace", "ml"}, {"name", "fraud"},
                                       {"uid", "u-fraud"}, {"apiVersion", "modelops.dev/v1alpha1"},
                                       {"resourceVersion", "42"}}));
  EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("fraud.", 0), 0u);
}

TEST(EventRecorder, RepeatsArePatchedIntoOneEventWithCountAndLastTimestamp) {
  RecorderFixture f;
  f.rec->record(md(), EventType::Warning, "AnalysisFailed", "accuracy 0.81 < 0.9");
  ASSERT_TRUE(f.rec->flush(5s));
  f.clock.advance(30s);
  f.rec->record(md(), EventType::Warning, "AnalysisFailed", "accuracy 0.81 < 0.9");
  f.clock.advance(30s);
  f.rec->record(md(), EventType::Warning, "AnalysisFailed", "accuracy 0.81 < 0.9");
  ASSERT_TRUE(f.rec->flush(5s));
  auto ev = f.events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["count"], 3);
  EXPECT_EQ(ev[0]["firstTimestamp"], "2026-11-25T10:00:00Z");
  EXPECT_EQ(ev[0]["lastTimestamp"], "2026-11-25T10:01:00Z");
  EXPECT_EQ(f.client.countCalls("create"), 1u);
  EXPECT_EQ(f.client.countCalls("patch"), 2u);
  // A different message or object is a different Event.
  f.rec->record(md(), EventType::Warning, "AnalysisFailed", "accuracy 0.70 < 0.9");
  f.rec->record(md("other"), EventType::Warning, "AnalysisFailed", "accuracy 0.81 < 0.9");
  ASSERT_TRUE(f.rec->flush(5s));
  EXPECT_EQ(f.events().size(), 3u);
}

TEST(EventRecorder, NewEventAfterWindowEvictionOrDeletion) {
  EventRecorderOptions opts;
  opts.cacheSize = 2;
  opts.aggregationWindow = 10min;
  RecorderFixture f(opts);
  f.rec->record(md("a"), EventType::Normal, "R", "m");
  ASSERT_TRUE(f.rec->flush(5s));
  f.clock.advance(11min);  // outside the window
  f.rec->record(md("a"), EventType::Normal, "R", "m");
  ASSERT_TRUE(f.rec->flush(5s));
  EXPECT_EQ(f.client.countCalls("create"), 2u);
  f.rec->record(md("b"), EventType::Normal, "R", "m");
  f.rec->record(md("c"), EventType::Normal, "R", "m");  // evicts a from the LRU of 2
  f.rec->record(md("a"), EventType::Normal, "R", "m");
  ASSERT_TRUE(f.rec->flush(5s));
  EXPECT_EQ(f.client.countCalls("create"), 5u);
  EXPECT_EQ(f.client.countCalls("patch"), 0u);
  // The Event was deleted (TTL): the patch 404s and a new Event is created.
  for (auto& e : f.events()) f.client.erase(eventResource(), "ml", e["metadata"]["name"]);
  f.rec->record(md("a"), EventType::Normal, "R", "m");
  ASSERT_TRUE(f.rec->flush(5s));
  EXPECT_EQ(f.client.countCalls("patch"), 1u);
  EXPECT_EQ(f.client.countCalls("create"), 6u);
  EXPECT_EQ(f.events().size(), 1u);
}

TEST(EventRecorder, RecordNeverBlocksOnAStuckApiAndDropsBeyondCapacity) {
  EventRecorderOptions opts;
  opts.queueCapacity = 3;
  RecorderFixture f(opts);
  std::promise<void> unblock, entered;
  auto gate = unblock.get_future().share();
  std::atomic<bool> first{true};
  f.client.setFault([&](const FakeKubeClient::Call&) -> std::optional<kube::ApiError> {
    if (first.exchange(false)) {
      entered.set_value();
      gate.wait();
    }
    return std::nullopt;
  });
  ASSERT_TRUE(f.rec->record(md(), EventType::Normal, "R", "0"));
  entered.get_future().wait();  // the writer is stuck in the API call
  int accepted = 0;
  for (int i = 1; i <= 10; ++i) accepted += f.rec->record(md(), EventType::Normal, "R", std::to_string(i)) ? 1 : 0;
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(f.rec->dropped(), 7u);
  unblock.set_value();
  ASSERT_TRUE(f.rec->flush(5s));
  EXPECT_EQ(f.events().size(), 4u);
}

// Issue 12 item 4: whatever a caller passes (a provider's 1 MiB error page), the Event is bounded.
// Failed before the cap: the message was written whole.
TEST(EventRecorder, MessagesAreCutToTheEventLimitOnACharacterBoundary) {
  RecorderFixture f;
  std::string huge;
  while (huge.size() < (1u << 20)) huge += "refus\xC3\xA9 ";
  ASSERT_TRUE(f.rec->record(md(), EventType::Warning, "MeasurementFailed", huge));
  ASSERT_TRUE(f.rec->flush(5s));
  auto ev = f.events();
  ASSERT_EQ(ev.size(), 1u);
  const std::string message = ev[0]["message"].get<std::string>();
  EXPECT_LE(message.size(), text_limits::kEventMessage);
  EXPECT_TRUE(message.ends_with(kTruncatedMarker)) << message.substr(message.size() - 20);
  EXPECT_NO_THROW((void)ev[0].dump());  // still valid UTF-8
}

}  // namespace
}  // namespace modelops::runtime
