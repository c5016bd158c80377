// e2e.kubectl: the real kubectl (v1.32, /usr/bin/kubectl) against the modelops-devserver binary over
// HTTPS with a bearer token, using only the kubeconfig the server writes. Covers the issue's
// acceptance list: CRDs applied and Established, examples applied twice, printer columns, -o json,
// merge/JSON patches, server-side apply, a watch that sees another kubectl's change, deletion with
// garbage-collected dependents, api-resources, explain, and a rejected invalid object.
// The tests of this suite share one server and run in order (each builds on the previous state).
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::ChildProcess;
using modelops::testing::ChildProcessOptions;
using modelops::testing::OnTimeout;
using modelops::testing::OutputStream;
using modelops::testing::RunResult;
using namespace std::chrono_literals;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
}

class KubectlE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    std::string binary = envOr("MODELOPS_BINARY_DIR", ".") + "/bin/modelops-devserver";
    char tmpl[] = "/tmp/modelops-e2e-kubectl-XXXXXX";
    dir_ = mkdtemp(tmpl);
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
            "PATH=" + envOr("PATH", "/usr/bin:/bin")};
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary, "--port", "0", "--bind", "127.0.0.1", "--tls", "--token", "e2e-token",
                                 "--kubeconfig-out", (dir_ / "kubeconfig").string(), "--ready-delay-ms", "20",
                                 "--log-level", "warn"},
        ChildProcessOptions::exactEnvironment(env_));
    ready_ = server_->started() &&
             server_->waitForOutput([](const std::string& out) { return out.find(" ready url=") != std::string::npos; },
                                    20s, OutputStream::Stdout);
  }

  static void TearDownTestSuite() {
    if (server_) {
      server_->signal(SIGTERM);
      exitCode_ = server_->wait(20s, OnTimeout::Kill).value_or(-1);
      server_.reset();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SetUp() override { ASSERT_TRUE(ready_) << "devserver did not start: " << (server_ ? server_->err() : ""); }

  static RunResult kubectl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return modelops::testing::run(args, env_, timeout);
  }

  static inline fs::path source_;
  static inline fs::path dir_;
  static inline std::vector<std::string> env_;
  static inline std::unique_ptr<ChildProcess> server_;
  static inline bool ready_ = false;
  static inline int exitCode_ = -1;
};

TEST_F(KubectlE2E, KubeconfigUsesTlsAndToken) {
  std::string kc = readFile(dir_ / "kubeconfig");
  EXPECT_NE(kc.find("https://127.0.0.1:"), std::string::npos);
  EXPECT_NE(kc.find("certificate-authority-data"), std::string::npos);
  EXPECT_NE(kc.find("e2e-token"), std::string::npos);
  auto r = kubectl({"get", "namespaces"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("default"), std::string::npos);
  EXPECT_NE(r.out.find("kube-system"), std::string::npos);
  // A wrong token is refused, as kube-apiserver does.
  auto bad = kubectl({"--token", "wrong", "get", "namespaces"});
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("Unauthorized"), std::string::npos) << bad.err;
}

TEST_F(KubectlE2E, ApplyCrdsAndWaitEstablished) {
  auto r = kubectl({"apply", "-f", (source_ / "crds/modelops.dev_modeldeployments.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("customresourcedefinition.apiextensions.k8s.io/modeldeployments.modelops.dev created"),
            std::string::npos)
      << r.out;
  r = kubectl({"apply", "-f", (source_ / "crds/testing").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"wait", "--for=condition=Established", "crd/modeldeployments.modelops.dev", "--timeout=20s"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("condition met"), std::string::npos) << r.out;
}

TEST_F(KubectlE2E, ApiResourcesListsModelDeployments) {
  auto r = kubectl({"api-resources"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::regex line(R"((^|\n)modeldeployments\s+md,mdeploy\s+modelops.dev/v1alpha1\s+true\s+ModelDeployment)");
  EXPECT_TRUE(std::regex_search(r.out, line)) << r.out;
  EXPECT_NE(r.out.find("deployments"), std::string::npos);
}

TEST_F(KubectlE2E, ApplyExamplesTwiceWithAChange) {
  auto r = kubectl({"apply", "-f", (source_ / "examples").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("namespace/ml created"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/fraud-detector created"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("httproute.gateway.networking.k8s.io/recommender created"), std::string::npos) << r.out;

  std::string changed = std::regex_replace(readFile(source_ / "examples/canary-prometheus.yaml"),
                                           std::regex(R"(\n  replicas: 4\n)"), "\n  replicas: 6\n");
  ASSERT_NE(changed.find("replicas: 6"), std::string::npos);
  writeFile(dir_ / "fraud-changed.yaml", changed);
  r = kubectl({"apply", "-f", (dir_ / "fraud-changed.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/fraud-detector configured"), std::string::npos) << r.out;
  r = kubectl({"get", "md", "fraud-detector", "-n", "ml", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "6 2");
}

TEST_F(KubectlE2E, GetShowsPrinterColumns) {
  auto r = kubectl({"get", "md", "-n", "ml"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::regex header(R"(^NAME\s+PHASE\s+STABLE\s+CANARY\s+WEIGHT\s+ACCURACY\s+AGE\n)");
  EXPECT_TRUE(std::regex_search(r.out, header)) << r.out;
  EXPECT_NE(r.out.find("fraud-detector"), std::string::npos);
  // Status written through the status subresource shows up in its column.
  r = kubectl({"patch", "md", "fraud-detector", "-n", "ml", "--subresource=status", "--type=merge", "-p",
               R"({"status":{"phase":"Healthy","stable":{"version":"2.3.1"}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "md", "fraud-detector", "-n", "ml"});
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(fraud-detector\s+Healthy\s+2\.3\.1)"))) << r.out;
}

TEST_F(KubectlE2E, GetJson) {
  auto r = kubectl({"get", "md", "-n", "ml", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(list.is_discarded());
  EXPECT_EQ(list.value("kind", ""), "List");
  ASSERT_TRUE(list["items"].is_array());
  // Every ModelDeployment document in examples/ (applied by the fixture), counted rather than hard-coded.
  std::size_t documents = 0;
  for (const auto& entry : fs::directory_iterator(source_ / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    std::istringstream lines(readFile(entry.path()));
    for (std::string line; std::getline(lines, line);) documents += line == "kind: ModelDeployment" ? 1 : 0;
  }
  EXPECT_GE(documents, 4u);
  EXPECT_EQ(list["items"].size(), documents);
  for (const auto& item : list["items"]) {
    EXPECT_EQ(item.value("kind", ""), "ModelDeployment");
    EXPECT_FALSE(item["metadata"].value("uid", "").empty());
    EXPECT_FALSE(item["metadata"].value("resourceVersion", "").empty());
  }
}

TEST_F(KubectlE2E, MergeAndJsonPatch) {
  auto r = kubectl({"patch", "md", "fraud-detector", "-n", "ml", "--type=merge", "-p", R"({"spec":{"replicas":5}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("patched"), std::string::npos);
  r = kubectl({"get", "md", "fraud-detector", "-n", "ml", "-o", "jsonpath={.spec.replicas}"});
  EXPECT_EQ(r.out, "5");
  r = kubectl({"patch", "md", "fraud-detector", "-n", "ml", "--type=json", "-p",
               R"([{"op":"replace","path":"/spec/replicas","value":7}])"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "md", "fraud-detector", "-n", "ml", "-o", "jsonpath={.spec.replicas}"});
  EXPECT_EQ(r.out, "7");
  // Custom resources refuse strategic merge patch (415), as the real server does.
  r = kubectl({"patch", "md", "fraud-detector", "-n", "ml", "--type=strategic", "-p", R"({"spec":{"replicas":1}})"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("application/strategic-merge-patch+json is not supported"), std::string::npos) << r.err;
}

TEST_F(KubectlE2E, ServerSideApply) {
  std::string manifest = std::regex_replace(readFile(source_ / "examples/canary-prometheus.yaml"),
                                            std::regex(R"(\n  name: fraud-detector\n)"), "\n  name: ssa-model\n");
  writeFile(dir_ / "ssa.yaml", manifest);
  auto r = kubectl({"apply", "--server-side", "-f", (dir_ / "ssa.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/ssa-model serverside-applied"), std::string::npos) << r.out;
  writeFile(dir_ / "ssa.yaml", std::regex_replace(manifest, std::regex(R"(\n  replicas: 4\n)"), "\n  replicas: 3\n"));
  r = kubectl({"apply", "--server-side", "-f", (dir_ / "ssa.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "md", "ssa-model", "-n", "ml", "-o", "jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}"});
  EXPECT_EQ(r.out, "3 kubectl");
  // Another manager changing an applied field, then a non-forced apply: conflict, as on a real cluster.
  r = kubectl({"patch", "md", "ssa-model", "-n", "ml", "--type=merge", "-p", R"({"spec":{"replicas":9}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"apply", "--server-side", "-f", (dir_ / "ssa.yaml").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Apply failed with 1 conflict"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".spec.replicas"), std::string::npos) << r.err;
  r = kubectl({"apply", "--server-side", "--force-conflicts", "-f", (dir_ / "ssa.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "md", "ssa-model", "-n", "ml", "-o", "jsonpath={.spec.replicas}"});
  EXPECT_EQ(r.out, "3");
}

TEST_F(KubectlE2E, WatchSeesAnotherClientsChange) {
  ChildProcess watch({"/usr/bin/kubectl", "get", "md", "-n", "ml", "--watch", "--output-watch-events"},
                     ChildProcessOptions::exactEnvironment(env_));
  ASSERT_TRUE(watch.started());
  ASSERT_TRUE(watch.waitForOutput([](const std::string& o) { return o.find("fraud-detector") != std::string::npos; }, 30s,
                                  OutputStream::Stdout))
      << watch.err();
  auto r = kubectl({"patch", "md", "fraud-detector", "-n", "ml", "--subresource=status", "--type=merge", "-p",
                    R"({"status":{"phase":"Progressing","canary":{"version":"2.4.0","weight":10}}})"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::regex modified(R"(MODIFIED\s+fraud-detector\s+Progressing\s+2\.3\.1\s+2\.4\.0\s+10)");
  bool seen = watch.waitForOutput([&](const std::string& o) { return std::regex_search(o, modified); }, 30s,
                                   OutputStream::Stdout);
  watch.signal(SIGTERM);
  watch.wait(10s, OnTimeout::Kill);
  EXPECT_TRUE(seen) << watch.out() << watch.err();
}

TEST_F(KubectlE2E, DeleteCollectsDependents) {
  auto r = kubectl({"get", "md", "image-classifier", "-n", "ml", "-o", "jsonpath={.metadata.uid}"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string uid = r.out;
  ASSERT_FALSE(uid.empty());
  writeFile(dir_ / "dependent.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: image-classifier-config\n"
                                     "  namespace: ml\n  ownerReferences:\n  - apiVersion: modelops.dev/v1alpha1\n"
                                     "    kind: ModelDeployment\n    name: image-classifier\n    uid: " + uid +
                                         "\n    controller: true\n    blockOwnerDeletion: true\ndata:\n  k: v\n");
  r = kubectl({"apply", "-f", (dir_ / "dependent.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"delete", "md", "image-classifier", "-n", "ml"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev \"image-classifier\" deleted"), std::string::npos) << r.out;
  r = kubectl({"wait", "--for=delete", "configmap/image-classifier-config", "-n", "ml", "--timeout=20s"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = kubectl({"get", "configmap", "image-classifier-config", "-n", "ml"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
}

TEST_F(KubectlE2E, ExplainCanary) {
  auto r = kubectl({"explain", "md.spec.strategy.canary"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("KIND:       ModelDeployment"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FIELD: canary <Object>"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("steps"), std::string::npos) << r.out;
}

TEST_F(KubectlE2E, InvalidModelDeploymentShowsFieldPath) {
  std::string bad = std::regex_replace(readFile(source_ / "examples/canary-prometheus.yaml"),
                                       std::regex(R"(\n  name: fraud-detector\n)"), "\n  name: bad-weights\n");
  bad = std::regex_replace(bad, std::regex(R"(setWeight: 10\b)"), "setWeight: 150");
  writeFile(dir_ / "bad.yaml", bad);
  auto r = kubectl({"apply", "-f", (dir_ / "bad.yaml").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("The ModelDeployment \"bad-weights\" is invalid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("spec.strategy.canary.steps[0].setWeight: Invalid value: 150"), std::string::npos) << r.err;
  r = kubectl({"get", "md", "bad-weights", "-n", "ml"});
  EXPECT_NE(r.code, 0);
}

TEST_F(KubectlE2E, ImperativeCreateAndNamespaceDeletion) {
  // kubectl's typed commands send protobuf bodies.
  auto r = kubectl({"create", "namespace", "scratch"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"create", "configmap", "settings", "-n", "scratch", "--from-literal=mode=fast"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "configmap", "settings", "-n", "scratch", "-o", "jsonpath={.data.mode}"});
  EXPECT_EQ(r.out, "fast");
  r = kubectl({"delete", "namespace", "scratch", "--timeout=30s"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = kubectl({"get", "configmap", "settings", "-n", "scratch"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
}

TEST_F(KubectlE2E, ZZServerStopsCleanlyOnSigterm) {
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->wait(20s, OnTimeout::Kill), 0) << server_->err();
  server_.reset();
}

}  // namespace
