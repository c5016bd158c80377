// unit.reconciler: what a retraining run is made of (reconciler/retraining.h): the Job with the evidence
// in every container, the custom object with the evidence in annotations, the CloudEvent of a webhook
// run, and the resource of a custom kind.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/reconciler/retraining.h"

namespace modelops::reconciler {
namespace {

using nlohmann::json;

api::ModelDeployment retrainingModel(const json& retraining) {
  json doc = {{"apiVersion", "modelops.dev/v1alpha1"},
              {"kind", "ModelDeployment"},
              {"metadata", {{"name", "fraud"}, {"namespace", "ml"}, {"uid", "u-1"}}},
              {"spec",
               {{"model", {{"version", "2.0.0"}, {"uri", "s3://m/2.0.0"}}},
                {"template", {{"spec", {{"containers", {{{"name", "s"}, {"image", "i"}}}}}}}},
                {"retraining", retraining}}}};
  auto md = api::decodeModelDeployment(doc).value();
  api::applyDefaults(md);
  return md;
}

rollout::RetrainingLaunch launchFor(const api::ModelDeployment& md, rollout::RetrainingActionKind kind) {
  api::RetrainingRun run;
  run.name = "fraud-retrain-3";
  run.number = 3;
  run.trigger = "Degraded";
  run.reason = "accuracy upper bound 0.81 < 0.85";
  run.version = "2.0.0";
  run.revision = 4;
  run.startedAt = "2026-03-01T10:00:00Z";
  api::RetrainingEvidence evidence;
  evidence.metric = "accuracy";
  evidence.value = 0.8;
  evidence.bound = 0.81;
  evidence.samples = 1200;
  evidence.segment = "region=eu";
  run.evidence = evidence;
  return {kind, run, rollout::retrainingEnv(md, run)};
}

std::string envIn(const json& container, const std::string& name) {
  for (const auto& e : container.value("env", json::array()))
    if (e.value("name", "") == name) return e.value("value", "");
  return "<absent>";
}

TEST(RetrainingRender, JobCarriesTheEvidenceInEveryContainer) {
  json pod = {{"containers", {{{"name", "train"}, {"image", "t:1"}, {"env", {{{"name", "MODELOPS_REASON"}, {"value", "stale"}}}}},
                              {{"name", "sidecar"}, {"image", "s:1"}}}},
              {"initContainers", {{{"name", "fetch"}, {"image", "f:1"}}}}};
  auto md = retrainingModel({{"job", {{"template", {{"metadata", {{"labels", {{"team", "ml"}}}}}, {"spec", {{"template", {{"spec", pod}}}}}}}}}});
  auto job = renderRetrainingJob(md, launchFor(md, rollout::RetrainingActionKind::Job));
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["metadata"]["name"], "fraud-retrain-3");
  EXPECT_EQ(job["metadata"]["namespace"], "ml");
  EXPECT_EQ(job["metadata"]["labels"]["team"], "ml");
  EXPECT_EQ(job["metadata"]["labels"]["modelops.dev/name"], "fraud");
  EXPECT_EQ(job["metadata"]["ownerReferences"][0]["uid"], "u-1");
  const auto& podSpec = job["spec"]["template"]["spec"];
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["modelops.dev/retraining-run"], "fraud-retrain-3");
  EXPECT_EQ(podSpec["restartPolicy"], "Never");
  for (const auto& c : podSpec["containers"]) {
    EXPECT_EQ(envIn(c, "MODELOPS_VERSION"), "2.0.0") << c.dump();
    EXPECT_EQ(envIn(c, "MODELOPS_REVISION"), "4");
    EXPECT_EQ(envIn(c, "MODELOPS_EVIDENCE_VALUE"), "0.8");
    EXPECT_EQ(envIn(c, "MODELOPS_EVIDENCE_BOUND"), "0.81");
    EXPECT_EQ(envIn(c, "MODELOPS_EVIDENCE_SAMPLES"), "1200");
    EXPECT_EQ(envIn(c, "MODELOPS_EVIDENCE_SEGMENT"), "region=eu");
    EXPECT_EQ(envIn(c, "MODELOPS_REASON"), "accuracy upper bound 0.81 < 0.85") << "ours replace same-named entries";
  }
  EXPECT_EQ(envIn(podSpec["initContainers"][0], "MODELOPS_RUN"), "fraud-retrain-3");
  int reasons = 0;
  for (const auto& e : podSpec["containers"][0]["env"]) reasons += e["name"] == "MODELOPS_REASON";
  EXPECT_EQ(reasons, 1);
}

TEST(RetrainingRender, ObjectCarriesTheEvidenceInAnnotations) {
  auto md = retrainingModel({{"object",
                              {{"apiVersion", "tekton.dev/v1"},
                               {"kind", "PipelineRun"},
                               {"template", {{"metadata", {{"name", "ignored"}}}, {"spec", {{"pipelineRef", {{"name", "p"}}}}}}}}}});
  auto object = renderRetrainingObject(md, launchFor(md, rollout::RetrainingActionKind::Object));
  EXPECT_EQ(object["apiVersion"], "tekton.dev/v1");
  EXPECT_EQ(object["kind"], "PipelineRun");
  EXPECT_EQ(object["metadata"]["name"], "fraud-retrain-3") << "the run's name, not the template's";
  EXPECT_EQ(object["spec"]["pipelineRef"]["name"], "p");
  EXPECT_EQ(object["metadata"]["annotations"]["modelops.dev/retraining-evidence-metric"], "accuracy");
  EXPECT_EQ(object["metadata"]["annotations"]["modelops.dev/retraining-trigger"], "Degraded");
  EXPECT_EQ(object["metadata"]["ownerReferences"].size(), 1u);
}

TEST(RetrainingRender, CloudEventOfAWebhookRun) {
  auto md = retrainingModel({{"webhook", {{"urlSecretRef", {{"name", "h"}}}}}});
  auto event = retrainingCloudEvent(md, launchFor(md, rollout::RetrainingActionKind::Webhook));
  EXPECT_EQ(event["specversion"], "1.0");
  EXPECT_EQ(event["type"], "dev.modelops.retraining.requested");
  EXPECT_EQ(event["id"], "u-1/fraud-retrain-3");
  EXPECT_EQ(event["source"], "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments/fraud");
  EXPECT_EQ(event["data"]["version"], "2.0.0");
  EXPECT_EQ(event["data"]["trigger"], "Degraded");
  EXPECT_EQ(event["data"]["evidence"]["segment"], "region=eu");
}

TEST(RetrainingRender, ResourceOfACustomKind) {
  auto wf = resourceForKind("argoproj.io/v1alpha1", "Workflow");
  EXPECT_EQ(wf.group, "argoproj.io");
  EXPECT_EQ(wf.version, "v1alpha1");
  EXPECT_EQ(wf.plural, "workflows");
  EXPECT_EQ(resourceForKind("tekton.dev/v1", "PipelineRun").plural, "pipelineruns");
  EXPECT_EQ(resourceForKind("x.io/v1", "Policy").plural, "policies");
  EXPECT_EQ(resourceForKind("x.io/v1", "Gateway").plural, "gateways");
  EXPECT_EQ(resourceForKind("x.io/v1", "Ingress").plural, "ingresses");
  auto core = resourceForKind("v1", "ConfigMap");
  EXPECT_EQ(core.group, "");
  EXPECT_EQ(core.plural, "configmaps");
}

}  // namespace
}  // namespace modelops::reconciler
