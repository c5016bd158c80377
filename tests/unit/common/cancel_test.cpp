// Tests for CancelToken: callbacks, shared state across copies, waking waiters.
#include <gtest/gtest.h>

#include <thread>

#include "modelops/common/cancel.h"

namespace modelops {
namespace {

TEST(CancelToken, CopiesShareStateAndCallbacksRunOnce) {
  CancelToken token;
  CancelToken copy = token;
  int calls = 0;
  copy.onCancel([&] { ++calls; });
  EXPECT_FALSE(token.cancelled());
  token.cancel();
  token.cancel();
  EXPECT_TRUE(copy.cancelled());
  EXPECT_EQ(calls, 1);
}

TEST(CancelToken, CallbackAfterCancelRunsImmediately) {
  CancelToken token;
  token.cancel();
  bool ran = false;
  token.onCancel([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(CancelToken, RemovedAndScopedCallbacksDoNotRunOrAccumulate) {
  CancelToken token;
  int calls = 0;
  auto id = token.onCancel([&] { ++calls; });
  token.removeCallback(id);
  for (int i = 0; i < 100; ++i) {
    auto registration = token.scopedOnCancel([&] { calls += 10; });
  }
  EXPECT_EQ(token.callbackCount(), 0u);
  auto kept = token.scopedOnCancel([&] { calls += 100; });
  token.cancel();
  EXPECT_EQ(calls, 100);
}

TEST(CancelToken, WaitForWakesOnCancelFromAnotherThread) {
  CancelToken token;
  std::thread canceller([token] { token.cancel(); });
  // Without the wake-up this would wait the full hour.
  EXPECT_TRUE(token.waitFor(std::chrono::hours(1)));
  canceller.join();
}

TEST(CancelToken, WaitForTimesOutWhenNotCancelled) {
  CancelToken token;
  EXPECT_FALSE(token.waitFor(std::chrono::milliseconds(1)));
}

}  // namespace
}  // namespace modelops
