// Structured logging on top of spdlog's default logger.
// log(level, "message", {{"key", value}}) records a message with fields. The sink renders either
// text ("2026-11-25T10:42:00.123Z info reconciled object=ml/fraud duration_ms=3") or one JSON object
// per line ({"ts":..., "level":..., "msg":..., "object": {...}}), the keys Kubernetes components use.
// Never pass tokens, keys or certificates as fields.
// Thread-safety: safe from any thread (spdlog's logger is thread-safe).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "modelops/common/result.h"

namespace modelops {

enum class LogFormat { Text, Json };

// level: trace|debug|info|warn|error|off. SPDLOG_LEVEL in the environment overrides it.
// Logs go to stderr unless a sink is given (tests capture output that way).
Status configureLogging(std::string_view level, LogFormat format, spdlog::sink_ptr sink = nullptr);
Result<LogFormat> parseLogFormat(std::string_view text);

void log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields = {});
inline void logDebug(std::string_view m, const nlohmann::json& f = {}) { log(spdlog::level::debug, m, f); }
inline void logInfo(std::string_view m, const nlohmann::json& f = {}) { log(spdlog::level::info, m, f); }
inline void logWarn(std::string_view m, const nlohmann::json& f = {}) { log(spdlog::level::warn, m, f); }
inline void logError(std::string_view m, const nlohmann::json& f = {}) { log(spdlog::level::err, m, f); }

// {"name": ..., "namespace": ...} as Kubernetes logs refer to objects.
inline nlohmann::json objectRef(std::string_view ns, std::string_view name) {
  return {{"namespace", ns}, {"name", name}};
}

}  // namespace modelops
