// Namespaces, ownership of route entries and the weight math; see include/modelops/traffic/route_scope.h.
#include "modelops/traffic/route_scope.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace modelops::traffic {
namespace {

using Json = nlohmann::json;

std::string trimmed(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

void addTrackServices(std::set<std::string>& out, const std::string& owner) {
  if (owner.empty()) return;
  out.insert(owner + "-" + std::string(api::kTrackStable));
  out.insert(owner + "-" + std::string(api::kTrackCanary));
}

// Foreign backends as "name weight, name weight" for messages (at most 8, then "...").
std::string foreignSummary(const std::vector<std::pair<std::string, std::int64_t>>& foreign) {
  std::string out;
  for (std::size_t i = 0; i < foreign.size(); ++i) {
    if (i == 8) return out + ", ...";
    out += (out.empty() ? "" : ", ") + foreign[i].first + " " + std::to_string(foreign[i].second);
  }
  return out;
}

}  // namespace

RouteScope scopeFor(const api::ModelDeployment& md, const rollout::DesiredTraffic& traffic,
                    const std::string& routeNamespace) {
  RouteScope scope;
  scope.serviceNamespace = md.namespace_();
  scope.routeNamespace = routeNamespace;
  const std::string owner = md.name();
  addTrackServices(scope.managed, owner);
  // Variants declared now and variants of the test in status (the previous split may still name them).
  if (md.spec.strategy && md.spec.strategy->abTest)
    for (const auto& v : md.spec.strategy->abTest->variants)
      if (v.name && !v.name->empty()) scope.managed.insert(owner + "-" + *v.name);
  for (const auto& v : md.status.variants)
    if (v.name && !v.name->empty()) scope.managed.insert(owner + "-" + *v.name);
  for (const auto& b : traffic.backends) scope.managed.insert(b.service);
  return scope;
}

RouteScope scopeOfRoute(const Json& route, const rollout::DesiredTraffic& traffic) {
  RouteScope scope;
  if (route.is_object() && route.contains("metadata") && route["metadata"].is_object())
    scope.routeNamespace = route["metadata"].value("namespace", std::string());
  scope.serviceNamespace = scope.routeNamespace;
  addTrackServices(scope.managed, traffic.owner);
  for (const auto& b : traffic.backends) scope.managed.insert(b.service);
  return scope;
}

std::vector<std::string> allowedNamespaces(const Json& object) {
  std::vector<std::string> out;
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return out;
  const auto& annotations = object["metadata"].value("annotations", Json::object());
  if (!annotations.is_object()) return out;
  auto it = annotations.find(std::string(kAnnotationAllowedNamespaces));
  if (it == annotations.end() || !it->is_string()) return out;
  const auto& text = it->get_ref<const std::string&>();
  std::size_t start = 0;
  // Bounded: an annotation value is at most 256 KiB (API server limit on all annotations).
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    auto item = trimmed(std::string_view(text).substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

bool grantsNamespace(const Json& object, const std::string& ns) {
  auto allowed = allowedNamespaces(object);
  return !ns.empty() && std::find(allowed.begin(), allowed.end(), ns) != allowed.end();
}

std::vector<std::int64_t> splitBudget(const std::vector<std::int64_t>& percents, std::int64_t budget) {
  std::vector<std::int64_t> out(percents.size(), 0);
  std::int64_t total = 0;
  for (auto p : percents) total += std::max<std::int64_t>(p, 0);
  if (total <= 0 || budget <= 0) return out;
  // Floor of each exact share, then the rest to the largest remainders (ties: the earlier backend).
  std::vector<std::int64_t> remainder(percents.size(), 0);
  std::int64_t given = 0;
  for (std::size_t i = 0; i < percents.size(); ++i) {
    auto scaled = std::max<std::int64_t>(percents[i], 0) * budget;
    out[i] = scaled / total;
    remainder[i] = scaled % total;
    given += out[i];
  }
  std::vector<std::size_t> order(percents.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < budget && k < order.size(); ++k, ++given) ++out[order[k]];
  // A backend the plan sends traffic to must not round to nothing: take 1 from the largest share.
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (percents[i] <= 0 || out[i] > 0) continue;
    auto largest = std::max_element(out.begin(), out.end());
    if (*largest <= 1) break;  // the share is too small to give everyone 1
    --*largest;
    out[i] = 1;
  }
  return out;
}

Result<Json> mergeManagedEntries(const Json& existing, const rollout::DesiredTraffic& traffic,
                                 const EntryShape& shape, const std::string& where) {
  const Json list = existing.is_array() ? existing : Json::array();
  std::vector<std::pair<std::string, std::int64_t>> foreign;
  std::int64_t foreignWeight = 0;
  std::map<std::string, Json> previous;  // our previous entries by Service, to keep the user's extra fields
  std::optional<std::size_t> firstOurs;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string service;
    if (list[i].is_object() && shape.isManaged(list[i], service)) {
      if (!firstOurs) firstOurs = i;
      previous.emplace(service, list[i]);
      continue;
    }
    auto weight = shape.absentWeight;
    if (list[i].is_object() && list[i].contains("weight") && list[i]["weight"].is_number_integer())
      weight = list[i]["weight"].get<std::int64_t>();
    foreignWeight += std::max<std::int64_t>(weight, 0);
    std::string name = list[i].is_object() ? list[i].value("name", std::string()) : std::string();
    if (name.empty() && list[i].is_object() && list[i].contains("destination") && list[i]["destination"].is_object())
      name = list[i]["destination"].value("host", std::string());
    foreign.emplace_back(name.empty() ? "(unnamed)" : name, weight);
  }
  const std::int64_t budget = 100 - foreignWeight;
  std::vector<std::int64_t> percents;
  for (const auto& b : traffic.backends) percents.push_back(b.weight);
  bool anyTraffic = std::any_of(percents.begin(), percents.end(), [](auto p) { return p > 0; });
  if (budget <= 0 && anyTraffic)
    return Error{std::string(route_reason::kNoWeightLeft),
                 where + ": the other backends (" + foreignSummary(foreign) + ") hold " + std::to_string(foreignWeight) +
                     " of 100, which leaves no weight for this ModelDeployment's backends"};
  auto shares = splitBudget(percents, std::max<std::int64_t>(budget, 0));
  Json ours = Json::array();
  for (std::size_t i = 0; i < traffic.backends.size(); ++i) {
    const auto& b = traffic.backends[i];
    auto it = previous.find(b.service);
    ours.push_back(shape.make(b, shares[i], it == previous.end() ? Json::object() : it->second));
  }
  Json out = Json::array();
  bool placed = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string service;
    bool mine = list[i].is_object() && shape.isManaged(list[i], service);
    if (mine && !placed) {
      for (auto& e : ours) out.push_back(std::move(e));
      placed = true;
    }
    if (!mine) out.push_back(list[i]);
  }
  if (!placed)
    for (auto& e : ours) out.push_back(std::move(e));
  return out;
}

}  // namespace modelops::traffic
