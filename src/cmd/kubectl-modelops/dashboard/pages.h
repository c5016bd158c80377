// HTML pages of the dashboard, rendered on the server from API objects (as JSON) and prepared charts.
// Everything taken from the cluster is escaped (html.h); the session token is placed in a <meta> tag
// for the page's script to send with actions (the page is only served to requests that already carry
// it, see session_guard.h). `partial` renders only the <main> element: the script swaps it in when the
// watch reports a change.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/time.h"

namespace modelops::plugin::dashboard {

struct PageContext {
  std::string token;
  std::string scope;        // "namespace ml" or "all namespaces"
  std::string watchError;   // the store's last error ("" when healthy)
  bool partial = false;
};

struct ListFilter {
  std::string ns;     // "" = every namespace in scope
  std::string phase;  // "" = every phase
};

// The headline verdict: the first accuracy metric's latest verdict (value, lower bound, samples).
struct Headline {
  std::string metric, phase;
  std::optional<double> value, bound, samples;
};
std::optional<Headline> headlineOf(const nlohmann::json& md);

std::string renderListPage(const std::vector<nlohmann::json>& items, const ListFilter& filter, WallTime now,
                           const PageContext& ctx);

// One chart block on the detail page: a title, the SVG, and where its data came from.
struct ChartBlock {
  std::string group;   // "Accuracy", "Segments", "Label-free signals", "Labels"
  std::string svg;     // from renderChart (already escaped)
  std::string source;  // "Prometheus http://... (range query of the metric's templates)" / "status ..."
};

struct DetailInput {
  nlohmann::json md;
  std::vector<nlohmann::json> events;
  std::vector<ChartBlock> charts;
  WallTime now;
  std::string flash;  // "" or a message to show (escaped)
};
std::string renderDetailPage(const DetailInput& in, const PageContext& ctx);

std::string renderNotFoundPage(const std::string& ns, const std::string& name, const PageContext& ctx);

// Shared by both pages (pages.cpp).
std::string pageHead(const std::string& title, const PageContext& ctx);
std::string pageFoot(const PageContext& ctx);
std::string phaseBadge(const std::string& phase);
std::string jsonString(const nlohmann::json& o, std::initializer_list<const char*> path);

}  // namespace modelops::plugin::dashboard
