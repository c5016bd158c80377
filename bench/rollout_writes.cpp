// rollout_writes: API writes the operator makes per complete canary rollout, and per no-op reconcile
// (which must be 0), measured from the dev API server's audit records. Runs the real modelops-operator
// binary against an in-process dev server, one rollout per routing mode, and prints a table:
//   scenario | verb resource[/subresource] | writes (changed)
// Exit code 1 when a no-op reconcile wrote anything or a rollout did not complete.
// Usage: rollout_writes [--rollouts N]   (MODELOPS_SOURCE_DIR / MODELOPS_BINARY_DIR override the
// compiled-in paths of the CRDs and the operator binary).
// Thread-safety: single-threaded program (the harness runs its own threads).
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "support/cluster.h"
#include "fakes/wait.h"

using namespace modelops::itest;
using namespace std::chrono_literals;
namespace res = modelops::kube::resources;

namespace {

const std::string kNs = "default";

Json modelDeployment(const std::string& name, const std::string& version, const Json& routing) {
  Json steps = Json::parse(R"([{"setWeight": 10}, {"pause": {"duration": "500ms"}}, {"setWeight": 50},
                               {"pause": {"duration": "500ms"}}])");
  Json canary = {{"steps", steps}, {"scaleDownDelaySeconds", 1}};
  if (!routing.is_null()) canary["trafficRouting"] = routing;
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"replicas", 3},
            {"model", {{"version", version}}},
            {"template", Json::parse(R"({"spec": {"containers": [{"name": "server", "image": "model-server:1",
                                        "ports": [{"name": "http", "containerPort": 8080}]}]}})")},
            {"strategy", {{"canary", canary}}}}}};
}

Json httpRoute(const std::string& name) {
  Json route = Json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"namespace": "default"}, "spec": {"parentRefs": [{"name": "gw"}], "rules": [{}]}})");
  route["metadata"]["name"] = name;
  route["spec"]["rules"][0]["backendRefs"] = Json::array({{{"name", name + "-stable"}, {"port", 80}, {"weight", 100}}});
  return route;
}

Json virtualService(const std::string& name) {
  Json vs = Json::parse(R"({"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"namespace": "default"}, "spec": {"hosts": ["h"], "http": [{"name": "primary", "route": []}]}})");
  vs["metadata"]["name"] = name;
  vs["spec"]["http"][0]["route"] = Json::array({{{"destination", {{"host", name + "-stable"}}}, {"weight", 100}}});
  return vs;
}

std::string phaseOf(Cluster& c, const std::string& name, std::string* version) {
  auto st = c.get(res::modelDeployments(), kNs, name).value("status", Json::object());
  if (version) *version = st.contains("stable") ? st["stable"].value("version", "") : "";
  return st.contains("canary") ? "rolling" : st.value("phase", "");
}

bool waitQuiet(Cluster& c, std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  auto count = operatorWrites(c.server().audit()).size();
  auto since = std::chrono::steady_clock::now();
  return waitFor([&] {
    auto now = operatorWrites(c.server().audit()).size();
    if (now != count) {
      count = now;
      since = std::chrono::steady_clock::now();
    }
    return std::chrono::steady_clock::now() - since >= quiet;
  }, timeout);
}

struct Tally {
  std::map<std::string, std::pair<int, int>> byKind;  // "verb resource" -> (writes, changed)
  int total = 0;
};

Tally tally(Cluster& c, std::uint64_t after) {
  Tally t;
  for (const auto& r : operatorWrites(c.server().audit(), after)) {
    auto key = r.verb + " " + r.resource + (r.subresource.empty() ? "" : "/" + r.subresource);
    auto& slot = t.byKind[key];
    ++slot.first;
    if (r.changed) ++slot.second;
    ++t.total;
  }
  return t;
}

void print(const std::string& scenario, const Tally& t) {
  if (t.byKind.empty()) std::printf("%-34s %-36s %6d %8s\n", scenario.c_str(), "(none)", 0, "-");
  for (const auto& [kind, n] : t.byKind)
    std::printf("%-34s %-36s %6d %8d\n", scenario.c_str(), kind.c_str(), n.first, n.second);
  std::printf("%-34s %-36s %6d\n", scenario.c_str(), "TOTAL", t.total);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  int rollouts = 1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--rollouts") rollouts = std::max(1, std::atoi(argv[i + 1]));
  setenv("MODELOPS_SOURCE_DIR", MODELOPS_DEFAULT_SOURCE_DIR, 0);
  setenv("MODELOPS_BINARY_DIR", MODELOPS_DEFAULT_BINARY_DIR, 0);
  bool ok = true;
  try {
    Cluster cluster;
    OperatorProcess op(cluster);  // needs info logs: the "serving" line carries the port
    std::printf("%-34s %-36s %6s %8s\n", "scenario", "verb resource", "writes", "changed");
    struct Mode {
      std::string label, name;
      Json routing;
    };
    std::vector<Mode> modes = {{"canary, Gateway API HTTPRoute", "gw", {{"gatewayAPI", {{"httpRoute", "gw"}}}}},
                               {"canary, Istio VirtualService", "vs", {{"istio", {{"virtualService", {{"name", "vs"}, {"routes", {"primary"}}}}}}}},
                               {"canary, replica ratio", "rr", Json()}};
    cluster.create(res::httpRoutes(), kNs, httpRoute("gw"));
    cluster.create(res::virtualServices(), kNs, virtualService("vs"));
    for (const auto& m : modes) {
      cluster.create(res::modelDeployments(), kNs, modelDeployment(m.name, "1.0.0", m.routing));
      std::string v;
      if (!waitFor([&] { return phaseOf(cluster, m.name, &v) == "Healthy" && v == "1.0.0"; }, 30s)) {
        std::fprintf(stderr, "%s: first deploy did not complete\n", m.name.c_str());
        return 1;
      }
      waitQuiet(cluster, 1500ms, 20s);
      for (int r = 0; r < rollouts; ++r) {
        std::string version = std::to_string(r + 2) + ".0.0";
        auto mark = lastSeq(cluster.server().audit());
        cluster.mergePatch(res::modelDeployments(), kNs, m.name, {{"spec", {{"model", {{"version", version}}}}}});
        bool done = waitFor([&] { return phaseOf(cluster, m.name, &v) == "Healthy" && v == version; }, 30s);
        // The old revision's scale-down (scaleDownDelaySeconds 1) belongs to the rollout.
        waitQuiet(cluster, 2000ms, 20s);
        if (!done) {
          std::fprintf(stderr, "%s: rollout to %s did not complete\n", m.name.c_str(), version.c_str());
          ok = false;
          continue;
        }
        print(m.label + " (rollout " + std::to_string(r + 1) + ")", tally(cluster, mark));
      }
      // No-op: an unrelated label change wakes the reconciler; nothing may be written.
      auto mark = lastSeq(cluster.server().audit());
      double before = op.reconciles();
      cluster.mergePatch(res::modelDeployments(), kNs, m.name, {{"metadata", {{"labels", {{"bench/touch", "1"}}}}}});
      waitFor([&] { return op.reconciles() > before; }, 10s);
      waitQuiet(cluster, 500ms, 5s);
      auto noop = tally(cluster, mark);
      print(m.label + " (no-op reconcile)", noop);
      if (noop.total != 0) ok = false;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rollout_writes: %s\n", e.what());
    return 1;
  }
  return ok ? 0 : 1;
}
