// RedisDeduper over hiredis (compiled when MODELOPS_GATEWAY_HAVE_HIREDIS). See redis_deduper.h.
// Thread-safety: the connection and the retry time are guarded by one mutex; a call holds it for at most one
// connect timeout plus one command timeout.
#include "modelops/gateway/feedback/redis_deduper.h"

#include <charconv>
#include <chrono>
#include <mutex>

#ifdef MODELOPS_GATEWAY_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace modelops::gateway {

Result<RedisOptions, std::string> parseRedisAddress(std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return "redis address " + std::string(address) + ": expected host:port";
  const std::string_view portText = address.substr(colon + 1);
  int port = 0;
  const auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || end != portText.data() + portText.size() || port < 1 || port > 65535) {
    return "redis address " + std::string(address) + ": port must be 1..65535";
  }
  RedisOptions options;
  options.host = std::string(address.substr(0, colon));
  options.port = port;
  return options;
}

#ifdef MODELOPS_GATEWAY_HAVE_HIREDIS

namespace {

timeval toTimeval(std::int64_t ms) { return timeval{time_t(ms / 1000), suseconds_t((ms % 1000) * 1000)}; }

class RedisDeduper final : public LabelDeduper {
 public:
  RedisDeduper(RedisOptions options, std::shared_ptr<WindowDeduper> fallback, GatewayMetrics& metrics)
      : options_(std::move(options)), fallback_(std::move(fallback)), metrics_(metrics) {}
  ~RedisDeduper() override {
    if (context_ != nullptr) redisFree(context_);
  }

  bool markFirst(std::string_view key, std::int64_t nowMs, std::int64_t ttlMs) override {
    return markFirstBatch({std::string(key)}, nowMs, {ttlMs}).front();
  }

  std::vector<bool> markFirstBatch(const std::vector<std::string>& keys, std::int64_t nowMs,
                                   const std::vector<std::int64_t>& ttlMs) override {
    // The window always learns the keys too, so an outage falls back on what this replica has seen.
    std::vector<bool> local = fallback_->markFirstBatch(keys, nowMs, ttlMs);
    std::lock_guard lock(mutex_);
    if (!connectedLocked()) return fallbackAnswer(std::move(local));
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string key = options_.keyPrefix + keys[i];
      redisAppendCommand(context_, "SET %b 1 NX PX %lld", key.data(), key.size(), static_cast<long long>(ttlMs[i]));
    }
    std::vector<bool> out(keys.size(), false);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
        dropConnectionLocked();
        return fallbackAnswer(std::move(local));
      }
      auto* reply = static_cast<redisReply*>(raw);
      const bool error = reply->type == REDIS_REPLY_ERROR;
      out[i] = reply->type == REDIS_REPLY_STATUS;  // "OK": set; nil: already there
      freeReplyObject(reply);
      if (error) {  // e.g. OOM or a read-only replica: this batch is answered from memory
        dropConnectionLocked();
        return fallbackAnswer(std::move(local));
      }
    }
    return out;
  }

 private:
  std::vector<bool> fallbackAnswer(std::vector<bool> local) {
    metrics_.dedupeFallback();
    return local;
  }

  bool connectedLocked() {
    if (context_ != nullptr) return true;
    const auto now = std::chrono::steady_clock::now();
    if (attempted_ && now - lastAttempt_ < std::chrono::milliseconds(options_.retryIntervalMs)) return false;
    attempted_ = true;
    lastAttempt_ = now;
    redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port, toTimeval(options_.connectTimeoutMs));
    if (c == nullptr || c->err != 0 || redisSetTimeout(c, toTimeval(options_.commandTimeoutMs)) != REDIS_OK) {
      if (c != nullptr) redisFree(c);
      return false;
    }
    context_ = c;
    return true;
  }

  void dropConnectionLocked() {
    redisFree(context_);
    context_ = nullptr;
    lastAttempt_ = std::chrono::steady_clock::now();
  }

  RedisOptions options_;
  std::shared_ptr<WindowDeduper> fallback_;
  GatewayMetrics& metrics_;
  std::mutex mutex_;
  redisContext* context_ = nullptr;
  bool attempted_ = false;
  std::chrono::steady_clock::time_point lastAttempt_{};
};

}  // namespace

Result<std::shared_ptr<LabelDeduper>, std::string> makeRedisDeduper(RedisOptions options,
                                                                   std::shared_ptr<WindowDeduper> fallback,
                                                                   GatewayMetrics& metrics) {
  if (!fallback) return std::string("redis deduper: a fallback window is required");
  return std::shared_ptr<LabelDeduper>(std::make_shared<RedisDeduper>(std::move(options), std::move(fallback), metrics));
}

#else

Result<std::shared_ptr<LabelDeduper>, std::string> makeRedisDeduper(RedisOptions, std::shared_ptr<WindowDeduper>,
                                                                   GatewayMetrics&) {
  return std::string("redis deduper: this build has no hiredis (install libhiredis-dev and rebuild)");
}

#endif

}  // namespace modelops::gateway
