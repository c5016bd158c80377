// trafficRouting.gateway: defaults and validation (rules in modelops/api/gateway_routing.h).
// Thread-safety: pure functions.
#include "modelops/api/gateway_routing.h"

#include <array>

namespace modelops::api {
namespace {

constexpr std::size_t kMaxPathPrefix = 256;
constexpr std::size_t kMaxJsonPath = 256;
constexpr std::size_t kMaxHeaderName = 256;
constexpr std::size_t kMaxIdField = 64;

// RFC 9110 token characters (header and cookie names).
bool isHttpToken(std::string_view s) {
  if (s.empty() || s.size() > kMaxHeaderName) return false;
  for (unsigned char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(char(c)) == std::string_view::npos) return false;
  }
  return true;
}

bool isPathSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~:").find(c) != std::string_view::npos;
}

// True when `path` is `root` or below it ("/v1" covers "/v1" and "/v1/x", not "/v1x").
bool covers(std::string_view root, std::string_view path) {
  return path == root || (path.size() > root.size() && path.substr(0, root.size()) == root && path[root.size()] == '/');
}

std::string checkPathPrefix(const std::string& prefix) {
  if (prefix.empty() || prefix.front() != '/') return "must start with \"/\"";
  if (prefix.size() > kMaxPathPrefix) return "must be at most 256 characters";
  if (prefix == "/") return "must not be \"/\" (it would take every path of the gateway)";
  if (prefix.back() == '/') return "must not end with \"/\"";
  for (std::size_t i = 1; i < prefix.size(); ++i) {
    if (prefix[i] == '/' && prefix[i - 1] == '/') return "must not contain an empty segment (\"//\")";
    if (prefix[i] != '/' && !isPathSegmentChar(prefix[i]))
      return "may contain only letters, digits and - . _ ~ : between \"/\" (found '" + std::string(1, prefix[i]) + "')";
  }
  for (std::string_view segment : {std::string_view("."), std::string_view("..")}) {
    std::string dotted = "/" + std::string(segment);
    if (prefix.find(dotted + "/") != std::string::npos || prefix.ends_with(dotted)) return "must not contain . or .. segments";
  }
  constexpr std::array<std::string_view, 5> kReserved = {"/v1", "/v2", "/healthz", "/readyz", "/metrics"};
  for (auto reserved : kReserved) {
    if (covers(reserved, prefix) || covers(prefix, reserved))
      return "must not be " + std::string(reserved) + " or under it, nor above it (reserved by the gateway)";
  }
  return "";
}

void checkJsonPath(const std::optional<std::string>& path, const std::string& field, FieldErrors& errs) {
  if (!path) return;
  if (path->empty() || path->front() != '$') {
    errs.push_back({field, "must be a JSONPath starting with \"$\""});
  } else if (path->size() > kMaxJsonPath) {
    errs.push_back({field, "must be at most 256 characters"});
  }
}

void checkToken(const std::optional<std::string>& name, const std::string& field, FieldErrors& errs) {
  if (name && !isHttpToken(*name)) {
    errs.push_back({field, "must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~; 1 to 256 characters)"});
  }
}

bool isIdField(const std::string& s) {
  if (s.empty() || s.size() > kMaxIdField) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

void validatePrediction(const GatewayPrediction& p, const std::string& path, FieldErrors& errs) {
  if (p.task && *p.task != kTaskClassification && *p.task != kTaskRegression) {
    errs.push_back({path + ".task", "unsupported value \"" + *p.task + "\": must be one of Classification, Regression"});
  }
  if (p.argmax.value_or(false) && p.task == kTaskRegression) {
    errs.push_back({path + ".argmax", "argmax picks a class: only with task Classification"});
  }
  checkJsonPath(p.classPath, path + ".classPath", errs);
  if (p.idField && !isIdField(*p.idField)) {
    errs.push_back({path + ".idField", "must be a JSON member name (letters, digits, _ and -; 1 to 64 characters)"});
  }
}

}  // namespace

void applyGatewayDefaults(GatewayRouting& gateway) {
  if (!gateway.protocol) gateway.protocol = std::string(kProtocolKServeV1);
  if (!gateway.prediction) gateway.prediction = GatewayPrediction{};
  if (!gateway.prediction->task) gateway.prediction->task = std::string(kTaskClassification);
  if (!gateway.prediction->argmax) gateway.prediction->argmax = false;
}

void validateGatewayRouting(const GatewayRouting& g, const std::string& path, bool canary, FieldErrors& errs) {
  if (g.protocol && *g.protocol != kProtocolKServeV1 && *g.protocol != kProtocolOpenInferenceV2) {
    errs.push_back({path + ".protocol", "unsupported value \"" + *g.protocol + "\": must be one of KServeV1, OpenInferenceV2"});
  }
  if (g.pathPrefix) {
    if (auto problem = checkPathPrefix(*g.pathPrefix); !problem.empty()) errs.push_back({path + ".pathPrefix", problem});
  }
  if (g.prediction) validatePrediction(*g.prediction, path + ".prediction", errs);
  if (g.segment) {
    const std::string p = path + ".segment";
    if (int(g.segment->header.has_value()) + int(g.segment->jsonPath.has_value()) != 1) {
      errs.push_back({p, "must set exactly one of header, jsonPath"});
    }
    checkToken(g.segment->header, p + ".header", errs);
    checkJsonPath(g.segment->jsonPath, p + ".jsonPath", errs);
  }
  if (g.sticky) {
    const std::string p = path + ".sticky";
    if (int(g.sticky->header.has_value()) + int(g.sticky->cookie.has_value()) != 1) {
      errs.push_back({p, "must set exactly one of header, cookie"});
    }
    checkToken(g.sticky->header, p + ".header", errs);
    checkToken(g.sticky->cookie, p + ".cookie", errs);
  }
  if (g.shadow) {
    const std::string p = path + ".shadow";
    if (!canary) errs.push_back({p, "shadow copies go to a canary: only with strategy.canary"});
    if (!g.shadow->percent) {
      errs.push_back({p + ".percent", "required"});
    } else if (*g.shadow->percent < 0 || *g.shadow->percent > 100) {
      errs.push_back({p + ".percent", "must be between 0 and 100"});
    }
  }
}

}  // namespace modelops::api
