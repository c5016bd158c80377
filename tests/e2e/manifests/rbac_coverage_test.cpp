// e2e.manifests: the RBAC rules of manifests/rbac (the same rules as the Helm chart: see
// helm_chart_test.cpp) cover every API call the operator makes. The modelops-operator binary runs with
// leader election against a modelops-devserver binary (127.0.0.1, port 0); a ModelDeployment is created
// and then moved to a new version with kubectl; the operator is stopped; the dev server's audit log
// (GET /admin/audit) lists every request with its verb and resource, and each one the operator made
// (User-Agent modelops/...) must be allowed by a rule. Waits use `kubectl wait` (a watch) with deadlines.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/kubectl/process.h"
#include "modelops/yaml/yaml.h"

namespace fs = std::filesystem;
using modelops::testing::Process;
using modelops::testing::RunResult;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

json loadOne(const fs::path& p) {
  auto docs = modelops::yaml::loadYamlFile(p.string());
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message);
  return docs.ok() && docs.value().size() == 1 ? docs.value()[0] : json();
}

bool allows(const json& rules, const std::string& group, const std::string& resource, const std::string& verb) {
  auto has = [](const json& list, const std::string& v) {
    for (const auto& x : list)
      if (x == v) return true;
    return false;
  };
  for (const auto& r : rules)
    if (has(r["apiGroups"], group) && has(r["resources"], resource) && has(r["verbs"], verb)) return true;
  return false;
}

const char* kModel = R"(apiVersion: modelops.dev/v1alpha1
kind: ModelDeployment
metadata:
  name: rbac-demo
  namespace: default
spec:
  replicas: 2
  model: {version: "1.0.0", uri: "s3://models/rbac-demo/1.0.0"}
  template:
    spec:
      containers:
        - name: server
          image: model-sim:1
          ports: [{name: http, containerPort: 8080}]
  strategy:
    canary:
      scaleDownDelaySeconds: 0
      steps:
        - setWeight: 50
)";

TEST(RbacCoverage, EveryCallTheOperatorMakesIsGranted) {
  const fs::path source = envOr("MODELOPS_SOURCE_DIR", ".");
  const fs::path bin = envOr("MODELOPS_BINARY_DIR", ".") + "/bin";
  if (!fs::exists(bin / "modelops-operator")) GTEST_SKIP() << "modelops-operator is not built";
  char tmpl[] = "/tmp/modelops-e2e-rbac-XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  const std::string kubeconfig = (dir / "kubeconfig").string();
  const std::vector<std::string> env = {"KUBECONFIG=" + kubeconfig, "HOME=" + dir.string(),
                                        "PATH=" + envOr("PATH", "/usr/bin:/bin")};
  auto kubectl = [&](std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return modelops::testing::run(args, env, timeout);
  };

  Process server({(bin / "modelops-devserver").string(), "--port", "0", "--kubeconfig-out", kubeconfig,
                  "--ready-delay-ms", "10", "--log-level", "warn"},
                 env);
  ASSERT_TRUE(server.waitForOutput([](const std::string& o) { return o.find(" ready url=") != std::string::npos; }, 20s))
      << server.err();
  ASSERT_EQ(kubectl({"apply", "-f", (source / "crds/modelops.dev_modeldeployments.yaml").string()}).code, 0);
  ASSERT_EQ(kubectl({"apply", "-f", (source / "crds/testing").string()}).code, 0);

  Process op({(bin / "modelops-operator").string(), "--kubeconfig", kubeconfig, "--leader-elect",
              "--leader-election-namespace", "default", "--metrics-bind-address", "0",
              "--health-probe-bind-address", "0", "--log-format", "json", "--log-level", "info"},
             env);
  ASSERT_TRUE(op.started());
  {
    std::ofstream(dir / "md.yaml") << kModel;
  }
  auto applied = kubectl({"apply", "-f", (dir / "md.yaml").string()});
  ASSERT_EQ(applied.code, 0) << applied.err;
  // Drive a first rollout and a version change; the outcome is the rollout suites' business, but the
  // operator must at least have acted (checked on the audit below).
  auto first = kubectl({"wait", "--for=jsonpath={.status.phase}=Healthy", "md/rbac-demo", "--timeout=60s"}, 90s);
  auto patched = kubectl({"patch", "md", "rbac-demo", "--type", "merge", "-p",
                          R"({"spec":{"model":{"version":"2.0.0","uri":"s3://models/rbac-demo/2.0.0"}}})"});
  EXPECT_EQ(patched.code, 0) << patched.err;
  auto second = kubectl({"wait", "--for=jsonpath={.status.stable.version}=2.0.0", "md/rbac-demo", "--timeout=60s"}, 90s);
  op.signal(SIGTERM);
  EXPECT_EQ(op.wait(30s), 0) << op.err();

  auto audit = kubectl({"get", "--raw", "/admin/audit"});
  ASSERT_EQ(audit.code, 0) << audit.err;
  json records = json::parse(audit.out, nullptr, false);
  ASSERT_TRUE(records.is_object() && records["items"].is_array());

  json clusterRules = loadOne(source / "manifests/rbac/cluster_role.yaml")["rules"];
  json leaseRules = loadOne(source / "manifests/rbac/leader_election_role.yaml")["rules"];
  std::set<std::string> seen;
  for (const auto& r : records["items"]) {
    if (r.value("userAgent", "").rfind("modelops/", 0) != 0 || r.value("verb", "").empty()) continue;
    const std::string group = r.value("group", ""), verb = r.value("verb", "");
    std::string resource = r.value("resource", "");
    if (!r.value("subresource", "").empty()) resource += "/" + r.value("subresource", "");
    const std::string call = verb + " " + (group.empty() ? "" : group + "/") + resource;
    seen.insert(call);
    bool ok = allows(clusterRules, group, resource, verb) ||
              (r.value("namespace", "") == "default" && allows(leaseRules, group, resource, verb));
    EXPECT_TRUE(ok) << "the operator called `" << call << "` (" << r.value("method", "") << " " << r.value("path", "")
                    << ") which manifests/rbac does not grant";
  }
  std::string calls;
  for (const auto& c : seen) calls += "\n  " + c;
  for (const char* expected : {"watch modelops.dev/modeldeployments", "create apps/deployments",
                               "update modelops.dev/modeldeployments/status", "create events",
                               "create coordination.k8s.io/leases"})
    EXPECT_TRUE(seen.count(expected)) << "the operator never made `" << expected << "`; it made:" << calls;
  // Rights nobody used in this run are justified in docs/install.md (RBAC table); print them for review.
  std::cout << "operator API calls observed:" << calls << "\n"
            << "first rollout Healthy: " << (first.code == 0 ? "yes" : "no: " + first.err)
            << "; version change promoted: " << (second.code == 0 ? "yes" : "no: " + second.err) << "\n";

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(20s), 0);
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
