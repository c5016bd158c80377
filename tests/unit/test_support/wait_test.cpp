// waitFor (tests/fakes/wait.h), the one poll-until-deadline helper: returns as soon as the predicate
// holds, gives up at the deadline, and backs off to maxPoll between checks.
#include <gtest/gtest.h>

#include <chrono>

#include "fakes/wait.h"

namespace modelops::testing {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

TEST(WaitFor, ReturnsAsSoonAsThePredicateHolds) {
  int calls = 0;
  const auto start = Steady::now();
  EXPECT_TRUE(waitFor([&] { return ++calls == 3; }, std::chrono::seconds(10)));
  EXPECT_EQ(calls, 3);
  EXPECT_LT(Steady::now() - start, std::chrono::seconds(5));
}

TEST(WaitFor, GivesUpAtTheDeadline) {
  int calls = 0;
  const auto start = Steady::now();
  EXPECT_FALSE(waitFor([&] { return ++calls < 0; }, milliseconds(50)));
  EXPECT_GE(Steady::now() - start, milliseconds(50));
  EXPECT_GE(calls, 2);
}

TEST(WaitFor, PollsNoMoreOftenThanItsBackoffAllows) {
  int calls = 0;
  EXPECT_FALSE(waitFor([&] { return ++calls < 0; }, milliseconds(300), milliseconds(50)));
  // 1, 2, 4, ..., 32 ms, then every 50 ms: about 11 checks in 300 ms; a sleep only ever lasts longer.
  EXPECT_LE(calls, 13);
}

}  // namespace
}  // namespace modelops::testing
