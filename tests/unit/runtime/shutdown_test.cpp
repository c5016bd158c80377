// SignalWatcher and ShutdownSequence tests. A separate executable (unit.runtime_shutdown) because
// it blocks SIGTERM in the process: a real kill(getpid(), SIGTERM) must cancel the token through the
// sigwait thread, not terminate the test.
// Thread-safety: single test thread plus the watcher's.
#include "modelops/runtime/shutdown.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include "fakes/fake_clock.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;

TEST(SignalWatcher, SigtermCancelsTheTokenWithoutKillingTheProcess) {
  SignalWatcher watcher;
  EXPECT_FALSE(watcher.token().cancelled());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_TRUE(watcher.token().waitFor(5s));
  EXPECT_EQ(watcher.signal(), SIGTERM);
  // A second signal during shutdown is absorbed too.
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
}

TEST(ShutdownSequence, RunsStepsInOrderWithTheRemainingBudget) {
  testing::FakeClock clock;
  ShutdownSequence seq(clock);
  std::vector<std::string> order;
  std::vector<std::chrono::milliseconds> budgets;
  seq.add("controller", [&](std::chrono::milliseconds left) {
    order.push_back("controller");
    budgets.push_back(left);
    clock.advance(3s);
  });
  seq.add("lease", [&](std::chrono::milliseconds left) {
    order.push_back("lease");
    budgets.push_back(left);
    clock.advance(1s);
  });
  seq.add("http", [&](std::chrono::milliseconds left) {
    order.push_back("http");
    budgets.push_back(left);
  });
  EXPECT_TRUE(seq.run(5s));
  EXPECT_EQ(order, (std::vector<std::string>{"controller", "lease", "http"}));
  EXPECT_EQ(budgets, (std::vector<std::chrono::milliseconds>{5000ms, 2000ms, 1000ms}));
  ShutdownSequence slow(clock);
  int ran = 0;
  slow.add("stuck", [&](std::chrono::milliseconds) { clock.advance(6s); ++ran; });
  slow.add("after", [&](std::chrono::milliseconds left) { EXPECT_EQ(left, 0ms); ++ran; });
  EXPECT_FALSE(slow.run(5s));
  EXPECT_EQ(ran, 2);
}

}  // namespace
}  // namespace modelops::runtime
