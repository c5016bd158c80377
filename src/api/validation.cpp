// validate(): object, spec and strategy rules; the analysis rules are in validation_analysis.cpp.
// The rule list and the interpretation of "weights that never reach 100" are documented in validation.h.
// Thread-safety: pure functions.
#include "modelops/api/validation.h"
#include "modelops/api/change_detection.h"

#include <set>
#include <string>

#include "validation_internal.h"

namespace modelops::api {
namespace detail {

void checkDuration(const std::optional<Duration>& d, const std::string& path, ZeroDuration zero,
                   FieldErrors& errs) {
  if (!d) return;
  if (!d->value) {
    errs.push_back({path, "invalid duration \"" + d->text + "\": use Go syntax such as 30s, 2m, 1h30m"});
  } else if (d->value->count() < 0) {
    errs.push_back({path, "must not be negative"});
  } else if (d->value->count() == 0 && zero == ZeroDuration::Rejected) {
    errs.push_back({path, "must be greater than 0"});
  }
}

void checkEnum(const std::optional<std::string>& value, const std::string& path,
               std::initializer_list<std::string_view> allowed, FieldErrors& errs) {
  if (!value) return;
  std::string list;
  for (auto a : allowed) {
    if (*value == a) return;
    if (!list.empty()) list += ", ";
    list += std::string(a);
  }
  errs.push_back({path, "unsupported value \"" + *value + "\": must be one of " + list});
}

}  // namespace detail

namespace {

using detail::checkDuration;
using detail::checkEnum;
using detail::ZeroDuration;

bool isDns1123Label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

bool blank(const std::optional<std::string>& s) { return !s || s->empty(); }

void validateRouting(const TrafficRouting& t, const std::string& path, bool canary, FieldErrors& errs) {
  if (t.gatewayAPI && t.istio) errs.push_back({path, "gatewayAPI and istio are mutually exclusive"});
  if (t.gateway && (t.gatewayAPI || t.istio)) {
    errs.push_back({path, "gateway and " + std::string(t.gatewayAPI ? "gatewayAPI" : "istio") + " are mutually exclusive"});
  }
  if (t.gatewayAPI) {
    const auto& g = *t.gatewayAPI;
    const std::string p = path + ".gatewayAPI";
    if (blank(g.httpRoute)) errs.push_back({p + ".httpRoute", "required"});
    if (g.ruleIndex && *g.ruleIndex < 0) errs.push_back({p + ".ruleIndex", "must be >= 0"});
    if (g.port && (*g.port < 1 || *g.port > 65535)) errs.push_back({p + ".port", "must be between 1 and 65535"});
    if (g.ruleIndex && g.port) errs.push_back({p, "ruleIndex and port are mutually exclusive"});
  }
  if (t.gateway) validateGatewayRouting(*t.gateway, path + ".gateway", canary, errs);
  if (t.istio) {
    const std::string p = path + ".istio.virtualService";
    if (!t.istio->virtualService) {
      errs.push_back({p, "required"});
    } else {
      const auto& vs = *t.istio->virtualService;
      if (blank(vs.name)) errs.push_back({p + ".name", "required"});
      if (vs.routes.empty()) errs.push_back({p + ".routes", "must name at least one http route"});
      for (std::size_t i = 0; i < vs.routes.size(); ++i) {
        if (vs.routes[i].empty()) errs.push_back({p + ".routes[" + std::to_string(i) + "]", "must not be empty"});
      }
    }
  }
}

void validateCanary(const CanaryStrategy& c, bool hasAnalysis, FieldErrors& errs) {
  const std::string path = "spec.strategy.canary";
  bool anyWeight = false, anyPositiveWeight = false;
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const CanaryStep& s = c.steps[i];
    const std::string p = path + ".steps[" + std::to_string(i) + "]";
    const int kinds = int(s.setWeight.has_value()) + int(s.pause.has_value()) + int(s.analysis.has_value());
    if (kinds != 1) {
      errs.push_back({p, "must set exactly one of setWeight, pause, analysis"});
    }
    if (s.setWeight) {
      anyWeight = true;
      if (*s.setWeight < 0 || *s.setWeight > 100) {
        errs.push_back({p + ".setWeight", "must be between 0 and 100"});
      } else if (*s.setWeight > 0) {
        anyPositiveWeight = true;
      }
    }
    if (s.pause) checkDuration(s.pause->duration, p + ".pause.duration", ZeroDuration::Allowed, errs);
    if (s.analysis && !hasAnalysis) errs.push_back({p + ".analysis", "requires spec.analysis"});
  }
  // The canary reaches 100% by promotion after its last step; weights "never reach 100" only when no
  // step ever sends it traffic (all setWeight 0): the rollout would promote an untested version.
  if (anyWeight && !anyPositiveWeight) {
    errs.push_back({path + ".steps", "no step sends traffic to the canary (every setWeight is 0)"});
  }
  if (c.trafficRouting) validateRouting(*c.trafficRouting, path + ".trafficRouting", true, errs);
  if (c.scaleDownDelaySeconds && *c.scaleDownDelaySeconds < 0) {
    errs.push_back({path + ".scaleDownDelaySeconds", "must be >= 0"});
  }
}

void validateMatch(const std::optional<NameValue>& nv, const std::string& path, FieldErrors& errs) {
  if (!nv) return;
  if (blank(nv->name)) errs.push_back({path + ".name", "required"});
  if (blank(nv->value)) errs.push_back({path + ".value", "required"});
}

void validateAbTest(const AbTestStrategy& a, const ModelDeploymentSpec& spec, FieldErrors& errs) {
  const std::string path = "spec.strategy.abTest";
  if (a.variants.size() < 2) errs.push_back({path + ".variants", "must have at least 2 variants"});
  std::set<std::string> names;
  std::int64_t sum = 0;
  bool weightsValid = true;
  for (std::size_t i = 0; i < a.variants.size(); ++i) {
    const Variant& v = a.variants[i];
    const std::string p = path + ".variants[" + std::to_string(i) + "]";
    if (blank(v.name)) {
      errs.push_back({p + ".name", "required"});
    } else if (!names.insert(*v.name).second) {
      errs.push_back({p + ".name", "duplicate variant name \"" + *v.name + "\""});
    } else if (!isDns1123Label(*v.name)) {
      errs.push_back({p + ".name", "must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)"});
    }
    if (!v.weight) {
      errs.push_back({p + ".weight", "required"});
      weightsValid = false;
    } else if (*v.weight < 0 || *v.weight > 100) {
      errs.push_back({p + ".weight", "must be between 0 and 100"});
      weightsValid = false;
    } else {
      sum += *v.weight;
    }
    if (v.model && v.model->version && v.model->version->empty()) {
      errs.push_back({p + ".model.version", "must not be empty"});
    }
    for (std::size_t m = 0; m < v.match.size(); ++m) {
      const MatchRule& rule = v.match[m];
      const std::string mp = p + ".match[" + std::to_string(m) + "]";
      if (int(rule.header.has_value()) + int(rule.cookie.has_value()) != 1) {
        errs.push_back({mp, "must set exactly one of header, cookie"});
      }
      validateMatch(rule.header, mp + ".header", errs);
      validateMatch(rule.cookie, mp + ".cookie", errs);
    }
    if (!v.match.empty() && !a.trafficRouting) {
      errs.push_back({p + ".match", "header and cookie matches need trafficRouting (gatewayAPI, istio or gateway)"});
    }
  }
  if (weightsValid && !a.variants.empty() && sum != 100) {
    errs.push_back({path + ".variants", "weights must sum to 100, got " + std::to_string(sum)});
  }
  if (a.trafficRouting) validateRouting(*a.trafficRouting, path + ".trafficRouting", false, errs);
  checkDuration(a.duration, path + ".duration", ZeroDuration::Rejected, errs);
  checkEnum(a.winnerSelection, path + ".winnerSelection", {kWinnerAuto, kWinnerManual}, errs);
  if (a.winnerSelection == kWinnerAuto && !spec.analysis) {
    errs.push_back({path + ".winnerSelection", "Auto needs spec.analysis to judge the variants"});
  }
}

void validateTemplate(const std::optional<Json>& t, FieldErrors& errs) {
  if (!t) {
    errs.push_back({"spec.template", "required"});
    return;
  }
  auto spec = t->find("spec");
  if (spec == t->end() || !spec->is_object()) {
    errs.push_back({"spec.template.spec", "required"});
    return;
  }
  auto containers = spec->find("containers");
  if (containers == spec->end() || !containers->is_array() || containers->empty()) {
    errs.push_back({"spec.template.spec.containers", "must have at least one container"});
    return;
  }
  for (std::size_t i = 0; i < containers->size(); ++i) {
    const Json& c = (*containers)[i];
    const std::string p = "spec.template.spec.containers[" + std::to_string(i) + "]";
    if (!c.is_object()) {
      errs.push_back({p, "must be object"});
      continue;
    }
    auto name = c.find("name");
    if (name == c.end() || !name->is_string() || name->get<std::string>().empty()) {
      errs.push_back({p + ".name", "required"});
    }
  }
}

}  // namespace

FieldErrors validate(const ModelDeployment& md) {
  FieldErrors errs;
  // Absent apiVersion/kind are accepted (list items and some clients omit them); wrong ones are not.
  if (!md.apiVersion.empty() && md.apiVersion != kApiVersion) {
    errs.push_back({"apiVersion", "must be " + std::string(kApiVersion) + ", got \"" + md.apiVersion + "\""});
  }
  if (!md.kind.empty() && md.kind != kKind) errs.push_back({"kind", "must be " + std::string(kKind) + ", got \"" + md.kind + "\""});
  if (md.name().empty()) errs.push_back({"metadata.name", "required"});
  detail::validateNames(md, errs);  // derived names and targetPort (validation_names.cpp)

  const ModelDeploymentSpec& s = md.spec;
  if (s.replicas && *s.replicas < 0) errs.push_back({"spec.replicas", "must be >= 0"});
  if (blank(s.model.version)) errs.push_back({"spec.model.version", "required"});
  if (s.model.name && s.model.name->empty()) errs.push_back({"spec.model.name", "must not be empty"});
  validateTemplate(s.template_, errs);
  if (s.service) {
    if (s.service->port && (*s.service->port < 1 || *s.service->port > 65535)) {
      errs.push_back({"spec.service.port", "must be between 1 and 65535"});
    }
  }
  if (s.strategy) {
    if (s.strategy->canary && s.strategy->abTest) {
      errs.push_back({"spec.strategy", "canary and abTest are mutually exclusive"});
    }
    if (s.strategy->canary) validateCanary(*s.strategy->canary, s.analysis.has_value(), errs);
    if (s.strategy->abTest) validateAbTest(*s.strategy->abTest, s, errs);
  }
  if (s.analysis) detail::validateAnalysis(s, errs);
  if (s.monitoring) {
    checkEnum(s.monitoring->onDegraded, "spec.monitoring.onDegraded", {kOnDegradedRollback, kOnDegradedAlert}, errs);
    checkEnum(s.monitoring->onError, "spec.monitoring.onError", {kOnErrorHold, kOnErrorIgnore}, errs);
    checkDuration(s.monitoring->interval, "spec.monitoring.interval", ZeroDuration::Rejected, errs);
    validateChangeDetection(*s.monitoring, errs);  // expectedTimeToFalseAlarm (change_detection.h)
    if (s.monitoring->enabled.value_or(false) && !s.analysis) {
      errs.push_back({"spec.monitoring.enabled", "requires spec.analysis"});
    }
  }
  validateNotifications(s.notifications, "spec.notifications", errs);
  if (s.progressDeadlineSeconds && *s.progressDeadlineSeconds <= 0) {
    errs.push_back({"spec.progressDeadlineSeconds", "must be > 0"});
  }
  if (s.revisionHistoryLimit && *s.revisionHistoryLimit < 0) {
    errs.push_back({"spec.revisionHistoryLimit", "must be >= 0"});
  }
  return errs;
}

}  // namespace modelops::api
