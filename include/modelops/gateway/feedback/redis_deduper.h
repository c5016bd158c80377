// RedisDeduper: counts a label once across gateway replicas with Redis (SET dedupe:<key> 1 NX PX <ttl>, a batch
// pipelined in one round trip). Every call is bounded in time (connect and command timeouts); when Redis is
// unreachable or answers an error, the call falls back to the in-memory WindowDeduper (per replica) and counts it
// (GatewayMetrics::dedupeFallback); reconnects are attempted at most once per retryIntervalMs, so a Redis
// outage never blocks the gateway for longer than one connect timeout per interval.
// Available when built with hiredis (MODELOPS_GATEWAY_HAVE_HIREDIS); makeRedisDeduper returns an error otherwise.
// Thread-safety: all members are safe from any thread (one connection, guarded by a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "modelops/common/result.h"
#include "modelops/gateway/feedback/gateway_metrics.h"
#include "modelops/gateway/feedback/label_deduper.h"

namespace modelops::gateway {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::int64_t connectTimeoutMs = 200;
  std::int64_t commandTimeoutMs = 200;
  std::int64_t retryIntervalMs = 1000;
  std::string keyPrefix = "modelops:feedback:";
};

// Parses "host:port" (port required, 1..65535) into options (other fields default).
Result<RedisOptions, std::string> parseRedisAddress(std::string_view address);

// The deduper; connects lazily. fallback is used while Redis is unreachable.
Result<std::shared_ptr<LabelDeduper>, std::string> makeRedisDeduper(RedisOptions options,
                                                                   std::shared_ptr<WindowDeduper> fallback,
                                                                   GatewayMetrics& metrics);

}  // namespace modelops::gateway
