// The detail page of one ModelDeployment: summary and actions, the steps as a timeline, the charts, the
// verdicts, history with reasons, conditions and Events. See pages.h.
#include <algorithm>

#include "../render.h"
#include "actions.h"
#include "html.h"
#include "json_view.h"
#include "modelops/api/codec.h"
#include "pages.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

std::string cell(const std::string& text) { return "<td>" + escapeHtml(text) + "</td>"; }
std::string optText(const std::optional<std::string>& s) { return s.value_or("-"); }
std::string optInt(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }

std::string stepLabel(const api::CanaryStep& s) {
  if (s.setWeight) return "weight " + std::to_string(*s.setWeight) + "%";
  if (s.pause) return s.pause->duration ? "pause " + s.pause->duration->text : "pause (until promoted)";
  if (s.analysis) return "analysis";
  return "?";
}

std::string actionButton(const std::string& action, const std::string& argument, const std::string& label,
                         const std::string& question) {
  return "<button class=\"action\" data-action=\"" + escapeHtml(action) + "\" data-argument=\"" + escapeHtml(argument) +
         "\" data-confirm=\"" + escapeHtml(question) + "\" id=\"action-" + escapeHtml(action) +
         (argument.empty() ? "" : "-" + escapeHtml(argument)) + "\">" + escapeHtml(label) + "</button>";
}

std::string actionsBar(const api::ModelDeployment& md, const json& doc) {
  const std::string n = md.name();
  std::string out = "<div class=\"actions\" data-namespace=\"" + escapeHtml(md.namespace_()) + "\" data-name=\"" +
                    escapeHtml(n) + "\">";
  const bool ab = md.spec.strategy && md.spec.strategy->abTest;
  if (ab) {
    for (const auto& v : md.spec.strategy->abTest->variants)
      out += actionButton("promote", v.name.value_or(""), "Promote " + v.name.value_or("?"),
                          "Promote variant " + v.name.value_or("?") + " of " + n + " to stable?");
  } else {
    out += actionButton("promote", "", "Promote", "Move " + n + " on to its next step?");
    out += actionButton("promote-full", "", "Promote fully", "Send 100% of " + n + "'s traffic to the canary now, skipping the remaining steps?");
  }
  out += actionButton("pause", "", "Pause", "Hold " + n + " where it is?");
  out += actionButton("resume", "", "Resume", "Let " + n + " continue?");
  out += actionButton("abort", "", "Abort", "Abort " + n + "'s rollout and send all traffic back to stable?");
  out += actionButton("retry", "", "Retry", "Retry " + n + "'s aborted or rolled-back rollout?");
  out += actionButton("undo", "", "Undo", "Set " + n + "'s spec.model back to the previous promoted revision?");
  if (child(child(doc, "spec"), "retraining").is_object())
    out += actionButton(std::string(kActionRetrain), "", "Retrain", "Start a retraining run of " + n + " now (spec.retraining)?");
  out += "</div>";
  return out;
}

std::string timeline(const api::ModelDeployment& md) {
  if (!md.spec.strategy || !md.spec.strategy->canary) return "";
  const auto& steps = md.spec.strategy->canary->steps;
  const bool inRollout = md.status.canary.has_value();
  const auto current = md.status.currentStepIndex.value_or(-1);
  std::string out = "<section><h2>Steps</h2><ol class=\"timeline\" id=\"steps\">";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto idx = static_cast<std::int64_t>(i);
    std::string cls = !inRollout ? "idle" : idx < current ? "done" : idx == current ? "current" : "todo";
    out += "<li class=\"" + cls + "\"" + (cls == "current" ? " aria-current=\"step\"" : "") + "><span>" +
           escapeHtml(std::to_string(i + 1) + ". " + stepLabel(steps[i])) + "</span></li>";
  }
  if (steps.empty()) out += "<li class=\"idle\"><span>straight to 100% once available</span></li>";
  out += "</ol>";
  if (inRollout && md.status.stepStartedAt)
    out += "<p class=\"muted\">step started " + escapeHtml(*md.status.stepStartedAt) + "</p>";
  return out + "</section>";
}

std::string verdictTable(const api::ModelDeployment& md) {
  if (!md.status.analysis || !md.status.analysis->progress) return "";
  const auto& p = *md.status.analysis->progress;
  std::string out = "<section><h2>Verdicts</h2><p class=\"muted\">analysis " + escapeHtml(p.outcome.value_or("-")) +
                    (p.reason ? " · " + escapeHtml(*p.reason) : "") +
                    "</p><table id=\"verdicts\"><thead><tr><th>Metric</th><th>Phase</th><th>Value</th><th>Lower</th>"
                    "<th>Upper</th><th>n</th><th>Stable</th><th>Labels/s</th><th>Reason</th></tr></thead><tbody>";
  for (const auto& m : p.metrics) {
    const api::VerdictStatus l = m.latest.value_or(api::VerdictStatus{});
    out += "<tr data-metric=\"" + escapeHtml(m.metric.value_or("")) + "\">" + cell(m.metric.value_or("-")) +
           cell(l.phase.value_or("-")) + "<td class=\"value\">" + number3(l.value) + "</td><td class=\"lower\">" +
           number3(l.lowerBound) + "</td><td class=\"upper\">" + number3(l.upperBound) + "</td><td class=\"samples\">" +
           count(l.samples) + "</td><td>" + number3(l.stableValue) +
           "</td><td>" + number3(m.labelsPerSecond) + "</td>" + cell(l.reason.value_or("")) + "</tr>";
    for (const auto& s : l.segments)
      out += "<tr class=\"segment\"><td>↳ " + escapeHtml(s.segment.value_or("?")) + "</td>" + cell(s.phase.value_or("-")) +
             "<td>" + number3(s.value) + "</td><td>" + number3(s.lowerBound) + "</td><td>" + number3(s.upperBound) +
             "</td><td>" + count(s.samples) +
             "</td><td></td><td></td>" + cell(s.reason.value_or("")) + "</tr>";
  }
  return out + "</tbody></table></section>";
}

std::string chartsSection(const std::vector<ChartBlock>& charts) {
  std::string out;
  std::string group;
  for (const auto& c : charts) {
    if (c.group != group) {
      out += std::string(group.empty() ? "" : "</div></section>") + "<section><h2>" + escapeHtml(c.group) +
             "</h2><div class=\"charts\">";
      group = c.group;
    }
    out += "<figure>" + c.svg + "<figcaption class=\"source\">" + escapeHtml(c.source) + "</figcaption></figure>";
  }
  return group.empty() ? "" : out + "</div></section>";
}

std::string historyTable(const api::ModelDeployment& md) {
  std::string out = "<section><h2>History</h2><table id=\"history\"><thead><tr><th>Revision</th><th>Version</th>"
                    "<th>Outcome</th><th>At</th><th>Reason</th></tr></thead><tbody>";
  for (const auto& h : historyNewestFirst(md.status))
    out += "<tr>" + cell(optInt(h.revision)) + cell(optText(h.version)) + cell(optText(h.outcome)) + cell(optText(h.at)) +
           cell(optText(h.reason)) + "</tr>";
  return out + "</tbody></table></section>";
}

std::string conditionsTable(const api::ModelDeployment& md) {
  std::string out = "<section><h2>Conditions</h2><table id=\"conditions\"><thead><tr><th>Type</th><th>Status</th>"
                    "<th>Reason</th><th>Message</th><th>Since</th></tr></thead><tbody>";
  for (const auto& c : md.status.conditions)
    out += "<tr>" + cell(optText(c.type)) + cell(optText(c.status)) + cell(optText(c.reason)) + cell(optText(c.message)) +
           cell(optText(c.lastTransitionTime)) + "</tr>";
  return out + "</tbody></table></section>";
}

std::string eventsTable(std::vector<json> events) {
  auto when = [](const json& e) {
    for (const char* k : {"lastTimestamp", "eventTime", "firstTimestamp"})
      if (auto s = jsonString(e, {k}); !s.empty()) return s;
    return jsonString(e, {"metadata", "creationTimestamp"});
  };
  std::stable_sort(events.begin(), events.end(), [&](const json& a, const json& b) { return when(a) > when(b); });
  if (events.size() > 50) events.resize(50);
  std::string out = "<section><h2>Events</h2><table id=\"events\"><thead><tr><th>Type</th><th>Reason</th>"
                    "<th>Message</th><th>Last seen</th></tr></thead><tbody>";
  for (const auto& e : events)
    out += "<tr>" + cell(jsonString(e, {"type"})) + cell(jsonString(e, {"reason"})) + cell(jsonString(e, {"message"})) +
           cell(when(e)) + "</tr>";
  return out + "</tbody></table></section>";
}

std::string summary(const api::ModelDeployment& md, const json& doc, WallTime now) {
  const auto& s = md.status;
  const std::int64_t weight = s.canary && s.canary->weight ? *s.canary->weight : 0;
  const std::int64_t stableWeight = s.stable && s.stable->weight ? *s.stable->weight : 100 - weight;
  std::string out = "<section class=\"summary\"><h1 id=\"md-name\">" + escapeHtml(md.name()) + " <small>" +
                    escapeHtml(md.namespace_()) + "</small> " + phaseBadge(s.phase.value_or("")) + "</h1>";
  out += "<p id=\"md-message\" class=\"message\">" + escapeHtml(s.message.value_or("")) + "</p><dl class=\"facts\">";
  out += "<dt>Stable</dt><dd id=\"stable-version\">" + escapeHtml(s.stable ? optText(s.stable->version) : "-") +
         (s.stable ? " <small>r" + escapeHtml(optInt(s.stable->revision)) + "</small>" : "") + "</dd>";
  out += "<dt>Canary</dt><dd id=\"canary-version\">" + escapeHtml(s.canary ? optText(s.canary->version) : "-") +
         (s.canary ? " <small>r" + escapeHtml(optInt(s.canary->revision)) + "</small>" : "") + "</dd>";
  out += "<dt>Weights</dt><dd><span id=\"stable-weight\">" + std::to_string(stableWeight) +
         "</span>% stable / <span id=\"canary-weight\">" + std::to_string(weight) + "</span>% canary" +
         "<div class=\"bar\"><div style=\"width:" + std::to_string(std::clamp<std::int64_t>(weight, 0, 100)) +
         "%\"></div></div></dd>";
  for (const auto& v : s.variants)
    out += "<dt>Variant " + escapeHtml(v.name.value_or("?")) + "</dt><dd>" + escapeHtml(optText(v.version)) + " · " +
           percent(v.weight) + "</dd>";
  out += "<dt>Spec</dt><dd>model " + escapeHtml(optText(md.spec.model.version)) + ", generation " +
         std::to_string(md.generation()) + " (observed " + optInt(s.observedGeneration) + ")</dd>";
  out += "<dt>Age</dt><dd>" + escapeHtml(formatAge(jsonString(doc, {"metadata", "creationTimestamp"}), now)) + "</dd>";
  return out + "</dl>" + actionsBar(md, doc) + "</section>";
}

}  // namespace

std::string renderDetailPage(const DetailInput& in, const PageContext& ctx) {
  const std::string name = jsonString(in.md, {"metadata", "name"});
  std::string out = pageHead(name, ctx) + "<main id=\"main\"><p class=\"crumbs\"><a href=\"/\">ModelDeployments</a></p>";
  if (!ctx.watchError.empty()) out += "<p class=\"warn\">" + escapeHtml(ctx.watchError) + "</p>";
  if (!in.flash.empty()) out += "<p class=\"flash\">" + escapeHtml(in.flash) + "</p>";
  auto decoded = api::decodeModelDeployment(in.md);
  if (!decoded.ok()) {
    out += "<p class=\"warn\">" + escapeHtml(name) + " cannot be read by this version: " +
           escapeHtml(api::formatFieldErrors(decoded.error())) + "</p>";
    return out + "</main>" + pageFoot(ctx);
  }
  const api::ModelDeployment& md = decoded.value();
  out += summary(md, in.md, in.now) + timeline(md) + chartsSection(in.charts) + verdictTable(md) + historyTable(md) +
         conditionsTable(md) + eventsTable(in.events);
  return out + "</main>" + pageFoot(ctx);
}

}  // namespace modelops::plugin::dashboard
