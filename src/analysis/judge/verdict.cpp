// Verdict helpers: phase names, totals, JSON for status (see verdict.h), each JSON field named once.
// Thread-safety: pure functions.
#include "modelops/analysis/verdict.h"

#include <cmath>
#include <concepts>
#include <type_traits>
#include <utility>

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

// The JSON of the three verdict structs, each field named once: verdictFields(visitor, object) calls
// visitor(key, field) (and visitor(key, field, Presence) for a text written only when not empty);
// JsonWriter and JsonReader are the two directions.
enum class Presence { Always, UnlessEmpty };

template <class S, class T>
concept VerdictPart = std::same_as<std::remove_const_t<S>, T>;

template <class V, VerdictPart<StableComparison> S>
void verdictFields(V& v, S& c) {
  v("phase", c.phase);
  v("difference", c.difference);
  v("lowerBound", c.lowerBound);
  v("upperBound", c.upperBound);
  v("margin", c.margin);
  v("stableSamples", c.stableSamples);
  v("reason", c.reason);
}

// The evidence a verdict and a segment verdict share (their types differ: a segment always has a value).
template <class V, class S>
void evidenceFields(V& v, S& s) {
  v("phase", s.phase);
  v("value", s.value);
  v("lowerBound", s.lowerBound);
  v("upperBound", s.upperBound);
  v("samples", s.samples);
  v("reason", s.reason);
  v("vsStable", s.vsStable);
}

template <class V, VerdictPart<SegmentVerdict> S>
void verdictFields(V& v, S& s) {
  v("segment", s.segment);
  evidenceFields(v, s);
}

template <class V, VerdictPart<Verdict> S>
void verdictFields(V& v, S& x) {
  v("metric", x.metric);
  evidenceFields(v, x);
  v("stableValue", x.stableValue);
  v("labelCoverage", x.labelCoverage);
  v("warmUp", x.warmUp);  // written only when true
  v("labelsNeeded", x.labelsNeeded);
  v("segments", x.segments);
  v("query", x.query, Presence::UnlessEmpty);
}

template <class T>
json writeJson(const T& object);

// Absent optionals, empty lists, false flags and non-finite numbers (JSON has no NaN/Inf) are omitted.
struct JsonWriter {
  json& j;
  void operator()(const char* key, VerdictPhase phase) { j[key] = std::string(to_string(phase)); }
  void operator()(const char* key, double value) {
    if (std::isfinite(value)) j[key] = value;
  }
  void operator()(const char* key, const std::optional<double>& value) {
    if (value) (*this)(key, *value);
  }
  void operator()(const char* key, bool flag) {
    if (flag) j[key] = true;
  }
  void operator()(const char* key, const std::string& text, Presence presence = Presence::Always) {
    if (presence == Presence::Always || !text.empty()) j[key] = text;
  }
  template <class T>
  void operator()(const char* key, const std::optional<T>& part) {
    if (part) j[key] = writeJson(*part);
  }
  template <class T>
  void operator()(const char* key, const std::vector<T>& parts) {
    if (parts.empty()) return;
    json list = json::array();
    for (const auto& p : parts) list.push_back(writeJson(p));
    j[key] = std::move(list);
  }
};

template <class T>
json writeJson(const T& object) {
  json j = json::object();
  JsonWriter writer{j};
  verdictFields(writer, object);
  return j;
}

template <class T>
Result<T> readJson(const json& j, const std::string& path);

// Unknown keys are ignored; the first wrong type (or unknown phase) is the error, with its path.
struct JsonReader {
  const json& j;
  std::string path;
  std::optional<Error> error;

  void fail(const std::string& at, const std::string& what) {
    if (!error) error = Error{"InvalidInput", at + ": " + what};
  }
  const json* field(const char* key) {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  }
  void operator()(const char* key, double& out) {
    if (auto* f = field(key)) {
      if (f->is_number()) out = f->get<double>(); else fail(path + "." + key, "must be a number");
    }
  }
  void operator()(const char* key, std::optional<double>& out) {
    double value = 0;
    if (!field(key)) return;
    (*this)(key, value);
    out = value;
  }
  void operator()(const char* key, bool& out) {
    if (auto* f = field(key)) {
      if (f->is_boolean()) out = f->get<bool>(); else fail(path + "." + key, "must be a boolean");
    }
  }
  void operator()(const char* key, std::string& out, Presence = Presence::Always) {
    if (auto* f = field(key)) {
      if (f->is_string()) out = f->get<std::string>(); else fail(path + "." + key, "must be a string");
    }
  }
  void operator()(const char* key, VerdictPhase& out) {
    std::string text;
    (*this)(key, text);
    if (text.empty()) return;
    if (auto p = parseVerdictPhase(text)) out = *p; else fail(path + "." + key, "unknown phase \"" + text + "\"");
  }
  template <class T>
  void operator()(const char* key, std::optional<T>& out) {
    const json* f = field(key);
    if (!f || error) return;
    auto part = readJson<T>(*f, path + "." + key);
    if (part) out = std::move(part).value(); else error = part.error();
  }
  template <class T>
  void operator()(const char* key, std::vector<T>& out) {
    const json* f = field(key);
    if (!f || error) return;
    if (!f->is_array()) return fail(path + "." + key, "must be an array");
    for (std::size_t i = 0; i < f->size() && !error; ++i) {
      auto part = readJson<T>((*f)[i], path + "." + key + "[" + std::to_string(i) + "]");
      if (part) out.push_back(std::move(part).value()); else error = part.error();
    }
  }
};

template <class T>
Result<T> readJson(const json& j, const std::string& path) {
  if (!j.is_object()) return Error{"InvalidInput", path + ": must be an object"};
  T object;
  JsonReader reader{j, path, std::nullopt};
  verdictFields(reader, object);
  if (reader.error) return *reader.error;
  return object;
}

}  // namespace

json toJson(const SegmentVerdict& s) { return writeJson(s); }

json toJson(const Verdict& v) { return writeJson(v); }

Result<Verdict> verdictFromJson(const json& j, const std::string& path) { return readJson<Verdict>(j, path); }

}  // namespace modelops::analysis
