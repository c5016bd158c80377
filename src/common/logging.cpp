// Structured logging: see include/modelops/common/logging.h.
// The payload handed to spdlog is always a JSON object {"msg": ..., fields...}; one of two
// formatters renders it as text or as a JSON line, so call sites do not depend on the format.
#include "modelops/common/logging.h"

#include <chrono>
#include <memory>

#include <spdlog/cfg/env.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "modelops/common/time.h"

namespace modelops {
namespace {

nlohmann::json payloadOf(const spdlog::details::log_msg& msg) {
  std::string_view text(msg.payload.data(), msg.payload.size());
  if (!text.empty() && text.front() == '{') {
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("msg")) return parsed;
  }
  return nlohmann::json{{"msg", std::string(text)}};  // a plain spdlog call from elsewhere
}

std::string levelName(spdlog::level::level_enum level) {
  auto sv = spdlog::level::to_string_view(level);
  return std::string(sv.data(), sv.size());
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line = {{"ts", formatRfc3339Micro(msg.time)}, {"level", levelName(msg.level)}};
    auto payload = payloadOf(msg);  // items() must not iterate a temporary
    for (auto& [key, value] : payload.items()) line[key] = value;
    auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

class TextFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto payload = payloadOf(msg);
    std::string line = formatRfc3339Micro(msg.time) + " " + levelName(msg.level) + " " +
                       payload["msg"].get<std::string>();
    for (auto& [key, value] : payload.items()) {
      if (key == "msg") continue;
      line += " " + key + "=";
      if (value.is_object() && value.contains("name") && value.size() <= 2) {
        auto ns = value.value("namespace", "");
        line += ns.empty() ? value["name"].get<std::string>() : ns + "/" + value["name"].get<std::string>();
      } else if (value.is_string()) {
        line += value.get<std::string>();
      } else {
        line += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
    }
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<TextFormatter>(); }
};

}  // namespace

Result<LogFormat> parseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::Text;
  if (text == "json") return LogFormat::Json;
  return Error{"InvalidInput", "log format must be text or json, got \"" + std::string(text) + "\""};
}

Status configureLogging(std::string_view level, LogFormat format, spdlog::sink_ptr sink) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off")
    return Error{"InvalidInput", "log level must be trace, debug, info, warn, error or off, got \"" +
                                     std::string(level) + "\""};
  spdlog::drop("modelops");  // configureLogging may be called again (tests, re-configuration)
  auto logger = sink ? std::make_shared<spdlog::logger>("modelops", sink) : spdlog::stderr_color_mt("modelops");
  spdlog::set_default_logger(logger);
  if (format == LogFormat::Json)
    logger->set_formatter(std::make_unique<JsonFormatter>());
  else
    logger->set_formatter(std::make_unique<TextFormatter>());
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::info);
  spdlog::cfg::load_env_levels();
  return {};
}

void log(spdlog::level::level_enum level, std::string_view message, const nlohmann::json& fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  nlohmann::json payload = fields.is_object() ? fields : nlohmann::json::object();
  payload["msg"] = message;
  logger->log(level, "{}", payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace modelops
