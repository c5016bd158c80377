// e2e.manifests: the cluster-scoped RBAC of manifests/rbac and of the Helm chart (templates/rbac.yaml, read
// without helm: see rbac_rules.h) allows every request the operator sends, and every grant is used. The
// modelops-operator binary runs with leader election against a modelops-devserver binary through full
// rollouts: a canary behind a Gateway API HTTPRoute with an accuracy analysis against a Prometheus stand-in
// whose bearer token is in a Secret (a good version promoted, a bad one rolled back, the oldest revision
// retired), a canary behind an Istio VirtualService, and an A/B test with a header rule through a
// VirtualService whose winner is chosen on accuracy, with the admission webhook on as installed (self-managed
// certificates shared through their Secret, the CA written into the configuration). Each rollout is awaited with `kubectl-modelops status
// --wait`. The dev server's audit then lists every request; each one the operator made must be allowed by
// the ClusterRoles (cluster-wide) plus the Roles (the leader-election one and the webhook's, in the operator's
// namespace only) bound to the operator's ServiceAccount in the rendered kustomize base (manifests/rbac and
// manifests/webhook/rbac.yaml), and by the chart's templates/rbac.yaml (the webhook's calls aside: the chart
// grants them in templates/webhook.yaml under templated names), as kube-apiserver's RBAC
// authorizer would decide (rbac_authorizer.h), and every grant must have been used (rbac_coverage.h says which
// may not be, and why).
// Thread-safety: gtest main thread only (the Prometheus stand-in serves on its own thread).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "e2e/manifests/fake_prometheus.h"
#include "e2e/manifests/files.h"
#include "e2e/manifests/rbac_authorizer.h"
#include "e2e/manifests/rbac_coverage.h"
#include "e2e/manifests/rbac_rules.h"
#include "e2e/manifests/rbac_run.h"
#include "modelops/yaml/yaml.h"

namespace {

using modelops::testing::RbacAuthorizer;
using modelops::testing::RbacRun;
using nlohmann::json;

// A ValidatingWebhookConfiguration named as the webhook's ClusterRole's resourceNames allow, for the operator to
// patch its caBundle. failurePolicy Ignore: this run is about RBAC, not about
// whether the dev server reaches the webhook in time.
json coverageWebhookConfiguration(const std::string& name, int port) {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "ValidatingWebhookConfiguration"},
          {"metadata", {{"name", name}}},
          {"webhooks",
           {{{"name", "modeldeployments.modelops.dev"},
             {"clientConfig", {{"url", "https://127.0.0.1:" + std::to_string(port) + "/validate"}}},
             {"rules", {{{"apiGroups", {"modelops.dev"}}, {"apiVersions", {"*"}}, {"resources", {"modeldeployments"}},
                         {"operations", {"CREATE", "UPDATE"}}}}},
             {"failurePolicy", "Ignore"},
             {"sideEffects", "None"},
             {"admissionReviewVersions", {"v1"}}}}}};
}

class RbacCoverage : public ::testing::Test {
 protected:
  // The rules under test, read before anything runs so that a malformed file fails first: the kustomize base as
  // rendered (every ClusterRole and Role bound to the operator's ServiceAccount, whichever file holds it), and
  // the chart's templates/rbac.yaml. Leases are granted only in the operator's namespace (a Role).
  void loadAuthorizers() {
    auto rendered = run_.kubectl({"kustomize", (run_.source() / "manifests").string()});
    ASSERT_EQ(rendered.code, 0) << rendered.err;
    auto base = modelops::yaml::loadYamlDocuments(rendered.out, "kubectl kustomize manifests/");
    ASSERT_TRUE(base.ok()) << base.error().message;
    auto kustomize = RbacAuthorizer::forServiceAccount(base.value(), kOperatorNamespace, "modelops-operator");
    ASSERT_GE(kustomize.bindings().size(), 2u) << "expected the ClusterRole and the leader-election Role";
    for (const auto& b : kustomize.bindings()) {
      for (const auto& g : modelops::testing::expandRules(b.rules)) baseGrants_.insert(g);
      for (const auto& rule : b.rules)
        if (rule.value("resources", json::array()) == json::array({"validatingwebhookconfigurations"}))
          webhookConfiguration_ = rule.value("resourceNames", json::array({""}))[0].get<std::string>();
    }
    std::string helmError;
    auto helm = modelops::testing::helmRuleBlocks(
        modelops::testing::readFile(run_.source() / "helm/modelops-operator/templates/rbac.yaml"), &helmError);
    ASSERT_TRUE(helmError.empty()) << helmError;
    ASSERT_EQ(helm.size(), 2u) << "templates/rbac.yaml: expected the operator's rules and the leader-election rules";
    authorizers_.emplace("the kustomize base (manifests/)", std::move(kustomize));
    authorizers_.emplace(kChart,
                         RbacAuthorizer({{helm[0], "", "ClusterRole"}, {helm[1], kOperatorNamespace, "leader-election Role"}}));
    for (const auto& rule : modelops::testing::mergeTimeRules())
      if (run_.operatorHasFlag(rule.flag)) flags_.insert(rule.flag);
  }

  // Counts, the Secret, the routes, the webhook's configuration; the operator's arguments (webhook on).
  void prepareCluster(std::vector<std::string>* args) {
    ASSERT_TRUE(prometheus_.running());
    prometheus_.setCounts("1.0.0", 970, 1000);
    prometheus_.setCounts("2.0.0", 960, 1000);
    prometheus_.setCounts("3.0.0", 500, 1000);  // far below the 0.9 floor: a confident failure
    prometheus_.setCounts("4.0.0", 920, 1000);  // A/B control ...
    prometheus_.setCounts("5.0.0", 990, 1000);  // ... and a confidently better treatment
    ASSERT_EQ(run_.apply(modelops::testing::rbacCredentialsSecret("default", kToken)).code, 0);
    ASSERT_EQ(run_.apply(modelops::testing::rbacHttpRoute("default", "canary-route", "gw-model-stable")).code, 0);
    ASSERT_EQ(run_.apply(modelops::testing::rbacVirtualService("default", "canary-vs", "istio-model")).code, 0);
    ASSERT_EQ(run_.apply(modelops::testing::rbacVirtualService("default", "ab-vs", "ab-model")).code, 0);
    ASSERT_EQ(run_.kubectl({"create", "namespace", kOperatorNamespace}).code, 0);
    *args = {"--leader-elect", "--leader-election-namespace", kOperatorNamespace, "--metrics-bind-address", "0",
             "--health-probe-bind-address", "0", "--log-format", "json", "--log-level", "info"};
    ASSERT_TRUE(run_.operatorHasFlag("--webhook-configuration-name")) << "the operator has no admission webhook";
    const int port = modelops::testing::rbacFreeLoopbackPort();
    ASSERT_GT(port, 0);
    ASSERT_FALSE(webhookConfiguration_.empty()) << "the operator has a webhook but no rule lets it patch one";
    auto vwc = run_.apply(coverageWebhookConfiguration(webhookConfiguration_, port));
    ASSERT_EQ(vwc.code, 0) << vwc.out << vwc.err;
    // The Service's namespace is the pod's in a cluster; here the kubeconfig's would be taken.
    args->insert(args->end(), {"--webhook-bind-address=127.0.0.1:" + std::to_string(port),
                               "--webhook-configuration-name=" + webhookConfiguration_,
                               std::string("--webhook-service-namespace=") + kOperatorNamespace});
  }

  // Gateway API with analysis: first version, a good one promoted, a bad one rolled back, the oldest retired.
  void gatewayRollouts() {
    const json gateway = {{"gatewayAPI", {{"httpRoute", "canary-route"}}}};
    auto version = [&](const char* v) {
      return run_.apply(modelops::testing::rbacCanaryModel("default", "gw-model", v, gateway, prometheus_.url())).code;
    };
    ASSERT_EQ(version("1.0.0"), 0);
    auto first = run_.waitStatus("default", "gw-model");
    EXPECT_EQ(first.code, 0) << first.out << first.err << run_.operatorLog();
    ASSERT_EQ(version("2.0.0"), 0);
    auto good = run_.waitStatus("default", "gw-model");
    EXPECT_EQ(good.code, 0) << good.out << good.err;
    EXPECT_EQ(run_.field("default", "gw-model", ".status.stable.version"), "2.0.0");
    const std::string firstRevision = "modelops.dev/name=gw-model,modelops.dev/revision=1";
    auto kept = run_.kubectl({"get", "deployment", "-l", firstRevision, "-o", "name"});
    EXPECT_FALSE(kept.out.empty()) << "the first revision's Deployment should be kept for rollback: " << kept.err;
    ASSERT_EQ(version("3.0.0"), 0);
    auto bad = run_.waitStatus("default", "gw-model");
    EXPECT_EQ(bad.code, 1) << bad.out << bad.err;
    EXPECT_EQ(run_.field("default", "gw-model", ".status.phase"), "RolledBack");
    EXPECT_EQ(run_.field("default", "gw-model", ".status.stable.version"), "2.0.0");
    // With one old revision kept, the first one's Deployment is retired (awaited with a watch).
    auto retired = run_.kubectl({"wait", "--for=delete", "deployment", "-l", firstRevision, "--timeout=30s"},
                                std::chrono::seconds(45));
    EXPECT_EQ(retired.code, 0) << retired.out << retired.err;
    EXPECT_EQ(prometheus_.unauthorized(), 0) << "the operator queried without the Secret's token";
  }

  // An Istio canary (two versions) and an A/B test through a VirtualService, side by side.
  void istioAndAbRollouts() {
    auto istio = [](const std::string& vs) {
      return json{{"istio", {{"virtualService", {{"name", vs}, {"routes", {"primary"}}}}}}};
    };
    ASSERT_EQ(run_.apply(modelops::testing::rbacCanaryModel("default", "istio-model", "1.0.0", istio("canary-vs"), "")).code, 0);
    ASSERT_EQ(run_.apply(modelops::testing::rbacAbTestModel("default", "ab-model", "4.0.0", "5.0.0", istio("ab-vs"),
                                                            prometheus_.url())).code, 0);
    auto istioFirst = run_.waitStatus("default", "istio-model");
    EXPECT_EQ(istioFirst.code, 0) << istioFirst.out << istioFirst.err;
    ASSERT_EQ(run_.apply(modelops::testing::rbacCanaryModel("default", "istio-model", "2.0.0", istio("canary-vs"), "")).code, 0);
    auto istioSecond = run_.waitStatus("default", "istio-model");
    EXPECT_EQ(istioSecond.code, 0) << istioSecond.out << istioSecond.err;
    auto ab = run_.waitStatus("default", "ab-model");
    EXPECT_EQ(ab.code, 0) << ab.out << ab.err << run_.operatorLog();
    EXPECT_EQ(run_.field("default", "ab-model", ".status.stable.version"), "5.0.0");
  }

  // The run really was complete: these calls only happen on the paths it was meant to exercise.
  void expectCompleteRun(const std::set<std::string>& used) {
    std::set<std::string> expected = {
        "watch modelops.dev/modeldeployments", "update modelops.dev/modeldeployments/status", "create apps/deployments",
        "patch apps/deployments", "delete apps/deployments", "create services",
        "patch services" /* the -stable Service's selector moves to the promoted revision */, "create events",
        "update gateway.networking.k8s.io/httproutes", "update networking.istio.io/virtualservices",
        "create coordination.k8s.io/leases", "update coordination.k8s.io/leases", "watch secrets",
        // The webhook: its certificate Secret looked up and created, the CA written into its configuration.
        "get secrets", "create secrets", "get admissionregistration.k8s.io/validatingwebhookconfigurations",
        "patch admissionregistration.k8s.io/validatingwebhookconfigurations"};
    for (const auto& e : expected)
      EXPECT_TRUE(used.count(e)) << "the operator never made `" << e << "`; it made:" << modelops::testing::joinedLines(used);
    for (const auto& [g, reason] : modelops::testing::unusedGrantsKept())
      EXPECT_TRUE(baseGrants_.count(g)) << "unusedGrantsKept() lists `" << g << "`, which the kustomize base does not grant";
  }

  static constexpr const char* kToken = "s3cr3t-token";
  static constexpr const char* kOperatorNamespace = "modelops-system";  // the base's
  static constexpr const char* kChart = "the Helm chart's templates/rbac.yaml (webhook calls aside)";
  RbacRun run_;
  modelops::testing::FakePrometheus prometheus_{kToken};
  std::set<std::string> baseGrants_;  // every grant bound to the operator in the kustomize base
  std::string webhookConfiguration_;  // the name the rules allow patching
  std::map<std::string, RbacAuthorizer> authorizers_;
  std::set<std::string> flags_;
};

TEST_F(RbacCoverage, TheOperatorUsesExactlyWhatManifestsAndChartGrant) {
  std::string missing;
  ASSERT_TRUE(run_.binariesBuilt(&missing)) << missing << " is not built";
  ASSERT_NO_FATAL_FAILURE(loadAuthorizers());
  const auto allowances = modelops::testing::coverageAllowances(flags_);
  ASSERT_TRUE(run_.startServer());
  std::vector<std::string> args;
  ASSERT_NO_FATAL_FAILURE(prepareCluster(&args));
  ASSERT_TRUE(run_.clearAudit());  // only what follows counts
  ASSERT_TRUE(run_.startOperator(args));
  ASSERT_NO_FATAL_FAILURE(gatewayRollouts());
  ASSERT_NO_FATAL_FAILURE(istioAndAbRollouts());
  EXPECT_EQ(run_.stopOperator(), 0) << run_.operatorLog();

  std::vector<json> requests;
  ASSERT_TRUE(run_.operatorRequests(&requests));
  for (const auto& [where, authorizer] : authorizers_) {
    const bool chart = where == kChart;
    const auto used = modelops::testing::expectEveryRequestAllowed(
        requests, authorizer, where, allowances, chart ? &modelops::testing::isWebhookRequest : nullptr);
    for (const auto& binding : authorizer.bindings())
      modelops::testing::expectEveryGrantUsed(binding.rules, used, where + " (" + binding.source + ")", allowances);
  }
  std::set<std::string> used;
  for (const auto& r : requests) used.insert(modelops::testing::grantOf(modelops::testing::requestFromAudit(r)));
  expectCompleteRun(used);
  std::cout << "operator API calls observed:" << modelops::testing::joinedLines(used) << "\n";
  EXPECT_EQ(run_.stopServer(), 0);
}

}  // namespace
