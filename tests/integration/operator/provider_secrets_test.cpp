// integration.operator.measurements: provider credentials (issue 12 row 5) with the real operator.
// A Secret is used as a metrics provider's credentials only when it carries the opt-in label
// modelops.dev/provider-credentials: "true" (the operator watches only such Secrets); otherwise the
// measurement is an Error saying "not usable" - the same words whether or not the Secret exists.
// --provider-credentials-require-label=false restores the old behaviour.
#include "operator_fixture.h"

namespace modelops::itest {
namespace {

Json tokenSecret(const std::string& name, bool optIn) {
  Json s = {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"type", "Opaque"},
            {"data", {{"token", "czNjcjN0"}}}};
  if (optIn) s["metadata"]["labels"]["modelops.dev/provider-credentials"] = "true";
  return s;
}

// Monitoring of the stable version every second, with a bearer token from `secret`.
Json monitoredWithToken(const std::string& name, const std::string& prometheusUrl, const std::string& secret) {
  auto analysis = accuracyAnalysis(prometheusUrl);
  analysis["metrics"][0]["provider"]["prometheus"]["auth"] = {{"bearerTokenSecretRef", {{"name", secret}}}};
  analysis["metrics"][0].erase("failureLimit");
  analysis["metrics"][0]["consecutiveErrorLimit"] = 1000;  // refusals must not end the monitoring
  auto md = modelDeployment(name, "1.0.0", 1, canaryStrategy(Json::parse(R"([{"setWeight": 50}])")), analysis);
  md["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", "Alert"}};
  return md;
}

class ProviderSecretsTest : public OperatorTest {
 protected:
  // The newest monitoring run of `name` ("phase: message"), waiting until one exists.
  std::string firstRun(const std::string& name) {
    std::string out;
    waitFor([&] {
      auto st = status(name);
      if (!st.contains("analysis") || st["analysis"].value("runs", Json::array()).empty()) return false;
      const auto& run = st["analysis"]["runs"][0];
      out = run.value("phase", "") + ": " + run.value("message", "");
      return true;
    }, 30s);
    return out;
  }
};

// The provider answered with the credentials: any run but an Error (monitoring's first reading is the
// change detector's base, "Inconclusive: ... first reading (N labelled)", later ones are Successful).
bool providerAnswered(const std::string& run) {
  return run.rfind("Successful: ", 0) == 0 || run.rfind("Inconclusive: change detection: first reading", 0) == 0;
}

TEST_F(ProviderSecretsTest, OnlyOptedInSecretsAreUsedAndRefusalsDoNotRevealExistence) {
  prometheus_.set("1.0.0", 990, 1000);
  cluster().create(res::secrets(), kNs, tokenSecret("unlabelled", false));
  cluster().create(res::secrets(), kNs, tokenSecret("opted-in", true));
  cluster().create(res::modelDeployments(), kNs, monitoredWithToken("uses-unlabelled", prometheus_.url(), "unlabelled"));
  cluster().create(res::modelDeployments(), kNs, monitoredWithToken("uses-missing", prometheus_.url(), "missing"));
  cluster().create(res::modelDeployments(), kNs, monitoredWithToken("uses-opted-in", prometheus_.url(), "opted-in"));
  startOperator();

  auto unlabelled = firstRun("uses-unlabelled");
  auto missing = firstRun("uses-missing");
  EXPECT_EQ(unlabelled.rfind("Error: ", 0), 0u) << unlabelled;
  EXPECT_NE(unlabelled.find("not usable"), std::string::npos) << unlabelled;
  EXPECT_NE(missing.find("not usable"), std::string::npos) << missing;
  // One message for both, but for the name: nothing tells an existing Secret from a missing one.
  auto withoutName = [](std::string s, const std::string& name) {
    auto at = s.find(name);
    if (at != std::string::npos) s.erase(at, name.size());
    return s;
  };
  EXPECT_EQ(withoutName(unlabelled, "unlabelled"), withoutName(missing, "missing"));
  auto optedIn = firstRun("uses-opted-in");
  EXPECT_TRUE(providerAnswered(optedIn)) << optedIn << "\n" << logTail();

  // The owner opts in: the next measurements use it (the operator's Secret watch delivers it).
  ASSERT_EQ(cluster().mergePatch(res::secrets(), kNs, "unlabelled",
                                 {{"metadata", {{"labels", {{"modelops.dev/provider-credentials", "true"}}}}}}),
            "");
  EXPECT_TRUE(waitFor([&] { return providerAnswered(firstRun("uses-unlabelled")); }, 30s))
      << firstRun("uses-unlabelled");
}

TEST_F(ProviderSecretsTest, WithoutTheLabelRequirementAnySecretOfTheNamespaceIsUsed) {
  prometheus_.set("1.0.0", 990, 1000);
  cluster().create(res::secrets(), kNs, tokenSecret("unlabelled", false));
  cluster().create(res::modelDeployments(), kNs, monitoredWithToken("uses-unlabelled", prometheus_.url(), "unlabelled"));
  startOperator({"--provider-credentials-require-label=false"});
  auto run = firstRun("uses-unlabelled");
  EXPECT_TRUE(providerAnswered(run)) << run << "\n" << logTail();
}

}  // namespace
}  // namespace modelops::itest
