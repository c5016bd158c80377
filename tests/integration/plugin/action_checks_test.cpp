// integration.plugin: action requests are checked against the object before anything is written
// (issue 13 item 4). `promote NAME --variant nosuch` used to write the annotation and exit 0; the
// refusal came later as an operator Event. Each refusal below failed before the check (exit 0, the
// annotation written); the accepted requests show the check lets through what the operator carries out.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugin_fixture.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;

json rankerAbTest() {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", "ranker"}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", 4},
            {"model", {{"version", "3.0.0"}}},
            {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "sim:1"}}})}}}}},
            {"strategy",
             {{"abTest",
               {{"variants", json::array({{{"name", "control"}, {"weight", 70}},
                                          {{"name", "treatment"}, {"weight", 30},
                                           {"model", {{"version", "3.1.0-rc1"}}}}})}}}}}}}};
}

class ActionChecksTest : public PluginTest {
 protected:
  // Runs a request that must be refused: non-zero exit, the message, and no annotation written.
  void expectRefused(const std::string& name, const std::vector<std::string>& args, const std::string& message) {
    SCOPED_TRACE(::testing::PrintToString(args));
    auto r = run(args);
    EXPECT_EQ(r.code, plugin::kExitFailed) << r.out;
    EXPECT_THAT(r.err, HasSubstr(message));
    EXPECT_EQ(r.out, "");
    json md = getModel(name);
    EXPECT_FALSE(md["metadata"].contains("annotations") &&
                 md["metadata"]["annotations"].contains("modelops.dev/action"))
        << md["metadata"].dump();
  }
};

TEST_F(ActionChecksTest, UnknownVariantIsRefusedBeforeWriting) {
  auto created = client_->create(kube::resources::modelDeployments(), "default", rankerAbTest());
  ASSERT_TRUE(created.ok()) << created.error().describe();
  expectRefused("ranker", {"promote", "ranker", "--variant", "nosuch"},
                "error: ranker has no variant \"nosuch\" (variants: control, treatment)");
  expectRefused("ranker", {"promote", "ranker"},
                "error: an A/B test promotes a variant: kubectl modelops promote ranker --variant V (one of control, "
                "treatment)");
  expectRefused("ranker", {"promote", "ranker", "--full"}, "an A/B test promotes a variant");
  auto ok = run({"promote", "ranker", "--variant", "treatment"});
  EXPECT_EQ(ok.code, plugin::kExitOk) << ok.err;
  EXPECT_EQ(getModel("ranker")["metadata"]["annotations"]["modelops.dev/action"], "promote:treatment");
}

TEST_F(ActionChecksTest, VariantOnACanaryIsRefused) {
  createModel("fraud");
  expectRefused("fraud", {"promote", "fraud", "--variant", "treatment"},
                "error: fraud runs a canary, not an A/B test: --variant applies to A/B tests only");
}

TEST_F(ActionChecksTest, PromoteAndAbortNeedARolloutInProgress) {
  json created = createModel("fraud");
  const auto generation = created["metadata"]["generation"];
  setStatus("fraud", {{"observedGeneration", generation},
                      {"phase", "Healthy"},
                      {"stable", {{"revision", 1}, {"version", "2.4.0"}, {"weight", 100}}}});
  expectRefused("fraud", {"promote", "fraud"}, "error: no rollout in progress for fraud (phase Healthy): nothing to promote");
  expectRefused("fraud", {"abort", "fraud"}, "nothing to abort");
  // A canary in flight: accepted.
  setStatus("fraud", {{"phase", "Progressing"}, {"canary", {{"revision", 2}, {"version", "2.5.0"}, {"weight", 10}}}});
  auto ok = run({"promote", "fraud"});
  EXPECT_EQ(ok.code, plugin::kExitOk) << ok.err;
}

TEST_F(ActionChecksTest, PromoteRightAfterASpecChangeIsLeftToTheOperator) {
  json created = createModel("fraud");
  // Status still describes the previous generation: the rollout the request is for has not started yet.
  setStatus("fraud", {{"observedGeneration", created["metadata"]["generation"].get<std::int64_t>() - 1},
                      {"phase", "Healthy"},
                      {"stable", {{"revision", 1}, {"version", "2.3.0"}, {"weight", 100}}}});
  auto ok = run({"promote", "fraud"});
  EXPECT_EQ(ok.code, plugin::kExitOk) << ok.err;
}

}  // namespace
}  // namespace modelops::testing
