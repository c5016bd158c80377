// Tests for RFC 3339 timestamps and Go-style durations.
#include <gtest/gtest.h>

#include "modelops/common/time.h"

namespace modelops {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

WallTime at(long long epochSeconds) { return WallTime(seconds(epochSeconds)); }

TEST(Rfc3339, FormatsUtcSeconds) {
  // 1764067320 = 2025-11-25T10:42:00Z (20417 days * 86400 + 10*3600 + 42*60).
  EXPECT_EQ(formatRfc3339(at(1764067320)), "2025-11-25T10:42:00Z");
  EXPECT_EQ(formatRfc3339(at(0)), "1970-01-01T00:00:00Z");
}

TEST(Rfc3339, FormatsMicroseconds) {
  auto t = at(1764067320) + std::chrono::microseconds(123456);
  EXPECT_EQ(formatRfc3339Micro(t), "2025-11-25T10:42:00.123456Z");
}

TEST(Rfc3339, ParsesWhatItFormats) {
  auto t = at(1764067320) + std::chrono::microseconds(5);
  EXPECT_EQ(parseRfc3339(formatRfc3339Micro(t)), t);
  EXPECT_EQ(parseRfc3339("2025-11-25T10:42:00Z"), at(1764067320));
}

TEST(Rfc3339, AppliesOffsets) {
  EXPECT_EQ(parseRfc3339("2025-11-25T12:42:00+02:00"), at(1764067320));
  EXPECT_EQ(parseRfc3339("2025-11-25T05:12:00-05:30"), at(1764067320));
}

TEST(Rfc3339, LeapDayAndEpochBoundaries) {
  // 2024-02-29T00:00:00Z = 19782 days after the epoch.
  EXPECT_EQ(parseRfc3339("2024-02-29T00:00:00Z"), at(19782LL * 86400));
  EXPECT_EQ(formatRfc3339(at(19782LL * 86400)), "2024-02-29T00:00:00Z");
}

TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad : {"", "2025-11-25", "2025-11-25 10:42:00Z", "2025-13-01T00:00:00Z",
                          "2025-11-25T10:42:00", "2025-11-25T10:42:00.Z", "2025-11-25T10:42:00Zjunk",
                          "2025-11-25T10:42:00+0200"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

TEST(Duration, ParsesGoSyntax) {
  struct Case {
    const char* text;
    long long ms;
  } cases[] = {{"0", 0},        {"30s", 30000},   {"2m", 120000},     {"1h30m", 5400000},
               {"250ms", 250},  {"1.5s", 1500},   {"24h", 86400000},  {"-2m", -120000},
               {"1m0.5s", 60500}, {"1500us", 2}, {"0s", 0}};
  for (const auto& c : cases) {
    auto parsed = parseDuration(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed->count(), c.ms) << c.text;
  }
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "s", "10", "10x", "1.2.3s", "m5", "--1s", "1 s"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(formatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(formatDuration(milliseconds(90000)), "1m30s");
  EXPECT_EQ(formatDuration(milliseconds(3600000)), "1h");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(formatDuration(milliseconds(250)), "0.25s");
  EXPECT_EQ(formatDuration(milliseconds(-2000)), "-2s");
  EXPECT_EQ(parseDuration(formatDuration(milliseconds(5400250)))->count(), 5400250);
}

}  // namespace
}  // namespace modelops
