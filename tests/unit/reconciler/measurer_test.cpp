// AnalysisMeasurer: provider credentials come from opted-in Secrets in the ModelDeployment's
// namespace (looked up in the informer cache); a missing, unlabelled or incomplete Secret makes the
// metric's verdict an Error with one "not usable" message (never a pass, never a hint that it exists);
// CA data never touches the file system. Also: the providers a measurement counts against.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "modelops/analysis/api_metric.h"
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

nlohmann::json secret(const std::string& name, const std::string& key, const std::string& base64, bool optIn = true) {
  nlohmann::json s = {{"apiVersion", "v1"}, {"kind", "Secret"},
                      {"metadata", {{"name", name}, {"namespace", "ml"}}}, {"data", {{key, base64}}}};
  if (optIn) s["metadata"]["labels"][std::string(kProviderCredentialsLabel)] = "true";
  return s;
}

// The informer cache, as the measurer sees it.
struct Secrets {
  std::map<std::string, nlohmann::json> byKey;  // "ns/name"
  void put(const nlohmann::json& s) {
    byKey[s["metadata"]["namespace"].get<std::string>() + "/" + s["metadata"]["name"].get<std::string>()] = s;
  }
  SecretLookup lookup() {
    return [this](const std::string& ns, const std::string& name) -> std::optional<nlohmann::json> {
      auto it = byKey.find(ns + "/" + name);
      if (it == byKey.end()) return std::nullopt;
      return it->second;
    };
  }
};

rollout::MeasurementRequest canaryRequest() {
  rollout::MeasurementRequest req;
  req.track = "canary";
  req.revision = 2;
  req.hash = "h";
  req.version = "2";
  return req;
}

TEST(AnalysisMeasurer, ReadsCredentialsFromOptedInSecrets) {
  Secrets secrets;
  secrets.put(secret("prom-token", "token", "czNjcjN0"));      // "s3cr3t"
  secrets.put(secret("prom-ca", "ca.crt", "LS0tLS1CRUdJTg=="));  // "-----BEGIN"
  Recorder rec;
  AnalysisMeasurer measurer(secrets.lookup(), true, analysis::AnalysisRunner(recordingFactory(rec)));
  auto m = measurer.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  EXPECT_EQ(rec.token, "s3cr3t");
  EXPECT_EQ(rec.caPem, "-----BEGIN");
  EXPECT_EQ(m.verdicts[0].phase, analysis::VerdictPhase::Pass) << m.verdicts[0].reason;
}

TEST(AnalysisMeasurer, MissingSecretIsAnErrorVerdictNamingTheReference) {
  Secrets secrets;
  Recorder rec;
  AnalysisMeasurer measurer(secrets.lookup(), true, analysis::AnalysisRunner(recordingFactory(rec)));
  auto m = measurer.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  EXPECT_EQ(m.verdicts[0].phase, analysis::VerdictPhase::Error);
  EXPECT_NE(m.verdicts[0].reason.find("secret ml/prom-token key token: not usable"), std::string::npos)
      << m.verdicts[0].reason;
  EXPECT_FALSE(rec.token.has_value()) << "the provider must not be queried without its credentials";
}

// Missing, unlabelled, labelled "false", without the key: one message, so a ModelDeployment's
// author cannot probe which Secrets exist.
TEST(AnalysisMeasurer, AnUnlabelledSecretIsNotUsableWithTheSameMessageAsAMissingOne) {
  std::vector<std::string> reasons;
  for (int variant = 0; variant < 4; ++variant) {
    Secrets secrets;
    secrets.put(secret("prom-ca", "ca.crt", "LS0tLS1CRUdJTg=="));
    if (variant == 1) secrets.put(secret("prom-token", "token", "czNjcjN0", /*optIn=*/false));
    if (variant == 2) {
      auto s = secret("prom-token", "token", "czNjcjN0");
      s["metadata"]["labels"][std::string(kProviderCredentialsLabel)] = "false";
      secrets.put(s);
    }
    if (variant == 3) secrets.put(secret("prom-token", "other", "czNjcjN0"));
    Recorder rec;
    AnalysisMeasurer measurer(secrets.lookup(), true, analysis::AnalysisRunner(recordingFactory(rec)));
    auto m = measurer.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
    ASSERT_EQ(m.verdicts.size(), 1u);
    EXPECT_EQ(m.verdicts[0].phase, analysis::VerdictPhase::Error) << variant;
    EXPECT_FALSE(rec.token.has_value()) << variant;
    reasons.push_back(m.verdicts[0].reason);
  }
  EXPECT_NE(reasons[0].find("not usable"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[0].find(std::string(kProviderCredentialsLabel) + ": \"true\""), std::string::npos) << reasons[0];
  for (const auto& r : reasons) EXPECT_EQ(r, reasons[0]);
}

TEST(AnalysisMeasurer, WithoutTheLabelRequirementAnySecretOfTheNamespaceIsUsed) {
  Secrets secrets;
  secrets.put(secret("prom-token", "token", "czNjcjN0", false));
  secrets.put(secret("prom-ca", "ca.crt", "LS0tLS1CRUdJTg==", false));
  Recorder rec;
  AnalysisMeasurer measurer(secrets.lookup(), false, analysis::AnalysisRunner(recordingFactory(rec)));
  auto m = measurer.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
  ASSERT_EQ(m.verdicts.size(), 1u);
  EXPECT_EQ(rec.token, "s3cr3t");
  // A Secret of another namespace with that name is never looked at.
  Secrets elsewhere;
  auto other = secret("prom-token", "token", "czNjcjN0", false);
  other["metadata"]["namespace"] = "team-b";
  elsewhere.put(other);
  Recorder rec2;
  AnalysisMeasurer measurer2(elsewhere.lookup(), false, analysis::AnalysisRunner(recordingFactory(rec2)));
  auto m2 = measurer2.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
  EXPECT_EQ(m2.verdicts[0].phase, analysis::VerdictPhase::Error);
  EXPECT_FALSE(rec2.token.has_value());
}

// Lists the regular files of a directory (the names only).
std::vector<std::string> filesIn(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

TEST(AnalysisMeasurer, CaDataNeverTouchesTheFileSystem) {
  auto dir = std::filesystem::temp_directory_path() / ("measurer-tmp-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const char* before = getenv("TMPDIR");
  std::string saved = before ? before : "";
  setenv("TMPDIR", dir.c_str(), 1);
  auto tmpBefore = filesIn("/tmp");
  Secrets secrets;
  secrets.put(secret("prom-token", "token", "czNjcjN0"));
  secrets.put(secret("prom-ca", "ca.crt", "LS0tLS1CRUdJTg=="));
  Recorder rec;
  std::vector<std::string> during;
  auto factory = recordingFactory(rec);
  AnalysisMeasurer measurer(secrets.lookup(), true,
                            analysis::AnalysisRunner([&](const analysis::MetricSpec& spec, const analysis::TemplateVars& v) {
                              during = filesIn(dir);  // while the measurement runs
                              return factory(spec, v);
                            }));
  auto m = measurer.measure(exampleWithSecuredAnalysis(), canaryRequest(), CancelToken());
  if (before) setenv("TMPDIR", saved.c_str(), 1); else unsetenv("TMPDIR");
  EXPECT_EQ(rec.caPem, "-----BEGIN");
  EXPECT_TRUE(during.empty()) << during.front();
  for (const auto& name : filesIn("/tmp")) {
    if (name.rfind("modelops-ca-", 0) != 0) continue;
    EXPECT_NE(std::find(tmpBefore.begin(), tmpBefore.end(), name), tmpBefore.end()) << "new CA file /tmp/" << name;
  }
  std::filesystem::remove_all(dir);
}

TEST(MeasurementProviders, OnePerSchemeHostAndPort) {
  auto md = exampleWithSecuredAnalysis();
  auto metric = md.spec.analysis->metrics[0];
  metric.name = "latency";
  metric.provider->prometheus->address = "HTTPS://Prom:9090/prefix?x=1";
  md.spec.analysis->metrics.push_back(metric);
  metric.name = "web";
  metric.provider->prometheus.reset();
  metric.provider->web.emplace();
  metric.provider->web->url = "http://scorer.ml:8080/score?model={{name}}";
  md.spec.analysis->metrics.push_back(metric);
  EXPECT_EQ(measurementProviders(md), (std::vector<std::string>{"http://scorer.ml:8080", "https://prom:9090"}));
}

}  // namespace
}  // namespace modelops::reconciler
