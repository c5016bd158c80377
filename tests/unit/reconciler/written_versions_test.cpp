// WrittenVersions: the reconciler's read-your-writes guard. A cache older than this process's own
// status write is "behind" until it shows that write (or a newer version); then the entry is dropped.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "modelops/reconciler/written_versions.h"

namespace modelops::reconciler {
namespace {

TEST(WrittenVersions, ACacheOlderThanOurWriteIsBehindUntilItCatchesUp) {
  WrittenVersions writes;
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "10")) << "nothing written: never behind";
  writes.wrote("ml/a", "425");
  EXPECT_TRUE(writes.cacheIsBehind("ml/a", "420"));
  EXPECT_TRUE(writes.cacheIsBehind("ml/a", "424"));
  EXPECT_FALSE(writes.cacheIsBehind("ml/b", "1")) << "keys are independent";
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "425")) << "the write itself is in the cache";
  EXPECT_EQ(writes.size(), 0u) << "caught up: forgotten";
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "1")) << "forgotten: an older version is no longer held back";
}

TEST(WrittenVersions, ANewerVersionThanOursAlsoCountsAsCaughtUp) {
  WrittenVersions writes;
  writes.wrote("ml/a", "425");
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "431"));  // someone wrote after us; the watch showed both
  EXPECT_EQ(writes.size(), 0u);
}

TEST(WrittenVersions, TheNewestWriteWins) {
  WrittenVersions writes;
  writes.wrote("ml/a", "425");
  writes.wrote("ml/a", "430");
  writes.wrote("ml/a", "428");  // an answer that arrived late does not lower the bar
  EXPECT_TRUE(writes.cacheIsBehind("ml/a", "429"));
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "430"));
}

TEST(WrittenVersions, VersionsThatAreNotNumbersAreNeverHeldBack) {
  WrittenVersions writes;
  writes.wrote("ml/a", "425");
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "opaque-token"));
  writes.wrote("ml/b", "opaque-token");
  EXPECT_FALSE(writes.cacheIsBehind("ml/b", "1"));
  writes.wrote("ml/c", "");
  EXPECT_FALSE(writes.cacheIsBehind("ml/c", "1"));
  EXPECT_EQ(writes.size(), 0u);
}

TEST(WrittenVersions, ForgetDropsTheKey) {
  WrittenVersions writes;
  writes.wrote("ml/a", "9");
  writes.forget("ml/a");
  EXPECT_FALSE(writes.cacheIsBehind("ml/a", "1"));
}

TEST(WrittenVersions, ConcurrentWritersAndReadersKeepTheNewest) {
  WrittenVersions writes;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&writes, t] {
      for (int i = 1; i <= 1000; ++i) writes.wrote("ml/k" + std::to_string(t % 2), std::to_string(i * 4 + t));
    });
  for (auto& th : threads) th.join();
  EXPECT_TRUE(writes.cacheIsBehind("ml/k0", "4001"));   // newest for k0: 1000*4+2 = 4002
  EXPECT_FALSE(writes.cacheIsBehind("ml/k0", "4002"));
  EXPECT_TRUE(writes.cacheIsBehind("ml/k1", "4002"));   // newest for k1: 1000*4+3 = 4003
  EXPECT_FALSE(writes.cacheIsBehind("ml/k1", "4003"));
}

}  // namespace
}  // namespace modelops::reconciler
