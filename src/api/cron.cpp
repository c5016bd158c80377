// The cron parser and next-time function of spec.retraining.triggers.schedule; see api/cron.h.
// Thread-safety: pure functions.
#include "modelops/api/cron.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace modelops::api {
namespace {

constexpr std::size_t kMaxCronText = 256;

struct CronField {
  const char* name;
  int low;
  int high;
  const char* const* names;  // names of low.. (nullptr: numbers only)
  int namesFrom;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", nullptr};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", nullptr};

constexpr std::array<CronField, 5> kCronFields{{{"minute", 0, 59, nullptr, 0},
                                                {"hour", 0, 23, nullptr, 0},
                                                {"day-of-month", 1, 31, nullptr, 0},
                                                {"month", 1, 12, kMonthNames, 1},
                                                {"day-of-week", 0, 7, kDayNames, 0}}};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<int, std::string> cronValue(std::string_view text, const CronField& f) {
  if (text.empty()) return std::string(f.name) + ": empty value";
  if (f.names && std::isalpha(static_cast<unsigned char>(text.front()))) {
    const auto want = upper(text);
    for (int i = 0; f.names[i]; ++i)
      if (want == f.names[i]) return f.namesFrom + i;
    return std::string(f.name) + ": unknown name \"" + std::string(text) + "\"";
  }
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::string(f.name) + ": \"" + std::string(text) + "\" is not a number";
    v = v * 10 + (c - '0');
    if (v > 1000) break;
  }
  if (v < f.low || v > f.high)
    return std::string(f.name) + ": " + std::string(text) + " is out of range " + std::to_string(f.low) + "-" +
           std::to_string(f.high);
  return v;
}

// One comma-separated item: "*", "5", "1-5", "*/15", "1-30/5", "10/5".
Result<void, std::string> cronItem(std::string_view item, const CronField& f, std::vector<bool>& out) {
  int step = 1;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    auto stepText = item.substr(slash + 1);
    int v = 0;
    if (stepText.empty()) return std::string(f.name) + ": missing step after /";
    for (char c : stepText) {
      if (c < '0' || c > '9') return std::string(f.name) + ": step \"" + std::string(stepText) + "\" is not a number";
      v = v * 10 + (c - '0');
      if (v > 1000) break;
    }
    if (v < 1 || v > f.high) return std::string(f.name) + ": step " + std::string(stepText) + " is out of range";
    step = v;
    item = item.substr(0, slash);
  }
  int from = f.low, to = f.high;
  if (item != "*") {
    auto dash = item.find('-');
    auto first = cronValue(item.substr(0, dash), f);
    if (!first) return first.error();
    from = *first;
    to = step > 1 && dash == std::string_view::npos ? f.high : from;
    if (dash != std::string_view::npos) {
      auto last = cronValue(item.substr(dash + 1), f);
      if (!last) return last.error();
      to = *last;
      if (to < from) return std::string(f.name) + ": range " + std::string(item) + " runs backwards";
    }
  }
  for (int v = from; v <= to; v += step) out[static_cast<std::size_t>(v)] = true;
  return {};
}

Result<std::vector<bool>, std::string> cronFieldValues(std::string_view text, const CronField& f) {
  std::vector<bool> out(static_cast<std::size_t>(f.high) + 1, false);
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    auto r = cronItem(item, f, out);
    if (!r) return r.error();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string_view expandMacro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return text;
}

// Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day, hour, minute;
};

Civil civilFromMinutes(std::int64_t minutes) {
  std::int64_t days = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440;
  const auto inDay = static_cast<unsigned>(minutes - days * 1440);
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d, inDay / 60, inDay % 60};
}

bool dayMatches(const CronSchedule& s, const Civil& c, std::int64_t localMinutes) {
  std::int64_t days = localMinutes >= 0 ? localMinutes / 1440 : (localMinutes - 1439) / 1440;
  const auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  const bool dom = s.daysOfMonth[c.day];
  const bool dow = s.daysOfWeek[weekday];
  if (s.anyDayOfMonth && s.anyDayOfWeek) return true;
  if (s.anyDayOfMonth) return dow;
  if (s.anyDayOfWeek) return dom;
  return dom || dow;
}

// The first local minute >= `local` (minutes since the epoch, local wall clock) that matches.
std::optional<std::int64_t> nextLocalMinute(const CronSchedule& s, std::int64_t local, std::int64_t limit) {
  while (local < limit) {
    const Civil c = civilFromMinutes(local);
    const std::int64_t dayStart = local - c.hour * 60 - c.minute;
    if (!s.months[c.month]) {
      const auto nextMonth = c.month == 12 ? Civil{c.year + 1, 1, 1, 0, 0} : Civil{c.year, c.month + 1, 1, 0, 0};
      local = daysFromCivil(nextMonth.year, nextMonth.month, 1) * 1440;
    } else if (!dayMatches(s, c, local)) {
      local = dayStart + 1440;
    } else if (!s.hours[c.hour]) {
      local = dayStart + (c.hour + 1) * 60;
    } else if (!s.minutes[c.minute]) {
      ++local;
    } else {
      return local;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<CronSchedule, std::string> parseCron(std::string_view text) {
  if (text.size() > kMaxCronText) return std::string("longer than 256 characters");
  text = expandMacro(text);
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) parts.push_back(text.substr(i, j - i));
    i = j;
  }
  if (parts.size() != 5)
    return "expected 5 fields (minute hour day-of-month month day-of-week), got " + std::to_string(parts.size());
  CronSchedule s;
  std::array<std::vector<bool>, 5> values;
  for (std::size_t f = 0; f < 5; ++f) {
    auto v = cronFieldValues(parts[f], kCronFields[f]);
    if (!v) return v.error();
    values[f] = std::move(*v);
  }
  for (std::size_t v = 0; v < 60; ++v) s.minutes[v] = values[0][v];
  for (std::size_t v = 0; v < 24; ++v) s.hours[v] = values[1][v];
  for (std::size_t v = 1; v < 32; ++v) s.daysOfMonth[v] = values[2][v];
  for (std::size_t v = 1; v < 13; ++v) s.months[v] = values[3][v];
  for (std::size_t v = 0; v < 7; ++v) s.daysOfWeek[v] = values[4][v];
  if (values[4][7]) s.daysOfWeek[0] = true;  // 7 is Sunday too
  s.anyDayOfMonth = parts[2] == "*" || parts[2] == "*/1";
  s.anyDayOfWeek = parts[4] == "*" || parts[4] == "*/1";
  return s;
}

std::optional<WallTime> nextCronTime(const CronSchedule& schedule, WallTime after, const UtcOffsetAt& offset) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  auto offsetAt = [&](WallTime t) { return offset ? offset(t) : seconds(0); };
  // The next whole UTC minute after `after`, then in local wall-clock minutes.
  auto utcMinutes = std::chrono::floor<minutes>(after.time_since_epoch()).count() + 1;
  WallTime from{minutes(utcMinutes)};
  const auto localStart = utcMinutes + std::chrono::floor<minutes>(offsetAt(from)).count();
  const std::int64_t limit = localStart + std::int64_t{5} * 366 * 1440;
  for (std::int64_t local = localStart; local < limit;) {
    auto found = nextLocalMinute(schedule, local, limit);
    if (!found) return std::nullopt;
    // Local to UTC with the offset in force at that instant (two rounds settle a change of offset).
    WallTime guess{minutes(*found)};
    guess -= offsetAt(guess);
    guess = WallTime{minutes(*found)} - offsetAt(guess);
    if (guess > after) return guess;
    local = *found + 1;  // a repeated local hour: that minute was already in the past
  }
  return std::nullopt;
}

}  // namespace modelops::api
