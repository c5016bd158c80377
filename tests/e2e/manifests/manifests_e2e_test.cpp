// e2e.manifests: the kustomize base in manifests/ rendered by the real kubectl (`kubectl kustomize`) and
// applied with `kubectl apply -k` to a modelops-devserver binary on 127.0.0.1 (port 0), then read back
// with `kubectl get`. Also checks what the rendered objects promise: the CRD copy equals crds/, the
// Deployment is hardened (non-root, read-only root filesystem, no capabilities, probes, resources) and the
// ClusterRole grants no write on ModelDeployment spec and no wildcard.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/manifests/files.h"
#include "e2e/manifests/rbac_rules.h"
#include "modelops/yaml/yaml.h"
#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::envOr;
using modelops::testing::readFile;
using modelops::testing::ChildProcess;
using modelops::testing::ChildProcessOptions;
using modelops::testing::OnTimeout;
using modelops::testing::OutputStream;
using modelops::testing::RunResult;
using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

namespace {

const json* findObject(const std::vector<json>& docs, const std::string& kind, const std::string& name) {
  for (const auto& d : docs)
    if (d.value("kind", "") == kind && d["metadata"].value("name", "") == name) return &d;
  return nullptr;
}

bool contains(const json& list, const std::string& v) {
  return list.is_array() && std::find(list.begin(), list.end(), json(v)) != list.end();
}

class ManifestsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    char tmpl[] = "/tmp/modelops-e2e-manifests-XXXXXX";
    dir_ = mkdtemp(tmpl);
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
            "PATH=" + envOr("PATH", "/usr/bin:/bin")};
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static RunResult kubectl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return modelops::testing::run(args, env_, timeout);
  }
  static std::vector<json> render() {
    auto r = kubectl({"kustomize", (source_ / "manifests").string()});
    EXPECT_EQ(r.code, 0) << r.err;
    auto docs = modelops::yaml::loadYamlDocuments(r.out, "kubectl kustomize output");
    EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message);
    return docs.ok() ? docs.value() : std::vector<json>{};
  }

  static inline fs::path source_;
  static inline fs::path dir_;
  static inline std::vector<std::string> env_;
};

TEST_F(ManifestsE2E, CrdCopiesAreIdenticalToTheSource) {
  const std::string crd = readFile(source_ / "crds/modelops.dev_modeldeployments.yaml");
  ASSERT_FALSE(crd.empty());
  EXPECT_TRUE(readFile(source_ / "manifests/crd/modelops.dev_modeldeployments.yaml") == crd)
      << "manifests/crd/ is stale: cp crds/modelops.dev_modeldeployments.yaml manifests/crd/";
  EXPECT_TRUE(readFile(source_ / "helm/modelops-operator/crds/modelops.dev_modeldeployments.yaml") == crd)
      << "helm/modelops-operator/crds/ is stale: cp crds/modelops.dev_modeldeployments.yaml helm/modelops-operator/crds/";
}

TEST_F(ManifestsE2E, KustomizeRendersEveryObject) {
  auto docs = render();
  std::vector<std::pair<std::string, std::string>> expected = {
      {"Namespace", "modelops-system"},
      {"CustomResourceDefinition", "modeldeployments.modelops.dev"},
      {"ServiceAccount", "modelops-operator"},
      {"ClusterRole", "modelops-operator"},
      {"ClusterRoleBinding", "modelops-operator"},
      {"Role", "modelops-operator-leader-election"},
      {"RoleBinding", "modelops-operator-leader-election"},
      {"Deployment", "modelops-operator"},
      {"Service", "modelops-operator-metrics"},
      // manifests/webhook: the validating admission webhook.
      {"Service", "modelops-webhook"},
      {"ValidatingWebhookConfiguration", "modelops-validating-webhook"},
      {"ClusterRole", "modelops-operator-webhook"},
      {"ClusterRoleBinding", "modelops-operator-webhook"},
      {"Role", "modelops-operator-webhook"},
      {"RoleBinding", "modelops-operator-webhook"}};
  EXPECT_EQ(docs.size(), expected.size());
  for (const auto& [kind, name] : expected) {
    const json* o = findObject(docs, kind, name);
    ASSERT_NE(o, nullptr) << kind << "/" << name << " missing";
    bool clusterScoped = kind == "Namespace" || kind == "CustomResourceDefinition" || kind.rfind("Cluster", 0) == 0 ||
                         kind == "ValidatingWebhookConfiguration";
    if (!clusterScoped) {
      EXPECT_EQ((*o)["metadata"].value("namespace", ""), "modelops-system") << kind;
    }
  }
}

TEST_F(ManifestsE2E, DeploymentIsHardenedAndProbed) {
  auto docs = render();
  const json* d = findObject(docs, "Deployment", "modelops-operator");
  ASSERT_NE(d, nullptr);
  const json& pod = (*d)["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "modelops-operator");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["runAsUser"], 65532);
  ASSERT_EQ(pod["containers"].size(), 1u);
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["image"], "ghcr.io/modelops/modelops-operator:0.1.0");
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["port"], "health");
  json healthPort;
  for (const auto& p : c["ports"])
    if (p["name"] == "health") healthPort = p["containerPort"];
  EXPECT_EQ(healthPort, 8081);
  for (const char* a : {"--leader-elect", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                        "--log-format=json"})
    EXPECT_TRUE(contains(c["args"], a)) << a;
  for (const char* r : {"requests", "limits"}) {
    EXPECT_TRUE(c["resources"][r].contains("cpu")) << r;
    EXPECT_TRUE(c["resources"][r].contains("memory")) << r;
  }
  const json* svc = findObject(docs, "Service", "modelops-operator-metrics");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ((*svc)["spec"]["ports"][0]["port"], 8080);
  const json& podLabels = (*d)["spec"]["template"]["metadata"]["labels"];
  ASSERT_FALSE((*svc)["spec"]["selector"].empty());
  for (auto& [k, v] : (*svc)["spec"]["selector"].items())
    EXPECT_EQ(podLabels.value(k, ""), v.get<std::string>())
        << "the metrics Service does not select the operator's pods on " << k;
}

TEST_F(ManifestsE2E, ClusterRoleIsLeastPrivilege) {
  auto docs = render();
  const json* role = findObject(docs, "ClusterRole", "modelops-operator");
  ASSERT_NE(role, nullptr);
  std::map<std::string, json> verbsOf;  // "group/resource" -> verbs
  for (const auto& rule : (*role)["rules"]) {
    EXPECT_FALSE(contains(rule["verbs"], "*"));
    EXPECT_FALSE(contains(rule["resources"], "*"));
    EXPECT_FALSE(contains(rule["apiGroups"], "*"));
    for (const auto& g : rule["apiGroups"])
      for (const auto& r : rule["resources"]) verbsOf[g.get<std::string>() + "/" + r.get<std::string>()] = rule["verbs"];
  }
  EXPECT_EQ(verbsOf["modelops.dev/modeldeployments"], json::array({"list", "watch"}))
      << "the operator must never write a ModelDeployment's spec or metadata";
  EXPECT_EQ(verbsOf["modelops.dev/modeldeployments/status"], json::array({"update"}));
  EXPECT_EQ(verbsOf["apps/deployments"], json::array({"list", "watch", "create", "patch", "delete"}));
  EXPECT_EQ(verbsOf["/services"], json::array({"list", "watch", "create", "patch"}));
  EXPECT_EQ(verbsOf["/events"], json::array({"create", "patch"}));
  EXPECT_EQ(verbsOf.count("events.k8s.io/events"), 0u) << "the operator records core/v1 Events only";
  EXPECT_EQ(verbsOf["/secrets"], json::array({"list", "watch"})) << "provider Secrets come from a labelled informer";
  // The webhook's rights are with the webhook (manifests/webhook/rbac.yaml), once: on its own configuration
  // only, and on its certificate Secret by name (create cannot be limited by name) in its namespace only.
  EXPECT_FALSE(modelops::testing::grantsWebhookRights((*role)["rules"])) << "the webhook's rule belongs in webhook/rbac.yaml";
  const json* webhookRole = findObject(docs, "ClusterRole", "modelops-operator-webhook");
  ASSERT_NE(webhookRole, nullptr);
  EXPECT_EQ((*webhookRole)["rules"], json::parse(R"([{"apiGroups": ["admissionregistration.k8s.io"],
      "resources": ["validatingwebhookconfigurations"], "resourceNames": ["modelops-validating-webhook"],
      "verbs": ["get", "patch"]}])"));
  const json* certRole = findObject(docs, "Role", "modelops-operator-webhook");
  ASSERT_NE(certRole, nullptr);
  EXPECT_EQ((*certRole)["rules"], json::parse(R"([
      {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["modelops-webhook-certs"], "verbs": ["get", "update"]},
      {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]}])"));
  EXPECT_EQ(verbsOf["gateway.networking.k8s.io/httproutes"], json::array({"get", "update"}));
  EXPECT_EQ(verbsOf["networking.istio.io/virtualservices"], json::array({"get", "update"}));
  EXPECT_EQ(verbsOf.count("coordination.k8s.io/leases"), 0u) << "leases belong in the namespaced Role";
  const json* le = findObject(docs, "Role", "modelops-operator-leader-election");
  ASSERT_NE(le, nullptr);
  EXPECT_EQ((*le)["rules"][0]["resources"], json::array({"leases"}));
  EXPECT_EQ((*le)["rules"][0]["verbs"], json::array({"get", "create", "update"}));
}

// manifests/gateway: modelops-gateway for one namespace, needing nothing cluster-scoped: a ServiceAccount, a Role
// that lists/watches ModelDeployments and reads only its key Secret by name, its binding, a hardened Deployment
// probed on /healthz and /readyz, and a Service on the same port as the metrics.
TEST_F(ManifestsE2E, GatewayKustomizationIsNamespacedAndLeastPrivilege) {
  auto r = kubectl({"kustomize", (source_ / "manifests/gateway").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  auto rendered = modelops::yaml::loadYamlDocuments(r.out, "kubectl kustomize manifests/gateway");
  ASSERT_TRUE(rendered.ok()) << rendered.error().message;
  const auto& docs = rendered.value();
  std::vector<std::pair<std::string, std::string>> expected = {{"ServiceAccount", "modelops-gateway"},
                                                               {"Role", "modelops-gateway"},
                                                               {"RoleBinding", "modelops-gateway"},
                                                               {"Deployment", "modelops-gateway"},
                                                               {"Service", "modelops-gateway"}};
  EXPECT_EQ(docs.size(), expected.size());
  for (const auto& [kind, name] : expected) {
    const json* o = findObject(docs, kind, name);
    ASSERT_NE(o, nullptr) << kind << "/" << name << " missing";
    EXPECT_EQ((*o)["metadata"].value("namespace", ""), "ml") << kind;
  }
  EXPECT_EQ((*findObject(docs, "Role", "modelops-gateway"))["rules"], json::parse(R"([
      {"apiGroups": ["modelops.dev"], "resources": ["modeldeployments"], "verbs": ["list", "watch"]},
      {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["modelops-gateway-keys"],
       "verbs": ["get", "list", "watch"]}])"));
  const json& binding = *findObject(docs, "RoleBinding", "modelops-gateway");
  EXPECT_EQ(binding["subjects"][0]["name"], "modelops-gateway");
  EXPECT_EQ(binding["subjects"][0]["namespace"], "ml");
  const json& pod = (*findObject(docs, "Deployment", "modelops-gateway"))["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "modelops-gateway");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  ASSERT_EQ(pod["containers"].size(), 1u);
  const json& c = pod["containers"][0];
  EXPECT_EQ(c["image"], "ghcr.io/modelops/modelops-gateway:0.1.0");
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  for (const char* a : {"--listen-address=:8080", "--key-secret=modelops-gateway-keys"}) EXPECT_TRUE(contains(c["args"], a)) << a;
  EXPECT_EQ(c["ports"][0]["containerPort"], 8080);
  const json& svc = *findObject(docs, "Service", "modelops-gateway");
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], "http");
  const json& podLabels = (*findObject(docs, "Deployment", "modelops-gateway"))["spec"]["template"]["metadata"]["labels"];
  for (auto& [k, v] : svc["spec"]["selector"].items()) EXPECT_EQ(podLabels.value(k, ""), v.get<std::string>()) << k;
  // A name of their own: no selector of the operator's objects picks gateway pods.
  EXPECT_EQ(podLabels.value("app.kubernetes.io/name", ""), "modelops-gateway");
}

// The whole base applied to a modelops-devserver binary with kubectl, then read back.
TEST_F(ManifestsE2E, ApplyKToTheDevServer) {
  std::string binary = envOr("MODELOPS_BINARY_DIR", ".") + "/bin/modelops-devserver";
  ChildProcess server({binary, "--port", "0", "--bind", "127.0.0.1", "--kubeconfig-out", (dir_ / "kubeconfig").string(),
                       "--log-level", "warn"},
                      ChildProcessOptions::exactEnvironment(env_));
  ASSERT_TRUE(server.started());
  ASSERT_TRUE(server.waitForOutput([](const std::string& out) { return out.find(" ready url=") != std::string::npos; }, 20s,
                                   OutputStream::Stdout))
      << server.err();

  auto applied = kubectl({"apply", "-k", (source_ / "manifests").string()});
  ASSERT_EQ(applied.code, 0) << applied.out << applied.err;
  for (const char* line : {"namespace/modelops-system created",
                           "customresourcedefinition.apiextensions.k8s.io/modeldeployments.modelops.dev created",
                           "serviceaccount/modelops-operator created",
                           "clusterrole.rbac.authorization.k8s.io/modelops-operator created",
                           "clusterrolebinding.rbac.authorization.k8s.io/modelops-operator created",
                           "role.rbac.authorization.k8s.io/modelops-operator-leader-election created",
                           "rolebinding.rbac.authorization.k8s.io/modelops-operator-leader-election created"})
    EXPECT_THAT(applied.out, HasSubstr(line));
  EXPECT_THAT(applied.out, HasSubstr("deployment.apps/modelops-operator created"));
  EXPECT_THAT(applied.out, HasSubstr("service/modelops-operator-metrics created"));

  auto crd = kubectl({"get", "crd", "modeldeployments.modelops.dev", "-o", "json"});
  ASSERT_EQ(crd.code, 0) << crd.err;
  EXPECT_EQ(json::parse(crd.out)["metadata"]["labels"]["app.kubernetes.io/part-of"], "modelops");
  auto dep = kubectl({"-n", "modelops-system", "get", "deployment", "modelops-operator", "-o", "json"});
  ASSERT_EQ(dep.code, 0) << dep.err;
  json d = json::parse(dep.out);
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(kubectl({"-n", "modelops-system", "get", "service", "modelops-operator-metrics"}).code, 0);
  EXPECT_EQ(kubectl({"get", "namespace", "modelops-system"}).code, 0);
  // The CRD is served: ModelDeployments can be listed in the new namespace.
  auto md = kubectl({"-n", "modelops-system", "get", "modeldeployments"});
  EXPECT_EQ(md.code, 0) << md.err;

  // Idempotent: a second apply changes nothing that was applied.
  auto again = kubectl({"apply", "-k", (source_ / "manifests").string()});
  EXPECT_THAT(again.out, HasSubstr("deployment.apps/modelops-operator unchanged"));

  for (const auto& get : std::vector<std::vector<std::string>>{
           {"-n", "modelops-system", "get", "serviceaccount", "modelops-operator"},
           {"get", "clusterrole", "modelops-operator"},
           {"get", "clusterrolebinding", "modelops-operator", "-o", "wide"},
           {"-n", "modelops-system", "get", "role", "modelops-operator-leader-election"},
           {"-n", "modelops-system", "get", "rolebinding", "modelops-operator-leader-election", "-o", "wide"}}) {
    auto r = kubectl(get);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(get[get.size() - (get.back() == "wide" ? 3 : 1)]));
  }
  // The bindings' tables show what they bind, as a cluster's printers do.
  auto crb = kubectl({"get", "clusterrolebinding", "modelops-operator", "-o", "wide"});
  EXPECT_THAT(crb.out, HasSubstr("ClusterRole/modelops-operator"));
  EXPECT_THAT(crb.out, HasSubstr("modelops-system/modelops-operator"));
  auto rb = kubectl({"-n", "modelops-system", "get", "rolebinding", "modelops-operator-leader-election"});
  EXPECT_THAT(rb.out, HasSubstr("Role/modelops-operator-leader-election"));
  // What was stored is what the base says (rules are not merged or pruned on the way).
  auto role = kubectl({"get", "clusterrole", "modelops-operator", "-o", "json"});
  ASSERT_EQ(role.code, 0) << role.err;
  const std::vector<json> docs = render();
  const json* rendered = findObject(docs, "ClusterRole", "modelops-operator");
  ASSERT_NE(rendered, nullptr);
  EXPECT_EQ(json::parse(role.out)["rules"], (*rendered)["rules"]);
  auto sa = kubectl({"-n", "modelops-system", "get", "serviceaccount", "modelops-operator", "-o", "json"});
  ASSERT_EQ(sa.code, 0) << sa.err;
  EXPECT_EQ(json::parse(sa.out)["metadata"]["labels"]["app.kubernetes.io/part-of"], "modelops");
  // Every object of the base is listed as unchanged by the second apply.
  for (const char* line : {"serviceaccount/modelops-operator unchanged",
                           "clusterrole.rbac.authorization.k8s.io/modelops-operator unchanged",
                           "clusterrolebinding.rbac.authorization.k8s.io/modelops-operator unchanged",
                           "service/modelops-operator-metrics unchanged"})
    EXPECT_THAT(again.out, HasSubstr(line)) << again.out << again.err;
  EXPECT_EQ(again.code, 0) << again.err;

  // The uninstall docs/install.md gives: everything goes, the namespace last (waited for with a watch).
  auto removed = kubectl({"delete", "-k", (source_ / "manifests").string(), "--ignore-not-found"});
  EXPECT_EQ(removed.code, 0) << removed.out << removed.err;
  EXPECT_EQ(kubectl({"wait", "--for=delete", "namespace/modelops-system", "--timeout=30s"}, 45s).code, 0);
  for (const char* gone : {"clusterrole/modelops-operator", "clusterrolebinding/modelops-operator",
                           "crd/modeldeployments.modelops.dev"})
    EXPECT_NE(kubectl({"get", gone}).code, 0) << gone << " is still there";

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(20s, OnTimeout::Kill), 0);
}

}  // namespace
