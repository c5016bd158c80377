// validate(): the spec.analysis rules (metrics, providers, criteria, limits) and query template checks.
// See validation.h for the rule list.
// Thread-safety: pure functions.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <string>
#include <string_view>

#include "modelops/api/segment_count.h"
#include "modelops/api/validation.h"
#include "validation_internal.h"

namespace modelops::api {

std::vector<std::string> checkTemplate(std::string_view text, const std::vector<std::string>& args) {
  std::vector<std::string> problems;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    const std::size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) {
      problems.push_back("unclosed \"{{\" at offset " + std::to_string(pos));
      break;
    }
    std::string_view inner = text.substr(pos + 2, close - pos - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    const bool known = std::find(std::begin(kTemplatePlaceholders), std::end(kTemplatePlaceholders), inner) !=
                       std::end(kTemplatePlaceholders);
    if (!known) {
      constexpr std::string_view kArgs = "args.";
      if (inner.substr(0, kArgs.size()) == kArgs) {
        const std::string key(inner.substr(kArgs.size()));
        if (std::find(args.begin(), args.end(), key) == args.end()) {
          problems.push_back("unknown placeholder {{" + std::string(inner) + "}}: \"" + key +
                             "\" is not declared in args");
        }
      } else {
        problems.push_back("unknown placeholder {{" + std::string(inner) +
                           "}}: allowed are {{name}} {{namespace}} {{model}} {{version}} {{revision}} "
                           "{{track}}, {{analysis.elapsed}} and {{args.KEY}}");
      }
    }
    pos = close + 2;
  }
  return problems;
}

namespace detail {
namespace {

bool blank(const std::optional<std::string>& s) { return !s || s->empty(); }

void checkTemplateField(const std::optional<std::string>& text, const std::string& path,
                        const std::vector<std::string>& args, FieldErrors& errs) {
  if (!text) return;
  for (auto& problem : checkTemplate(*text, args)) errs.push_back({path, std::move(problem)});
}

void checkUnit(const std::optional<double>& v, const std::string& path, FieldErrors& errs) {
  if (v && !(*v >= 0.0 && *v <= 1.0)) errs.push_back({path, "must be between 0 and 1"});
}
void checkConfidence(const std::optional<double>& v, const std::string& path, FieldErrors& errs) {
  if (v && !(*v > 0.0 && *v < 1.0)) errs.push_back({path, "must be greater than 0 and less than 1"});
}
void checkMinSamples(const std::optional<std::int64_t>& v, const std::string& path, FieldErrors& errs) {
  if (v && *v < 1) errs.push_back({path, "must be >= 1"});
}

void checkSecretRef(const std::optional<SecretKeyRef>& ref, const std::string& path, FieldErrors& errs) {
  if (ref && blank(ref->name)) errs.push_back({path + ".name", "required"});
}

// Bounds on what a ModelDeployment makes the operator send (issue 12): every provider request is built
// from these fields, so their size and shape are limited here, before any request is made. Where the
// request may go is the operator's --provider-allow / --provider-deny policy, checked at request time.
constexpr std::size_t kMaxAddressLength = 2048;
constexpr std::size_t kMaxHeaders = 32;
constexpr std::size_t kMaxHeaderNameLength = 256;
constexpr std::size_t kMaxHeaderValueLength = 8192;
constexpr std::size_t kMaxBodyLength = 64 * 1024;
constexpr auto kMaxProviderTimeout = std::chrono::minutes(5);

// Headers the HTTP client sets itself (framing, connection, the target host): a spec must not.
bool reservedHeader(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> kReserved = {"host", "content-length", "transfer-encoding", "connection",
                                                  "keep-alive", "upgrade", "te", "trailer", "expect",
                                                  "proxy-connection"};
  return kReserved.count(name) > 0;
}

bool headerNameChar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool controlChar(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }

void checkHeaders(const std::vector<NameValue>& headers, const std::string& path,
                  const std::vector<std::string>* templateArgs, FieldErrors& errs) {
  if (headers.size() > kMaxHeaders) errs.push_back({path, "at most " + std::to_string(kMaxHeaders) + " headers"});
  for (std::size_t i = 0; i < headers.size() && i < kMaxHeaders; ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const auto& name = headers[i].name;
    if (blank(name)) {
      errs.push_back({p + ".name", "required"});
    } else if (name->size() > kMaxHeaderNameLength || !std::all_of(name->begin(), name->end(), headerNameChar)) {
      errs.push_back({p + ".name", "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, at most " +
                                       std::to_string(kMaxHeaderNameLength) + ")"});
    } else if (reservedHeader(*name)) {
      errs.push_back({p + ".name", "\"" + *name + "\" is set by the operator's HTTP client and cannot be given"});
    }
    const auto& value = headers[i].value;
    if (!value) {
      errs.push_back({p + ".value", "required"});
    } else if (value->size() > kMaxHeaderValueLength) {
      errs.push_back({p + ".value", "at most " + std::to_string(kMaxHeaderValueLength) + " characters"});
    } else if (std::any_of(value->begin(), value->end(), [](char c) { return controlChar(static_cast<unsigned char>(c)); })) {
      errs.push_back({p + ".value", "must not contain control characters (CR, LF, NUL)"});
    }
    if (templateArgs) checkTemplateField(value, p + ".value", *templateArgs, errs);
  }
}

// An http(s) URL: scheme, a host, an optional numeric port, no user info, no spaces or control
// characters, bounded length. The host part may be a template (checked when rendered).
void checkHttpAddress(const std::optional<std::string>& address, const std::string& path, const char* credentialsHint,
                      FieldErrors& errs) {
  if (blank(address)) {
    errs.push_back({path, "required"});
    return;
  }
  const std::string& a = *address;
  if (a.rfind("http://", 0) != 0 && a.rfind("https://", 0) != 0) {
    errs.push_back({path, "must start with http:// or https://"});
    return;
  }
  if (a.size() > kMaxAddressLength) {
    errs.push_back({path, "at most " + std::to_string(kMaxAddressLength) + " characters"});
    return;
  }
  if (std::any_of(a.begin(), a.end(), [](char c) { return c == ' ' || controlChar(static_cast<unsigned char>(c)); })) {
    errs.push_back({path, "must not contain spaces or control characters"});
    return;
  }
  const std::size_t start = a.find("://") + 3;
  const std::string authority = a.substr(start, a.find_first_of("/?#", start) - start);
  if (authority.find('@') != std::string::npos) {
    errs.push_back({path, std::string("must not contain credentials (user@host); ") + credentialsHint});
  } else if (authority.empty() || authority.front() == ':') {
    errs.push_back({path, "has no host"});
  } else if (authority.find("{{") == std::string::npos) {
    const std::size_t close = authority.rfind(']');
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string::npos && (close == std::string::npos || colon > close)) {
      const std::string port = authority.substr(colon + 1);
      const bool digits = !port.empty() && port.size() <= 5 &&
                          std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
      if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
        errs.push_back({path, "port must be a number between 1 and 65535"});
      }
    }
  }
}

void checkProviderTimeout(const std::optional<Duration>& timeout, const std::string& path, FieldErrors& errs) {
  checkDuration(timeout, path, ZeroDuration::Rejected, errs);
  if (timeout && timeout->value && *timeout->value > kMaxProviderTimeout) errs.push_back({path, "must be at most 5m"});
}

void validateProvider(const MetricProvider& pv, const std::string& path, const std::vector<std::string>& args,
                      FieldErrors& errs) {
  if (int(pv.prometheus.has_value()) + int(pv.web.has_value()) != 1) {
    errs.push_back({path, "must set exactly one of prometheus, web"});
  }
  if (pv.prometheus) {
    const auto& p = *pv.prometheus;
    const std::string pp = path + ".prometheus";
    checkHttpAddress(p.address, pp + ".address", "use auth.basicAuthSecretRef", errs);
    checkProviderTimeout(p.timeout, pp + ".timeout", errs);
    checkHeaders(p.headers, pp + ".headers", nullptr, errs);
    if (p.auth) {
      if (p.auth->bearerTokenSecretRef && p.auth->basicAuthSecretRef) {
        errs.push_back({pp + ".auth", "bearerTokenSecretRef and basicAuthSecretRef are mutually exclusive"});
      }
      checkSecretRef(p.auth->bearerTokenSecretRef, pp + ".auth.bearerTokenSecretRef", errs);
      checkSecretRef(p.auth->basicAuthSecretRef, pp + ".auth.basicAuthSecretRef", errs);
    }
    if (p.tls) checkSecretRef(p.tls->caSecretRef, pp + ".tls.caSecretRef", errs);
  }
  if (pv.web) {
    const auto& w = *pv.web;
    const std::string wp = path + ".web";
    checkHttpAddress(w.url, wp + ".url", "use headers", errs);
    checkTemplateField(w.url, wp + ".url", args, errs);
    checkEnum(w.method, wp + ".method", {kMethodGet, kMethodPost}, errs);
    if (w.body && w.method != kMethodPost) errs.push_back({wp + ".body", "only allowed with method POST"});
    if (w.body && w.body->size() > kMaxBodyLength) {
      errs.push_back({wp + ".body", "at most " + std::to_string(kMaxBodyLength) + " bytes"});
    }
    checkTemplateField(w.body, wp + ".body", args, errs);
    checkHeaders(w.headers, wp + ".headers", &args, errs);
    checkProviderTimeout(w.timeout, wp + ".timeout", errs);
    if (w.jsonPath && w.jsonPath->empty()) errs.push_back({wp + ".jsonPath", "must not be empty"});
  }
}

void validateAccuracyMetric(const Metric& m, const std::string& p, FieldErrors& errs) {
  if (blank(m.successes)) errs.push_back({p + ".successes", "required for an accuracy metric"});
  if (blank(m.trials)) errs.push_back({p + ".trials", "required for an accuracy metric"});
  if (!m.accuracy) {
    errs.push_back({p + ".accuracy", "required for an accuracy metric"});
  } else {
    const AccuracyCriteria& a = *m.accuracy;
    if (!a.min) errs.push_back({p + ".accuracy.min", "required"});
    checkUnit(a.min, p + ".accuracy.min", errs);
    checkConfidence(a.confidence, p + ".accuracy.confidence", errs);
    checkMinSamples(a.minSamples, p + ".accuracy.minSamples", errs);
    checkUnit(a.maxDropVsStable, p + ".accuracy.maxDropVsStable", errs);
    checkUnit(a.minLabelCoverage, p + ".accuracy.minLabelCoverage", errs);
    if (a.minLabelCoverage && blank(m.predictions)) {
      errs.push_back({p + ".accuracy.minLabelCoverage", "requires predictions"});
    }
  }
  if (m.segments) {
    // Segment criteria default to the accuracy ones (defaults.cpp): a value equal to the one it inherits
    // was already checked there, and reporting it twice would point at a field the user did not write.
    const SegmentCriteria& s = *m.segments;
    const AccuracyCriteria a = m.accuracy.value_or(AccuracyCriteria{});
    if (blank(s.by)) errs.push_back({p + ".segments.by", "required"});
    if (s.min != a.min) checkUnit(s.min, p + ".segments.min", errs);
    if (s.minSamples != a.minSamples) checkMinSamples(s.minSamples, p + ".segments.minSamples", errs);
    if (s.confidence != a.confidence) checkConfidence(s.confidence, p + ".segments.confidence", errs);
    checkUnit(s.maxDropVsStable, p + ".segments.maxDropVsStable", errs);
    validateExpectedSegments(s, p + ".segments", errs);  // segment_count.h
  }
}

void validateThresholdMetric(const Metric& m, const std::string& p, FieldErrors& errs) {
  const bool webJsonPath = m.provider && m.provider->web && m.provider->web->jsonPath;
  if (blank(m.query) && !webJsonPath) errs.push_back({p + ".query", "required for a threshold metric"});
  if (!m.threshold) {
    errs.push_back({p + ".threshold", "required for a threshold metric"});
  } else {
    const ThresholdCriteria& t = *m.threshold;
    if (!t.min && !t.max) errs.push_back({p + ".threshold", "must set min, max or both"});
    if (t.min && t.max && *t.min > *t.max) errs.push_back({p + ".threshold", "min must be <= max"});
  }
}

void validateMetric(const Metric& m, const std::string& p, FieldErrors& errs) {
  if (blank(m.name)) errs.push_back({p + ".name", "required"});
  std::vector<std::string> args;
  for (const auto& [key, value] : m.args) {
    (void)value;
    args.push_back(key);
    const bool ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!ok) errs.push_back({p + ".args." + key, "names may use only letters, digits, '_' and '-'"});
  }
  if (!m.provider) {
    errs.push_back({p + ".provider", "required"});
  } else {
    validateProvider(*m.provider, p + ".provider", args, errs);
  }

  const bool accuracyKind = m.successes || m.trials || m.predictions || m.accuracy || m.segments;
  const bool thresholdKind = m.query || m.threshold;
  if (accuracyKind && thresholdKind) {
    errs.push_back({p, "must be either an accuracy metric (successes, trials, accuracy) or a threshold metric "
                       "(query, threshold), not both"});
  } else if (accuracyKind) {
    validateAccuracyMetric(m, p, errs);
  } else if (thresholdKind) {
    validateThresholdMetric(m, p, errs);
  } else {
    errs.push_back({p, "must be an accuracy metric (successes, trials, accuracy) or a threshold metric "
                       "(query, threshold)"});
  }
  checkTemplateField(m.query, p + ".query", args, errs);
  checkTemplateField(m.successes, p + ".successes", args, errs);
  checkTemplateField(m.trials, p + ".trials", args, errs);
  checkTemplateField(m.predictions, p + ".predictions", args, errs);

  if (m.failureLimit && *m.failureLimit < 0) errs.push_back({p + ".failureLimit", "must be >= 0"});
  if (m.inconclusiveLimit && *m.inconclusiveLimit < 0) errs.push_back({p + ".inconclusiveLimit", "must be >= 0"});
  if (m.consecutiveErrorLimit && *m.consecutiveErrorLimit < 1) {
    errs.push_back({p + ".consecutiveErrorLimit", "must be >= 1"});
  }
}

}  // namespace

void validateAnalysis(const ModelDeploymentSpec& spec, FieldErrors& errs) {
  const AnalysisSpec& a = *spec.analysis;
  checkDuration(a.interval, "spec.analysis.interval", ZeroDuration::Rejected, errs);
  checkDuration(a.maxDuration, "spec.analysis.maxDuration", ZeroDuration::Rejected, errs);
  checkEnum(a.onTimeout, "spec.analysis.onTimeout", {kOnTimeoutRollback, kOnTimeoutHold, kOnTimeoutPromote}, errs);
  if (a.metrics.empty()) errs.push_back({"spec.analysis.metrics", "must have at least one metric"});
  std::set<std::string> names;
  for (std::size_t i = 0; i < a.metrics.size(); ++i) {
    const Metric& m = a.metrics[i];
    const std::string p = "spec.analysis.metrics[" + std::to_string(i) + "]";
    if (m.name && !m.name->empty() && !names.insert(*m.name).second) {
      errs.push_back({p + ".name", "duplicate metric name \"" + *m.name + "\""});
    }
    validateMetric(m, p, errs);
  }
  if (a.guards) validateGuards(*a.guards, {names.begin(), names.end()}, "spec.analysis.guards", errs);
}

}  // namespace detail
}  // namespace modelops::api
