// Tables and goals of the gateway benchmark; see report.h.
#include "report.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>

namespace modelops::gwbench {

namespace {

constexpr double kAddedP99GoalMs = 0.5;
constexpr double kRssGoalMiB = 30;
constexpr long kSoakGrowthLimitKiB = 2048;

std::string fmt(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}
std::string fmt(const char* format, double a, double b) {
  char buf[96];
  std::snprintf(buf, sizeof buf, format, a, b);
  return buf;
}

bool fixedOk(const TargetFigures& t) { return t.measured && t.fixed.ok; }
bool saturationOk(const TargetFigures& t) { return t.measured && t.saturation.ok; }

// A cell for each target: `cell` when the target's figure exists, else why not.
std::string cellOf(const TargetFigures& t, bool ok, const std::function<std::string()>& cell) {
  if (!t.measured) return "not run: " + t.note;
  if (!ok) return "failed";
  return cell();
}

std::string latencyPair(const LoadResult& r) { return fmt("%.3f / %.3f", r.p50Us / 1000, r.p99Us / 1000); }

std::string addedPair(const LoadResult& r, const LoadResult& direct) {
  return fmt("%+.3f / %+.3f", (r.p50Us - direct.p50Us) / 1000, (r.p99Us - direct.p99Us) / 1000);
}

double addedP99Ms(const TargetFigures& t, const TargetFigures& direct) {
  return (t.fixed.p99Us - direct.fixed.p99Us) / 1000;
}

void row(std::ostream& out, const std::string& figure, const RoundFigures& r,
         const std::function<std::string(const TargetFigures&)>& cell) {
  out << "| " << figure << " | " << cell(r.direct) << " | " << cell(r.nginx) << " | " << cell(r.gateway) << " |\n";
}

}  // namespace

void printRound(std::ostream& out, const BenchSettings& s, const RoundFigures& r, int round) {
  out << "\n### Round " << round << "\n\n"
      << "| figure | direct | nginx | modelops-gateway |\n| --- | --- | --- | --- |\n";
  const std::string at = std::to_string(s.rate) + " req/s";
  row(out, at + ": achieved rate (req/s)", r, [](const TargetFigures& t) {
    return cellOf(t, fixedOk(t), [&] { return fmt("%.0f", t.fixed.rate); });
  });
  row(out, at + ": p50 / p99 (ms)", r, [](const TargetFigures& t) {
    return cellOf(t, fixedOk(t), [&] { return latencyPair(t.fixed); });
  });
  row(out, at + ": added p50 / p99 vs direct (ms)", r, [&](const TargetFigures& t) {
    if (&t == &r.direct) return std::string("-");
    return cellOf(t, fixedOk(t) && fixedOk(r.direct), [&] { return addedPair(t.fixed, r.direct.fixed); });
  });
  row(out, at + ": p99.9 / max (ms)", r, [](const TargetFigures& t) {
    return cellOf(t, fixedOk(t), [&] { return fmt("%.3f / %.3f", t.fixed.p999Us / 1000, t.fixed.maxUs / 1000); });
  });
  row(out, at + ": socket errors / non-2xx", r, [](const TargetFigures& t) {
    return cellOf(t, fixedOk(t), [&] { return fmt("%.0f / %.0f", double(t.fixed.errors), double(t.fixed.non2xx)); });
  });
  row(out, at + ": RSS, peak (MiB)", r, [&](const TargetFigures& t) {
    if (&t == &r.direct) return std::string("-");
    return cellOf(t, fixedOk(t), [&] { return fmt("%.1f", t.rssKiB / 1024.0); });
  });
  const std::string sat = "saturation, " + std::to_string(s.saturationConnections) + " conns";
  row(out, sat + ": throughput (req/s)", r, [](const TargetFigures& t) {
    return cellOf(t, saturationOk(t), [&] { return fmt("%.0f", t.saturation.rate); });
  });
  row(out, sat + ": p50 / p99 (ms)", r, [](const TargetFigures& t) {
    return cellOf(t, saturationOk(t), [&] { return latencyPair(t.saturation); });
  });
  row(out, sat + ": added p50 / p99 vs direct (ms)", r, [&](const TargetFigures& t) {
    if (&t == &r.direct) return std::string("-");
    return cellOf(t, saturationOk(t) && saturationOk(r.direct),
                  [&] { return addedPair(t.saturation, r.direct.saturation); });
  });
  row(out, sat + ": socket errors / non-2xx", r, [](const TargetFigures& t) {
    return cellOf(t, saturationOk(t),
                  [&] { return fmt("%.0f / %.0f", double(t.saturation.errors), double(t.saturation.non2xx)); });
  });
  if (r.gateway.measured) {
    out << "\nPrediction ids on: probe answer's X-Prediction-Id "
        << (r.predictionIdSample.empty() ? std::string("MISSING") : "`" + r.predictionIdSample.substr(0, 48) + "...`")
        << "; modelops_predictions_total grew by "
        << (r.predictionsCounted < 0 ? std::string("(not scraped)") : fmt("%.0f", r.predictionsCounted))
        << " over the fixed-rate run's " << r.gateway.fixed.requests << " requests.\n";
  }
  for (const auto* t : {&r.direct, &r.nginx, &r.gateway}) {
    if (t->measured && !t->fixed.ok) out << "\n" << t->name << " fixed-rate run failed: " << t->fixed.error << "\n";
    if (t->measured && !t->saturation.ok) out << "\n" << t->name << " saturation run failed: " << t->saturation.error << "\n";
  }
}

namespace {

// The median over rounds of a figure, skipping rounds where it is missing; nullopt when none has it.
std::optional<double> medianOf(const std::vector<RoundFigures>& rounds,
                               const std::function<std::optional<double>(const RoundFigures&)>& figure) {
  std::vector<double> values;
  for (const auto& r : rounds)
    if (auto v = figure(r)) values.push_back(*v);
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::optional<double> addedP99(const RoundFigures& r, const TargetFigures& t) {
  if (!fixedOk(t) || !fixedOk(r.direct)) return std::nullopt;
  return addedP99Ms(t, r.direct);
}

}  // namespace

std::vector<Goal> goals(const std::vector<RoundFigures>& rounds, const std::optional<SoakFigures>& soak) {
  std::vector<Goal> g;
  auto gwAdded = medianOf(rounds, [](const RoundFigures& r) { return addedP99(r, r.gateway); });
  auto ngxAdded = medianOf(rounds, [](const RoundFigures& r) { return addedP99(r, r.nginx); });
  Goal versusNginx{"added p99 at 1,000 req/s <= nginx's", "not measured", false};
  if (gwAdded && ngxAdded) {
    versusNginx.measured = fmt("gateway %+.3f ms, nginx %+.3f ms", *gwAdded, *ngxAdded);
    versusNginx.pass = *gwAdded <= *ngxAdded;
  }
  g.push_back(versusNginx);
  Goal absolute{"added p99 at 1,000 req/s < 0.5 ms", "not measured", false};
  if (gwAdded) {
    absolute.measured = fmt("%+.3f ms", *gwAdded);
    absolute.pass = *gwAdded < kAddedP99GoalMs;
  }
  g.push_back(absolute);
  auto saturation = [](const TargetFigures& t) -> std::optional<double> {
    return saturationOk(t) ? std::optional<double>(t.saturation.rate) : std::nullopt;
  };
  auto gwSat = medianOf(rounds, [&](const RoundFigures& r) { return saturation(r.gateway); });
  auto ngxSat = medianOf(rounds, [&](const RoundFigures& r) { return saturation(r.nginx); });
  Goal throughput{"saturation throughput >= nginx's (same workers)", "not measured", false};
  if (gwSat && ngxSat) {
    throughput.measured = fmt("gateway %.0f req/s, nginx %.0f req/s", *gwSat, *ngxSat);
    throughput.pass = *gwSat >= *ngxSat;
  }
  g.push_back(throughput);
  Goal memory{"gateway RSS < 30 MiB at 1,000 req/s (highest round)", "not measured", false};
  long rss = 0;
  for (const auto& r : rounds)
    if (fixedOk(r.gateway)) rss = std::max(rss, r.gateway.rssKiB);
  if (rss > 0) {
    memory.measured = fmt("%.1f MiB", rss / 1024.0);
    memory.pass = rss / 1024.0 < kRssGoalMiB;
  }
  g.push_back(memory);
  Goal ids{"prediction ids and counters on during every run", "not measured", false};
  bool anyGateway = false, allOn = true;
  double counted = 0, sent = 0;
  for (const auto& r : rounds) {
    if (!fixedOk(r.gateway)) continue;
    anyGateway = true;
    allOn = allOn && !r.predictionIdSample.empty() && r.predictionsCounted >= static_cast<double>(r.gateway.fixed.requests);
    counted += std::max(0.0, r.predictionsCounted);
    sent += static_cast<double>(r.gateway.fixed.requests);
  }
  if (anyGateway) {
    ids.measured = fmt("%.0f counted / %.0f sent", counted, sent) + (allOn ? ", X-Prediction-Id on every probe" : "");
    ids.pass = allOn;
  }
  g.push_back(ids);
  if (soak) {
    long growth = 0;
    bool flat = soakFlat(*soak, &growth);
    g.push_back({"soak: RSS flat (growth after the first minute < 2 MiB)", fmt("%+.1f MiB", growth / 1024.0), flat});
  }
  return g;
}

void printGoals(std::ostream& out, const std::vector<Goal>& g) {
  out << "\n| goal | measured | verdict |\n| --- | --- | --- |\n";
  for (const auto& goal : g) out << "| " << goal.name << " | " << goal.measured << " | " << (goal.pass ? "PASS" : "FAIL") << " |\n";
}

void printSpread(std::ostream& out, const std::vector<RoundFigures>& rounds) {
  if (rounds.size() < 2) return;
  struct Figure {
    const char* name;
    std::function<std::optional<double>(const RoundFigures&)> value;
  };
  auto added = [](const TargetFigures& t, const TargetFigures& d, bool p99) -> std::optional<double> {
    if (!fixedOk(t) || !fixedOk(d)) return std::nullopt;
    return ((p99 ? t.fixed.p99Us - d.fixed.p99Us : t.fixed.p50Us - d.fixed.p50Us)) / 1000;
  };
  auto sat = [](const TargetFigures& t) -> std::optional<double> {
    return saturationOk(t) ? std::optional<double>(t.saturation.rate) : std::nullopt;
  };
  const std::vector<Figure> figures = {
      {"gateway added p50 at the fixed rate (ms)", [&](const RoundFigures& r) { return added(r.gateway, r.direct, false); }},
      {"gateway added p99 at the fixed rate (ms)", [&](const RoundFigures& r) { return added(r.gateway, r.direct, true); }},
      {"nginx added p50 at the fixed rate (ms)", [&](const RoundFigures& r) { return added(r.nginx, r.direct, false); }},
      {"nginx added p99 at the fixed rate (ms)", [&](const RoundFigures& r) { return added(r.nginx, r.direct, true); }},
      {"direct saturation (req/s)", [&](const RoundFigures& r) { return sat(r.direct); }},
      {"nginx saturation (req/s)", [&](const RoundFigures& r) { return sat(r.nginx); }},
      {"gateway saturation (req/s)", [&](const RoundFigures& r) { return sat(r.gateway); }},
      {"gateway RSS (MiB)", [](const RoundFigures& r) -> std::optional<double> {
         return fixedOk(r.gateway) ? std::optional<double>(r.gateway.rssKiB / 1024.0) : std::nullopt; }},
  };
  out << "\nSpread over " << rounds.size() << " rounds:\n\n| figure | min | max |\n| --- | --- | --- |\n";
  for (const auto& f : figures) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : rounds)
      if (auto v = f.value(r)) lo = std::min(lo, *v), hi = std::max(hi, *v);
    if (lo > hi) continue;
    const char* format = hi >= 100 ? "%.0f" : "%.3f";
    out << "| " << f.name << " | " << fmt(format, lo) << " | " << fmt(format, hi) << " |\n";
  }
}

bool soakFlat(const SoakFigures& soak, long* growthKiB) {
  if (soak.samples.empty()) return false;
  auto from = std::find_if(soak.samples.begin(), soak.samples.end(), [](const auto& s) { return s.first >= 60; });
  if (from == soak.samples.end()) from = soak.samples.begin();
  long growth = soak.samples.back().second - from->second;
  if (growthKiB) *growthKiB = growth;
  return soak.load.ok && growth < kSoakGrowthLimitKiB;
}

void printSoak(std::ostream& out, const SoakFigures& soak) {
  out << "\n### Soak: gateway RSS every " << soak.intervalSeconds << " s at the fixed rate\n\n"
      << "| t (s) | RSS (MiB) |\n| --- | --- |\n";
  for (const auto& [t, kib] : soak.samples) out << "| " << fmt("%.0f", t) << " | " << fmt("%.2f", kib / 1024.0) << " |\n";
  if (soak.load.ok)
    out << "\nSoak load: " << soak.load.requests << " requests, " << fmt("%.0f req/s", soak.load.rate) << ", p50 / p99 "
        << latencyPair(soak.load) << " ms, " << soak.load.errors << " socket errors, " << soak.load.non2xx << " non-2xx.\n";
  else
    out << "\nSoak load failed: " << soak.load.error << "\n";
}

}  // namespace modelops::gwbench
