// spec.analysis.guards: JSON codec, names and validation (guards.h). Self-contained (plain nlohmann
// JSON) so that it does not depend on how the rest of the spec codec reads fields.
// Thread-safety: pure functions.
#include <cmath>
#include <deque>
#include <string_view>

#include "modelops/api/guards.h"
#include "modelops/api/validation.h"

namespace modelops::api {
namespace {

using nlohmann::json;

std::string typeOf(const json& j) {
  if (j.is_string()) return "string";
  if (j.is_boolean()) return "boolean";
  if (j.is_number()) return "number";
  if (j.is_array()) return "array";
  if (j.is_object()) return "object";
  return "null";
}

// Takes typed members out of one object; what it is not asked for stays in rest() (unknown fields).
class GuardReader {
 public:
  GuardReader(const json& j, std::string path, FieldErrors& errors) : path_(std::move(path)), errors_(errors) {
    if (j.is_object()) rest_ = j;
    else errors_.push_back({path_, "must be object, got " + typeOf(j)});
  }
  std::string at(const std::string& key) const { return path_ + "." + key; }
  std::optional<std::string> str(const std::string& key) {
    auto* v = take(key, [](const json& x) { return x.is_string(); }, "string");
    return v ? std::optional<std::string>(v->get<std::string>()) : std::nullopt;
  }
  std::optional<double> number(const std::string& key) {
    auto* v = take(key, [](const json& x) { return x.is_number(); }, "number");
    return v ? std::optional<double>(v->get<double>()) : std::nullopt;
  }
  std::optional<std::int64_t> integer(const std::string& key) {
    auto* v = take(key, [](const json& x) {
      return x.is_number_integer() || (x.is_number_float() && std::floor(x.get<double>()) == x.get<double>() &&
                                       std::abs(x.get<double>()) < 9e15);
    }, "integer");
    return v ? std::optional<std::int64_t>(static_cast<std::int64_t>(v->get<double>())) : std::nullopt;
  }
  std::optional<bool> boolean(const std::string& key) {
    auto* v = take(key, [](const json& x) { return x.is_boolean(); }, "boolean");
    return v ? std::optional<bool>(v->get<bool>()) : std::nullopt;
  }
  const json* object(const std::string& key) {
    return take(key, [](const json& x) { return x.is_object(); }, "object");
  }
  std::map<std::string, std::string> stringMap(const std::string& key) {
    std::map<std::string, std::string> out;
    const json* v = object(key);
    if (!v) return out;
    for (const auto& [k, value] : v->items()) {
      if (value.is_string()) out[k] = value.get<std::string>();
      else errors_.push_back({at(key) + "." + k, "must be string, got " + typeOf(value)});
    }
    return out;
  }
  json rest() const { return rest_.is_object() ? rest_ : json::object(); }

 private:
  template <class Pred>
  const json* take(const std::string& key, Pred ok, const char* want) {
    if (!rest_.is_object()) return nullptr;
    auto it = rest_.find(key);
    if (it == rest_.end() || it->is_null()) return nullptr;
    if (!ok(*it)) {
      errors_.push_back({at(key), std::string("must be ") + want + ", got " + typeOf(*it)});
      return nullptr;  // left in rest(): kept verbatim, like the spec codec does
    }
    taken_.push_back(*it);
    rest_.erase(it);
    return &taken_.back();
  }
  std::string path_;
  FieldErrors& errors_;
  json rest_;
  std::deque<json> taken_;  // a deque: pointers handed out stay valid as it grows
};

template <class T>
void putOpt(json& o, const char* key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}

ClassDistributionGuard decClassDistribution(const json& j, const std::string& path, FieldErrors& errs) {
  GuardReader r(j, path, errs);
  ClassDistributionGuard g;
  g.query = r.str("query");
  g.classLabel = r.str("classLabel");
  g.maxDistance = r.number("maxDistance");
  g.classes = r.integer("classes");
  g.extra = r.rest();
  return g;
}

AgreementGuard decAgreement(const json& j, const std::string& path, FieldErrors& errs) {
  GuardReader r(j, path, errs);
  AgreementGuard g;
  g.agreeQuery = r.str("agreeQuery");
  g.totalQuery = r.str("totalQuery");
  g.min = r.number("min");
  g.extra = r.rest();
  return g;
}

RateIncreaseGuard decRate(const json& j, const std::string& path, const char* eventsKey, FieldErrors& errs) {
  GuardReader r(j, path, errs);
  RateIncreaseGuard g;
  g.eventsQuery = r.str(eventsKey);
  g.totalQuery = r.str("totalQuery");
  g.maxIncrease = r.number("maxIncrease");
  g.extra = r.rest();
  return g;
}

EstimatedAccuracyGuard decEstimated(const json& j, const std::string& path, FieldErrors& errs) {
  GuardReader r(j, path, errs);
  EstimatedAccuracyGuard g;
  g.sumQuery = r.str("sumQuery");
  g.countQuery = r.str("countQuery");
  g.maxDropVsStable = r.number("maxDropVsStable");
  g.rollback = r.boolean("rollback");
  g.extra = r.rest();
  return g;
}

json encRate(const RateIncreaseGuard& g, const char* eventsKey) {
  json o = g.extra.is_object() ? g.extra : json::object();
  putOpt(o, eventsKey, g.eventsQuery);
  putOpt(o, "totalQuery", g.totalQuery);
  putOpt(o, "maxIncrease", g.maxIncrease);
  return o;
}

}  // namespace

std::vector<std::string> guardNames(const GuardsSpec& g) {
  std::vector<std::string> out;
  const std::string p = kGuardMetricPrefix;
  if (g.classDistribution) out.push_back(p + "classDistribution");
  if (g.agreement) out.push_back(p + "agreement");
  if (g.errorRate) out.push_back(p + "errorRate");
  if (g.latency) out.push_back(p + "latency");
  if (g.estimatedAccuracy) out.push_back(p + "estimatedAccuracy");
  return out;
}

std::vector<GuardPolicy> guardPolicies(const GuardsSpec& g) {
  std::vector<GuardPolicy> out;
  for (auto& name : guardNames(g)) out.push_back({name, true});
  if (g.estimatedAccuracy && !g.estimatedAccuracy->rollback.value_or(false)) out.back().failureFailsAnalysis = false;
  return out;
}

GuardsSpec decodeGuards(const json& j, const std::string& path, FieldErrors& errs) {
  GuardReader r(j, path, errs);
  GuardsSpec g;
  g.providerFrom = r.str("providerFrom");
  g.confidence = r.number("confidence");
  g.minSamples = r.integer("minSamples");
  g.args = r.stringMap("args");
  if (auto* v = r.object("classDistribution")) g.classDistribution = decClassDistribution(*v, r.at("classDistribution"), errs);
  if (auto* v = r.object("agreement")) g.agreement = decAgreement(*v, r.at("agreement"), errs);
  if (auto* v = r.object("errorRate")) g.errorRate = decRate(*v, r.at("errorRate"), "errorsQuery", errs);
  if (auto* v = r.object("latency")) g.latency = decRate(*v, r.at("latency"), "slowQuery", errs);
  if (auto* v = r.object("estimatedAccuracy")) g.estimatedAccuracy = decEstimated(*v, r.at("estimatedAccuracy"), errs);
  g.extra = r.rest();
  return g;
}

json encodeGuards(const GuardsSpec& g) {
  json o = g.extra.is_object() ? g.extra : json::object();
  putOpt(o, "providerFrom", g.providerFrom);
  putOpt(o, "confidence", g.confidence);
  putOpt(o, "minSamples", g.minSamples);
  if (!g.args.empty()) o["args"] = g.args;
  if (const auto& c = g.classDistribution) {
    json x = c->extra.is_object() ? c->extra : json::object();
    putOpt(x, "query", c->query);
    putOpt(x, "classLabel", c->classLabel);
    putOpt(x, "maxDistance", c->maxDistance);
    putOpt(x, "classes", c->classes);
    o["classDistribution"] = std::move(x);
  }
  if (const auto& a = g.agreement) {
    json x = a->extra.is_object() ? a->extra : json::object();
    putOpt(x, "agreeQuery", a->agreeQuery);
    putOpt(x, "totalQuery", a->totalQuery);
    putOpt(x, "min", a->min);
    o["agreement"] = std::move(x);
  }
  if (g.errorRate) o["errorRate"] = encRate(*g.errorRate, "errorsQuery");
  if (g.latency) o["latency"] = encRate(*g.latency, "slowQuery");
  if (const auto& e = g.estimatedAccuracy) {
    json x = e->extra.is_object() ? e->extra : json::object();
    putOpt(x, "sumQuery", e->sumQuery);
    putOpt(x, "countQuery", e->countQuery);
    putOpt(x, "maxDropVsStable", e->maxDropVsStable);
    putOpt(x, "rollback", e->rollback);
    o["estimatedAccuracy"] = std::move(x);
  }
  return o;
}

}  // namespace modelops::api
