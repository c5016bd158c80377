// Timestamps and durations as the Kubernetes API writes them.
// RFC 3339 in UTC ("2026-11-25T10:42:00Z", optional fraction on input), and Go-style durations
// ("30s", "2m", "1h30m", "250ms") as used in ModelDeployment specs.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace modelops {

using WallTime = std::chrono::system_clock::time_point;

// "2026-11-25T10:42:00Z" (seconds precision, as metav1.Time).
std::string formatRfc3339(WallTime t);
// "2026-11-25T10:42:00.123456Z" (microseconds, as metav1.MicroTime).
std::string formatRfc3339Micro(WallTime t);
// Accepts "Z" or a "+hh:mm"/"-hh:mm" offset and an optional fraction. nullopt when malformed.
std::optional<WallTime> parseRfc3339(std::string_view text);

// Go duration syntax: a sequence of <number><unit> with units ns, us, ms, s, m, h; a leading '-'
// is allowed (so callers can reject negative values with a clear message). "0" is zero.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);
// The shortest Go-style text for a duration: 90000ms -> "1m30s", 0 -> "0s".
std::string formatDuration(std::chrono::milliseconds d);

}  // namespace modelops
