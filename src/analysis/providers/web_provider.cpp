// WebProvider: JSON endpoint + JSONPath (see web_provider.h).
// Thread-safety: query() shares nothing mutable between calls.
#include "modelops/analysis/web_provider.h"

#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "http_call.h"
#include "modelops/analysis/prometheus_provider.h"
#include "modelops/apimachinery/jsonpath.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;
using nlohmann::json;

ProviderError webError(Kind kind, const std::string& message, const std::string& jsonPath,
                       const std::string& said = "") {
  ProviderError e{kind, "web: " + std::string(toString(kind)) + ": " + message, jsonPath};
  if (!said.empty()) e.detail = detail::boundedDetail(said);
  return e;
}

}  // namespace

Result<QueryResult, ProviderError> extractJsonSamples(const std::string& body, const std::string& jsonPath) {
  const json doc = json::parse(body, nullptr, false);
  // What the endpoint said is never repeated in the message (it reaches status and Events): detail only.
  if (doc.is_discarded()) return webError(Kind::BadResponse, "the answer is not JSON", jsonPath, body);
  auto selected = apimachinery::evalJsonPath(doc, jsonPath);
  if (!selected.ok()) return webError(Kind::InvalidConfig, selected.error().message, jsonPath);
  QueryResult out;
  out.query = jsonPath;
  for (const json& v : *selected) {
    Sample s;
    if (v.is_number()) {
      s.value = v.get<double>();
    } else if (v.is_null()) {
      s.value = std::numeric_limits<double>::quiet_NaN();
    } else if (v.is_string()) {
      const std::string text = v.get<std::string>();
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        return webError(Kind::BadResponse, jsonPath + " selects a string that is not a number", jsonPath, text);
      }
      s.value = d;
    } else {
      return webError(Kind::BadResponse, jsonPath + " selects a " + std::string(v.type_name()) + ", not a number",
                      jsonPath);
    }
    out.samples.push_back(std::move(s));
  }
  return out;
}

WebProvider::WebProvider(WebConfig config) : config_(std::move(config)) {}

Result<QueryResult, ProviderError> WebProvider::query(const std::string& jsonPath, const CancelToken& cancel) {
  auto endpoint = parseHttpAddress(config_.url.substr(0, config_.url.find_first_of("?#")));
  if (!endpoint.ok()) return webError(Kind::InvalidConfig, endpoint.error().message, jsonPath);
  if (config_.method != "GET" && config_.method != "POST") {
    return webError(Kind::InvalidConfig, "method must be GET or POST", jsonPath);
  }
  detail::HttpRequestSpec spec;
  // The path and query string go to the server as written; the prefix parser stripped them.
  const auto schemeEnd = config_.url.find("://") + 3;
  const auto pathStart = config_.url.find_first_of("/?", schemeEnd);
  std::string pathAndQuery = pathStart == std::string::npos ? "/" : config_.url.substr(pathStart);
  if (const auto hash = pathAndQuery.find('#'); hash != std::string::npos) pathAndQuery.resize(hash);
  if (pathAndQuery.empty() || pathAndQuery.front() != '/') pathAndQuery.insert(0, "/");
  spec.endpoint = *endpoint;
  spec.endpoint.pathPrefix.clear();
  spec.method = config_.method;
  spec.pathAndQuery = pathAndQuery;
  spec.body = config_.body;
  spec.contentType = config_.contentType;
  spec.headers = config_.headers;
  spec.bearerToken = config_.bearerToken;
  spec.basicAuth = config_.basicAuth;
  spec.caPem = config_.caPem;
  spec.insecureSkipVerify = config_.insecureSkipVerify;
  spec.connectTimeout = config_.timeout;
  detail::applyLimits(spec, config_.timeout, config_.limits);
  auto answer = detail::httpCall(spec, "web " + endpoint->schemeHostPort(), cancel);
  if (!answer.ok()) {
    ProviderError e = answer.error();
    e.query = jsonPath;
    return e;
  }
  if (answer->status < 200 || answer->status > 299) {
    return detail::logDetail(detail::httpStatusError("web", answer->status, answer->body, jsonPath));
  }
  auto samples = extractJsonSamples(answer->body, jsonPath);
  if (!samples.ok()) return detail::logDetail(samples.error());
  return samples;
}

}  // namespace modelops::analysis
