// spec.retraining.triggers.schedule: a 5-field cron expression (minute hour day-of-month month
// day-of-week) and the next time it fires. Fields take `*`, numbers, ranges `a-b`, steps `*/n` and
// `a-b/n`, `a/n` (from a to the end), lists `a,b`; months JAN-DEC and days SUN-SAT by name (either case),
// day-of-week 0-7 (0 and 7 are Sunday). Macros: @yearly @annually @monthly @weekly @daily @midnight
// @hourly. As in Vixie cron, when both day-of-month and day-of-week are restricted a day matching either
// fires. Times are wall-clock times in a time zone given as its UTC offset at an instant (the operator
// passes its own zone's: TZ of the process); a local time that a daylight-saving change skips fires at
// the first minute after it, one that repeats fires once.
// Thread-safety: pure functions and plain values.
#pragma once

#include <bitset>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "modelops/common/result.h"
#include "modelops/common/time.h"

namespace modelops::api {

struct CronSchedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> daysOfMonth;  // 1..31
  std::bitset<13> months;       // 1..12
  std::bitset<7> daysOfWeek;    // 0 = Sunday
  bool anyDayOfMonth = true;    // the field was `*` (or `*/1`)
  bool anyDayOfWeek = true;
};

// Parses `text` (at most 256 characters); the error names the field ("hour: 25 is out of range 0-23").
Result<CronSchedule, std::string> parseCron(std::string_view text);

// Seconds east of UTC at a UTC instant; empty: UTC.
using UtcOffsetAt = std::function<std::chrono::seconds(WallTime)>;

// The first minute strictly after `after` at which `schedule` fires, nullopt when none within 5 years
// (e.g. "0 0 30 2 *": February 30th).
std::optional<WallTime> nextCronTime(const CronSchedule& schedule, WallTime after, const UtcOffsetAt& offset = {});

}  // namespace modelops::api
