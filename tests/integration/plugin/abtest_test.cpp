// integration.plugin: an A/B test as the plugin shows and judges it: `get` lists the variants from status
// (revision, version, weight) and the strategy with the spec's split instead of steps, `list` shows the
// versions, `status` is not complete while variants are in flight (exit 4) and complete once one won
// (exit 0), and `promote --variant` asks for a winner.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "modelops/common/time.h"
#include "plugin_fixture.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

json abModel() {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", "ranker"}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", 4},
            {"model", {{"version", "3.0.0"}, {"uri", "s3://models/ranker/3.0.0"}}},
            {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "sim:1"}}})}}}}},
            {"strategy",
             {{"abTest",
               {{"duration", "24h"},
                {"variants", json::array({{{"name", "control"}, {"weight", 70}},
                                          {{"name", "treatment"}, {"weight", 30},
                                           {"model", {{"version", "3.1.0-rc1"}}}}})}}}}}}}};
}

TEST_F(PluginTest, AbTestShowsVariantsAndIsCompleteOnlyOnceOneWon) {
  auto created = client_->create(kube::resources::modelDeployments(), "default", abModel());
  ASSERT_TRUE(created.ok()) << created.error().describe();
  const auto generation = created.value()["metadata"]["generation"].get<std::int64_t>();
  setStatus("ranker", {{"observedGeneration", generation},
                       {"phase", "Progressing"},
                       {"message", "A/B test running: 2h of 24h"},
                       {"stable", {{"revision", 1}, {"version", "3.0.0"}}},
                       {"variants", json::array({{{"name", "control"}, {"revision", 1}, {"version", "3.0.0"}, {"weight", 70}},
                                                 {{"name", "treatment"}, {"revision", 2}, {"version", "3.1.0-rc1"}, {"weight", 30}}})}});

  auto got = run({"get", "ranker"});
  ASSERT_EQ(got.code, plugin::kExitOk) << got.err;
  for (const char* line : {"Variants:", "VARIANT    REVISION  VERSION    WEIGHT", "control    1         3.0.0      70%",
                           "treatment  2         3.1.0-rc1  30%", "Strategy:    A/B test, duration 24h",
                           "VARIANT    WEIGHT  VERSION", "treatment  30%     3.1.0-rc1",
                           "Test clock:  not started: waiting for every variant's replicas"})
    EXPECT_THAT(got.out, HasSubstr(line)) << got.out;
  // Once every variant was available, the clock's start (status.variantsAvailableAt) as an age.
  setStatus("ranker", {{"variantsAvailableAt", formatRfc3339(std::chrono::system_clock::now() - std::chrono::minutes(3))}});
  auto clock = run({"get", "ranker"});
  ASSERT_EQ(clock.code, plugin::kExitOk) << clock.err;
  EXPECT_THAT(clock.out, HasSubstr("Test clock:  started 3m ago, when every variant was available")) << clock.out;
  EXPECT_THAT(got.out, Not(HasSubstr("Steps:")));

  auto inFlight = run({"status", "ranker"});
  EXPECT_EQ(inFlight.code, plugin::kExitTimeout) << inFlight.out << inFlight.err;

  auto promote = run({"promote", "ranker", "--variant", "treatment"});
  EXPECT_EQ(promote.code, plugin::kExitOk) << promote.err;
  EXPECT_EQ(getModel("ranker")["metadata"]["annotations"]["modelops.dev/action"], "promote:treatment");

  // The operator promoted the treatment: no variants left, Healthy for the current generation.
  setStatus("ranker", {{"phase", "Healthy"}, {"message", "treatment promoted"}, {"variants", nullptr},
                       {"stable", {{"revision", 2}, {"version", "3.1.0-rc1"}}}});
  auto done = run({"status", "ranker"});
  EXPECT_EQ(done.code, plugin::kExitOk) << done.out << done.err;
  auto listed = run({"list"});
  ASSERT_EQ(listed.code, plugin::kExitOk) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("ranker  Healthy  3.1.0-rc1")) << listed.out;
}

}  // namespace
}  // namespace modelops::testing
