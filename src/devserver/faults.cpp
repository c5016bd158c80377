// FaultInjector; see include/modelops/devserver/faults.h.
// Thread-safety: mu_ guards every field; the compaction handler runs outside the lock.
#include "modelops/devserver/faults.h"

namespace modelops::devserver {

FaultInjector::FaultInjector(const Clock& clock, std::uint64_t seed) : clock_(clock), rng_(seed) {}

void FaultInjector::setErrorRate(const std::string& verb, ErrorFault fault) {
  std::lock_guard lock(mu_);
  if (fault.rate <= 0) errors_.erase(verb);
  else errors_[verb] = fault;
}

void FaultInjector::setLatency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_ = latency;
}

void FaultInjector::setWatchCloseInterval(std::chrono::milliseconds interval) {
  std::lock_guard lock(mu_);
  watchClose_ = interval;
}

std::chrono::milliseconds FaultInjector::watchCloseInterval() const {
  std::lock_guard lock(mu_);
  return watchClose_;
}

void FaultInjector::startOutage(std::chrono::milliseconds duration) {
  std::lock_guard lock(mu_);
  outageUntil_ = clock_.monotonic() + duration;
}

bool FaultInjector::inOutage() const {
  std::lock_guard lock(mu_);
  return clock_.monotonic() < outageUntil_;
}

void FaultInjector::setCompactionHandler(std::function<void()> handler) {
  std::lock_guard lock(mu_);
  compaction_ = std::move(handler);
}

void FaultInjector::forceCompaction() {
  std::function<void()> handler;
  {
    std::lock_guard lock(mu_);
    handler = compaction_;
  }
  if (handler) handler();
}

void FaultInjector::reseed(std::uint64_t seed) {
  std::lock_guard lock(mu_);
  rng_.seed(seed);
}

void FaultInjector::reset() {
  std::lock_guard lock(mu_);
  errors_.clear();
  latency_ = std::chrono::milliseconds(0);
  watchClose_ = std::chrono::milliseconds(0);
  outageUntil_ = {};
}

FaultDecision FaultInjector::decide(const std::string& verb) {
  std::lock_guard lock(mu_);
  FaultDecision d;
  d.delay = latency_;
  if (clock_.monotonic() < outageUntil_) {
    d.outage = true;
    d.errorCode = 503;
    d.retryAfterSeconds = 1;
    return d;
  }
  auto it = errors_.find(verb);
  if (it == errors_.end()) it = errors_.find("*");
  if (it == errors_.end()) return d;
  double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if (draw < it->second.rate) {
    d.errorCode = it->second.code;
    if (it->second.code == 429 || it->second.code == 503) d.retryAfterSeconds = it->second.retryAfterSeconds;
  }
  return d;
}

nlohmann::json FaultInjector::describe() const {
  std::lock_guard lock(mu_);
  nlohmann::json errors = nlohmann::json::object();
  for (const auto& [verb, f] : errors_)
    errors[verb] = {{"rate", f.rate}, {"code", f.code}, {"retryAfterSeconds", f.retryAfterSeconds}};
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(outageUntil_ - clock_.monotonic());
  return {{"errors", errors},
          {"latencyMs", latency_.count()},
          {"watchCloseMs", watchClose_.count()},
          {"outageRemainingMs", remaining.count() > 0 ? remaining.count() : 0}};
}

std::optional<std::string> FaultInjector::configure(const nlohmann::json& c) {
  if (!c.is_object()) return "fault configuration must be a JSON object";
  auto number = [&](const char* key, double& out) -> std::optional<std::string> {
    if (!c.contains(key)) return std::nullopt;
    if (!c[key].is_number() || c[key].get<double>() < 0) return std::string(key) + ": must be a non-negative number";
    out = c[key].get<double>();
    return std::nullopt;
  };
  double seed = -1, latency = -1, watchClose = -1, outage = -1;
  for (auto [key, target] : {std::pair{"seed", &seed}, {"latencyMs", &latency}, {"watchCloseSeconds", &watchClose},
                             {"outageSeconds", &outage}})
    if (auto err = number(key, *target)) return err;
  std::map<std::string, ErrorFault> errors;
  if (c.contains("errors")) {
    if (!c["errors"].is_object()) return "errors: must be an object of verb -> {rate, code, retryAfterSeconds}";
    for (auto it = c["errors"].begin(); it != c["errors"].end(); ++it) {
      const auto& e = it.value();
      if (!e.is_object() || !e.contains("rate") || !e["rate"].is_number()) return "errors." + it.key() + ".rate: required number";
      ErrorFault f;
      f.rate = e["rate"].get<double>();
      f.code = e.value("code", 500);
      f.retryAfterSeconds = e.value("retryAfterSeconds", 1);
      if (f.rate < 0 || f.rate > 1) return "errors." + it.key() + ".rate: must be between 0 and 1";
      if (f.code != 500 && f.code != 503 && f.code != 429) return "errors." + it.key() + ".code: must be 500, 503 or 429";
      errors[it.key()] = f;
    }
  }
  if (c.value("reset", false)) reset();
  if (seed >= 0) reseed(static_cast<std::uint64_t>(seed));
  if (latency >= 0) setLatency(std::chrono::milliseconds(static_cast<long>(latency)));
  if (watchClose >= 0) setWatchCloseInterval(std::chrono::milliseconds(static_cast<long>(watchClose * 1000)));
  if (outage >= 0) startOutage(std::chrono::milliseconds(static_cast<long>(outage * 1000)));
  for (const auto& [verb, f] : errors) setErrorRate(verb, f);
  if (c.value("compact", false)) forceCompaction();
  return std::nullopt;
}

}  // namespace modelops::devserver
