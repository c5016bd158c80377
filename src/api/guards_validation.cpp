// validateGuards (guards.h): spec.analysis.guards rules, every error naming its field.
// Thread-safety: pure functions.
#include <algorithm>
#include <cctype>

#include "modelops/api/guards.h"
#include "modelops/api/validation.h"

namespace modelops::api {
namespace {

struct GuardChecks {
  std::vector<std::string> args;
  FieldErrors& errs;

  void query(const std::optional<std::string>& text, const std::string& path) {
    if (!text || text->empty()) {
      errs.push_back({path, "required"});
      return;
    }
    for (auto& problem : checkTemplate(*text, args)) errs.push_back({path, std::move(problem)});
  }
  void unit(const std::optional<double>& v, const std::string& path, bool required) {
    if (!v) {
      if (required) errs.push_back({path, "required"});
      return;
    }
    if (!(*v >= 0.0 && *v <= 1.0)) errs.push_back({path, "must be between 0 and 1"});
  }
};

void checkLabelName(const std::optional<std::string>& label, const std::string& path, FieldErrors& errs) {
  if (!label) return;
  const bool ok = !label->empty() && !std::isdigit(static_cast<unsigned char>((*label)[0])) &&
                  std::all_of(label->begin(), label->end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                  });
  if (!ok) errs.push_back({path, "must be a label name (letters, digits and '_', not starting with a digit)"});
}

}  // namespace

void validateGuards(const GuardsSpec& g, const std::vector<std::string>& metricNames, const std::string& path,
                    FieldErrors& errs) {
  GuardChecks c{{}, errs};
  for (const auto& [key, value] : g.args) {
    (void)value;
    c.args.push_back(key);
    const bool ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    });
    if (!ok) errs.push_back({path + ".args." + key, "names may use only letters, digits, '_' and '-'"});
  }
  if (guardNames(g).empty()) {
    errs.push_back({path, "must declare at least one guard (classDistribution, agreement, errorRate, latency, "
                          "estimatedAccuracy)"});
  }
  if (g.providerFrom &&
      std::find(metricNames.begin(), metricNames.end(), *g.providerFrom) == metricNames.end()) {
    errs.push_back({path + ".providerFrom", "\"" + *g.providerFrom + "\" is not the name of a metric in spec.analysis.metrics"});
  }
  if (g.confidence && !(*g.confidence > 0.0 && *g.confidence < 1.0)) {
    errs.push_back({path + ".confidence", "must be between 0 and 1 (exclusive)"});
  }
  if (g.minSamples && (*g.minSamples < 1 || *g.minSamples > 1000000000)) {
    errs.push_back({path + ".minSamples", "must be between 1 and 1000000000"});
  }
  if (const auto& d = g.classDistribution) {
    const std::string p = path + ".classDistribution";
    c.query(d->query, p + ".query");
    checkLabelName(d->classLabel, p + ".classLabel", errs);
    if (!d->maxDistance) errs.push_back({p + ".maxDistance", "required"});
    else if (!(*d->maxDistance > 0.0 && *d->maxDistance <= 1.0)) {
      errs.push_back({p + ".maxDistance", "must be greater than 0 and at most 1 (a Jensen-Shannon distance)"});
    }
    if (d->classes && (*d->classes < 2 || *d->classes > 10000)) {
      errs.push_back({p + ".classes", "must be between 2 and 10000"});
    }
  }
  if (const auto& a = g.agreement) {
    const std::string p = path + ".agreement";
    c.query(a->agreeQuery, p + ".agreeQuery");
    c.query(a->totalQuery, p + ".totalQuery");
    c.unit(a->min, p + ".min", true);
  }
  auto checkRate = [&](const auto& rate, const std::string& key, const char* eventsKey) {
    if (!rate) return;
    const std::string p = path + "." + key;
    c.query(rate->eventsQuery, p + "." + eventsKey);
    c.query(rate->totalQuery, p + ".totalQuery");
    c.unit(rate->maxIncrease, p + ".maxIncrease", true);
  };
  checkRate(g.errorRate, "errorRate", "errorsQuery");
  checkRate(g.latency, "latency", "slowQuery");
  if (const auto& e = g.estimatedAccuracy) {
    const std::string p = path + ".estimatedAccuracy";
    c.query(e->sumQuery, p + ".sumQuery");
    c.query(e->countQuery, p + ".countQuery");
    c.unit(e->maxDropVsStable, p + ".maxDropVsStable", true);
  }
}

}  // namespace modelops::api
