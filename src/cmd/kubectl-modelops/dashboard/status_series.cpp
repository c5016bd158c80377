// See status_series.h.
#include "status_series.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "json_view.h"
#include "modelops/common/time.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

std::optional<double> num(const json& o, const char* k) { return numberAt(o, k); }

std::optional<double> epochSeconds(const json& o, const char* k) {
  auto t = parseRfc3339(stringAt(o, k));
  if (!t) return std::nullopt;
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}

void add(SeriesMap& out, const std::string& name, double t, std::optional<double> value,
         std::optional<double> lower, std::optional<double> upper) {
  if (!value) return;
  out[name].push_back(ChartPoint{t, *value, lower, upper});
}

const json& at(const json& o, std::initializer_list<const char*> path) {
  const json* cur = &o;
  for (const char* k : path) cur = &child(*cur, k);
  return *cur;
}

}  // namespace

std::int64_t measuredRevision(const json& md) {
  for (const char* track : {"canary", "stable"}) {
    const json& r = at(md, {"status", track, "revision"});
    if (r.is_number_integer()) return r.get<std::int64_t>();
  }
  return 0;
}

SeriesMap seriesFromStatus(const json& md) {
  SeriesMap out;
  const json& analysis = at(md, {"status", "analysis"});
  for (const auto& run : arrayAt(analysis, "runs")) {
    auto t = epochSeconds(run, "at");
    if (!t) continue;
    const std::string metric = stringAt(run, "metric");
    add(out, metric + "|canary", *t, num(run, "value"), num(run, "lowerBound"), num(run, "upperBound"));
    for (const auto& seg : arrayAt(run, "segments"))
      add(out, metric + "|segment|" + stringAt(seg, "segment"), *t, num(seg, "value"), num(seg, "lowerBound"),
          num(seg, "upperBound"));
  }
  for (const auto& m : arrayAt(child(analysis, "progress"), "metrics")) {
    auto t = epochSeconds(m, "latestAt");
    if (!t) continue;
    const std::string metric = stringAt(m, "metric");
    const json& latest = child(m, "latest");
    add(out, metric + "|canary", *t, num(latest, "value"), num(latest, "lowerBound"), num(latest, "upperBound"));
    add(out, metric + "|stable", *t, num(latest, "stableValue"), std::nullopt, std::nullopt);
    add(out, metric + "|labels", *t, num(m, "labelsPerSecond"), std::nullopt, std::nullopt);
    for (const auto& seg : arrayAt(latest, "segments"))
      add(out, metric + "|segment|" + stringAt(seg, "segment"), *t, num(seg, "value"), num(seg, "lowerBound"),
          num(seg, "upperBound"));
  }
  // An A/B test: one progress per variant.
  const json& byVariant = child(analysis, "progressByVariant");
  if (byVariant.is_object())
    for (const auto& [variant, progress] : byVariant.items())
      for (const auto& m : arrayAt(progress, "metrics")) {
        auto t = epochSeconds(m, "latestAt");
        const json& latest = child(m, "latest");
        if (t) add(out, stringAt(m, "metric") + "|variant|" + variant, *t, num(latest, "value"), num(latest, "lowerBound"),
                   num(latest, "upperBound"));
      }
  return out;
}

void StatusSeries::observe(const std::string& key, const json& md) {
  SeriesMap fresh = seriesFromStatus(md);
  const std::int64_t revision = measuredRevision(md);
  std::lock_guard lock(mu_);
  SeriesMap& kept = byObject_[key][revision];
  for (auto& [name, points] : fresh) {
    if (!kept.count(name) && kept.size() >= kMaxSeries) continue;
    auto& dst = kept[name];
    for (const auto& p : points) {
      auto same = std::find_if(dst.begin(), dst.end(), [&](const ChartPoint& q) { return q.t == p.t; });
      if (same != dst.end()) *same = p;
      else dst.push_back(p);
    }
    std::sort(dst.begin(), dst.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.t < b.t; });
    if (dst.size() > kMaxPoints) dst.erase(dst.begin(), dst.end() - static_cast<std::ptrdiff_t>(kMaxPoints));
  }
  // Only the revisions still in status are worth keeping (a canary and its stable, or the A/B variants).
  auto& revisions = byObject_[key];
  while (revisions.size() > 4) revisions.erase(revisions.begin());
}

void StatusSeries::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  byObject_.erase(key);
}

SeriesMap StatusSeries::get(const std::string& key, std::int64_t revision) const {
  std::lock_guard lock(mu_);
  auto it = byObject_.find(key);
  if (it == byObject_.end()) return {};
  auto r = it->second.find(revision);
  return r == it->second.end() ? SeriesMap{} : r->second;
}

}  // namespace modelops::plugin::dashboard
