// Query template rendering and validation (see query_template.h).
// Thread-safety: pure functions.
#include "modelops/analysis/query_template.h"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace modelops::analysis {
namespace {

constexpr std::string_view kArgsPrefix = "args.";

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Calls onText(text) and onPlaceholder(name) in order; returns an error for "{{" without "}}".
template <class OnText, class OnPlaceholder>
Status scan(std::string_view text, OnText onText, OnPlaceholder onPlaceholder) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      onText(text.substr(pos));
      break;
    }
    onText(text.substr(pos, open - pos));
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Error{"InvalidTemplate", "unterminated \"{{\" at offset " + std::to_string(open)};
    }
    if (auto st = onPlaceholder(trim(text.substr(open + 2, close - open - 2))); !st.ok()) return st;
    pos = close + 2;
  }
  return {};
}

}  // namespace

std::vector<std::string> templatePlaceholders(std::string_view text) {
  std::vector<std::string> names;
  (void)scan(
      text, [](std::string_view) {},
      [&](std::string_view name) -> Status {
        names.emplace_back(name);
        return {};
      });
  return names;
}

bool isKnownPlaceholder(std::string_view p) {
  static constexpr std::string_view kNames[] = {"name",     "namespace", "model",           "version",
                                                "revision", "track",     "analysis.elapsed"};
  if (std::find(std::begin(kNames), std::end(kNames), p) != std::end(kNames)) return true;
  return p.size() > kArgsPrefix.size() && p.substr(0, kArgsPrefix.size()) == kArgsPrefix;
}

Status validateTemplate(std::string_view text, const std::vector<std::string>& declaredArgs) {
  return scan(
      text, [](std::string_view) {},
      [&](std::string_view name) -> Status {
        if (!isKnownPlaceholder(name)) {
          return Error{"InvalidTemplate", "unknown placeholder {{" + std::string(name) +
                                              "}} (known: name, namespace, model, version, revision, "
                                              "track, analysis.elapsed, args.<key>)"};
        }
        if (name.substr(0, kArgsPrefix.size()) == kArgsPrefix) {
          const auto key = name.substr(kArgsPrefix.size());
          if (std::find(declaredArgs.begin(), declaredArgs.end(), key) == declaredArgs.end()) {
            return Error{"InvalidTemplate", "placeholder {{" + std::string(name) + "}} names an undeclared arg \"" +
                                                std::string(key) + "\""};
          }
        }
        return {};
      });
}

std::string escapePromQLString(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out;
}

std::string percentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string escapeJsonString(std::string_view value) {
  const std::string quoted = nlohmann::json(std::string(value)).dump();
  return quoted.substr(1, quoted.size() - 2);
}

std::string analysisElapsedText(std::chrono::milliseconds sinceStart) {
  const auto seconds = std::max(std::chrono::duration_cast<std::chrono::seconds>(sinceStart), kMinAnalysisElapsed);
  return std::to_string(seconds.count()) + "s";
}

Result<std::string> renderTemplate(std::string_view text, const TemplateVars& vars, Escaping escaping) {
  std::string out;
  auto escape = [&](std::string_view v) -> std::string {
    switch (escaping) {
      case Escaping::PromQL: return escapePromQLString(v);
      case Escaping::Url: return percentEncode(v);
      case Escaping::Json: return escapeJsonString(v);
      case Escaping::None: break;
    }
    return std::string(v);
  };
  auto st = scan(
      text, [&](std::string_view t) { out += t; },
      [&](std::string_view name) -> Status {
        const std::string* value = nullptr;
        if (name == "name") value = &vars.name;
        else if (name == "namespace") value = &vars.ns;
        else if (name == "model") value = &vars.model;
        else if (name == "version") value = &vars.version;
        else if (name == "revision") value = &vars.revision;
        else if (name == "track") value = &vars.track;
        else if (name == "analysis.elapsed") value = &vars.analysisElapsed;
        else if (name.size() > kArgsPrefix.size() && name.substr(0, kArgsPrefix.size()) == kArgsPrefix) {
          auto it = vars.args.find(std::string(name.substr(kArgsPrefix.size())));
          if (it == vars.args.end()) {
            return Error{"InvalidTemplate", "placeholder {{" + std::string(name) + "}}: arg not given"};
          }
          value = &it->second;
        }
        if (value == nullptr) return Error{"InvalidTemplate", "unknown placeholder {{" + std::string(name) + "}}"};
        out += escape(*value);
        return {};
      });
  if (!st.ok()) return st.error();
  return out;
}

}  // namespace modelops::analysis
