// integration.plugin: the watch-driven commands (`status --wait`, `get --watch`) with a concurrent
// writer playing the operator, and the real kubectl-modelops binary run through `kubectl modelops`.
// Plugin threads are synchronised on the dev server's open-watch count and on printed output, with
// deadlines; never on sleeps.
// Thread-safety: gtest main thread plus one plugin thread per test, joined before the test ends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>

#include "plugin_fixture.h"
#include "support/process.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

json inFlight(std::int64_t observed) {
  return {{"observedGeneration", observed},
          {"phase", "Progressing"},
          {"message", "step 1/5: canary at 10%"},
          {"stable", {{"revision", 1}, {"version", "2.3.1"}}},
          {"canary", {{"revision", 2}, {"version", "2.4.0"}, {"weight", 10}}},
          {"currentStepIndex", 0}};
}

// A plugin run on its own thread; leaving scope (also when an assertion returns early) cancels it and
// joins, so no thread outlives the test.
struct Running {
  std::future<int> result;
  CancelToken cancel;
  ~Running() {
    if (result.valid()) {
      cancel.cancel();
      result.wait();
    }
  }
};

class FollowTest : public PluginTest {
 protected:
  // Starts the plugin on a thread with the fixture's cancel token and output streams.
  Running start(std::vector<std::string> args) {
    args.push_back("--kubeconfig");
    args.push_back(kubeconfig_);
    return Running{std::async(std::launch::async,
                              [this, args] {
                                plugin::PluginContext ctx{out_, err_, clock_,
                                                          [](const std::string&) { return std::optional<std::string>(); },
                                                          false, false, cancel_};
                                return plugin::runPlugin(args, ctx);
                              }),
                   cancel_};
  }
  bool watching() {
    return waitFor([&] { return server_->openWatches() > 0; });
  }
  int finish(Running& r, std::chrono::seconds limit = 20s) {
    if (r.result.wait_for(limit) != std::future_status::ready) {
      cancel_.cancel();  // do not leave the thread behind
      r.result.wait();
      ADD_FAILURE() << "the plugin did not finish within " << limit.count() << "s; out:\n" << out_.text();
      return -1;
    }
    return r.result.get();
  }

  SyncStream out_, err_;
  CancelToken cancel_;
};

TEST_F(FollowTest, StatusWaitSucceedsWhenTheRolloutBecomesHealthy) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  auto f = start({"status", "fraud", "--wait", "--timeout", "30s"});
  ASSERT_TRUE(watching());
  ASSERT_TRUE(waitFor([&] { return out_.text().find("in progress: Progressing, canary 2.4.0 at 10%") != std::string::npos; }))
      << out_.text();
  setStatus("fraud", {{"phase", "Healthy"}, {"message", "promoted"}, {"canary", nullptr},
                      {"stable", {{"revision", 2}, {"version", "2.4.0"}}}});
  EXPECT_EQ(finish(f), plugin::kExitOk) << err_.text();
  EXPECT_THAT(out_.text(), HasSubstr("rollout of fraud complete: version 2.4.0 is Healthy"));
}

TEST_F(FollowTest, StatusWaitFailsWhenTheOperatorRollsBack) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  auto f = start({"status", "fraud", "--wait"});
  ASSERT_TRUE(watching());
  setStatus("fraud", {{"phase", "RolledBack"}, {"message", "accuracy 0.880 < 0.92 (lower bound 0.861, n=1204)"},
                      {"canary", nullptr}});
  EXPECT_EQ(finish(f), plugin::kExitFailed);
  EXPECT_THAT(out_.text(),
              HasSubstr("rollout of fraud failed: RolledBack: accuracy 0.880 < 0.92 (lower bound 0.861, n=1204)"));
}

TEST_F(FollowTest, StatusWaitIgnoresAVerdictForAnOlderGeneration) {
  json md = createModel("fraud");
  // The operator rolled back generation 1; then a new version was applied (generation 2).
  setStatus("fraud", {{"observedGeneration", 1}, {"phase", "RolledBack"}, {"stable", {{"version", "2.3.1"}}}});
  auto patched = client_->patch(kube::resources::modelDeployments(), "default", "fraud", kube::PatchType::Merge,
                                {{"spec", {{"model", {{"version", "2.5.0"}}}}}});
  ASSERT_TRUE(patched.ok());
  ASSERT_EQ(patched.value()["metadata"]["generation"], 2);
  auto now = run({"status", "fraud"});
  EXPECT_EQ(now.code, plugin::kExitTimeout);
  EXPECT_THAT(now.out, HasSubstr("waiting for the operator to observe generation 2 (observed 1)"));

  auto f = start({"status", "fraud", "--wait", "--timeout", "30s"});
  ASSERT_TRUE(watching());
  setStatus("fraud", {{"observedGeneration", 2}, {"phase", "Healthy"}, {"stable", {{"version", "2.5.0"}}}});
  EXPECT_EQ(finish(f), plugin::kExitOk) << out_.text() << err_.text();
}

TEST_F(FollowTest, StatusWaitTimesOut) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  const auto started = std::chrono::steady_clock::now();
  auto f = start({"status", "fraud", "--wait", "--timeout", "300ms"});
  EXPECT_EQ(finish(f), plugin::kExitTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_THAT(err_.text(), HasSubstr("timed out after 0.3s waiting for fraud"));
}

TEST_F(FollowTest, StatusWithoutWaitJudgesOnce) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  EXPECT_EQ(run({"status", "fraud"}).code, plugin::kExitTimeout);
  setStatus("fraud", {{"phase", "Healthy"}, {"canary", nullptr}});
  auto healthy = run({"status", "fraud"});
  EXPECT_EQ(healthy.code, plugin::kExitOk);
  EXPECT_THAT(healthy.out, HasSubstr("complete"));
  setStatus("fraud", {{"phase", "Invalid"}, {"message", "spec.model.version: required"}});
  EXPECT_EQ(run({"status", "fraud"}).code, plugin::kExitFailed);
  EXPECT_EQ(run({"status", "ghost", "--wait", "--timeout", "5s"}).code, plugin::kExitNotFound);
}

TEST_F(FollowTest, StatusWaitEndsWhenDeletedOrCancelled) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  auto f = start({"status", "fraud", "--wait"});
  ASSERT_TRUE(watching());
  ASSERT_TRUE(client_->remove(kube::resources::modelDeployments(), "default", "fraud").ok());
  EXPECT_EQ(finish(f), plugin::kExitNotFound);
  EXPECT_THAT(err_.text(), HasSubstr("fraud was deleted while waiting"));

  createModel("churn");
  auto g = start({"status", "churn", "--wait"});
  ASSERT_TRUE(waitFor([&] { return server_->openWatches() > 0 && out_.text().find("churn") != std::string::npos; }));
  cancel_.cancel();
  EXPECT_EQ(finish(g), plugin::kExitFailed);
  EXPECT_THAT(err_.text(), HasSubstr("interrupted while waiting"));
}

TEST_F(FollowTest, GetWatchPrintsANewSnapshotOnEveryChange) {
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  auto f = start({"get", "fraud", "--watch"});
  ASSERT_TRUE(watching());
  ASSERT_TRUE(waitFor([&] { return out_.text().find("Canary:      revision 2  version 2.4.0  weight 10%") != std::string::npos; }));
  EXPECT_THAT(out_.text(), Not(HasSubstr("\n--- ")));  // one snapshot so far

  setStatus("fraud", {{"currentStepIndex", 1}, {"canary", {{"weight", 50}}}});
  ASSERT_TRUE(waitFor([&] { return out_.text().find("weight 50%") != std::string::npos; })) << out_.text();
  setStatus("fraud", {{"phase", "RolledBack"}, {"message", "accuracy 0.880 < 0.92"}, {"canary", nullptr}});
  ASSERT_TRUE(waitFor([&] { return out_.text().find("Phase:       RolledBack") != std::string::npos; })) << out_.text();
  const std::string text = out_.text();
  // Three snapshots, separated (the output is not a terminal: no clear-screen codes).
  std::size_t separators = 0;
  for (auto p = text.find("\n--- "); p != std::string::npos; p = text.find("\n--- ", p + 1)) ++separators;
  EXPECT_EQ(separators, 2u) << text;
  EXPECT_THAT(text, Not(HasSubstr("\x1b[")));
  EXPECT_LT(text.find("weight 50%"), text.find("Phase:       RolledBack"));
  cancel_.cancel();
  EXPECT_EQ(finish(f), plugin::kExitOk);
}

TEST_F(FollowTest, GetWatchEndsWhenTheObjectIsDeleted) {
  createModel("fraud");
  auto f = start({"get", "fraud", "-w"});
  ASSERT_TRUE(watching());
  ASSERT_TRUE(client_->remove(kube::resources::modelDeployments(), "default", "fraud").ok());
  EXPECT_EQ(finish(f), plugin::kExitOk);
  EXPECT_THAT(out_.text(), HasSubstr("modeldeployment.modelops.dev/fraud deleted"));
}

// The real binary, found by kubectl on PATH: `kubectl modelops ...` passes the flags through.
TEST_F(FollowTest, KubectlRunsTheBinaryAsAPlugin) {
  const char* bin = std::getenv("MODELOPS_BINARY_DIR");
  ASSERT_NE(bin, nullptr);
  createModel("fraud");
  setStatus("fraud", inFlight(1));
  std::vector<std::string> env = {"PATH=" + std::string(bin) + "/bin:/usr/bin:/bin", "HOME=" + dir_.string(),
                                  "KUBECONFIG=" + kubeconfig_};
  auto list = modelops::testing::run({"/usr/bin/kubectl", "modelops", "list"}, env, 30s);
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("fraud  Progressing  2.3.1   2.4.0   10%"));
  EXPECT_THAT(list.out, Not(HasSubstr("\x1b[")));  // piped: no colour
  auto missing = modelops::testing::run({"/usr/bin/kubectl", "modelops", "get", "ghost", "-n", "default"}, env, 30s);
  EXPECT_EQ(missing.code, plugin::kExitNotFound) << missing.err;
  auto waited = modelops::testing::run({"/usr/bin/kubectl", "modelops", "status", "fraud", "--wait", "--timeout", "200ms"}, env, 30s);
  EXPECT_EQ(waited.code, plugin::kExitTimeout) << waited.err;
  auto usage = modelops::testing::run({"/usr/bin/kubectl", "modelops", "bogus"}, env, 30s);
  EXPECT_EQ(usage.code, plugin::kExitUsage);
}

}  // namespace
}  // namespace modelops::testing
