// integration.retraining: spec.retraining with the real operator against the in-process dev server, whose
// Jobs finish after the modelops.dev/dev-job-duration annotation with the termination message of
// modelops.dev/dev-job-termination-message (docs/devserver.md).
#include <httplib.h>

#include <atomic>
#include <mutex>

#include <sstream>

#include "modelops/common/clock.h"
#include "modelops/common/time.h"
#include "operator/operator_fixture.h"
#include "plugin.h"

namespace modelops::itest {
namespace {

const kube::Resource kJobs{"batch", "v1", "jobs", "Job", true};
const kube::Resource kWorkflows{"argoproj.io", "v1alpha1", "workflows", "Workflow", true};

// A Job template whose pods finish after `duration` with `result` and `message`.
Json jobAction(const std::string& result, const std::string& message, const std::string& duration = "1s") {
  Json annotations = {{"modelops.dev/dev-job-duration", duration}, {"modelops.dev/dev-job-result", result}};
  if (!message.empty()) annotations["modelops.dev/dev-job-termination-message"] = message;
  return {{"job",
           {{"template",
             {{"spec",
               {{"backoffLimit", 0},
                {"template",
                 {{"metadata", {{"annotations", annotations}}},
                  {"spec", {{"containers", {{{"name", "train"}, {"image", "registry.example/trainer:1"},
                                             {"env", {{{"name", "KEEP"}, {"value", "me"}}}}}}}}}}}}}}}}}};
}

std::map<std::string, std::string> envOf(const Json& job) {
  std::map<std::string, std::string> out;
  for (const auto& c : job["spec"]["template"]["spec"].value("containers", Json::array()))
    for (const auto& e : c.value("env", Json::array())) out[e.value("name", "")] = e.value("value", "");
  return out;
}

class RetrainingTest : public OperatorTest {
 protected:
  void TearDown() override {
    if (cluster_ && allowAutomaticSpecWrite_) {
      // rollout Automatic: the one spec write is a merge patch of spec.model; nothing else.
      for (const auto& w : operatorSpecWrites(cluster_->server().audit()))
        EXPECT_EQ(w.verb + " " + w.patchType, "patch merge") << w.method << " " << w.path;
      cluster_->server().audit().clear();
    }
    OperatorTest::TearDown();
  }

  Json retraining(const std::string& name) { return status(name).value("retraining", Json::object()); }
  std::vector<Json> jobsOf(const std::string& name) { return cluster().list(kJobs, kNs, "modelops.dev/name=" + name); }
  std::string requestRetrain(const std::string& name, const std::string& id, const std::string& reason = "") {
    return cluster().mergePatch(res::modelDeployments(), kNs, name,
                                {{"metadata", {{"annotations", {{"modelops.dev/action", "retrain" + (reason.empty() ? "" : ":" + reason)},
                                                                {"modelops.dev/action-id", id}}}}}});
  }
  // A ModelDeployment at 1.0.0 (no steps) with spec.retraining, Healthy.
  void deployHealthy(const std::string& name, Json retrainingSpec, bool monitoring = false) {
    auto md = modelDeployment(name, "1.0.0", 1, canaryStrategy(Json::array()), accuracyAnalysis(prometheus_.url()));
    if (monitoring) md["spec"]["monitoring"] = {{"enabled", true}, {"interval", "1s"}};
    md["spec"]["retraining"] = std::move(retrainingSpec);
    cluster().create(res::modelDeployments(), kNs, md);
    if (!op_) startOperator();
    ASSERT_TRUE(waitHealthyAt(name, "1.0.0"));
  }
  // kubectl-modelops in process against the dev server; returns {exit code, stdout + stderr}.
  std::pair<int, std::string> kubectlModelops(std::vector<std::string> args) {
    args.push_back("--kubeconfig");
    args.push_back(cluster().kubeconfig());
    std::ostringstream out, err;
    SystemClock clock;
    plugin::PluginContext ctx{out, err, clock, [](const std::string&) { return std::optional<std::string>(); },
                              false, false, {}};
    const int code = plugin::runPlugin(args, ctx);
    return {code, out.str() + err.str()};
  }
  bool allowAutomaticSpecWrite_ = false;
};

TEST_F(RetrainingTest, DegradationStartsExactlyOneJobWithTheEvidence) {
  prometheus_.set("1.0.0", 950, 1000);
  prometheus_.set("2.0.0", 950, 1000);
  auto spec = jobAction("Succeeded", R"({"version":"2.1.0","uri":"s3://models/churn/2.1.0"})");
  ASSERT_NO_FATAL_FAILURE(deployHealthy("churn", spec, /*monitoring=*/true));
  ASSERT_EQ(setVersion("churn", "2.0.0"), "");
  ASSERT_TRUE(waitHealthyAt("churn", "2.0.0"));
  // Monitoring has read its base counts; then 1,000 new labels at 50% correct.
  ASSERT_TRUE(waitFor([&] { return status("churn").value("analysis", Json::object()).contains("changeDetection"); }, 20s))
      << status("churn").dump(1) << logTail();
  EXPECT_TRUE(jobsOf("churn").empty()) << "no run before a trigger";
  prometheus_.set("2.0.0", 1450, 2000);

  ASSERT_TRUE(waitFor([&] { return !jobsOf("churn").empty(); }, 30s)) << status("churn").dump(1) << logTail();
  auto job = cluster().get(kJobs, kNs, "churn-retrain-1");
  ASSERT_TRUE(job.is_object()) << job.dump();
  auto env = envOf(job);
  EXPECT_EQ(env["MODELOPS_TRIGGER"], "Degraded");
  EXPECT_EQ(env["MODELOPS_VERSION"], "2.0.0");
  EXPECT_EQ(env["MODELOPS_MODEL"], "churn");
  EXPECT_EQ(env["MODELOPS_EVIDENCE_METRIC"], "accuracy");
  EXPECT_FALSE(env["MODELOPS_EVIDENCE_VALUE"].empty());
  EXPECT_FALSE(env["MODELOPS_EVIDENCE_SAMPLES"].empty());
  EXPECT_EQ(env["KEEP"], "me") << "the template's own env stays";
  const auto owners = job["metadata"].value("ownerReferences", Json::array());
  ASSERT_EQ(owners.size(), 1u);
  EXPECT_EQ(owners[0].value("kind", ""), "ModelDeployment");
  EXPECT_EQ(owners[0].value("uid", ""), md("churn")["metadata"].value("uid", ""));

  // The Job finishes; its candidate is recorded, spec is left alone (rollout Manual).
  ASSERT_TRUE(waitFor([&] { return retraining("churn").value("history", Json::array()).size() == 1; }, 30s))
      << status("churn").dump(1) << logTail();
  const auto rs = retraining("churn");
  EXPECT_EQ(rs["history"][0].value("outcome", ""), "Succeeded") << rs.dump(1);
  EXPECT_EQ(rs["candidate"].value("version", ""), "2.1.0") << rs.dump(1);
  EXPECT_EQ(rs["candidate"].value("uri", ""), "s3://models/churn/2.1.0");
  EXPECT_FALSE(rs.contains("current"));
  EXPECT_FALSE(eventsWithReason("churn", "CandidateReady").empty());
  EXPECT_EQ(md("churn")["spec"]["model"].value("version", ""), "2.0.0") << "Manual never writes spec";
  EXPECT_EQ(jobsOf("churn").size(), 1u) << "exactly one run for one degradation";
  // `kubectl modelops get` prints the exact change that adopts the candidate.
  auto [code, text] = kubectlModelops({"get", "churn"});
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("Candidate: version 2.1.0 (s3://models/churn/2.1.0) from churn-retrain-1"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(kubectl patch modeldeployment churn -n default --type merge -p '{"spec":{"model":{"uri":"s3://models/churn/2.1.0","version":"2.1.0"}}}')"),
            std::string::npos)
      << text;
  EXPECT_EQ(eventsWithReason("churn", "RetrainingStarted").size(), 1u);
}

TEST_F(RetrainingTest, FailingJobIsRecordedAndRetriedOnlyAfterTheCooldown) {
  auto spec = jobAction("Failed", "");
  spec["cooldown"] = "4s";
  spec["maxAttempts"] = 2;
  ASSERT_NO_FATAL_FAILURE(deployHealthy("fail", spec));
  auto [code, text] = kubectlModelops({"retrain", "fail", "--reason", "new labels"});
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("retrain:new labels requested"), std::string::npos) << text;
  ASSERT_TRUE(waitFor([&] { return !retraining("fail").value("history", Json::array()).empty(); }, 30s))
      << status("fail").dump(1) << logTail();
  auto first = retraining("fail")["history"][0];
  EXPECT_EQ(first.value("outcome", ""), "Failed") << first.dump();
  EXPECT_NE(first.value("message", "").find("Job failed"), std::string::npos) << first.dump();
  const auto failedAt = modelops::parseRfc3339(first.value("finishedAt", ""));
  ASSERT_TRUE(failedAt);

  ASSERT_TRUE(waitFor([&] { return cluster().get(kJobs, kNs, "fail-retrain-2").is_object(); }, 30s)) << logTail();
  auto second = cluster().get(kJobs, kNs, "fail-retrain-2");
  const auto createdAt = modelops::parseRfc3339(second["metadata"].value("creationTimestamp", ""));
  ASSERT_TRUE(createdAt);
  // RFC 3339 seconds on both sides: at least the 4 s cooldown minus a second of rounding.
  EXPECT_GE(*createdAt - *failedAt, std::chrono::seconds(3)) << "retried inside the cooldown";
  EXPECT_EQ(envOf(second)["MODELOPS_ATTEMPT"], "2");
  EXPECT_EQ(envOf(second)["MODELOPS_REASON"], "new labels");

  // The second failure was the last attempt: nothing waits, the Event says so.
  ASSERT_TRUE(waitFor([&] { return retraining("fail").value("history", Json::array()).size() == 2; }, 30s)) << logTail();
  EXPECT_FALSE(retraining("fail").contains("pending")) << retraining("fail").dump(1);
  bool gaveUp = false;
  for (const auto& e : eventsWithReason("fail", "RetrainingFailed"))
    gaveUp = gaveUp || e.value("message", "").find("giving up after 2 attempts") != std::string::npos;
  EXPECT_TRUE(gaveUp);
  EXPECT_EQ(jobsOf("fail").size(), 2u);
}

TEST_F(RetrainingTest, ObjectTemplateCreatesACustomKindObject) {
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "workflows.argoproj.io"}}},
              {"spec",
               {{"group", "argoproj.io"},
                {"scope", "Namespaced"},
                {"names", {{"kind", "Workflow"}, {"listKind", "WorkflowList"}, {"plural", "workflows"}, {"singular", "workflow"}}},
                {"versions",
                 {{{"name", "v1alpha1"}, {"served", true}, {"storage", true},
                   {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}};
  try {
    cluster().create(res::customResourceDefinitions(), "", crd);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_TRUE(waitFor([&] { return cluster().client().list(kWorkflows, kNs).ok(); }, 10s));
  Json action = {{"object",
                  {{"apiVersion", "argoproj.io/v1alpha1"},
                   {"kind", "Workflow"},
                   {"template", {{"metadata", {{"labels", {{"team", "ml"}}}}}, {"spec", {{"entrypoint", "train"}}}}}}}};
  ASSERT_NO_FATAL_FAILURE(deployHealthy("argo", action));
  ASSERT_EQ(requestRetrain("argo", "r1"), "");
  ASSERT_TRUE(waitFor([&] { return cluster().get(kWorkflows, kNs, "argo-retrain-1").is_object(); }, 30s)) << logTail();
  auto wf = cluster().get(kWorkflows, kNs, "argo-retrain-1");
  EXPECT_EQ(wf["spec"].value("entrypoint", ""), "train");
  EXPECT_EQ(wf["metadata"]["labels"].value("team", ""), "ml");
  EXPECT_EQ(wf["metadata"]["labels"].value("modelops.dev/name", ""), "argo");
  EXPECT_EQ(wf["metadata"]["annotations"].value("modelops.dev/retraining-trigger", ""), "Manual");
  EXPECT_EQ(wf["metadata"]["annotations"].value("modelops.dev/retraining-version", ""), "1.0.0");
  ASSERT_EQ(wf["metadata"].value("ownerReferences", Json::array()).size(), 1u);
  // The object is created before the status that records the run (reconciler/retraining.cpp): wait for it.
  ASSERT_TRUE(waitFor([&] { return retraining("argo").value("current", Json::object()).value("outcome", "") == "Running"; }, 30s))
      << retraining("argo").dump();
  // One run at a time: the plugin refuses a second request while the Workflow runs, and writes nothing.
  auto [code, text] = kubectlModelops({"retrain", "argo"});
  EXPECT_EQ(code, 1) << text;
  EXPECT_NE(text.find("retraining run argo-retrain-1 of argo is in flight"), std::string::npos) << text;
  EXPECT_EQ(md("argo")["metadata"]["annotations"].value("modelops.dev/action-id", ""), "r1");

  // The workflow reports success and a candidate the way docs/operations.md describes.
  ASSERT_EQ(cluster().mergePatch(kWorkflows, kNs, "argo-retrain-1",
                                 {{"metadata", {{"annotations", {{"modelops.dev/candidate", R"({"version":"1.1.0"})"}}}}},
                                  {"status", {{"phase", "Succeeded"}}}}),
            "");
  // Objects of other kinds are not watched (polled every 15 s): a change of the ModelDeployment looks now.
  ASSERT_TRUE(forceReconcile("argo", "finished"));
  ASSERT_TRUE(waitFor([&] { return retraining("argo").value("candidate", Json::object()).value("version", "") == "1.1.0"; }, 30s))
      << status("argo").dump(1) << logTail();
  EXPECT_EQ(retraining("argo")["history"][0].value("outcome", ""), "Succeeded");
}

// A webhook receiver answering 500 to the first `failures` requests, then 200.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    server_.Post("/hooks/retrain", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      auth_.push_back(req.get_header_value("Authorization"));
      res.status = static_cast<int>(bodies_.size()) <= failures_ ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    modelops::testing::waitFor([&] { return server_.is_running(); }, std::chrono::seconds(5));
  }
  ~Receiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/retrain?secret=s3cr3t"; }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  std::vector<std::string> auth() const {
    std::lock_guard lock(mu_);
    return auth_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  int failures_;
  mutable std::mutex mu_;
  std::vector<std::string> bodies_, auth_;
};

std::string base64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < s.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < s.size() ? t[v & 63] : '=';
  }
  return out;
}

TEST_F(RetrainingTest, WebhookGetsOneCloudEventPerRunWithRetriesAndNoSecondRun) {
  Receiver receiver(/*failures=*/2);
  cluster().create(res::secrets(), kNs,
                   {{"apiVersion", "v1"}, {"kind", "Secret"},
                    {"metadata", {{"name", "retrain-hook"}, {"labels", {{"modelops.dev/provider-credentials", "true"}}}}},
                    {"data", {{"url", base64(receiver.url())}, {"token", base64("tok-123")}}}});
  Json action = {{"webhook", {{"urlSecretRef", {{"name", "retrain-hook"}}}, {"tokenSecretRef", {{"name", "retrain-hook"}}}}},
                 {"cooldown", "1h"}};
  ASSERT_NO_FATAL_FAILURE(deployHealthy("hook", action));
  ASSERT_EQ(requestRetrain("hook", "r1", "drift in EU"), "");
  ASSERT_TRUE(waitFor([&] { return receiver.bodies().size() >= 3; }, 30s))
      << receiver.bodies().size() << " requests; " << status("hook").dump(1) << logTail();
  const auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 3u) << "two 500s, then the 200 ends the deliveries";
  auto event = Json::parse(bodies[0]);
  EXPECT_EQ(event.value("specversion", ""), "1.0");
  EXPECT_EQ(event.value("type", ""), "dev.modelops.retraining.requested");
  EXPECT_EQ(event["data"].value("trigger", ""), "Manual");
  EXPECT_EQ(event["data"].value("reason", ""), "drift in EU");
  EXPECT_EQ(event["data"].value("version", ""), "1.0.0");
  for (const auto& b : bodies) EXPECT_EQ(Json::parse(b).value("id", ""), event.value("id", "")) << "retries of one event";
  for (const auto& a : receiver.auth()) EXPECT_EQ(a, "Bearer tok-123");
  const auto rs = retraining("hook");
  EXPECT_EQ(rs.value("runs", std::int64_t{0}), 1) << rs.dump(1);
  EXPECT_EQ(rs["history"][0].value("outcome", ""), "Dispatched");
  EXPECT_EQ(eventsWithReason("hook", "RetrainingStarted").size(), 1u);
  // The cooldown holds a second request back... a human's request skips it, so ask the planner through
  // a reconcile instead and check no run is added.
  ASSERT_TRUE(forceReconcile("hook", "again"));
  EXPECT_EQ(retraining("hook").value("runs", std::int64_t{0}), 1);
  // Neither the URL's path/query nor the token reaches the operator's log.
  const auto logs = op().logs();
  EXPECT_EQ(logs.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(logs.find("tok-123"), std::string::npos);
}

TEST_F(RetrainingTest, RunThatCannotStartIsSaidAndNotRecorded) {
  Json action = {{"webhook", {{"urlSecretRef", {{"name", "absent"}}}}}};
  ASSERT_NO_FATAL_FAILURE(deployHealthy("nohook", action));
  ASSERT_EQ(requestRetrain("nohook", "r1"), "");
  auto warnings = eventsWithReason("nohook", "RetrainingNotStarted", 20s);
  ASSERT_FALSE(warnings.empty()) << status("nohook").dump(1) << logTail();
  EXPECT_EQ(warnings[0].value("type", ""), "Warning");
  EXPECT_NE(warnings[0].value("message", "").find("Secret absent is not usable"), std::string::npos) << warnings[0].dump();
  EXPECT_FALSE(status("nohook").contains("retraining")) << "a run that did not start is not recorded";
  EXPECT_TRUE(eventsWithReason("nohook", "RetrainingStarted", 0s).empty());
}

TEST_F(RetrainingTest, AutomaticRolloutSetsTheCandidateVersion) {
  prometheus_.set("1.0.0", 950, 1000);
  prometheus_.set("3.0.0", 950, 1000);
  allowAutomaticSpecWrite_ = true;
  auto spec = jobAction("Succeeded", R"({"version":"3.0.0","uri":"s3://models/auto/3.0.0"})");
  spec["rollout"] = "Automatic";
  ASSERT_NO_FATAL_FAILURE(deployHealthy("auto", spec));
  ASSERT_EQ(requestRetrain("auto", "r1"), "");
  ASSERT_TRUE(waitHealthyAt("auto", "3.0.0", 60s));
  auto m = md("auto")["spec"]["model"];
  EXPECT_EQ(m.value("version", ""), "3.0.0");
  EXPECT_EQ(m.value("uri", ""), "s3://models/auto/3.0.0");
  EXPECT_EQ(retraining("auto")["history"][0].value("outcome", ""), "Succeeded");
  EXPECT_EQ(operatorSpecWrites(cluster().server().audit()).size(), 1u) << "one spec write";
}

}  // namespace
}  // namespace modelops::itest
