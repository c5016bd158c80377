// AnalysisMeasurer: provider credentials come from Secrets in the ModelDeployment's namespace; a
// missing Secret makes the metric's verdict an Error that names it (never a pass).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "fakes/fake_kube_client.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/reconciler/measurer.h"

namespace modelops::reconciler {
namespace {

api::ModelDeployment exampleWithSecuredAnalysis() {
  auto doc = nlohmann::json::parse(R"({"apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "fraud", "namespace": "ml"},
    "spec": {"model": {"version": "2"}, "template": {"spec": {"containers": [{"name": "s", "image": "i"}]}},
      "analysis": {"metrics": [{"name": "accuracy",
        "provider": {"prometheus": {"address": "https://prom:9090",
          "auth": {"bearerTokenSecretRef": {"name": "prom-token"}}, "tls": {"caSecretRef": {"name": "prom-ca"}}}},
        "successes": "s", "trials": "t", "accuracy": {"min": 0.9}}]}}})");
  auto m = api::decodeModelDeployment(doc).value();
  api::applyDefaults(m);
  return m;
}

// A provider that answers every query with one sample and records the config it was built with.
struct Recorder {
  std::optional<std::string> token;
  std::string caPem;
};

class ConstantProvider final : public analysis::MetricProvider {
 public:
  Result<analysis::QueryResult, analysis::ProviderError> query(const std::string& q, const CancelToken&) override {
    return analysis::QueryResult{{{{}, 500}}, q, std::nullopt};
  }
};

analysis::ProviderFactory recordingFactory(Recorder& rec) {
  return [&rec](const analysis::MetricSpec& spec, const analysis::TemplateVars&)
             -> Result<std::shared_ptr<analysis::MetricProvider>, analysis::ProviderError> {
    const auto& prom = std::get<analysis::PrometheusConfig>(spec.provider);
    rec.token = prom.bearerToken;
    rec.caPem = prom.caPem;
    return std::shared_ptr<analysis::MetricProvider>(std::make_shared<ConstantProvider>());
  };
}

nlohmann::json secret(const std::string& name, const std::string& key, const std::string& base64) {
  return {{"apiVersion", "v1"}, {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}}, {"data", {{key, base64}}}};
}

TEST(AnalysisMeasurer, ReadsCredentialsFromSecrets) {
  testing::FakeKubeClient client;
  client.put(kube::resources::secrets(), secret("prom-token", "token", "czNjcjN0"));      // "s3cr3t"
  client.put(kube::resources::secrets(), secret("prom-ca", "ca.crt", "LS0tLS1CRUdJTg=="));  // "-----BEGIN"
  Recorder rec;
  AnalysisMeasurer measurer(&client, analysis::AnalysisRunner(recordingFactory(rec)));
  rollout::MeasurementRequest req;
  req.track = "canary";
  req.revision = 2;
  req.hash = "h";
  req.version = "2";
  auto m = measurer.measure(exampleWithSecuredAnalysis(), req, CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  EXPECT_EQ(rec.token, "s3cr3t");
  EXPECT_EQ(rec.caPem, "-----BEGIN");
  EXPECT_EQ(m.verdicts[0].phase, analysis::VerdictPhase::Pass) << m.verdicts[0].reason;
}

TEST(AnalysisMeasurer, MissingSecretIsAnErrorVerdictNamingIt) {
  testing::FakeKubeClient client;
  Recorder rec;
  AnalysisMeasurer measurer(&client, analysis::AnalysisRunner(recordingFactory(rec)));
  rollout::MeasurementRequest req;
  req.revision = 2;
  auto m = measurer.measure(exampleWithSecuredAnalysis(), req, CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  EXPECT_EQ(m.verdicts[0].phase, analysis::VerdictPhase::Error);
  EXPECT_NE(m.verdicts[0].reason.find("secret ml/prom-token key token"), std::string::npos) << m.verdicts[0].reason;
  EXPECT_FALSE(rec.token.has_value()) << "the provider must not be queried without its credentials";
}

}  // namespace
}  // namespace modelops::reconciler
