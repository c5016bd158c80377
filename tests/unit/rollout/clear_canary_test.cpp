// Every way a canary in flight ends leaves no trace of it in status: the canary track, its step, its
// step and pause clocks. A pause clock left behind would be read by the next canary's pause step (it
// measures an indefinite pause from status.pauseStartedAt), so each path is checked on its own.
#include <gtest/gtest.h>

#include "world.h"

namespace modelops::rollout::testing {
namespace {

// 1.0.0 is stable and 2.0.0 waits at an indefinite pause (its pause clock is running).
World pausedCanary() {
  World w;
  w.doc["spec"]["strategy"]["canary"]["steps"] = nlohmann::json::parse(R"([{"setWeight": 10}, {"pause": {}}])");
  w.settle();
  w.setVersion("2.0.0");
  w.settle();
  return w;
}

void expectNoCanaryLeft(const api::ModelDeploymentStatus& st) {
  EXPECT_FALSE(st.canary);
  EXPECT_FALSE(st.currentStepIndex);
  EXPECT_FALSE(st.stepStartedAt);
  EXPECT_FALSE(st.pauseStartedAt);
}

TEST(ClearCanary, PausedCanaryHasItsPauseClock) {  // the precondition of the tests below
  auto w = pausedCanary();
  ASSERT_TRUE(w.status.canary);
  EXPECT_EQ(w.status.phase, "Paused");
  EXPECT_TRUE(w.status.pauseStartedAt);
}

TEST(ClearCanary, SpecBackToStableClearsThePause) {
  auto w = pausedCanary();
  w.setVersion("1.0.0");
  w.step();
  EXPECT_TRUE(w.hasEvent("RolloutAborted"));
  expectNoCanaryLeft(w.status);
}

TEST(ClearCanary, VersionThatFailedBeforeClearsThePause) {
  auto w = pausedCanary();
  w.request("abort", "a1");
  w.settle();
  ASSERT_EQ(w.status.phase, "RolledBack");
  w.setVersion("3.0.0");
  w.settle();
  ASSERT_TRUE(w.status.pauseStartedAt);
  w.setVersion("2.0.0");  // aborted before: 3.0.0 is superseded, nothing new starts
  w.step();
  EXPECT_EQ(w.status.phase, "RolledBack");
  ASSERT_FALSE(w.status.history.empty());
  EXPECT_EQ(w.status.history[0].outcome, "Superseded");
  EXPECT_EQ(w.status.history[0].version, "3.0.0");
  expectNoCanaryLeft(w.status);
}

TEST(ClearCanary, AbortAndPromoteClearThePause) {
  auto aborted = pausedCanary();
  aborted.request("abort", "a1");
  aborted.step();
  expectNoCanaryLeft(aborted.status);

  auto promoted = pausedCanary();
  promoted.request("promote", "p1");
  promoted.settle();
  EXPECT_EQ(promoted.status.phase, "Healthy");
  EXPECT_EQ(promoted.status.stable->version, "2.0.0");
  expectNoCanaryLeft(promoted.status);
}

}  // namespace
}  // namespace modelops::rollout::testing
