#include "chaos_checks.h"

#include <algorithm>
#include <set>

namespace modelops::chaos {

std::optional<std::int64_t> backendWeight(const Json& route, const std::string& backend, const std::string& vsRoute) {
  if (!route.is_object() || !route.contains("spec") || !route["spec"].is_object()) return std::nullopt;
  const Json& spec = route["spec"];
  if (route.value("kind", "") == "VirtualService") {
    for (const auto& r : spec.value("http", Json::array()))
      if (r.is_object() && r.value("name", "") == vsRoute)
        for (const auto& d : r.value("route", Json::array()))
          if (d.is_object() && d.contains("destination") && d["destination"].value("host", "") == backend)
            return d.value("weight", std::int64_t{0});
    return std::nullopt;
  }
  for (const auto& r : spec.value("rules", Json::array())) {
    if (!r.is_object() || r.value("name", "").starts_with("modelops-match-")) continue;
    for (const auto& b : r.value("backendRefs", Json::array()))
      if (b.is_object() && b.value("name", "") == backend) return b.value("weight", std::int64_t{1});
    return std::nullopt;  // only the first user rule is managed
  }
  return std::nullopt;
}

std::string historyKey(const Json& entry) {
  return entry.value("version", "") + "/" + entry.value("outcome", "") + "/" + entry.value("hash", "");
}

namespace {
const Json& historyOf(const Json& status) {
  static const Json empty = Json::array();
  if (!status.is_object() || !status.contains("history") || !status["history"].is_array()) return empty;
  return status["history"];
}
}  // namespace

std::vector<std::string> lostHistory(const std::vector<Recorded>& mdVersions, const Json& finalStatus,
                                     std::size_t historyLimit) {
  std::set<std::string> present;
  for (const auto& h : historyOf(finalStatus)) present.insert(historyKey(h));
  if (historyOf(finalStatus).size() >= historyLimit) return {};
  std::map<std::string, std::int64_t> lost;  // key -> first resourceVersion showing it
  for (const auto& v : mdVersions) {
    const Json status = v.object.value("status", Json::object());  // named: historyOf returns a reference into it
    for (const auto& h : historyOf(status))
      if (!present.contains(historyKey(h)) && !lost.contains(historyKey(h))) lost[historyKey(h)] = v.resourceVersion;
  }
  std::vector<std::string> out;
  for (const auto& [key, rv] : lost) out.push_back(key + " (first seen at resourceVersion " + std::to_string(rv) + ")");
  return out;
}

std::vector<std::string> duplicateHistory(const Json& finalStatus) {
  std::map<std::string, int> count;
  for (const auto& h : historyOf(finalStatus)) ++count[historyKey(h)];
  std::vector<std::string> out;
  for (const auto& [key, n] : count)
    if (n > 1) out.push_back(key + " x" + std::to_string(n));
  return out;
}

std::optional<std::int64_t> failureRecordedAt(const std::vector<Recorded>& mdVersions, const std::string& version) {
  std::optional<std::int64_t> first;
  for (const auto& v : mdVersions) {
    const Json status = v.object.value("status", Json::object());
    for (const auto& h : historyOf(status)) {
      auto outcome = h.value("outcome", "");
      if (h.value("version", "") == version && (outcome == "RolledBack" || outcome == "Aborted") &&
          (!first || v.resourceVersion < *first))
        first = v.resourceVersion;
    }
  }
  return first;
}

std::vector<std::string> weightRaisedAfter(const std::vector<Recorded>& routeVersions, const std::string& backend,
                                           std::int64_t failureRv) {
  std::vector<const Recorded*> sorted;
  for (const auto& r : routeVersions) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Recorded* a, const Recorded* b) { return a->resourceVersion < b->resourceVersion; });
  std::vector<std::string> out;
  std::optional<std::int64_t> previous;
  for (const auto* r : sorted) {
    auto w = backendWeight(r->object, backend).value_or(0);
    if (r->resourceVersion > failureRv) {
      if (w > 0)
        out.push_back(r->name + " resourceVersion " + std::to_string(r->resourceVersion) + ": " + backend + " weight " +
                      std::to_string(w) + " after its failure was recorded at resourceVersion " + std::to_string(failureRv));
      else if (previous && w > *previous)
        out.push_back(r->name + " resourceVersion " + std::to_string(r->resourceVersion) + ": " + backend +
                      " weight raised from " + std::to_string(*previous) + " to " + std::to_string(w));
    }
    previous = w;
  }
  return out;
}

MemoryVerdict memoryFlat(const std::vector<RssSample>& samples, std::int64_t baselineKiB, std::int64_t finalKiB,
                         double relMargin, std::int64_t absMarginKiB) {
  MemoryVerdict v;
  v.baselineKiB = baselineKiB;
  v.finalKiB = finalKiB;
  v.boundKiB = static_cast<std::int64_t>(static_cast<double>(baselineKiB) * (1.0 + relMargin)) + absMarginKiB;
  v.peakBoundKiB = v.boundKiB + baselineKiB;
  for (const auto& s : samples) v.peakKiB = std::max(v.peakKiB, s.kib);
  if (baselineKiB <= 0) v.violations.push_back("no baseline RSS sample");
  if (finalKiB <= 0) v.violations.push_back("no final RSS sample");
  if (finalKiB > v.boundKiB)
    v.violations.push_back("final RSS " + std::to_string(finalKiB) + " KiB above the bound " + std::to_string(v.boundKiB) +
                           " KiB (baseline " + std::to_string(baselineKiB) + " KiB)");
  for (const auto& s : samples)
    if (s.kib > v.peakBoundKiB) {
      v.violations.push_back("pid " + std::to_string(s.pid) + " at " + std::to_string(s.seconds) + " s: RSS " +
                             std::to_string(s.kib) + " KiB above the peak bound " + std::to_string(v.peakBoundKiB) + " KiB");
      break;
    }
  return v;
}

}  // namespace modelops::chaos
