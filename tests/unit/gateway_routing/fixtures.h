// Test fixtures for unit.gateway_routing: gateway-routed ModelDeployments (canary and A/B) with the status the
// operator would have written, and a RequestView over plain maps.
// Thread-safety: pure functions returning fresh values.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/gateway/routing/pick.h"

namespace modelops::gateway::testing {

// A canary "fraud" in `ns` (model "fraud-model", service port 8080) with trafficRouting.gateway `gateway`
// and status stable (revision 1, v1) / canary (revision 2, v2) at the given weights; canaryWeight < 0: no
// canary in status.
inline nlohmann::json canaryDeployment(const std::string& ns, std::int64_t canaryWeight,
                                       nlohmann::json gateway = nlohmann::json::object()) {
  nlohmann::json doc = nlohmann::json::parse(R"J({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "generation": 3},
    "spec": {"model": {"name": "fraud-model", "version": "v2"},
             "template": {"spec": {"containers": [{"name": "server", "image": "model:1"}]}},
             "service": {"port": 8080},
             "strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}},
    "status": {"stable": {"revision": 1, "version": "v1", "hash": "aaa"}}})J");
  doc["metadata"]["namespace"] = ns;
  doc["spec"]["strategy"]["canary"]["trafficRouting"]["gateway"] = std::move(gateway);
  if (canaryWeight >= 0) {
    doc["status"]["stable"]["weight"] = 100 - canaryWeight;
    doc["status"]["canary"] = {{"revision", 2}, {"version", "v2"}, {"hash", "bbb"}, {"weight", canaryWeight}};
  } else {
    doc["status"]["stable"]["weight"] = 100;
  }
  return doc;
}

// An A/B test "reco" in `ns` with variants a (pinned by header X-Variant: a), b (pinned by cookie variant=b)
// and c at the given status weights; status.stable is variant a's revision.
inline nlohmann::json abDeployment(const std::string& ns, std::int64_t a, std::int64_t b, std::int64_t c,
                                   nlohmann::json gateway = nlohmann::json::object()) {
  nlohmann::json doc = nlohmann::json::parse(R"J({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "reco"},
    "spec": {"model": {"version": "v1"},
             "template": {"spec": {"containers": [{"name": "server", "image": "model:1"}]}},
             "analysis": {"metrics": [{"name": "acc", "provider": {"prometheus": {"address": "http://p:9090"}},
                          "successes": "s", "trials": "t", "accuracy": {"min": 0.9}}]},
             "strategy": {"abTest": {"variants": [
               {"name": "a", "weight": 40, "match": [{"header": {"name": "X-Variant", "value": "a"}}]},
               {"name": "b", "weight": 30, "model": {"version": "v2"},
                "match": [{"cookie": {"name": "variant", "value": "b"}}]},
               {"name": "c", "weight": 30, "model": {"version": "v3"}}]}}},
    "status": {"stable": {"revision": 1, "version": "v1", "hash": "h1"}}})J");
  doc["metadata"]["namespace"] = ns;
  doc["spec"]["strategy"]["abTest"]["trafficRouting"]["gateway"] = std::move(gateway);
  doc["status"]["stable"]["weight"] = a;
  doc["status"]["variants"] = {
      {{"name", "a"}, {"revision", 1}, {"version", "v1"}, {"hash", "h1"}, {"weight", a}},
      {{"name", "b"}, {"revision", 2}, {"version", "v2"}, {"hash", "h2"}, {"weight", b}},
      {{"name", "c"}, {"revision", 3}, {"version", "v3"}, {"hash", "h3"}, {"weight", c}}};
  return doc;
}

// Headers and cookies of one request (header names compared as given: tests use the declared spelling).
struct FakeRequest {
  std::map<std::string, std::string, std::less<>> headers, cookies;
  RequestView view() const {
    RequestView v;
    v.header = [this](std::string_view name) -> std::optional<std::string_view> {
      auto it = headers.find(name);
      if (it == headers.end()) return std::nullopt;
      return std::string_view(it->second);
    };
    v.cookie = [this](std::string_view name) -> std::optional<std::string_view> {
      auto it = cookies.find(name);
      if (it == cookies.end()) return std::nullopt;
      return std::string_view(it->second);
    };
    return v;
  }
};

}  // namespace modelops::gateway::testing
