// e2e.manifests: the namespace-scoped install (manifests/overlays/namespaced).
// NamespacedInstall: rendered by the real kubectl, it holds only objects of its namespace (no ClusterRole, no
// CRD, no webhook configuration), its Role grants the ClusterRole's rules, the operator watches the pod's own
// namespace and serves the webhook with the certificate of the Secret modelops-webhook-tls, mounted.
// NamespacedRun: applied with `kubectl apply -k` to a modelops-devserver binary, it gives the operator's
// ServiceAccount the rights the run is then judged by: the RBAC objects read back from the server, evaluated as
// kube-apiserver's RBAC authorizer would (rbac_authorizer.h; the dev server stores RBAC but does not enforce
// it). The modelops-operator binary, started with the Deployment's arguments as the kubelet would expand them
// (the webhook certificate Secret's mount is a directory holding a certificate made by the test), serves the
// admission webhook with that certificate, completes a Gateway API canary with analysis (credentials from a
// Secret, a rollback, a revision retired) and an Istio canary in that namespace; every request it sends is allowed by the Role, every grant of the Role is
// used, and a ModelDeployment in another namespace is never touched; the same holds for the Helm chart's rules
// with rbac.scope=namespace (read without helm). The authorizer refuses what lies outside the namespace
// (cluster-wide lists, other namespaces).
// Thread-safety: gtest main thread only (the Prometheus stand-in serves on its own thread).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/manifests/fake_prometheus.h"
#include "e2e/manifests/files.h"
#include "e2e/manifests/rbac_authorizer.h"
#include "e2e/manifests/rbac_coverage.h"
#include "e2e/manifests/rbac_rules.h"
#include "e2e/manifests/rbac_run.h"
#include "fakes/wait.h"
#include "modelops/common/certificates.h"
#include "modelops/yaml/yaml.h"

namespace {

using modelops::testing::ApiRequest;
using modelops::testing::RbacAuthorizer;
using modelops::testing::RbacRun;
using modelops::testing::waitFor;
using nlohmann::json;

constexpr const char* kWatched = "ml";  // the overlay's namespace
constexpr const char* kOverlay = "manifests/overlays/namespaced";

const json* findRendered(const std::vector<json>& docs, const std::string& kind, const std::string& name) {
  for (const auto& d : docs)
    if (d.value("kind", "") == kind && d["metadata"].value("name", "") == name) return &d;
  return nullptr;
}


// The provided webhook certificate, as the Secret modelops-webhook-tls holds it (tls.crt, tls.key) for the
// Service in the watched namespace and for 127.0.0.1, written into `dir` as the kubelet mounts a Secret.
// Returns the CA's PEM (what the administrator puts into the configuration's caBundle); empty on failure.
std::string writeProvidedWebhookCertificate(const std::filesystem::path& dir) {
  const auto now = std::chrono::system_clock::now();
  auto ca = modelops::certs::generateCertificateAuthority("modelops-webhook-test-ca", now, std::chrono::hours(24));
  if (!ca) return "";
  modelops::certs::ServingCertificateRequest request;
  request.commonName = std::string("modelops-webhook.") + kWatched + ".svc";
  request.dnsNames = {request.commonName};
  request.ipAddresses = {"127.0.0.1"};
  request.notBefore = now;
  request.validity = std::chrono::hours(24);
  auto serving = modelops::certs::issueServingCertificate(*ca, request);
  if (!serving) return "";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tls.crt") << serving->certPem;
  std::ofstream(dir / "tls.key") << serving->keyPem;
  return ca->certPem;
}

// The operator's arguments from the rendered Deployment, as the kubelet runs them in the pod: $(WATCH_NAMESPACE)
// expanded from the downward API, listeners on ports the OS picks (the webhook's on `webhookPort`), the Lease in
// the pod's namespace (which the operator reads from its ServiceAccount mount in a pod), the webhook
// certificate's mount path replaced by `certDir`.
std::vector<std::string> podArguments(const json& deployment, int webhookPort, const std::filesystem::path& certDir) {
  const json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  std::string mountPath;
  for (const auto& m : container.value("volumeMounts", json::array()))
    if (m.value("name", "") == "webhook-certs") mountPath = m.value("mountPath", "");
  std::vector<std::string> args;
  for (const auto& a : container["args"]) {
    std::string arg = a.get<std::string>();
    if (const auto at = arg.find("$(WATCH_NAMESPACE)"); at != std::string::npos)
      arg.replace(at, std::string("$(WATCH_NAMESPACE)").size(), kWatched);
    if (arg.rfind("--metrics-bind-address=", 0) == 0) arg = "--metrics-bind-address=0";
    if (arg.rfind("--health-probe-bind-address=", 0) == 0) arg = "--health-probe-bind-address=0";
    if (!mountPath.empty() && arg == "--webhook-cert-dir=" + mountPath) arg = "--webhook-cert-dir=" + certDir.string();
    args.push_back(arg);
  }
  args.push_back(std::string("--leader-election-namespace=") + kWatched);
  // Never :9443 on every interface in a test.
  args.push_back("--webhook-bind-address=127.0.0.1:" + std::to_string(webhookPort));
  args.push_back(std::string("--webhook-service-namespace=") + kWatched);  // the pod's namespace, in a cluster
  return args;
}

TEST(NamespacedInstall, RendersOnlyNamespacedObjectsWithTheClusterRoleRules) {
  RbacRun run;
  auto rendered = run.kubectl({"kustomize", (run.source() / kOverlay).string()});
  ASSERT_EQ(rendered.code, 0) << rendered.err;
  auto docs = modelops::yaml::loadYamlDocuments(rendered.out, "kubectl kustomize output");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  for (const auto& d : docs.value())
    EXPECT_EQ(d["metadata"].value("namespace", ""), kWatched)
        << d.value("kind", "") << "/" << d["metadata"].value("name", "")
        << ": a namespace-scoped install holds only objects of its namespace";
  const json* role = findRendered(docs.value(), "Role", "modelops-operator");
  ASSERT_NE(role, nullptr);
  const json clusterRules = modelops::testing::loadOneYaml(run.source() / "manifests/rbac/cluster_role.yaml")["rules"];
  EXPECT_EQ((*role)["rules"], clusterRules) << "overlays/namespaced/role.yaml must grant the ClusterRole's rules";
  for (const char* kind : {"ValidatingWebhookConfiguration", "ClusterRole", "ClusterRoleBinding"})
    for (const auto& d : docs.value()) EXPECT_NE(d.value("kind", ""), kind) << "cluster-scoped, left to the administrator";
  EXPECT_EQ(findRendered(docs.value(), "Role", "modelops-operator-webhook"), nullptr)
      << "with the provided certificate the operator keeps no certificate Secret";
  EXPECT_NE(findRendered(docs.value(), "Service", "modelops-webhook"), nullptr) << "the webhook's Service";
  const json* binding = findRendered(docs.value(), "RoleBinding", "modelops-operator");
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ((*binding)["subjects"][0].value("namespace", ""), kWatched);
  const json* deployment = findRendered(docs.value(), "Deployment", "modelops-operator");
  ASSERT_NE(deployment, nullptr);
  const json& container = (*deployment)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_NE(container["args"].dump().find("\"--namespace=$(WATCH_NAMESPACE)\""), std::string::npos) << container["args"];
  EXPECT_EQ(container["env"][0]["valueFrom"]["fieldRef"].value("fieldPath", ""), "metadata.namespace") << container;
  // The webhook serves the certificate provided in the Secret modelops-webhook-tls, mounted where it reads it.
  EXPECT_NE(container["args"].dump().find("\"--webhook-cert-dir=/etc/modelops/webhook-certs\""), std::string::npos)
      << container["args"];
  const json mounts = container.value("volumeMounts", json::array());
  const json volumes = (*deployment)["spec"]["template"]["spec"].value("volumes", json::array());
  ASSERT_EQ(mounts.size(), 1u) << container;
  ASSERT_EQ(volumes.size(), 1u) << (*deployment)["spec"]["template"]["spec"];
  EXPECT_EQ(mounts[0].value("mountPath", ""), "/etc/modelops/webhook-certs") << container;
  EXPECT_EQ(volumes[0].value("name", ""), mounts[0].value("name", "")) << volumes;
  EXPECT_EQ(volumes[0].value("secret", json::object()).value("secretName", ""), "modelops-webhook-tls") << volumes;
  // The base's image, not a stale copy.
  auto base = run.kubectl({"kustomize", (run.source() / "manifests").string()});
  ASSERT_EQ(base.code, 0) << base.err;
  auto baseDocs = modelops::yaml::loadYamlDocuments(base.out, "base");
  ASSERT_TRUE(baseDocs.ok());
  const json* baseDeployment = findRendered(baseDocs.value(), "Deployment", "modelops-operator");
  ASSERT_NE(baseDeployment, nullptr);
  EXPECT_EQ(container["image"], (*baseDeployment)["spec"]["template"]["spec"]["containers"][0]["image"]);
}

// An overlay of the overlay that only changes the namespace (as docs/install.md suggests): the Roles, the
// bindings' subjects and everything else follow.
TEST(NamespacedInstall, AnotherNamespaceIsOneLine) {
  RbacRun run;
  const auto own = run.dir() / "team-a";
  std::filesystem::create_directories(own);
  std::ofstream(own / "kustomization.yaml")
      << "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: team-a\nresources:\n  - "
      << std::filesystem::relative(run.source() / kOverlay, own).string() << "\n";
  auto rendered = run.kubectl({"kustomize", own.string()});
  ASSERT_EQ(rendered.code, 0) << rendered.err;
  auto docs = modelops::yaml::loadYamlDocuments(rendered.out, "kubectl kustomize output");
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  ASSERT_FALSE(docs.value().empty());
  for (const auto& d : docs.value()) {
    EXPECT_EQ(d["metadata"].value("namespace", ""), "team-a") << d.value("kind", "");
    for (const auto& subject : d.value("subjects", json::array()))
      EXPECT_EQ(subject.value("namespace", ""), "team-a") << d["metadata"].value("name", "");
  }
}

class NamespacedRun : public ::testing::Test {
 protected:
  // A cluster administrator's part (CRDs in startServer, the namespaces), then the team's: apply -k. The
  // ServiceAccount's rights are then read back from the server.
  void installOverlay() {
    auto rendered = run_.kubectl({"kustomize", (run_.source() / kOverlay).string()});
    ASSERT_EQ(rendered.code, 0) << rendered.err;
    auto docs = modelops::yaml::loadYamlDocuments(rendered.out, "kubectl kustomize output");
    ASSERT_TRUE(docs.ok()) << docs.error().message;
    const json* deployment = findRendered(docs.value(), "Deployment", "modelops-operator");
    ASSERT_NE(deployment, nullptr);
    deployment_ = *deployment;
    ASSERT_TRUE(run_.startServer());
    for (const char* ns : {kWatched, "other"}) ASSERT_EQ(run_.kubectl({"create", "namespace", ns}).code, 0);
    auto applied = run_.kubectl({"apply", "-k", (run_.source() / kOverlay).string()});
    ASSERT_EQ(applied.code, 0) << applied.out << applied.err;
    std::vector<json> rbac;
    ASSERT_TRUE(run_.rbacObjects(&rbac));
    authorizer_ = RbacAuthorizer::forServiceAccount(rbac, kWatched, "modelops-operator");
    ASSERT_EQ(authorizer_.bindings().size(), 2u) << "expected the Role and the leader-election Role";
    for (const auto& b : authorizer_.bindings()) EXPECT_EQ(b.ns, kWatched) << b.source;
    // Outside its namespace the ServiceAccount has nothing (kube-apiserver: 403 Forbidden).
    for (const ApiRequest& outside :
         {ApiRequest{"watch", "modelops.dev", "modeldeployments", "", ""}, ApiRequest{"list", "", "secrets", "other", ""},
          ApiRequest{"create", "apps", "deployments", "other", ""},
          ApiRequest{"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "modelops"}})
      EXPECT_FALSE(authorizer_.allows(outside)) << describe(outside);
    EXPECT_TRUE(authorizer_.allows(ApiRequest{"watch", "modelops.dev", "modeldeployments", kWatched, ""}));
  }

  // The same Secret, routes (and a ModelDeployment) in both namespaces: only the namespace differs.
  void prepareNamespaces() {
    ASSERT_TRUE(prometheus_.running());
    prometheus_.setCounts("1.0.0", 970, 1000);
    prometheus_.setCounts("2.0.0", 960, 1000);
    prometheus_.setCounts("3.0.0", 500, 1000);
    for (const std::string ns : {kWatched, "other"}) {
      ASSERT_EQ(run_.apply(modelops::testing::rbacCredentialsSecret(ns, kToken)).code, 0);
      ASSERT_EQ(run_.apply(modelops::testing::rbacHttpRoute(ns, "canary-route", "gw-model-stable")).code, 0);
      ASSERT_EQ(run_.apply(modelops::testing::rbacVirtualService(ns, "canary-vs", "istio-model")).code, 0);
    }
    ASSERT_EQ(run_.apply(model("other", "gw-model", "1.0.0")).code, 0);
  }

  json model(const std::string& ns, const std::string& name, const std::string& version) {
    if (name == "gw-model")
      return modelops::testing::rbacCanaryModel(ns, name, version, {{"gatewayAPI", {{"httpRoute", "canary-route"}}}},
                                                prometheus_.url());
    const json istio = {{"istio", {{"virtualService", {{"name", "canary-vs"}, {"routes", {"primary"}}}}}}};
    return modelops::testing::rbacCanaryModel(ns, name, version, istio, "");
  }

  // Both canaries through two versions, then a failing third gw-model version: rolled back, and with one old
  // revision kept the first one's Deployment goes.
  void rollouts() {
    for (const char* version : {"1.0.0", "2.0.0"}) {
      for (const char* name : {"gw-model", "istio-model"}) ASSERT_EQ(run_.apply(model(kWatched, name, version)).code, 0);
      for (const char* name : {"gw-model", "istio-model"}) {
        auto done = run_.waitStatus(kWatched, name);
        EXPECT_EQ(done.code, 0) << name << ": " << done.out << done.err << run_.operatorLog();
        EXPECT_EQ(run_.field(kWatched, name, ".status.stable.version"), version);
      }
    }
    ASSERT_EQ(run_.apply(model(kWatched, "gw-model", "3.0.0")).code, 0);
    auto bad = run_.waitStatus(kWatched, "gw-model");
    EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
    auto retired = run_.kubectl({"wait", "--for=delete", "deployment", "-n", kWatched, "-l",
                                 "modelops.dev/name=gw-model,modelops.dev/revision=1", "--timeout=30s"},
                                std::chrono::seconds(45));
    EXPECT_EQ(retired.code, 0) << retired.out << retired.err;
    EXPECT_GT(prometheus_.answered(), 0);
    EXPECT_EQ(prometheus_.unauthorized(), 0);
  }

  // The webhook answers an AdmissionReview over TLS with the provided certificate (trusting only its CA).
  void expectWebhookServesTheProvidedCertificate(int port, const std::string& caPem) {
    const auto caFile = run_.dir() / "webhook-ca.pem";
    std::ofstream(caFile) << caPem;
    const json review = {{"apiVersion", "admission.k8s.io/v1"},
                         {"kind", "AdmissionReview"},
                         {"request", {{"uid", "ns-review-1"}, {"operation", "CREATE"},
                                      {"kind", {{"group", "modelops.dev"}, {"version", "v1alpha1"}, {"kind", "ModelDeployment"}}},
                                      {"namespace", kWatched},
                                      {"object", model(kWatched, "istio-model", "1.0.0")}}}};
    std::string body, error;
    int status = 0;
    const bool answered = waitFor([&] {
      httplib::SSLClient client("127.0.0.1", port);
      client.set_ca_cert_path(caFile.c_str());
      client.enable_server_certificate_verification(true);
      client.set_connection_timeout(2, 0);
      client.set_read_timeout(5, 0);
      auto res = client.Post("/validate-modelops-dev-v1alpha1-modeldeployment", review.dump(), "application/json");
      if (!res) {
        error = httplib::to_string(res.error());
        return false;
      }
      status = res->status;
      body = res->body;
      return true;
    }, std::chrono::seconds(20));
    ASSERT_TRUE(answered) << "the webhook did not answer over TLS with the provided certificate: " << error
                          << run_.operatorLog();
    ASSERT_EQ(status, 200) << body;
    const json answer = json::parse(body, nullptr, false);
    EXPECT_EQ(answer["response"].value("uid", ""), "ns-review-1") << body;
    EXPECT_EQ(answer["response"].value("allowed", false), true) << body;
  }

  // Both directions for the overlay's Role as applied, and for the Helm chart's rules with rbac.scope=namespace
  // (read without helm: its rules without the cluster-scoped one).
  void expectExactlyTheRole(const std::vector<json>& requests, const modelops::testing::CoverageAllowances& allowances) {
    const auto used = modelops::testing::expectEveryRequestAllowed(requests, authorizer_, "the namespaced Role", allowances);
    for (const auto& b : authorizer_.bindings())
      modelops::testing::expectEveryGrantUsed(b.rules, used, b.source + " in " + kWatched, allowances);
    std::string helmError;
    auto helm = modelops::testing::helmRuleBlocks(
        modelops::testing::readFile(run_.source() / "helm/modelops-operator/templates/rbac.yaml"), &helmError);
    ASSERT_TRUE(helmError.empty() && helm.size() == 2u) << helmError;
    const RbacAuthorizer helmNamespaced({{helm[0], kWatched, "Helm Role (rbac.scope=namespace)"},
                                         {helm[1], kWatched, "Helm leader-election Role"}});
    modelops::testing::expectEveryRequestAllowed(requests, helmNamespaced, "the Helm chart's namespaced Role (webhook calls aside)",
                                                 allowances, &modelops::testing::isWebhookRequest);
    for (const auto& b : helmNamespaced.bindings()) modelops::testing::expectEveryGrantUsed(b.rules, used, b.source, allowances);
    std::cout << "operator API calls observed (namespaced):" << modelops::testing::joinedLines(used) << "\n";
  }

  static constexpr const char* kToken = "n4mespaced-token";
  RbacRun run_;
  modelops::testing::FakePrometheus prometheus_{kToken};
  json deployment_;
  RbacAuthorizer authorizer_{{}};
};

TEST_F(NamespacedRun, TheOperatorCompletesRolloutsWithOnlyTheRoleAndStaysInItsNamespace) {
  std::string missing;
  ASSERT_TRUE(run_.binariesBuilt(&missing)) << missing << " is not built";
  std::set<std::string> flags;
  for (const auto& rule : modelops::testing::mergeTimeRules())
    if (run_.operatorHasFlag(rule.flag)) flags.insert(rule.flag);
  const auto allowances = modelops::testing::coverageAllowances(flags);
  ASSERT_NO_FATAL_FAILURE(installOverlay());
  ASSERT_NO_FATAL_FAILURE(prepareNamespaces());
  ASSERT_TRUE(run_.operatorHasFlag("--webhook-cert-dir")) << "the operator has no admission webhook";
  const std::string caPem = writeProvidedWebhookCertificate(run_.dir() / "webhook-certs");
  ASSERT_FALSE(caPem.empty()) << "cannot make the test's webhook certificate";
  const int webhookPort = modelops::testing::rbacFreeLoopbackPort();
  ASSERT_GT(webhookPort, 0);
  ASSERT_TRUE(run_.clearAudit());
  ASSERT_TRUE(run_.startOperator(podArguments(deployment_, webhookPort, run_.dir() / "webhook-certs")));
  ASSERT_NO_FATAL_FAILURE(expectWebhookServesTheProvidedCertificate(webhookPort, caPem));
  ASSERT_NO_FATAL_FAILURE(rollouts());
  EXPECT_EQ(run_.stopOperator(), 0) << run_.operatorLog();

  // The ModelDeployment outside the namespace was never reconciled.
  EXPECT_EQ(run_.field("other", "gw-model", ".status"), "");
  EXPECT_EQ(run_.kubectl({"get", "deployments", "-n", "other", "-o", "name"}).out, "");
  std::vector<json> requests;
  ASSERT_TRUE(run_.operatorRequests(&requests));
  ASSERT_FALSE(requests.empty());
  expectExactlyTheRole(requests, allowances);
  EXPECT_EQ(run_.stopServer(), 0);
}

TEST(RbacAuthorizerRules, MatchesAsKubeApiserverDoes) {
  const json rules = json::parse(R"([
      {"apiGroups": [""], "resources": ["services"], "verbs": ["get", "list"]},
      {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update"]},
      {"apiGroups": ["admissionregistration.k8s.io"], "resources": ["validatingwebhookconfigurations"],
       "resourceNames": ["modelops"], "verbs": ["get", "patch"]}])");
  const RbacAuthorizer inNamespace({{rules, "ml", "Role"}});
  EXPECT_TRUE(inNamespace.allows({"list", "", "services", "ml", ""}));
  EXPECT_FALSE(inNamespace.allows({"list", "", "services", "", ""})) << "a Role never allows a cluster-wide list";
  EXPECT_FALSE(inNamespace.allows({"list", "", "services", "other", ""}));
  EXPECT_FALSE(inNamespace.allows({"delete", "", "services", "ml", "x"}));
  EXPECT_FALSE(inNamespace.allows({"update", "apps", "deployments", "ml", "x"})) << "a subresource grant is not the resource";
  EXPECT_TRUE(inNamespace.allows({"update", "apps", "deployments/scale", "ml", "x"}));
  const RbacAuthorizer cluster({{rules, "", "ClusterRole"}});
  EXPECT_TRUE(cluster.allows({"list", "", "services", "", ""}));
  EXPECT_TRUE(cluster.allows({"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "modelops"}));
  EXPECT_FALSE(cluster.allows({"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "other"}));
  EXPECT_FALSE(cluster.allows({"list", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", ""}))
      << "resourceNames never allow a request without a name";
  const RbacAuthorizer wildcard({{json::parse(R"([{"apiGroups": ["*"], "resources": ["*/status"], "verbs": ["*"]}])"), "", "x"}});
  EXPECT_TRUE(wildcard.allows({"update", "modelops.dev", "modeldeployments/status", "ml", "a"}));
  EXPECT_FALSE(wildcard.allows({"update", "modelops.dev", "modeldeployments", "ml", "a"}));
}

}  // namespace
