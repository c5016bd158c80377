// Renderers and rollout decisions of kubectl-modelops; see render.h.
// Thread-safety: pure functions.
#include "render.h"
#include "render_retraining.h"
#include "render_guards.h"

#include <algorithm>
#include <map>
#include <cstdio>
#include <sstream>

#include "modelops/api/codec.h"
#include "modelops/api/names.h"

namespace modelops::plugin {
namespace {

using nlohmann::json;

std::string paint(bool on, const char* code, const std::string& s) {
  return on ? std::string("\x1b[") + code + "m" + s + "\x1b[0m" : s;
}

// Aligned columns, two spaces apart, each line prefixed by indent.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "") {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::ostringstream out;
  for (const auto& r : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
  return out.str();
}

std::string orDash(const std::optional<std::string>& s) { return s && !s->empty() ? *s : "-"; }
std::string orDash(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string stepText(const api::CanaryStep& s) {
  if (s.setWeight) return "setWeight " + std::to_string(*s.setWeight);
  if (s.pause) return s.pause->duration ? "pause " + s.pause->duration->text : "pause (until promoted)";
  if (s.analysis) return "analysis";
  return "(unknown step)";
}

const api::Metric* findMetric(const api::ModelDeploymentSpec& spec, const std::optional<std::string>& name) {
  if (!spec.analysis || !name) return nullptr;
  for (const auto& m : spec.analysis->metrics)
    if (m.name == name) return &m;
  return nullptr;
}

std::string thresholdText(const api::Metric* m) {
  if (!m) return "";
  if (m->accuracy && m->accuracy->min) {
    std::string t = "threshold >= " + formatNumber(*m->accuracy->min);
    if (m->accuracy->confidence) t += " (" + formatNumber(*m->accuracy->confidence * 100).substr(0, 4) + "% conf)";
    return t;
  }
  if (m->threshold) {
    std::string t;
    if (m->threshold->min) t += "threshold >= " + formatNumber(*m->threshold->min);
    if (m->threshold->max) t += std::string(t.empty() ? "threshold" : ",") + " <= " + formatNumber(*m->threshold->max);
    return t;
  }
  return "";
}

std::string verdictLine(const std::optional<std::string>& phase, const std::optional<double>& value,
                        const std::optional<double>& lower, const std::optional<std::int64_t>& samples,
                        const Style& st) {
  std::string p = orDash(phase);
  std::string line = p == api::run_phase::kSuccessful ? st.green(p)
                     : (p == api::run_phase::kFailed || p == api::run_phase::kError) ? st.red(p)
                                                                                     : st.yellow(p);
  if (value) line += "  value " + formatNumber(*value);
  if (lower) line += "  lower bound " + formatNumber(*lower);
  if (samples) line += "  samples " + std::to_string(*samples);
  return line;
}

std::optional<WallTime> eventTime(const json& e) {
  for (const char* key : {"lastTimestamp", "eventTime", "firstTimestamp"}) {
    auto it = e.find(key);
    if (it != e.end() && it->is_string())
      if (auto t = parseRfc3339(it->get<std::string>())) return t;
  }
  if (e.contains("metadata") && e["metadata"].is_object()) {
    auto it = e["metadata"].find("creationTimestamp");
    if (it != e["metadata"].end() && it->is_string()) return parseRfc3339(it->get<std::string>());
  }
  return std::nullopt;
}

std::string field(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string ageOf(std::optional<WallTime> t, WallTime now) {
  if (!t) return "<unknown>";
  return formatAge(formatRfc3339(*t), now);
}

void renderSteps(std::ostringstream& out, const api::ModelDeployment& md, const Style& st) {
  const auto& strategy = md.spec.strategy;
  if (strategy && strategy->abTest) {
    const auto& ab = *strategy->abTest;
    out << st.bold("Strategy:") << "    A/B test";
    if (ab.duration) out << ", duration " << ab.duration->text;
    if (ab.winnerSelection) out << ", winner " << *ab.winnerSelection;
    out << "\n";
    std::vector<std::vector<std::string>> rows{{"VARIANT", "WEIGHT", "VERSION"}};
    for (const auto& v : ab.variants)
      rows.push_back({orDash(v.name), v.weight ? std::to_string(*v.weight) + "%" : "-",
                      v.model && v.model->version ? *v.model->version : orDash(md.spec.model.version)});
    out << table(rows, "  ");
    return;
  }
  std::vector<api::CanaryStep> steps;
  if (strategy && strategy->canary) steps = strategy->canary->steps;
  const bool inFlight = md.status.canary.has_value();
  const std::int64_t n = static_cast<std::int64_t>(steps.size());
  out << st.bold("Steps:") << "       ";
  if (n == 0) {
    out << "none (straight to 100% once the canary is available)\n";
    return;
  }
  std::int64_t current = md.status.currentStepIndex.value_or(-1);
  if (!inFlight) out << n << " steps (no rollout in progress)\n";
  else if (current >= n) out << "all " << n << " steps done\n";
  else if (current >= 0) out << "step " << current + 1 << " of " << n << "\n";
  else out << n << " steps\n";
  for (std::int64_t i = 0; i < n; ++i) {
    std::string marker = "   ";
    std::string text = std::to_string(i + 1) + ". " + stepText(steps[static_cast<std::size_t>(i)]);
    if (inFlight && i < current) marker = " ok";
    if (inFlight && i == current) {
      marker = " ->";
      text = st.bold(text) + "   <- current";
    }
    out << "  " << (inFlight && i < current ? st.dim(marker) : marker) << " " << text << "\n";
  }
}

void renderAnalysis(std::ostringstream& out, const api::ModelDeployment& md, const Style& st) {
  if (!md.status.analysis || md.status.analysis->runs.empty()) {
    if (md.spec.analysis && !md.spec.analysis->metrics.empty()) out << st.bold("Analysis:") << "    no measurements yet\n";
    return;
  }
  const auto& a = *md.status.analysis;
  out << st.bold("Analysis:");
  std::string counters;
  if (a.failures) counters += " failures " + std::to_string(*a.failures);
  if (a.inconclusives) counters += " inconclusive " + std::to_string(*a.inconclusives);
  if (a.consecutiveErrors) counters += " errors " + std::to_string(*a.consecutiveErrors);
  out << (counters.empty() ? "" : "    " + counters.substr(1)) << "\n";
  // The latest run of each metric (runs may hold several per metric; the last one listed wins).
  std::vector<std::string> order;
  std::map<std::string, const api::AnalysisRun*> latest;
  for (const auto& r : a.runs) {
    std::string name = orDash(r.metric);
    if (!latest.count(name)) order.push_back(name);
    latest[name] = &r;
  }
  for (const auto& name : order) {
    const api::AnalysisRun& r = *latest[name];
    if (isGuardRun(r)) {  // label-free guards: value, bounds, n, segment, limit, waiting for
      out << renderGuardRun(md, r, st);
      continue;
    }
    out << "  " << st.bold(name) << "  " << verdictLine(r.phase, r.value, r.lowerBound, r.samples, st);
    std::string th = thresholdText(findMetric(md.spec, r.metric));
    if (!th.empty()) out << "  " << th;
    if (r.at) out << "  at " << *r.at;
    out << "\n";
    if (r.message && !r.message->empty()) out << "      " << *r.message << "\n";
    for (const auto& s : r.segments) {
      out << "      segment " << orDash(s.segment) << "  " << verdictLine(s.phase, s.value, s.lowerBound, s.samples, st);
      if (s.message && !s.message->empty()) out << "  (" << *s.message << ")";
      out << "\n";
    }
  }
}

}  // namespace

std::string Style::bold(const std::string& s) const { return paint(color, "1", s); }
std::string Style::dim(const std::string& s) const { return paint(color, "2", s); }
std::string Style::green(const std::string& s) const { return paint(color, "32", s); }
std::string Style::yellow(const std::string& s) const { return paint(color, "33", s); }
std::string Style::red(const std::string& s) const { return paint(color, "31", s); }
std::string Style::phase(const std::string& p) const {
  if (p == api::phase::kHealthy) return green(p);
  if (p == api::phase::kProgressing || p == api::phase::kPaused) return yellow(p);
  if (p.empty()) return "Unknown";
  return red(p);
}

std::string formatAge(const std::string& rfc3339, WallTime now) {
  auto t = parseRfc3339(rfc3339);
  if (!t) return "<unknown>";
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now - *t).count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  if (s < 120 * 60) return std::to_string(s / 60) + "m";
  if (s < 48 * 3600) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string formatNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string renderTree(const json& doc, const std::vector<json>& events, WallTime now, const Style& st,
                       std::size_t maxEvents) {
  std::ostringstream out;
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded.ok()) {
    out << "cannot read this ModelDeployment: " << api::formatFieldErrors(decoded.error()) << "\n";
    return out.str();
  }
  const api::ModelDeployment& md = decoded.value();
  const auto& s = md.status;
  out << st.bold("ModelDeployment:") << " " << md.namespace_() << "/" << md.name() << "\n";
  out << st.bold("Phase:") << "       " << st.phase(s.phase.value_or("")) << "\n";
  if (s.message && !s.message->empty()) out << st.bold("Message:") << "     " << *s.message << "\n";
  out << st.bold("Generation:") << "  " << md.generation() << " (observed " << orDash(s.observedGeneration) << ")\n";
  out << st.bold("Model:") << "       " << md.spec.model.name.value_or(md.name()) << " "
      << orDash(md.spec.model.version);
  if (md.spec.model.uri) out << " (" << *md.spec.model.uri << ")";
  out << "\n";
  std::optional<std::int64_t> canaryWeight = s.canary ? s.canary->weight : std::nullopt;
  if (s.stable) {
    std::int64_t w = s.stable->weight.value_or(100 - canaryWeight.value_or(0));
    out << st.bold("Stable:") << "      revision " << orDash(s.stable->revision) << "  version "
        << orDash(s.stable->version) << "  weight " << w << "%\n";
  } else {
    out << st.bold("Stable:") << "      none yet\n";
  }
  if (s.canary) {
    out << st.bold("Canary:") << "      revision " << orDash(s.canary->revision) << "  version "
        << orDash(s.canary->version) << "  weight " << canaryWeight.value_or(0) << "%\n";
  }
  if (!s.variants.empty()) {
    std::vector<std::vector<std::string>> rows{{"VARIANT", "REVISION", "VERSION", "WEIGHT"}};
    for (const auto& v : s.variants)
      rows.push_back({orDash(v.name), orDash(v.revision), orDash(v.version), v.weight ? std::to_string(*v.weight) + "%" : "-"});
    out << st.bold("Variants:") << "\n" << table(rows, "  ");
    // The A/B test's duration counts from the moment every variant had its replicas (status.variantsAvailableAt).
    out << st.bold("Test clock:") << "  "
        << (s.variantsAvailableAt ? "started " + formatAge(*s.variantsAvailableAt, now) + " ago, when every variant was available"
                                  : std::string("not started: waiting for every variant's replicas"))
        << "\n";
  }
  renderSteps(out, md, st);
  renderAnalysis(out, md, st);
  if (!s.history.empty()) {
    out << st.bold("History:") << "     (newest first)\n";
    std::vector<std::vector<std::string>> rows{{"REVISION", "VERSION", "OUTCOME", "AGE", "REASON"}};
    for (const auto& h : historyNewestFirst(s))
      rows.push_back({orDash(h.revision), orDash(h.version), orDash(h.outcome),
                      h.at ? formatAge(*h.at, now) : "-", h.reason.value_or("")});
    out << table(rows, "  ");
  }
  out << renderRetraining(md, now, st);  // spec.retraining: runs and the candidate's change (render_retraining.h)
  if (!s.conditions.empty()) {
    out << st.bold("Conditions:") << "\n";
    std::vector<std::vector<std::string>> rows{{"TYPE", "STATUS", "REASON", "MESSAGE"}};
    for (const auto& c : s.conditions)
      rows.push_back({orDash(c.type), orDash(c.status), orDash(c.reason), c.message.value_or("")});
    out << table(rows, "  ");
  }
  std::vector<std::pair<std::optional<WallTime>, const json*>> sorted;
  for (const auto& e : events) sorted.emplace_back(eventTime(e), &e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first.value_or(WallTime{}) < b.first.value_or(WallTime{});
  });
  if (sorted.size() > maxEvents) sorted.erase(sorted.begin(), sorted.end() - static_cast<long>(maxEvents));
  out << st.bold("Events:");
  if (sorted.empty()) {
    out << "      <none>\n";
  } else {
    out << "\n";
    std::vector<std::vector<std::string>> rows{{"AGE", "TYPE", "REASON", "MESSAGE"}};
    for (const auto& [t, e] : sorted) {
      std::string reason = field(*e, "reason");
      auto count = e->find("count");
      if (count != e->end() && count->is_number_integer() && count->get<std::int64_t>() > 1)
        reason += " (x" + std::to_string(count->get<std::int64_t>()) + ")";
      rows.push_back({ageOf(t, now), field(*e, "type"), reason, field(*e, "message")});
    }
    out << table(rows, "  ");
  }
  return out.str();
}

std::string renderList(const std::vector<json>& items, bool withNamespace, WallTime now) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head{"NAME", "PHASE", "STABLE", "CANARY", "WEIGHT", "ACCURACY", "AGE"};
  if (withNamespace) head.insert(head.begin(), "NAMESPACE");
  rows.push_back(head);
  for (const auto& doc : items) {
    auto decoded = api::decodeModelDeployment(doc);
    std::vector<std::string> row;
    std::string created = doc.contains("metadata") && doc["metadata"].is_object()
                              ? field(doc["metadata"], "creationTimestamp") : "";
    if (!decoded.ok()) {
      std::string name = doc.contains("metadata") && doc["metadata"].is_object() ? field(doc["metadata"], "name") : "";
      row = {name, "<undecodable>", "-", "-", "-", "-", formatAge(created, now)};
    } else {
      const auto& md = decoded.value();
      const auto& s = md.status;
      std::string accuracy = "-";
      if (s.analysis)
        for (const auto& r : s.analysis->runs)
          if (r.lowerBound && r.value && !isGuardRun(r)) {  // a guard's value is no accuracy
            accuracy = formatNumber(*r.value);
            break;
          }
      row = {md.name(), s.phase.value_or("-"), s.stable ? orDash(s.stable->version) : "-",
             s.canary ? orDash(s.canary->version) : "-",
             s.canary && s.canary->weight ? std::to_string(*s.canary->weight) + "%" : "-", accuracy,
             formatAge(created, now)};
    }
    if (withNamespace) {
      row.insert(row.begin(), doc.contains("metadata") && doc["metadata"].is_object() ? field(doc["metadata"], "namespace") : "");
    }
    rows.push_back(row);
  }
  return table(rows);
}

std::vector<api::HistoryEntry> historyNewestFirst(const api::ModelDeploymentStatus& status) {
  std::vector<api::HistoryEntry> h = status.history;
  std::stable_sort(h.begin(), h.end(), [](const api::HistoryEntry& a, const api::HistoryEntry& b) {
    if (a.revision.value_or(-1) != b.revision.value_or(-1)) return a.revision.value_or(-1) > b.revision.value_or(-1);
    return a.at.value_or("") > b.at.value_or("");
  });
  return h;
}

std::string renderHistory(const json& doc) {
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded.ok()) return "cannot read this ModelDeployment: " + api::formatFieldErrors(decoded.error()) + "\n";
  const auto& s = decoded.value().status;
  std::vector<std::vector<std::string>> rows{{"REVISION", "VERSION", "OUTCOME", "AT", "REASON", "URI"}};
  std::optional<std::int64_t> stable = s.stable ? s.stable->revision : std::nullopt;
  for (const auto& h : historyNewestFirst(s)) {
    std::string rev = orDash(h.revision);
    if (stable && h.revision == stable && h.outcome == std::string(api::outcome::kPromoted)) rev += " (stable)";
    rows.push_back({rev, orDash(h.version), orDash(h.outcome), orDash(h.at), h.reason.value_or(""), h.uri.value_or("")});
  }
  return table(rows);
}

RolloutVerdict judgeRollout(const json& doc) {
  auto decoded = api::decodeModelDeployment(doc);
  if (!decoded.ok()) return {RolloutState::Failed, "cannot read status: " + api::formatFieldErrors(decoded.error())};
  const auto& md = decoded.value();
  const auto& s = md.status;
  const std::string phase = s.phase.value_or("");
  const std::string message = s.message && !s.message->empty() ? ": " + *s.message : "";
  if (s.observedGeneration.value_or(0) < md.generation())
    return {RolloutState::InProgress, "rollout of " + md.name() + ": waiting for the operator to observe generation " +
                                          std::to_string(md.generation()) + " (observed " +
                                          orDash(s.observedGeneration) + ")"};
  if (phase == api::phase::kRolledBack || phase == api::phase::kFailed || phase == api::phase::kDegraded ||
      phase == api::phase::kInvalid)
    return {RolloutState::Failed, "rollout of " + md.name() + " failed: " + phase + message};
  if (phase == api::phase::kHealthy && !s.canary && s.variants.empty())
    return {RolloutState::Complete, "rollout of " + md.name() + " complete: version " +
                                        (s.stable ? orDash(s.stable->version) : orDash(md.spec.model.version)) +
                                        " is Healthy"};
  std::string where = phase.empty() ? "waiting for the operator" : phase;
  if (s.canary)
    where += ", canary " + orDash(s.canary->version) + " at " + std::to_string(s.canary->weight.value_or(0)) + "%";
  return {RolloutState::InProgress, "rollout of " + md.name() + " in progress: " + where + message};
}

Result<api::HistoryEntry> undoTarget(const api::ModelDeployment& md, std::optional<std::int64_t> toRevision) {
  auto history = historyNewestFirst(md.status);
  if (toRevision) {
    for (const auto& h : history)
      if (h.revision == toRevision) return h;
    return Error{"NotFound", "revision " + std::to_string(*toRevision) + " is not in the history of " + md.name() +
                                 " (see `kubectl modelops history " + md.name() + "`)"};
  }
  for (const auto& h : history) {
    if (h.outcome != std::string(api::outcome::kPromoted)) continue;
    if (h.version == md.spec.model.version && h.uri == md.spec.model.uri) continue;
    return h;
  }
  return Error{"NotFound", "no previously promoted revision of " + md.name() + " to go back to"};
}

}  // namespace modelops::plugin
