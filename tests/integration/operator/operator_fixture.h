// Fixture and builders for the integration.operator suite: the real modelops-operator binary against an
// in-process dev API server (see tests/integration/support/cluster.h) and a fake Prometheus. Builders
// make ModelDeployments, HTTPRoutes and VirtualServices as JSON; helpers read what kubectl would show
// (status, owned Deployments, route weights, Events). Every test ends by checking, from the dev
// server's audit, that the operator never wrote a ModelDeployment except through /status.
// Thread-safety: test thread only.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/cluster.h"
#include "support/fake_prometheus.h"

namespace modelops::itest {

using namespace std::chrono_literals;
namespace res = kube::resources;

inline const std::string kNs = "default";

inline Json podTemplate() {
  return Json::parse(R"({"spec": {"containers": [{"name": "server", "image": "registry.example/model-server:1.3",
                          "ports": [{"name": "http", "containerPort": 8080}]}]}})");
}

// A ModelDeployment with `strategy` (a spec.strategy object) and optional `analysis`.
inline Json modelDeployment(const std::string& name, const std::string& version, std::int64_t replicas,
                            const Json& strategy, const Json& analysis = Json()) {
  Json md = {{"apiVersion", "modelops.dev/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", name}, {"namespace", kNs}}},
             {"spec",
              {{"replicas", replicas},
               {"model", {{"version", version}, {"uri", "s3://models/" + name + "/" + version}}},
               {"template", podTemplate()},
               {"strategy", strategy},
               {"progressDeadlineSeconds", 60}}}};
  if (!analysis.is_null()) md["spec"]["analysis"] = analysis;
  return md;
}

inline Json canaryStrategy(const Json& steps, const Json& trafficRouting = Json(), std::int64_t scaleDownDelay = 1) {
  Json canary = {{"steps", steps}, {"scaleDownDelaySeconds", scaleDownDelay}};
  if (!trafficRouting.is_null()) canary["trafficRouting"] = trafficRouting;
  return {{"canary", canary}};
}

inline Json gatewayRouting(const std::string& route) { return {{"gatewayAPI", {{"httpRoute", route}}}}; }
inline Json istioRouting(const std::string& vs) {
  return {{"istio", {{"virtualService", {{"name", vs}, {"routes", {"primary"}}}}}}};
}

// Accuracy judged from the fake Prometheus: `correct` / `labeled` per version.
inline Json accuracyAnalysis(const std::string& prometheusUrl, double min = 0.9, std::int64_t minSamples = 100) {
  return {{"interval", "1s"},
          {"metrics",
           {{{"name", "accuracy"},
             {"provider", {{"prometheus", {{"address", prometheusUrl}}}}},
             {"successes", "sum(correct{version=\"{{version}}\"})"},
             {"trials", "sum(labeled{version=\"{{version}}\"})"},
             {"accuracy", {{"min", min}, {"minSamples", minSamples}}},
             {"failureLimit", 0}}}}};
}

// An HTTPRoute whose first rule modelops manages; the second (/admin) belongs to the user.
inline Json httpRoute(const std::string& name, const std::string& md) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"parentRefs", {{{"name", "gw"}}}},
            {"rules",
             {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", "/"}}}}}},
               {"backendRefs", {{{"name", md + "-stable"}, {"port", 80}, {"weight", 100}}}}},
              {{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", "/admin"}}}}}},
               {"backendRefs", {{{"name", "admin-ui"}, {"port", 8080}}}}}}}}}};
}

inline Json virtualService(const std::string& name, const std::string& md) {
  return {{"apiVersion", "networking.istio.io/v1beta1"},
          {"kind", "VirtualService"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"hosts", {md + ".example.com"}},
            {"http",
             {{{"name", "other"},
               {"match", {{{"uri", {{"prefix", "/admin"}}}}}},
               {"route", {{{"destination", {{"host", "admin-ui"}}}}}}},
              {{"name", "primary"}, {"route", {{{"destination", {{"host", md + "-stable"}}}, {"weight", 100}}}}}}}}}};
}

// Weight per backend name of the HTTPRoute rule that is not a modelops match rule, index `rule`.
inline std::map<std::string, std::int64_t> httpRouteWeights(const Json& route, std::size_t rule = 0) {
  std::map<std::string, std::int64_t> out;
  if (route.is_null()) return out;
  std::vector<Json> userRules;
  for (const auto& r : route["spec"].value("rules", Json::array()))
    if (!r.value("name", std::string()).starts_with("modelops-match-")) userRules.push_back(r);
  if (rule >= userRules.size()) return out;
  for (const auto& b : userRules[rule].value("backendRefs", Json::array()))
    out[b.value("name", "")] = b.value("weight", std::int64_t{1});
  return out;
}

inline std::map<std::string, std::int64_t> virtualServiceWeights(const Json& vs, const std::string& routeName) {
  std::map<std::string, std::int64_t> out;
  if (vs.is_null()) return out;
  for (const auto& r : vs["spec"].value("http", Json::array()))
    if (r.value("name", "") == routeName)
      for (const auto& d : r.value("route", Json::array())) out[d["destination"].value("host", "")] = d.value("weight", std::int64_t{0});
  return out;
}

// Consecutive distinct values of f over the versions.
template <class F>
std::vector<std::int64_t> distinctSequence(const std::vector<Json>& versions, F f) {
  std::vector<std::int64_t> out;
  for (const auto& v : versions) {
    auto x = f(v);
    if (!x) continue;
    if (out.empty() || out.back() != *x) out.push_back(*x);
  }
  return out;
}

// True when `needle` appears in `hay` in order (not necessarily adjacent).
inline bool subsequence(const std::vector<std::int64_t>& needle, const std::vector<std::int64_t>& hay) {
  std::size_t i = 0;
  for (auto v : hay)
    if (i < needle.size() && v == needle[i]) ++i;
  return i == needle.size();
}

inline std::string seqText(const std::vector<std::int64_t>& v) {
  std::string out;
  for (auto x : v) out += (out.empty() ? "" : " -> ") + std::to_string(x);
  return out;
}

class OperatorTest : public ::testing::Test {
 protected:
  void SetUp() override { cluster_ = std::make_unique<Cluster>(options()); }
  virtual ClusterOptions options() { return {}; }

  void TearDown() override {
    if (cluster_) {
      auto bad = operatorSpecWrites(cluster_->server().audit());
      EXPECT_TRUE(bad.empty()) << "the operator wrote ModelDeployments outside /status:\n" << describe(bad);
    }
    op_.reset();
    cluster_.reset();
  }

  Cluster& cluster() { return *cluster_; }
  OperatorProcess& startOperator(const std::vector<std::string>& args = {}) {
    op_ = std::make_unique<OperatorProcess>(*cluster_, args);
    return *op_;
  }
  OperatorProcess& op() { return *op_; }

  Json md(const std::string& name) { return cluster_->get(res::modelDeployments(), kNs, name); }
  Json status(const std::string& name) { return md(name).value("status", Json::object()); }
  std::string phase(const std::string& name) { return status(name).value("phase", ""); }
  std::string stableVersion(const std::string& name) {
    auto s = status(name);
    return s.contains("stable") ? s["stable"].value("version", "") : "";
  }
  // Waits until the ModelDeployment is `phase` with stable version `version`; prints the status otherwise.
  ::testing::AssertionResult waitHealthyAt(const std::string& name, const std::string& version,
                                           std::chrono::milliseconds timeout = 30s, const std::string& want = "Healthy") {
    if (waitFor([&] { return phase(name) == want && stableVersion(name) == version && !status(name).contains("canary"); }, timeout))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << name << " not " << want << " at " << version << "; status: " << status(name).dump(1)
                                         << "\noperator log tail:\n" << logTail();
  }
  std::string logTail() const {
    if (!op_) return "";
    auto l = op_->logs();
    return l.size() > 4000 ? l.substr(l.size() - 4000) : l;
  }

  std::string setVersion(const std::string& name, const std::string& version) {
    return cluster_->mergePatch(res::modelDeployments(), kNs, name,
                                {{"spec", {{"model", {{"version", version}, {"uri", "s3://models/" + name + "/" + version}}}}}});
  }

  std::vector<Json> deploymentsOf(const std::string& name) {
    return cluster_->list(res::deployments(), kNs, "modelops.dev/name=" + name);
  }
  // Deployment of `name` running `version` (from the MODEL_VERSION env), or null.
  Json deploymentFor(const std::string& name, const std::string& version) {
    for (const auto& d : deploymentsOf(name))
      for (const auto& c : d["spec"]["template"]["spec"].value("containers", Json::array()))
        for (const auto& e : c.value("env", Json::array()))
          if (e.value("name", "") == "MODEL_VERSION" && e.value("value", "") == version) return d;
    return Json();
  }
  static std::int64_t replicasOf(const Json& d) { return d.is_null() ? -1 : d["spec"].value("replicas", std::int64_t{1}); }

  // Events about `name` with this reason (waits up to `timeout` for at least one).
  std::vector<Json> eventsWithReason(const std::string& name, const std::string& reason, std::chrono::milliseconds timeout = 5s) {
    std::vector<Json> out;
    waitFor([&] {
      out.clear();
      for (const auto& e : cluster_->eventsFor(kNs, name))
        if (e.value("reason", "") == reason) out.push_back(e);
      return !out.empty();
    }, timeout);
    return out;
  }

  // Waits until `recorder` has delivered the version of `name` current now: a watch stream lags the
  // writes, so assertions on versions() must first know it has caught up.
  ::testing::AssertionResult caughtUp(const WatchRecorder& recorder, const kube::Resource& r, const std::string& name) {
    auto object = cluster_->get(r, kNs, name);
    auto rv = object.is_object() ? object["metadata"].value("resourceVersion", "") : "";
    if (!rv.empty() && recorder.waitForVersion(name, rv, 10s)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the watch of " << r.plural << " never delivered " << name
                                         << " at resourceVersion '" << rv << "' (" << recorder.versions(name).size()
                                         << " versions recorded; last error: " << recorder.lastError() << ")";
  }

  // Changes an unrelated label so the operator reconciles the object again; waits until it has.
  ::testing::AssertionResult forceReconcile(const std::string& name, const std::string& value) {
    double before = op_->reconciles();
    auto err = cluster_->mergePatch(res::modelDeployments(), kNs, name, {{"metadata", {{"labels", {{"itest/touch", value}}}}}});
    if (!err.empty()) return ::testing::AssertionFailure() << err;
    if (waitFor([&] { return op_->reconciles() > before; }, 10s)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "no reconcile after touching " << name;
  }

  // Waits until the operator made no write for `quiet` (bounded by `timeout`).
  bool waitOperatorQuiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
    auto count = operatorWrites(cluster_->server().audit()).size();
    auto since = std::chrono::steady_clock::now();
    return waitFor([&] {
      auto now = operatorWrites(cluster_->server().audit()).size();
      if (now != count) {
        count = now;
        since = std::chrono::steady_clock::now();
      }
      return std::chrono::steady_clock::now() - since >= quiet;
    }, timeout);
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<OperatorProcess> op_;
  FakePrometheus prometheus_;
};

// History entries (newest first) as "revision:version:outcome".
inline std::vector<std::string> historySummary(const Json& status) {
  std::vector<std::string> out;
  for (const auto& h : status.value("history", Json::array()))
    out.push_back(std::to_string(h.value("revision", std::int64_t{0})) + ":" + h.value("version", "") + ":" + h.value("outcome", ""));
  return out;
}

inline const Json* findHistory(const Json& status, const std::string& version, const std::string& outcome) {
  if (!status.contains("history") || !status["history"].is_array()) return nullptr;
  for (const auto& h : status["history"])
    if (h.value("version", "") == version && h.value("outcome", "") == outcome) return &h;
  return nullptr;
}

inline const Json* findCondition(const Json& status, const std::string& type) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const auto& c : status["conditions"])
    if (c.value("type", "") == type) return &c;
  return nullptr;
}

}  // namespace modelops::itest
