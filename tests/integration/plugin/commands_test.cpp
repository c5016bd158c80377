// integration.plugin: the one-shot commands of kubectl-modelops (usage, get, list, the action requests,
// history, undo) against the in-process dev API server, asserting the printed lines, the exit codes and
// what was written to the ModelDeployment.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "modelops/version.h"
#include "plugin_fixture.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The status an operator writes in the middle of a canary: step 3 of 5 (analysis), canary at 10%.
json progressingStatus(std::int64_t observedGeneration) {
  return {{"observedGeneration", observedGeneration},
          {"phase", "Progressing"},
          {"message", "step 3/5: analysis running (accuracy 0.941, lower bound 0.928, n=812)"},
          {"stable", {{"revision", 3}, {"version", "2.3.1"}, {"weight", 90}}},
          {"canary", {{"revision", 4}, {"version", "2.4.0"}, {"weight", 10}}},
          {"currentStepIndex", 2},
          {"analysis",
           {{"failures", 0},
            {"runs", json::array({{{"metric", "accuracy"},
                                   {"phase", "Successful"},
                                   {"value", 0.9412},
                                   {"lowerBound", 0.9281},
                                   {"samples", 812},
                                   {"at", "2026-11-25T10:40:00Z"},
                                   {"segments", json::array({{{"segment", "region=eu"},
                                                              {"phase", "Inconclusive"},
                                                              {"value", 0.95},
                                                              {"lowerBound", 0.90},
                                                              {"samples", 40},
                                                              {"message", "fewer than 50 samples"}}})}}})}}},
          {"conditions", json::array({{{"type", "Progressing"}, {"status", "True"}, {"reason", "StepAnalysis"},
                                       {"message", "analysis running"}}})},
          {"history", json::array({{{"revision", 2}, {"version", "2.3.0"}, {"outcome", "RolledBack"},
                                    {"reason", "accuracy 0.88 < 0.92 (n=1204)"}, {"at", "2026-11-20T10:00:00Z"}},
                                   {{"revision", 3}, {"version", "2.3.1"}, {"uri", "s3://models/fraud/2.3.1"},
                                    {"outcome", "Promoted"}, {"at", "2026-11-21T10:00:00Z"}}})}};
}

json event(const std::string& name, const std::string& about, const std::string& reason, const std::string& message) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"involvedObject",
           {{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"}, {"name", about},
            {"namespace", "default"}}},
          {"reason", reason},
          {"message", message},
          {"type", "Normal"},
          {"count", 2},
          {"lastTimestamp", "2026-11-25T10:41:00Z"}};
}

TEST_F(PluginTest, UsageErrorsAndHelp) {
  EXPECT_EQ(run({}, false, false).code, plugin::kExitUsage);
  auto unknown = run({"frobnicate"});
  EXPECT_EQ(unknown.code, plugin::kExitUsage);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_EQ(run({"get"}).code, plugin::kExitUsage);              // NAME missing
  EXPECT_EQ(run({"list", "extra"}).code, plugin::kExitUsage);    // list takes no NAME
  EXPECT_EQ(run({"get", "x", "--full"}).code, plugin::kExitUsage);  // a promote flag on get
  EXPECT_EQ(run({"promote", "x", "--full", "--variant", "b"}).code, plugin::kExitUsage);
  EXPECT_EQ(run({"status", "x", "--timeout", "soon"}).code, plugin::kExitUsage);

  auto help = run({"--help"}, false, false);
  EXPECT_EQ(help.code, plugin::kExitOk);
  for (const char* line : {"get NAME", "list", "promote NAME", "undo NAME", "status NAME", "Exit codes:",
                           "  3  not found", "  4  status: not complete before --timeout"})
    EXPECT_THAT(help.out, HasSubstr(line));
  auto cmdHelp = run({"status", "--help"}, false, false);
  EXPECT_EQ(cmdHelp.code, plugin::kExitOk);
  EXPECT_THAT(cmdHelp.out, HasSubstr("--timeout DURATION"));
  EXPECT_THAT(cmdHelp.out, HasSubstr("(default 10m)"));

  auto version = run({"version"}, false, false);
  EXPECT_EQ(version.code, plugin::kExitOk);
  EXPECT_EQ(version.out, std::string("kubectl-modelops ") + kVersion + "\n");
}

TEST_F(PluginTest, MissingKubeconfigFailsWithItsPath) {
  auto r = run({"list", "--kubeconfig", (dir_ / "nope").string()}, false, false);
  EXPECT_EQ(r.code, plugin::kExitFailed);
  EXPECT_THAT(r.err, HasSubstr("nope"));
}

TEST_F(PluginTest, GetNotFound) {
  auto r = run({"get", "ghost"});
  EXPECT_EQ(r.code, plugin::kExitNotFound);
  EXPECT_THAT(r.err, HasSubstr("Error from server (NotFound): modeldeployments.modelops.dev \"ghost\" not found"));
}

TEST_F(PluginTest, GetShowsTheWholeRollout) {
  json md = createModel("fraud");
  setStatus("fraud", progressingStatus(md["metadata"]["generation"].get<std::int64_t>()));
  ASSERT_TRUE(client_->create(kube::resources::events(), "default",
                              event("fraud.1", "fraud", "StepAnalysis", "analysis started at step 3")).ok());
  ASSERT_TRUE(client_->create(kube::resources::events(), "default",
                              event("other.1", "other", "OtherReason", "about another object")).ok());

  auto r = run({"get", "fraud"});
  ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
  for (const char* line :
       {"ModelDeployment: default/fraud", "Phase:       Progressing",
        "Message:     step 3/5: analysis running (accuracy 0.941, lower bound 0.928, n=812)",
        "Generation:  1 (observed 1)", "Model:       fraud 2.4.0 (s3://models/fraud/2.4.0)",
        "Stable:      revision 3  version 2.3.1  weight 90%", "Canary:      revision 4  version 2.4.0  weight 10%",
        "Steps:       step 3 of 5", "  ok 1. setWeight 10", "  ok 2. pause 2m", "  -> 3. analysis   <- current",
        "     4. setWeight 50", "     5. pause (until promoted)", "Analysis:    failures 0",
        "  accuracy  Successful  value 0.941  lower bound 0.928  samples 812  threshold >= 0.920 (95.0% conf)",
        "      segment region=eu  Inconclusive  value 0.950  lower bound 0.900  samples 40  (fewer than 50 samples)",
        "History:     (newest first)", "Conditions:", "Progressing  True    StepAnalysis  analysis running",
        "Events:", "StepAnalysis (x2)  analysis started at step 3"})
    EXPECT_THAT(r.out, HasSubstr(line)) << r.out;
  // History newest first; Events only about this object; no colour when not asked for.
  EXPECT_LT(r.out.find("  3         2.3.1"), r.out.find("  2         2.3.0")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("OtherReason")));
  EXPECT_THAT(r.out, Not(HasSubstr("\x1b[")));

  auto colored = run({"get", "fraud"}, true);
  ASSERT_EQ(colored.code, plugin::kExitOk);
  EXPECT_THAT(colored.out, HasSubstr("\x1b[33mProgressing\x1b[0m"));
}

TEST_F(PluginTest, GetBeforeTheOperatorWroteStatus) {
  createModel("fresh");
  auto r = run({"get", "fresh"});
  ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Phase:       Unknown"));
  EXPECT_THAT(r.out, HasSubstr("Stable:      none yet"));
  EXPECT_THAT(r.out, HasSubstr("Steps:       5 steps (no rollout in progress)"));
  EXPECT_THAT(r.out, HasSubstr("Analysis:    no measurements yet"));
  EXPECT_THAT(r.out, HasSubstr("Events:      <none>"));
}

TEST_F(PluginTest, ListInNamespaceAndAcrossNamespaces) {
  auto none = run({"list"});
  EXPECT_EQ(none.code, plugin::kExitOk);
  EXPECT_THAT(none.err, HasSubstr("No resources found in default namespace."));

  ASSERT_TRUE(client_->create(kube::resources::namespaces(), "",
                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}}).ok());
  createModel("fraud");
  setStatus("fraud", progressingStatus(1));
  createModel("churn", "default", "1.0.0");
  createModel("ranker", "ml", "3.1.0");
  setStatus("ranker", {{"observedGeneration", 1}, {"phase", "Healthy"}, {"stable", {{"revision", 1}, {"version", "3.1.0"}}}},
            "ml");

  auto r = run({"list"});
  ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NAME   PHASE        STABLE  CANARY  WEIGHT  ACCURACY  AGE"));
  EXPECT_THAT(r.out, HasSubstr("fraud  Progressing  2.3.1   2.4.0   10%     0.941"));
  EXPECT_THAT(r.out, HasSubstr("churn  -            -       -       -       -"));
  EXPECT_THAT(r.out, Not(HasSubstr("ranker")));

  auto inMl = run({"list", "-n", "ml"});
  ASSERT_EQ(inMl.code, plugin::kExitOk);
  EXPECT_THAT(inMl.out, HasSubstr("ranker  Healthy  3.1.0"));
  EXPECT_THAT(inMl.out, Not(HasSubstr("fraud")));

  auto all = run({"list", "-A"});
  ASSERT_EQ(all.code, plugin::kExitOk);
  EXPECT_THAT(all.out, HasSubstr("NAMESPACE  NAME"));
  EXPECT_THAT(all.out, HasSubstr("default    fraud"));
  EXPECT_THAT(all.out, HasSubstr("ml         ranker"));
}

TEST_F(PluginTest, ActionsWriteOnlyTheAnnotationsWithFreshIds) {
  json created = createModel("fraud");
  const json spec = created["spec"];
  const auto generation = created["metadata"]["generation"].get<std::int64_t>();
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  std::vector<Case> cases = {{{"promote", "fraud"}, "promote"},
                             {{"promote", "fraud", "--full"}, "promote-full"},
                             {{"abort", "fraud"}, "abort"},
                             {{"retry", "fraud"}, "retry"},
                             {{"pause", "fraud"}, "pause"},
                             {{"resume", "fraud"}, "resume"},
                             {{"promote", "fraud"}, "promote"}};  // the same action again: a new request
  std::set<std::string> ids;
  for (const auto& c : cases) {
    auto r = run(c.args);
    ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
    json md = getModel("fraud");
    const json& annotations = md["metadata"]["annotations"];
    ASSERT_TRUE(annotations.is_object()) << md.dump();
    EXPECT_EQ(annotations["modelops.dev/action"], c.expected);
    std::string id = annotations["modelops.dev/action-id"].get<std::string>();
    EXPECT_FALSE(id.empty());
    EXPECT_TRUE(ids.insert(id).second) << "action id reused: " << id;
    EXPECT_THAT(r.out, HasSubstr("modeldeployment.modelops.dev/fraud " + c.expected + " requested (action-id " + id + ")"));
    EXPECT_EQ(md["metadata"]["generation"].get<std::int64_t>(), generation) << "an action changed the spec";
    EXPECT_EQ(md["spec"], spec);
  }
  // The dev server's audit: the plugin's only writes were merge patches that changed neither spec nor status.
  std::size_t writes = 0;
  for (const auto& rec : server_->audit().records()) {
    if (rec.userAgent.rfind("kubectl-modelops/", 0) != 0 || rec.verb == "get" || rec.verb == "list") continue;
    ++writes;
    EXPECT_EQ(rec.verb, "patch");
    EXPECT_EQ(rec.patchType, "merge");
    EXPECT_EQ(rec.resource, "modeldeployments");
    EXPECT_EQ(rec.subresource, "");
    EXPECT_FALSE(rec.specChanged);
    EXPECT_FALSE(rec.statusChanged);
  }
  EXPECT_EQ(writes, cases.size());
  auto missing = run({"abort", "ghost"});
  EXPECT_EQ(missing.code, plugin::kExitNotFound);
}

TEST_F(PluginTest, HistoryNewestFirstWithTheStableMarked) {
  createModel("fraud");
  auto empty = run({"history", "fraud"});
  EXPECT_EQ(empty.code, plugin::kExitOk);
  EXPECT_THAT(empty.out, HasSubstr("No history for fraud yet."));
  setStatus("fraud", progressingStatus(1));
  auto r = run({"history", "fraud"});
  ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("REVISION    VERSION  OUTCOME     AT                    REASON"));
  auto three = r.out.find("3 (stable)  2.3.1    Promoted    2026-11-21T10:00:00Z");
  auto two = r.out.find("2           2.3.0    RolledBack  2026-11-20T10:00:00Z  accuracy 0.88 < 0.92 (n=1204)");
  ASSERT_NE(three, std::string::npos) << r.out;
  ASSERT_NE(two, std::string::npos) << r.out;
  EXPECT_LT(three, two);
  EXPECT_EQ(run({"history", "ghost"}).code, plugin::kExitNotFound);
}

TEST_F(PluginTest, UndoSetsSpecModelToAHistoryRevision) {
  json created = createModel("fraud", "default", "1.2.0");
  const auto generation = created["metadata"]["generation"].get<std::int64_t>();
  setStatus("fraud",
            {{"observedGeneration", generation},
             {"phase", "Healthy"},
             {"stable", {{"revision", 3}, {"version", "1.2.0"}}},
             {"history", json::array({{{"revision", 1}, {"version", "1.0.0"}, {"uri", "s3://models/fraud/1.0.0"}, {"outcome", "Promoted"}},
                                      {{"revision", 2}, {"version", "1.1.0"}, {"uri", "s3://models/fraud/1.1.0"}, {"outcome", "RolledBack"}},
                                      {{"revision", 3}, {"version", "1.2.0"}, {"uri", "s3://models/fraud/1.2.0"}, {"outcome", "Promoted"}}})}});

  // Default: the promoted revision before the current one (the rolled-back 1.1.0 is skipped).
  auto r = run({"undo", "fraud"});
  ASSERT_EQ(r.code, plugin::kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("modeldeployment.modelops.dev/fraud rolled back to revision 1: spec.model.version "
                               "1.2.0 -> 1.0.0, uri s3://models/fraud/1.0.0"));
  json md = getModel("fraud");
  EXPECT_EQ(md["spec"]["model"]["version"], "1.0.0");
  EXPECT_EQ(md["spec"]["model"]["uri"], "s3://models/fraud/1.0.0");
  EXPECT_EQ(md["metadata"]["generation"].get<std::int64_t>(), generation + 1);
  EXPECT_EQ(md["spec"]["replicas"], 2);  // the rest of the spec is untouched

  // Explicit revision, even a rolled-back one.
  auto to2 = run({"undo", "fraud", "--to-revision", "2"});
  ASSERT_EQ(to2.code, plugin::kExitOk) << to2.err;
  EXPECT_EQ(getModel("fraud")["spec"]["model"]["version"], "1.1.0");
  // Already there: nothing written.
  auto again = run({"undo", "fraud", "--to-revision", "2"});
  EXPECT_EQ(again.code, plugin::kExitOk);
  EXPECT_THAT(again.out, HasSubstr("skipped rollback"));
  EXPECT_EQ(getModel("fraud")["metadata"]["generation"].get<std::int64_t>(), generation + 2);

  auto missing = run({"undo", "fraud", "--to-revision", "9"});
  EXPECT_EQ(missing.code, plugin::kExitNotFound);
  EXPECT_THAT(missing.err, HasSubstr("revision 9 is not in the history of fraud"));
  EXPECT_EQ(run({"undo", "ghost"}).code, plugin::kExitNotFound);
}

TEST_F(PluginTest, UndoWithNothingToGoBackTo) {
  createModel("fraud", "default", "1.0.0");
  setStatus("fraud", {{"observedGeneration", 1},
                      {"phase", "Healthy"},
                      {"history", json::array({{{"revision", 1}, {"version", "1.0.0"},
                                                {"uri", "s3://models/fraud/1.0.0"}, {"outcome", "Promoted"}}})}});
  auto r = run({"undo", "fraud"});
  EXPECT_EQ(r.code, plugin::kExitNotFound);
  EXPECT_THAT(r.err, HasSubstr("no previously promoted revision of fraud"));
  EXPECT_EQ(getModel("fraud")["metadata"]["generation"], 1);
}

}  // namespace
}  // namespace modelops::testing
