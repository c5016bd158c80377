// PrometheusProvider: /api/v1/query over HTTP(S) and the parsing of its answers (see prometheus_provider.h).
// Thread-safety: query() shares nothing mutable between calls.
#include "modelops/analysis/prometheus_provider.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include "http_call.h"
#include "modelops/analysis/query_template.h"

namespace modelops::analysis {
namespace {

using Kind = ProviderError::Kind;
using nlohmann::json;

// Prometheus writes sample values as strings: "0.93", "NaN", "+Inf", "-Inf".
std::optional<double> parseSampleValue(const json& pair) {
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_string()) return std::nullopt;
  const std::string text = pair[1].get<std::string>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
  return v;
}

ProviderError bad(const std::string& query, const std::string& message) {
  return ProviderError{Kind::BadResponse, "prometheus: BadResponse: " + message, query};
}

// A string member, or the fallback when it is missing or of another type: json::value() would throw on
// a member of the wrong type, and a reply is never trusted to have the documented shape.
std::string stringMember(const json& object, const char* key, std::string fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

// Prometheus' documented errorType values; anything else is body text and is not repeated.
std::string knownErrorType(const std::string& type) {
  static const char* const kKnown[] = {"bad_data", "timeout",   "canceled",  "execution",
                                       "internal", "unavailable", "not_found", "not_acceptable"};
  for (const char* known : kKnown) {
    if (type == known) return type;
  }
  return "unknown";
}

}  // namespace

std::string_view toString(ProviderError::Kind kind) {
  switch (kind) {
    case Kind::InvalidConfig: return "InvalidConfig";
    case Kind::Unreachable: return "Unreachable";
    case Kind::DnsFailure: return "DNSFailure";
    case Kind::DestinationDenied: return "DestinationDenied";
    case Kind::ResponseTooLarge: return "ResponseTooLarge";
    case Kind::Timeout: return "Timeout";
    case Kind::Cancelled: return "Cancelled";
    case Kind::HttpStatus: return "HttpStatus";
    case Kind::QueryError: return "QueryError";
    case Kind::BadResponse: return "BadResponse";
    case Kind::Unsupported: return "Unsupported";
  }
  return "Unknown";
}

Result<HttpEndpoint> parseHttpAddress(const std::string& address) {
  const auto sep = address.find("://");
  if (sep == std::string::npos) return Error{"InvalidAddress", "address \"" + address + "\" has no http:// or https://"};
  HttpEndpoint ep;
  ep.scheme = address.substr(0, sep);
  if (ep.scheme != "http" && ep.scheme != "https") {
    return Error{"InvalidAddress", "address \"" + address + "\": scheme must be http or https"};
  }
  std::string rest = address.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string hostPort = rest.substr(0, slash);
  if (slash != std::string::npos) {
    ep.pathPrefix = rest.substr(slash);
    while (!ep.pathPrefix.empty() && ep.pathPrefix.back() == '/') ep.pathPrefix.pop_back();
  }
  if (hostPort.find('@') != std::string::npos) {
    return Error{"InvalidAddress", "credentials in the address are not supported; use basicAuth"};
  }
  ep.port = ep.scheme == "https" ? 443 : 80;
  std::string portText;
  if (!hostPort.empty() && hostPort.front() == '[') {
    const auto close = hostPort.find(']');
    if (close == std::string::npos) return Error{"InvalidAddress", "address \"" + address + "\": unterminated ["};
    ep.host = hostPort.substr(1, close - 1);
    if (close + 1 < hostPort.size()) {
      if (hostPort[close + 1] != ':') return Error{"InvalidAddress", "address \"" + address + "\": bad port"};
      portText = hostPort.substr(close + 2);
    }
  } else {
    const auto colon = hostPort.rfind(':');
    ep.host = hostPort.substr(0, colon);
    if (colon != std::string::npos) portText = hostPort.substr(colon + 1);
  }
  if (ep.host.empty()) return Error{"InvalidAddress", "address \"" + address + "\" has no host"};
  if (!portText.empty()) {
    char* end = nullptr;
    const long port = std::strtol(portText.c_str(), &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
      return Error{"InvalidAddress", "address \"" + address + "\": bad port \"" + portText + "\""};
    }
    ep.port = static_cast<int>(port);
  }
  return ep;
}

Result<QueryResult, ProviderError> parsePrometheusResponse(int httpStatus, const std::string& body,
                                                           const std::string& query) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("status") || !doc["status"].is_string()) {
    // What the endpoint said goes to the debug log only (detail), never to status or Events.
    if (httpStatus < 200 || httpStatus > 299) return detail::httpStatusError("prometheus", httpStatus, body, query);
    ProviderError e = bad(query, "the answer is not a Prometheus JSON object (HTTP " + std::to_string(httpStatus) + ")");
    e.detail = detail::boundedDetail(body);
    return e;
  }
  if (doc["status"] != "success") {
    // The error text may be anything (a 1 MiB text once made five copies in the object): only the
    // documented errorType and the HTTP status are repeated.
    const std::string type = knownErrorType(stringMember(doc, "errorType", "unknown"));
    ProviderError e{Kind::QueryError,
                    "prometheus: QueryError: " + type + " (HTTP " + std::to_string(httpStatus) +
                        "; the backend's error text is in the operator's debug log)",
                    query};
    e.detail = detail::boundedDetail(stringMember(doc, "error", "(no error text)"));
    return e;
  }
  if (!doc.contains("data") || !doc["data"].is_object()) return bad(query, "answer has no data object");
  const json& data = doc["data"];
  if (data.contains("resultType") && !data["resultType"].is_string())
    return bad(query, "data.resultType is not a string");
  const std::string type = stringMember(data, "resultType", "");
  if (!data.contains("result")) return bad(query, "answer has no data.result");
  const json& result = data["result"];
  QueryResult out;
  out.query = query;
  if (type == "vector") {
    if (!result.is_array()) return bad(query, "data.result of a vector is not an array");
    for (std::size_t i = 0; i < result.size(); ++i) {
      const json& series = result[i];
      if (!series.is_object()) return bad(query, "data.result[" + std::to_string(i) + "] is not an object");
      Sample s;
      if (series.contains("metric")) {
        if (!series["metric"].is_object()) return bad(query, "data.result[" + std::to_string(i) + "].metric is not an object");
        for (const auto& [k, v] : series["metric"].items()) {
          if (v.is_string()) s.labels[k] = v.get<std::string>();
        }
      }
      const auto value = series.contains("value") ? parseSampleValue(series["value"]) : std::nullopt;
      if (!value) return bad(query, "data.result[" + std::to_string(i) + "].value is not [time, \"number\"]");
      s.value = *value;
      if (!out.evaluatedAt && series["value"][0].is_number()) out.evaluatedAt = series["value"][0].get<double>();
      out.samples.push_back(std::move(s));
    }
    return out;
  }
  if (type == "scalar") {
    const auto value = parseSampleValue(result);
    if (!value) return bad(query, "data.result of a scalar is not [time, \"number\"]");
    if (result[0].is_number()) out.evaluatedAt = result[0].get<double>();
    out.samples.push_back(Sample{{}, *value});
    return out;
  }
  if (type == "matrix" || type == "string") {
    return ProviderError{Kind::Unsupported,
                         "prometheus: Unsupported: unsupported result type \"" + type +
                             "\" (use an instant vector or scalar; aggregate range selectors, e.g. with increase())",
                         query};
  }
  return bad(query, "unknown data.resultType");
}

PrometheusProvider::PrometheusProvider(PrometheusConfig config) : config_(std::move(config)) {}

Result<QueryResult, ProviderError> PrometheusProvider::query(const std::string& renderedQuery,
                                                             const CancelToken& cancel) {
  return send(renderedQuery, std::nullopt, cancel);
}

std::string PrometheusProvider::combineQueries(const std::vector<std::string>& renderedQueries) {
  std::string combined;
  for (std::size_t i = 0; i < renderedQueries.size(); ++i) {
    if (i > 0) combined += " or ";
    combined += "label_replace((" + renderedQueries[i] + "), \"" + kPartLabel + "\", \"" + std::to_string(i) +
                "\", \"\", \"\")";
  }
  return combined;
}

Result<std::vector<QueryResult>, ProviderError> PrometheusProvider::splitCombined(
    QueryResult combined, const std::vector<std::string>& renderedQueries) {
  std::vector<QueryResult> parts(renderedQueries.size());
  for (std::size_t i = 0; i < parts.size(); ++i) {
    parts[i].query = renderedQueries[i];
    parts[i].evaluatedAt = combined.evaluatedAt;
  }
  for (Sample& sample : combined.samples) {
    const auto it = sample.labels.find(kPartLabel);
    std::size_t index = parts.size();
    if (it != sample.labels.end()) {
      const std::string& text = it->second;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) index = parts.size();
    }
    if (index >= parts.size()) {
      return bad(combined.query, std::string("combined answer has a series without a known ") + kPartLabel + " label");
    }
    sample.labels.erase(it);
    parts[index].samples.push_back(std::move(sample));
  }
  return parts;
}

Result<std::vector<QueryResult>, ProviderError> PrometheusProvider::queryTogether(
    const std::vector<std::string>& renderedQueries, const CancelToken& cancel) {
  if (renderedQueries.size() < 2) return MetricProvider::queryTogether(renderedQueries, cancel);
  const std::string combined = combineQueries(renderedQueries);
  auto answer = send(combined, std::nullopt, cancel);
  if (answer.ok()) return splitCombined(std::move(*answer), renderedQueries);
  if (answer.error().kind != Kind::QueryError) return answer.error();
  // Rejected as a whole (a scalar query, a query-size limit): one by one, at one evaluation time.
  std::vector<QueryResult> results;
  std::optional<double> at;
  for (const auto& q : renderedQueries) {
    auto r = send(q, at, cancel);
    if (!r.ok()) return r.error();
    if (!at) at = r->evaluatedAt;
    results.push_back(std::move(*r));
  }
  return results;
}

Result<QueryResult, ProviderError> PrometheusProvider::send(const std::string& renderedQuery, std::optional<double> at,
                                                            const CancelToken& cancel) {
  auto endpoint = parseHttpAddress(config_.address);
  if (!endpoint.ok()) {
    return ProviderError{Kind::InvalidConfig, "prometheus: InvalidConfig: " + endpoint.error().message, renderedQuery};
  }
  detail::HttpRequestSpec spec;
  spec.endpoint = *endpoint;
  std::string form = "query=" + percentEncode(renderedQuery);
  if (at) {
    char time[64];
    std::snprintf(time, sizeof time, "%.3f", *at);
    form += std::string("&time=") + time;
  }
  if (config_.usePost) {
    spec.method = "POST";
    spec.pathAndQuery = "/api/v1/query";
    spec.body = form;
    spec.contentType = "application/x-www-form-urlencoded";
  } else {
    spec.method = "GET";
    spec.pathAndQuery = "/api/v1/query?" + form;
  }
  spec.headers = config_.headers;
  spec.bearerToken = config_.bearerToken;
  spec.basicAuth = config_.basicAuth;
  spec.caPem = config_.caPem;
  spec.insecureSkipVerify = config_.insecureSkipVerify;
  spec.connectTimeout = config_.connectTimeout;
  detail::applyLimits(spec, config_.readTimeout, config_.limits);
  auto answer = detail::httpCall(spec, "prometheus " + endpoint->schemeHostPort() + endpoint->pathPrefix, cancel);
  if (!answer.ok()) {
    ProviderError e = answer.error();
    e.query = renderedQuery;
    return e;
  }
  auto parsed = parsePrometheusResponse(answer->status, answer->body, renderedQuery);
  if (!parsed.ok()) return detail::logDetail(parsed.error());
  return parsed;
}

}  // namespace modelops::analysis
