// FaultInjector: deterministic fault injection for the dev API server (tests and chaos demos).
// Errors per verb at a rate (500/503/429 with Retry-After), added latency, closing every watch
// stream after an interval, forced history compaction (the next watch from an older
// resourceVersion gets 410) and full outages (every API request answers 503 until the outage
// ends). Decisions come from a seeded generator, so a given seed and request sequence always
// injects the same faults.
// Thread-safety: all members are safe to call concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/common/clock.h"

namespace modelops::devserver {

struct ErrorFault {
  double rate = 0;            // 0..1, fraction of matching requests that fail
  int code = 500;             // 500, 503 or 429
  int retryAfterSeconds = 1;  // sent as Retry-After for 429 and 503
};

// What to do with one request.
struct FaultDecision {
  std::chrono::milliseconds delay{0};
  std::optional<int> errorCode;  // answer this instead of serving
  int retryAfterSeconds = 0;
  bool outage = false;
};

class FaultInjector {
 public:
  explicit FaultInjector(const Clock& clock, std::uint64_t seed = 1);

  // verb: get, list, watch, create, update, patch, delete, deletecollection, or "*" for all.
  void setErrorRate(const std::string& verb, ErrorFault fault);
  void setLatency(std::chrono::milliseconds latency);
  // 0 disables. Every watch stream ends after this long (clients must re-watch).
  void setWatchCloseInterval(std::chrono::milliseconds interval);
  std::chrono::milliseconds watchCloseInterval() const;
  // Every API request answers 503 for this long from now.
  void startOutage(std::chrono::milliseconds duration);
  bool inOutage() const;
  // Drops the watch history now (wired to the store by DevServer).
  void forceCompaction();
  void setCompactionHandler(std::function<void()> handler);
  void reseed(std::uint64_t seed);
  // Clears every fault.
  void reset();

  FaultDecision decide(const std::string& verb);
  nlohmann::json describe() const;
  // Applies a JSON configuration as the admin endpoint receives it:
  // {"seed":1,"latencyMs":10,"watchCloseSeconds":5,"outageSeconds":3,"compact":true,
  //  "errors":{"list":{"rate":0.5,"code":503,"retryAfterSeconds":2}}}. Error text when malformed.
  std::optional<std::string> configure(const nlohmann::json& config);

 private:
  const Clock& clock_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  std::map<std::string, ErrorFault> errors_;
  std::chrono::milliseconds latency_{0};
  std::chrono::milliseconds watchClose_{0};
  Clock::MonoTime outageUntil_{};
  std::function<void()> compaction_;
};

}  // namespace modelops::devserver
