// Layout, the list page and the helpers both pages share; the detail page is in detail_page.cpp.
// See pages.h.
#include "pages.h"

#include <set>

#include "../render.h"
#include "html.h"
#include "json_view.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

std::string detailHref(const std::string& ns, const std::string& name) {
  return "/ns/" + urlEncode(ns) + "/md/" + urlEncode(name);
}

// "stable/canary" percentages as status gives them (stable's own weight when status has it).
std::string weightText(const json& md) {
  const json& status = child(md, "status");
  const json& canary = child(child(status, "canary"), "weight");
  const json& stable = child(child(status, "stable"), "weight");
  if (!canary.is_number_integer()) return stable.is_number_integer() ? stable.dump() + "/0" : "-";
  const auto c = canary.get<std::int64_t>();
  return (stable.is_number_integer() ? stable.dump() : std::to_string(100 - c)) + "/" + std::to_string(c);
}

}  // namespace

std::string jsonString(const json& o, std::initializer_list<const char*> path) {
  const json* cur = &o;
  for (const char* k : path) {
    if (!cur->is_object() || !cur->contains(k)) return "";
    cur = &(*cur)[k];
  }
  return cur->is_string() ? cur->get<std::string>() : cur->is_number() ? cur->dump() : "";
}

std::optional<Headline> headlineOf(const json& md) {
  const json& analysis = child(child(md, "status"), "analysis");
  for (const auto& m : arrayAt(child(analysis, "progress"), "metrics")) {
    const json& l = child(m, "latest");
    if (stringAt(m, "metric").starts_with("guard:") || !numberAt(l, "lowerBound")) continue;
    return Headline{stringAt(m, "metric"), stringAt(l, "phase"), numberAt(l, "value"), numberAt(l, "lowerBound"),
                    numberAt(l, "samples")};
  }
  const json& byVariant = child(analysis, "progressByVariant");  // an A/B test: its first variant's
  if (byVariant.is_object())
    for (const auto& [variant, progress] : byVariant.items())
      for (const auto& m : arrayAt(progress, "metrics")) {
        const json& l = child(m, "latest");
        if (stringAt(m, "metric").starts_with("guard:") || !numberAt(l, "lowerBound")) continue;
        return Headline{stringAt(m, "metric") + " (" + variant + ")", stringAt(l, "phase"), numberAt(l, "value"),
                        numberAt(l, "lowerBound"), numberAt(l, "samples")};
      }
  for (const auto& r : arrayAt(analysis, "runs")) {
    if (stringAt(r, "metric").starts_with("guard:") || !numberAt(r, "lowerBound")) continue;
    return Headline{stringAt(r, "metric"), stringAt(r, "phase"), numberAt(r, "value"), numberAt(r, "lowerBound"),
                    numberAt(r, "samples")};
  }
  return std::nullopt;
}

std::string phaseBadge(const std::string& phase) {
  std::string cls = "neutral";
  if (phase == "Healthy") cls = "good";
  else if (phase == "Progressing" || phase == "Paused") cls = "busy";
  else if (phase == "Degraded" || phase == "RolledBack" || phase == "Failed" || phase == "Invalid") cls = "bad";
  return "<span class=\"phase " + cls + "\" data-phase=\"" + escapeHtml(phase) + "\">" +
         escapeHtml(phase.empty() ? "Unknown" : phase) + "</span>";
}

std::string pageHead(const std::string& title, const PageContext& ctx) {
  if (ctx.partial) return "";
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"modelops-token\" content=\"" + escapeHtml(ctx.token) + "\">"
         "<title>" + escapeHtml(title) + " · modelops</title>"
         "<link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body>"
         "<header><a class=\"brand\" href=\"/\">modelops</a><span class=\"scope\">" + escapeHtml(ctx.scope) +
         "</span><span id=\"live\" class=\"live\" title=\"updates from the API server's watch\">connecting…</span>"
         "</header><div id=\"toast\" role=\"status\"></div>";
}

std::string pageFoot(const PageContext& ctx) {
  if (ctx.partial) return "";
  return "<dialog id=\"confirm\"><form method=\"dialog\"><p id=\"confirm-text\"></p>"
         "<menu><button value=\"cancel\" id=\"confirm-cancel\">Cancel</button>"
         "<button value=\"ok\" id=\"confirm-ok\" class=\"danger\">Confirm</button></menu></form></dialog>"
         "<script src=\"/assets/app.js\"></script></body></html>";
}

std::string renderListPage(const std::vector<json>& items, const ListFilter& filter, WallTime now,
                           const PageContext& ctx) {
  std::set<std::string> namespaces, phases;
  for (const auto& md : items) {
    namespaces.insert(jsonString(md, {"metadata", "namespace"}));
    phases.insert(jsonString(md, {"status", "phase"}));
  }
  std::string out = pageHead("ModelDeployments", ctx) + "<main id=\"main\">";
  if (!ctx.watchError.empty()) out += "<p class=\"warn\">" + escapeHtml(ctx.watchError) + "</p>";
  out += "<form class=\"filters\" method=\"get\" action=\"/\"><label>Namespace <select name=\"namespace\" id=\"f-ns\">"
         "<option value=\"\">all</option>";
  for (const auto& ns : namespaces)
    out += "<option" + std::string(ns == filter.ns ? " selected" : "") + " value=\"" + escapeHtml(ns) + "\">" +
           escapeHtml(ns) + "</option>";
  out += "</select></label><label>Phase <select name=\"phase\" id=\"f-phase\"><option value=\"\">all</option>";
  for (const auto& p : phases)
    out += "<option" + std::string(p == filter.phase ? " selected" : "") + " value=\"" + escapeHtml(p) + "\">" +
           escapeHtml(p.empty() ? "Unknown" : p) + "</option>";
  out += "</select></label><noscript><button>Filter</button></noscript></form>";
  out += "<table class=\"list\" id=\"rollouts\"><thead><tr><th>Namespace</th><th>Name</th><th>Phase</th>"
         "<th>Stable</th><th>Canary</th><th title=\"stable/canary traffic %\">Weights</th>"
         "<th title=\"first accuracy metric: value, lower confidence bound, labelled samples\">Verdict</th>"
         "<th>Age</th></tr></thead><tbody>";
  std::size_t shown = 0;
  for (const auto& md : items) {
    const std::string ns = jsonString(md, {"metadata", "namespace"}), name = jsonString(md, {"metadata", "name"});
    const std::string phase = jsonString(md, {"status", "phase"});
    if ((!filter.ns.empty() && ns != filter.ns) || (!filter.phase.empty() && phase != filter.phase)) continue;
    ++shown;
    std::string verdict = "-";
    if (auto h = headlineOf(md))
      verdict = "<span class=\"verdict\" title=\"" + escapeHtml(h->metric + " " + h->phase) + "\">" +
                number3(h->value) + " <small>≥ " + number3(h->bound) + " · n=" +
                count(h->samples) + "</small></span>";
    out += "<tr data-name=\"" + escapeHtml(name) + "\" data-namespace=\"" + escapeHtml(ns) + "\"><td>" +
           escapeHtml(ns) + "</td><td><a class=\"name\" href=\"" + detailHref(ns, name) + "\">" + escapeHtml(name) +
           "</a></td><td>" + phaseBadge(phase) + "</td><td class=\"stable\">" +
           escapeHtml(jsonString(md, {"status", "stable", "version"})) + "</td><td class=\"canary\">" +
           escapeHtml(jsonString(md, {"status", "canary", "version"})) + "</td><td class=\"weights\">" +
           escapeHtml(weightText(md)) + "</td><td>" + verdict + "</td><td>" +
           escapeHtml(formatAge(jsonString(md, {"metadata", "creationTimestamp"}), now)) + "</td></tr>";
  }
  out += "</tbody></table>";
  if (shown == 0)
    out += "<p class=\"empty\">No ModelDeployments" + std::string(items.empty() ? "" : " match the filter") + ".</p>";
  out += "</main>" + pageFoot(ctx);
  return out;
}

std::string renderNotFoundPage(const std::string& ns, const std::string& name, const PageContext& ctx) {
  return pageHead("not found", ctx) + "<main id=\"main\"><p class=\"warn\">ModelDeployment " + escapeHtml(ns) + "/" +
         escapeHtml(name) + " is not in the dashboard's view (deleted, or outside its namespace).</p>"
         "<p><a href=\"/\">All ModelDeployments</a></p></main>" + pageFoot(ctx);
}

}  // namespace modelops::plugin::dashboard
