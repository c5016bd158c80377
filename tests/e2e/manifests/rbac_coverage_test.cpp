// e2e.manifests: the RBAC of manifests/rbac and of the Helm chart (templates/rbac.yaml, read without helm:
// see rbac_rules.h) grant exactly what the operator uses. The modelops-operator binary runs with leader
// election against a modelops-devserver binary (127.0.0.1, port 0) through full rollouts: a canary behind a
// Gateway API HTTPRoute with an accuracy analysis against a Prometheus stand-in whose bearer token is in a
// Secret (a good version promoted, a bad one rolled back), and a canary behind an Istio VirtualService.
// Each rollout is awaited with `kubectl-modelops status --wait`, which must exit 0 on promotion and 1 on
// the rollback. The dev server's audit (GET /admin/audit) then lists every request; each one the operator
// made (User-Agent modelops/...) must be granted by both, and every grant must have been used or be
// listed in kUnusedGrants with the reason it is kept.
// Thread-safety: gtest main thread only (the Prometheus stand-in serves on its own thread).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/manifests/files.h"
#include "e2e/manifests/fake_prometheus.h"
#include "e2e/manifests/rbac_rules.h"
#include "modelops/yaml/yaml.h"
#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::envOr;
using modelops::testing::loadOneYaml;
using modelops::testing::readFile;
using modelops::testing::FakePrometheus;
using modelops::testing::ChildProcess;
using modelops::testing::ChildProcessOptions;
using modelops::testing::OnTimeout;
using modelops::testing::OutputStream;
using modelops::testing::RunResult;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Grants the operator holds but a run against the dev server does not exercise, and why they stay.
const std::map<std::string, std::string> kUnusedGrants = {
    {"update modelops.dev/modeldeployments/finalizers",
     "the Deployments and Services it creates carry ownerReferences with blockOwnerDeletion, which needs this "
     "where the OwnerReferencesPermissionEnforcement admission plugin is on; the dev server has no admission plugins"},
    {"patch events", "the event recorder patches the count of an Event repeated within its aggregation window; "
                     "whether a run repeats one depends on timing"},
};

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "\n  " + x;
  return out;
}

// A canary ModelDeployment: two steps of weight, a pause and an analysis step judged on accuracy from the
// Prometheus stand-in (bearer token from the Secret prom-token) when `prometheus` is set. One old revision
// is kept, so the third version retires the first (the operator deletes its Deployment).
json model(const std::string& name, const std::string& version, const json& routing, const std::string& prometheus) {
  json steps = json::array({{{"setWeight", 20}}, {{"pause", {{"duration", "1s"}}}}});
  if (!prometheus.empty()) steps.push_back({{"analysis", json::object()}});
  steps.push_back({{"setWeight", 60}});
  json md = {{"apiVersion", "modelops.dev/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", name}, {"namespace", "default"}}},
             {"spec",
              {{"replicas", 2},
               {"revisionHistoryLimit", 1},
               {"model", {{"version", version}, {"uri", "s3://models/" + name + "/" + version}}},
               {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "model-sim:1"}}})}}}}},
               {"strategy", {{"canary", {{"scaleDownDelaySeconds", 0}, {"steps", steps}, {"trafficRouting", routing}}}}}}}};
  if (!prometheus.empty())
    md["spec"]["analysis"] = {
        {"interval", "1s"},
        {"metrics",
         json::array({{{"name", "accuracy"},
                       {"provider", {{"prometheus", {{"address", prometheus},
                                                     {"auth", {{"bearerTokenSecretRef", {{"name", "prom-token"}}}}}}}}},
                       {"successes", "sum(correct{version=\"{{version}}\"})"},
                       {"trials", "sum(labeled{version=\"{{version}}\"})"},
                       {"accuracy", {{"min", 0.9}, {"confidence", 0.95}, {"minSamples", 100}}},
                       {"failureLimit", 0}}})}};
  return md;
}

class RbacCoverage : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    bin_ = envOr("MODELOPS_BINARY_DIR", ".") + "/bin";
    char tmpl[] = "/tmp/modelops-e2e-rbac-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
            "PATH=" + envOr("PATH", "/usr/bin:/bin")};
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  RunResult kubectl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return modelops::testing::run(args, env_, timeout);
  }
  RunResult applyJson(const json& obj) {
    const fs::path file = dir_ / (obj["metadata"]["name"].get<std::string>() + ".json");
    std::ofstream(file) << obj.dump();
    return kubectl({"apply", "-f", file.string()});
  }
  // `kubectl-modelops status NAME --wait`: 0 once promoted and Healthy, 1 when rolled back.
  RunResult waitStatus(const std::string& name) {
    return modelops::testing::run({(bin_ / "kubectl-modelops").string(), "status", name, "-n", "default", "--wait",
                                   "--timeout", "90s"},
                                  env_, 120s);
  }
  std::string field(const std::string& name, const std::string& jsonPath) {
    return kubectl({"get", "md", name, "-o", "jsonpath={" + jsonPath + "}"}).out;
  }

  fs::path source_, bin_, dir_;
  std::vector<std::string> env_;
};

TEST_F(RbacCoverage, TheOperatorUsesExactlyWhatManifestsAndChartGrant) {
  for (const char* b : {"modelops-operator", "modelops-devserver", "kubectl-modelops"})
    ASSERT_TRUE(fs::exists(bin_ / b)) << b << " is not built";
  // The rules under test, read first so that a malformed file fails before anything runs.
  const json clusterRules = loadOneYaml(source_ / "manifests/rbac/cluster_role.yaml")["rules"];
  const json leaseRules = loadOneYaml(source_ / "manifests/rbac/leader_election_role.yaml")["rules"];
  std::string helmError;
  auto helmBlocks = modelops::testing::helmRuleBlocks(readFile(source_ / "helm/modelops-operator/templates/rbac.yaml"), &helmError);
  ASSERT_TRUE(helmError.empty()) << helmError;
  ASSERT_EQ(helmBlocks.size(), 2u) << "templates/rbac.yaml: expected the operator's rules and the leader-election rules";
  const std::map<std::string, std::set<std::string>> operatorGrants = {
      {"manifests/rbac/cluster_role.yaml", modelops::testing::expandRules(clusterRules)},
      {"helm templates/rbac.yaml", modelops::testing::expandRules(helmBlocks[0])}};
  const std::map<std::string, std::set<std::string>> leaseGrants = {
      {"manifests/rbac/leader_election_role.yaml", modelops::testing::expandRules(leaseRules)},
      {"helm templates/rbac.yaml (leader election)", modelops::testing::expandRules(helmBlocks[1])}};

  const std::string kubeconfig = (dir_ / "kubeconfig").string();
  ChildProcess server({(bin_ / "modelops-devserver").string(), "--port", "0", "--kubeconfig-out", kubeconfig,
                       "--ready-delay-ms", "10", "--log-level", "warn"},
                      ChildProcessOptions::exactEnvironment(env_));
  ASSERT_TRUE(server.waitForOutput([](const std::string& o) { return o.find(" ready url=") != std::string::npos; }, 20s,
                                   OutputStream::Stdout))
      << server.err();
  ASSERT_EQ(kubectl({"apply", "-f", (source_ / "crds/modelops.dev_modeldeployments.yaml").string()}).code, 0);
  ASSERT_EQ(kubectl({"apply", "-f", (source_ / "crds/testing").string()}).code, 0);

  FakePrometheus prometheus("s3cr3t-token");
  ASSERT_TRUE(prometheus.running());
  prometheus.setCounts("1.0.0", 970, 1000);
  prometheus.setCounts("2.0.0", 960, 1000);
  prometheus.setCounts("3.0.0", 500, 1000);  // far below the 0.9 floor: a confident failure
  ASSERT_EQ(kubectl({"create", "secret", "generic", "prom-token", "--from-literal=token=s3cr3t-token"}).code, 0);
  // Opted in as provider credentials (the operator watches only Secrets with this label).
  ASSERT_EQ(kubectl({"label", "secret", "prom-token", "modelops.dev/provider-credentials=true"}).code, 0);
  const json route = {{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "HTTPRoute"},
                      {"metadata", {{"name", "canary-route"}, {"namespace", "default"}}},
                      {"spec", {{"parentRefs", {{{"name", "gw"}}}},
                                {"rules", {{{"backendRefs", {{{"name", "gw-model-stable"}, {"port", 80}, {"weight", 100}}}}}}}}}};
  const json vs = {{"apiVersion", "networking.istio.io/v1beta1"}, {"kind", "VirtualService"},
                   {"metadata", {{"name", "canary-vs"}, {"namespace", "default"}}},
                   {"spec", {{"hosts", {"istio-model.example.com"}},
                             {"http", {{{"name", "primary"},
                                        {"route", {{{"destination", {{"host", "istio-model-stable"}}}, {"weight", 100}}}}}}}}}};
  ASSERT_EQ(applyJson(route).code, 0);
  ASSERT_EQ(applyJson(vs).code, 0);
  ASSERT_EQ(kubectl({"delete", "--raw", "/admin/audit"}).code, 0);  // only what follows counts

  ChildProcess op({(bin_ / "modelops-operator").string(), "--kubeconfig", kubeconfig, "--leader-elect",
                   "--leader-election-namespace", "default", "--metrics-bind-address", "0",
                   "--health-probe-bind-address", "0", "--log-format", "json", "--log-level", "info",
                   "--webhook-bind-address=0"},
                  ChildProcessOptions::exactEnvironment(env_));
  ASSERT_TRUE(op.started());
  const json gateway = {{"gatewayAPI", {{"httpRoute", "canary-route"}}}};
  const json istio = {{"istio", {{"virtualService", {{"name", "canary-vs"}, {"routes", {"primary"}}}}}}};

  // Gateway API with analysis: first version, a good one promoted, a bad one rolled back.
  ASSERT_EQ(applyJson(model("gw-model", "1.0.0", gateway, prometheus.url())).code, 0);
  auto first = waitStatus("gw-model");
  EXPECT_EQ(first.code, 0) << first.out << first.err;
  ASSERT_EQ(applyJson(model("gw-model", "2.0.0", gateway, prometheus.url())).code, 0);
  auto good = waitStatus("gw-model");
  EXPECT_EQ(good.code, 0) << good.out << good.err;
  EXPECT_EQ(field("gw-model", ".status.stable.version"), "2.0.0");
  const std::string firstRevision = "modelops.dev/name=gw-model,modelops.dev/revision=1";
  auto kept = kubectl({"get", "deployment", "-l", firstRevision, "-o", "name"});
  EXPECT_EQ(kept.out.empty(), false) << "the first revision's Deployment should be kept for rollback: " << kept.err;
  ASSERT_EQ(applyJson(model("gw-model", "3.0.0", gateway, prometheus.url())).code, 0);
  auto bad = waitStatus("gw-model");
  EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
  EXPECT_EQ(field("gw-model", ".status.phase"), "RolledBack");
  EXPECT_EQ(field("gw-model", ".status.stable.version"), "2.0.0");
  // With one old revision kept, the first one's Deployment is retired (awaited with a watch).
  auto retired = kubectl({"wait", "--for=delete", "deployment", "-l", firstRevision, "--timeout=30s"}, 45s);
  EXPECT_EQ(retired.code, 0) << retired.out << retired.err;
  EXPECT_GT(prometheus.answered(), 0);
  EXPECT_EQ(prometheus.unauthorized(), 0) << "the operator queried without the Secret's token";

  // Istio: first version, then a new one through the steps.
  ASSERT_EQ(applyJson(model("istio-model", "1.0.0", istio, "")).code, 0);
  auto istioFirst = waitStatus("istio-model");
  EXPECT_EQ(istioFirst.code, 0) << istioFirst.out << istioFirst.err;
  ASSERT_EQ(applyJson(model("istio-model", "2.0.0", istio, "")).code, 0);
  auto istioSecond = waitStatus("istio-model");
  EXPECT_EQ(istioSecond.code, 0) << istioSecond.out << istioSecond.err;

  op.signal(SIGTERM);
  EXPECT_EQ(op.wait(30s, OnTimeout::Kill), 0) << op.err();
  auto audit = kubectl({"get", "--raw", "/admin/audit"});
  ASSERT_EQ(audit.code, 0) << audit.err;
  json records = json::parse(audit.out, nullptr, false);
  ASSERT_TRUE(records.is_object() && records["items"].is_array());

  std::set<std::string> used, usedOnLeases;
  for (const auto& r : records["items"]) {
    if (r.value("userAgent", "").rfind("modelops/", 0) != 0 || r.value("verb", "").empty()) continue;
    std::string resource = r.value("resource", "");
    if (!r.value("subresource", "").empty()) resource += "/" + r.value("subresource", "");
    const std::string call = modelops::testing::grantName(r.value("verb", ""), r.value("group", ""), resource);
    const bool lease = r.value("group", "") == "coordination.k8s.io";
    (lease ? usedOnLeases : used).insert(call);
    // Leases are granted only in the leader-election namespace (a Role), everything else cluster-wide.
    const auto& grants = lease ? leaseGrants : operatorGrants;
    if (lease) {
      EXPECT_EQ(r.value("namespace", ""), "default") << call;
    }
    for (const auto& [where, granted] : grants)
      EXPECT_TRUE(granted.count(call)) << "the operator called `" << call << "` (" << r.value("method", "") << " "
                                       << r.value("path", "") << ") which " << where << " does not grant";
  }
  // The run really was complete: these calls only happen on the paths it was meant to exercise.
  for (const char* expected :
       {"watch modelops.dev/modeldeployments", "update modelops.dev/modeldeployments/status", "create apps/deployments",
        "patch apps/deployments", "delete apps/deployments", "create services",
        "patch services" /* the -stable Service's selector moves to the promoted revision */, "create events",
        "list secrets", "watch secrets",
        "update gateway.networking.k8s.io/httproutes", "update networking.istio.io/virtualservices"})
    EXPECT_TRUE(used.count(expected)) << "the operator never made `" << expected << "`; it made:" << joined(used);
  for (const char* expected : {"create coordination.k8s.io/leases", "update coordination.k8s.io/leases"})
    EXPECT_TRUE(usedOnLeases.count(expected)) << expected << "; lease calls:" << joined(usedOnLeases);

  // The other direction: nothing granted goes unused without a reason.
  for (const auto& [where, granted] : operatorGrants)
    for (const auto& g : granted)
      EXPECT_TRUE(used.count(g) || kUnusedGrants.count(g))
          << where << " grants `" << g << "` which the operator never used; remove it or list it in kUnusedGrants";
  for (const auto& [where, granted] : leaseGrants)
    for (const auto& g : granted)
      EXPECT_TRUE(usedOnLeases.count(g) || kUnusedGrants.count(g)) << where << " grants `" << g << "`, never used";
  for (const auto& [g, reason] : kUnusedGrants)
    EXPECT_TRUE(operatorGrants.begin()->second.count(g)) << "kUnusedGrants lists `" << g << "`, which is not granted";
  std::cout << "operator API calls observed:" << joined(used) << joined(usedOnLeases) << "\n";

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(20s, OnTimeout::Kill), 0);
}

}  // namespace
