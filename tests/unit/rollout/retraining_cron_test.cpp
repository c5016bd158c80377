// unit.rollout: the cron parser and next-time function of spec.retraining.triggers.schedule
// (api/cron.h): fields, ranges, steps, names, macros, the day-of-month/day-of-week rule, time zones.
#include <gtest/gtest.h>

#include "modelops/api/cron.h"

namespace modelops::api {
namespace {

WallTime at(const std::string& rfc3339) { return *parseRfc3339(rfc3339); }

std::string nextAfter(const std::string& expr, const std::string& after, const UtcOffsetAt& offset = {}) {
  auto cron = parseCron(expr);
  if (!cron) return "parse error: " + cron.error();
  auto next = nextCronTime(*cron, at(after), offset);
  return next ? formatRfc3339(*next) : "never";
}

TEST(RetrainingCron, NextTimes) {
  EXPECT_EQ(nextAfter("* * * * *", "2026-03-01T10:00:30Z"), "2026-03-01T10:01:00Z");
  EXPECT_EQ(nextAfter("0 * * * *", "2026-03-01T10:00:00Z"), "2026-03-01T11:00:00Z") << "strictly after";
  EXPECT_EQ(nextAfter("*/15 9-17 * * MON-FRI", "2026-03-06T17:50:00Z"), "2026-03-09T09:00:00Z");  // Fri -> Mon
  EXPECT_EQ(nextAfter("30 2 1 * *", "2026-01-31T00:00:00Z"), "2026-02-01T02:30:00Z");
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(nextAfter("0 0 30 2 *", "2026-03-01T00:00:00Z"), "never");
  EXPECT_EQ(nextAfter("@daily", "2026-12-31T23:59:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(nextAfter("@weekly", "2026-03-01T00:00:00Z"), "2026-03-08T00:00:00Z");  // 1 March 2026 is a Sunday
  EXPECT_EQ(nextAfter("0 12 * * 7", "2026-03-02T00:00:00Z"), "2026-03-08T12:00:00Z");  // 7 is Sunday
  EXPECT_EQ(nextAfter("5,35 1-3/2 * jan,Jul *", "2026-01-01T01:40:00Z"), "2026-01-01T03:05:00Z");
  EXPECT_EQ(nextAfter("10/20 0 1 1 *", "2026-06-01T00:00:00Z"), "2027-01-01T00:10:00Z");
}

TEST(RetrainingCron, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 15th or any Monday (Vixie cron): from Sunday 1 March 2026 the next is Monday 2 March.
  EXPECT_EQ(nextAfter("0 0 15 * MON", "2026-03-01T00:00:00Z"), "2026-03-02T00:00:00Z");
  EXPECT_EQ(nextAfter("0 0 15 * MON", "2026-03-09T00:00:00Z"), "2026-03-15T00:00:00Z");
}

TEST(RetrainingCron, OperatorsTimeZone) {
  // UTC+2 all year: 03:00 local is 01:00 UTC.
  UtcOffsetAt plusTwo = [](WallTime) { return std::chrono::seconds(2 * 3600); };
  EXPECT_EQ(nextAfter("0 3 * * *", "2026-03-01T00:00:00Z", plusTwo), "2026-03-01T01:00:00Z");
  EXPECT_EQ(nextAfter("0 3 * * *", "2026-03-01T01:00:00Z", plusTwo), "2026-03-02T01:00:00Z");
  // UTC-5: midnight local is 05:00 UTC.
  UtcOffsetAt minusFive = [](WallTime) { return std::chrono::seconds(-5 * 3600); };
  EXPECT_EQ(nextAfter("@daily", "2026-03-01T04:00:00Z", minusFive), "2026-03-01T05:00:00Z");
}

TEST(RetrainingCron, ErrorsNameTheField) {
  auto error = [](const std::string& expr) {
    auto r = parseCron(expr);
    return r ? std::string("ok") : r.error();
  };
  EXPECT_EQ(error("0 25 * * *"), "hour: 25 is out of range 0-23");
  EXPECT_EQ(error("* * * *"), "expected 5 fields (minute hour day-of-month month day-of-week), got 4");
  EXPECT_EQ(error("0 0 0 * *"), "day-of-month: 0 is out of range 1-31");
  EXPECT_EQ(error("0 0 * FOO *"), "month: unknown name \"FOO\"");
  EXPECT_EQ(error("*/0 * * * *"), "minute: step 0 is out of range");
  EXPECT_EQ(error("5-1 * * * *"), "minute: range 5-1 runs backwards");
  EXPECT_EQ(error("a * * * *"), "minute: \"a\" is not a number");
  EXPECT_EQ(error("1,,2 * * * *"), "minute: empty value");
  EXPECT_EQ(error(std::string(300, '*')), "longer than 256 characters");
  EXPECT_EQ(error("@hourly"), "ok");
}

}  // namespace
}  // namespace modelops::api
