// Verdict helpers: phase names, totals, JSON for status (see verdict.h).
// Thread-safety: pure functions.
#include "modelops/analysis/verdict.h"

#include <cmath>

namespace modelops::analysis {

using nlohmann::json;

std::string_view to_string(VerdictPhase phase) {
  switch (phase) {
    case VerdictPhase::Pass: return "Successful";
    case VerdictPhase::Fail: return "Failed";
    case VerdictPhase::Inconclusive: return "Inconclusive";
    case VerdictPhase::Error: return "Error";
  }
  return "Error";
}

std::optional<VerdictPhase> parseVerdictPhase(std::string_view text) {
  for (auto phase : {VerdictPhase::Pass, VerdictPhase::Fail, VerdictPhase::Inconclusive, VerdictPhase::Error}) {
    if (to_string(phase) == text) return phase;
  }
  return std::nullopt;
}

Counts total(const std::map<std::string, Counts>& parts) {
  Counts sum;
  bool allPredictions = !parts.empty();
  double predictions = 0;
  for (const auto& [key, c] : parts) {
    sum.successes += c.successes;
    sum.trials += c.trials;
    if (c.predictions) {
      predictions += *c.predictions;
    } else {
      allPredictions = false;
    }
  }
  if (allPredictions) sum.predictions = predictions;
  return sum;
}

Verdict errorVerdict(const std::string& metric, const std::string& reason, const std::string& query) {
  Verdict v;
  v.metric = metric;
  v.phase = VerdictPhase::Error;
  v.query = query;
  v.reason = reason;
  return v;
}

namespace {

// JSON has no NaN/Inf: such values are omitted rather than written as null.
void putNumber(json& j, const char* key, double value) {
  if (std::isfinite(value)) j[key] = value;
}
void putNumber(json& j, const char* key, const std::optional<double>& value) {
  if (value) putNumber(j, key, *value);
}

struct Reader {
  const json& j;
  std::string path;
  std::optional<Error> error;

  void fail(const std::string& field, const std::string& what) {
    if (!error) error = Error{"InvalidInput", path + "." + field + ": " + what};
  }
  const json* field(const char* key) {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
  void number(const char* key, double& out) {
    if (auto* f = field(key)) {
      if (f->is_number()) out = f->get<double>(); else fail(key, "must be a number");
    }
  }
  void number(const char* key, std::optional<double>& out) {
    if (auto* f = field(key)) {
      if (f->is_number()) out = f->get<double>(); else fail(key, "must be a number");
    }
  }
  void boolean(const char* key, bool& out) {
    if (auto* f = field(key)) {
      if (f->is_boolean()) out = f->get<bool>(); else fail(key, "must be a boolean");
    }
  }
  void string(const char* key, std::string& out) {
    if (auto* f = field(key)) {
      if (f->is_string()) out = f->get<std::string>(); else fail(key, "must be a string");
    }
  }
  void phase(const char* key, VerdictPhase& out) {
    std::string text;
    string(key, text);
    if (text.empty()) return;
    if (auto p = parseVerdictPhase(text)) out = *p; else fail(key, "unknown phase \"" + text + "\"");
  }
};

json comparisonJson(const StableComparison& c) {
  json s = json::object();
  s["phase"] = std::string(to_string(c.phase));
  putNumber(s, "difference", c.difference);
  putNumber(s, "lowerBound", c.lowerBound);
  putNumber(s, "upperBound", c.upperBound);
  putNumber(s, "margin", c.margin);
  putNumber(s, "stableSamples", c.stableSamples);
  s["reason"] = c.reason;
  return s;
}

Result<StableComparison> comparisonFromJson(const json& s, const std::string& path) {
  if (!s.is_object()) return Error{"InvalidInput", path + ": must be an object"};
  StableComparison c;
  Reader sr{s, path, std::nullopt};
  sr.phase("phase", c.phase);
  sr.number("difference", c.difference);
  sr.number("lowerBound", c.lowerBound);
  sr.number("upperBound", c.upperBound);
  sr.number("margin", c.margin);
  sr.number("stableSamples", c.stableSamples);
  sr.string("reason", c.reason);
  if (sr.error) return *sr.error;
  return c;
}

}  // namespace

json toJson(const SegmentVerdict& s) {
  json j = json::object();
  j["segment"] = s.segment;
  j["phase"] = std::string(to_string(s.phase));
  putNumber(j, "value", s.value);
  putNumber(j, "lowerBound", s.lowerBound);
  putNumber(j, "upperBound", s.upperBound);
  putNumber(j, "samples", s.samples);
  j["reason"] = s.reason;
  if (s.vsStable) j["vsStable"] = comparisonJson(*s.vsStable);
  return j;
}

json toJson(const Verdict& v) {
  json j = json::object();
  j["metric"] = v.metric;
  j["phase"] = std::string(to_string(v.phase));
  putNumber(j, "value", v.value);
  putNumber(j, "lowerBound", v.lowerBound);
  putNumber(j, "upperBound", v.upperBound);
  putNumber(j, "samples", v.samples);
  putNumber(j, "stableValue", v.stableValue);
  putNumber(j, "labelCoverage", v.labelCoverage);
  if (v.vsStable) j["vsStable"] = comparisonJson(*v.vsStable);
  if (v.warmUp) j["warmUp"] = true;
  putNumber(j, "labelsNeeded", v.labelsNeeded);
  if (!v.segments.empty()) {
    json segments = json::array();
    for (const auto& s : v.segments) segments.push_back(toJson(s));
    j["segments"] = std::move(segments);
  }
  if (!v.query.empty()) j["query"] = v.query;
  j["reason"] = v.reason;
  return j;
}

Result<Verdict> verdictFromJson(const json& j, const std::string& path) {
  if (!j.is_object()) return Error{"InvalidInput", path + ": must be an object"};
  Verdict v;
  Reader r{j, path, std::nullopt};
  r.string("metric", v.metric);
  r.phase("phase", v.phase);
  r.number("value", v.value);
  r.number("lowerBound", v.lowerBound);
  r.number("upperBound", v.upperBound);
  r.number("samples", v.samples);
  r.number("stableValue", v.stableValue);
  r.number("labelCoverage", v.labelCoverage);
  r.string("query", v.query);
  r.string("reason", v.reason);
  r.boolean("warmUp", v.warmUp);
  r.number("labelsNeeded", v.labelsNeeded);
  if (const json* s = r.field("vsStable")) {
    auto c = comparisonFromJson(*s, path + ".vsStable");
    if (!c) return c.error();
    v.vsStable = *c;
  }
  if (const json* segs = r.field("segments")) {
    if (!segs->is_array()) {
      r.fail("segments", "must be an array");
    } else {
      for (std::size_t i = 0; i < segs->size(); ++i) {
        const json& e = (*segs)[i];
        const std::string at = path + ".segments[" + std::to_string(i) + "]";
        if (!e.is_object()) return Error{"InvalidInput", at + ": must be an object"};
        SegmentVerdict s;
        Reader sr{e, at, std::nullopt};
        sr.string("segment", s.segment);
        sr.phase("phase", s.phase);
        sr.number("value", s.value);
        sr.number("lowerBound", s.lowerBound);
        sr.number("upperBound", s.upperBound);
        sr.number("samples", s.samples);
        sr.string("reason", s.reason);
        if (sr.error) return *sr.error;
        if (const json* c = sr.field("vsStable")) {
          auto parsed = comparisonFromJson(*c, at + ".vsStable");
          if (!parsed) return parsed.error();
          s.vsStable = *parsed;
        }
        v.segments.push_back(std::move(s));
      }
    }
  }
  if (r.error) return *r.error;
  return v;
}

}  // namespace modelops::analysis
