#include "modelops/gateway/feedback/label_deduper.h"

#include <gtest/gtest.h>

namespace modelops::gateway {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;

TEST(WindowDeduper, CountsAKeyOnceWithinTheWindow) {
  WindowDeduper d(WindowDeduperOptions{1000, 100, 4});
  EXPECT_TRUE(d.markFirst("a", kT0, 0));
  EXPECT_FALSE(d.markFirst("a", kT0 + 10, 0));
  EXPECT_TRUE(d.markFirst("b", kT0 + 10, 0));
  EXPECT_FALSE(d.markFirst("a", kT0 + 999, 0)) << "still inside the window";
  EXPECT_EQ(d.size(), 2u);
}

TEST(WindowDeduper, ForgetsKeysOnceTheirBucketLeavesTheWindow) {
  WindowDeduper d(WindowDeduperOptions{1000, 100, 4});  // buckets of 250 ms
  ASSERT_TRUE(d.markFirst("a", kT0, 0));
  EXPECT_FALSE(d.markFirst("a", kT0 + 1000, 0)) << "kept at least the window";
  EXPECT_TRUE(d.markFirst("a", kT0 + 1250, 0)) << "forgotten within window + one bucket";
  EXPECT_EQ(d.size(), 1u) << "the old bucket was dropped, the new key is the only one";
}

TEST(WindowDeduper, MemoryIsCappedByDroppingTheOldestBucket) {
  WindowDeduper d(WindowDeduperOptions{1000, 10, 4});
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(d.markFirst("old" + std::to_string(i), kT0, 0));
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(d.markFirst("new" + std::to_string(i), kT0 + 300, 0));
  EXPECT_LE(d.size(), 10u);
  EXPECT_EQ(d.evictedEarly(), 8u);
  EXPECT_FALSE(d.markFirst("new0", kT0 + 300, 0)) << "newest keys survive";
  for (int i = 0; i < 1000; ++i) (void)d.markFirst("k" + std::to_string(i), kT0 + 300, 0);
  EXPECT_LE(d.size(), 10u) << "a single bucket over the cap starts over instead of growing";
}

TEST(WindowDeduper, BatchAnswersInOrder) {
  WindowDeduper d;
  const std::vector<bool> r = d.markFirstBatch({"x", "y", "x"}, kT0, {1, 1, 1});
  EXPECT_EQ(r, (std::vector<bool>{true, true, false}));
}

TEST(WindowDeduper, ClockGoingBackwardsNeverForgets) {
  WindowDeduper d(WindowDeduperOptions{1000, 100, 4});
  ASSERT_TRUE(d.markFirst("a", kT0 + 500, 0));
  EXPECT_FALSE(d.markFirst("a", kT0, 0));
  EXPECT_TRUE(d.markFirst("b", kT0, 0));
  EXPECT_FALSE(d.markFirst("b", kT0 + 600, 0));
}

}  // namespace
}  // namespace modelops::gateway
