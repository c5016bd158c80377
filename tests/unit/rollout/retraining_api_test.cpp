// unit.rollout: spec.retraining / status.retraining in the api module: decode and encode round trip,
// defaults, and validation with field paths.
#include <gtest/gtest.h>

#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"
#include "world.h"

namespace modelops::api {
namespace {

nlohmann::json withRetraining(nlohmann::json retraining) {
  auto doc = rollout::testing::baseSpec();
  doc["spec"]["retraining"] = std::move(retraining);
  return doc;
}

FieldErrors errorsOf(const nlohmann::json& doc) {
  auto md = decodeModelDeployment(doc);
  if (!md) return md.error();
  applyDefaults(*md);
  return validate(*md);
}

bool hasError(const FieldErrors& errs, const std::string& field, const std::string& part) {
  for (const auto& e : errs)
    if (e.field == field && e.message.find(part) != std::string::npos) return true;
  return false;
}

const nlohmann::json kJob = {
    {"template", {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "t"}, {"image", "trainer:1"}}}}}}}}}}}}};

TEST(RetrainingApi, DefaultsAndRoundTrip) {
  auto md = decodeModelDeployment(withRetraining({{"job", kJob}})).value();
  auto resolved = applyDefaults(md);
  ASSERT_TRUE(resolved.retraining);
  EXPECT_TRUE(resolved.retraining->onDegraded);
  EXPECT_FALSE(resolved.retraining->onDrift);
  EXPECT_EQ(resolved.retraining->cooldown, std::chrono::hours(1));
  EXPECT_EQ(resolved.retraining->historyLimit, 10);
  EXPECT_EQ(resolved.retraining->maxAttempts, 3);
  EXPECT_FALSE(resolved.retraining->automatic);
  EXPECT_EQ(md.spec.retraining->rollout, "Manual");
  EXPECT_TRUE(validate(md).empty()) << formatFieldErrors(validate(md));
  auto encoded = encodeModelDeployment(md);
  EXPECT_EQ(encoded["spec"]["retraining"]["job"]["template"], kJob["template"]);
  EXPECT_EQ(encoded["spec"]["retraining"]["cooldown"], "1h");
  auto again = decodeModelDeployment(encoded).value();
  EXPECT_EQ(again.spec, md.spec);
  EXPECT_FALSE(resolve(rollout::testing::World().md().spec).retraining) << "absent: no retraining";
}

TEST(RetrainingApi, WebhookSecretKeysDefault) {
  auto md = decodeModelDeployment(
                withRetraining({{"webhook", {{"urlSecretRef", {{"name", "h"}}}, {"tokenSecretRef", {{"name", "t"}}}}}}))
                .value();
  applyDefaults(md);
  EXPECT_EQ(md.spec.retraining->webhook->urlSecretRef->key, "url");
  EXPECT_EQ(md.spec.retraining->webhook->tokenSecretRef->key, "token");
}

TEST(RetrainingApi, ValidationNamesTheField) {
  EXPECT_TRUE(hasError(errorsOf(withRetraining(nlohmann::json::object())), "spec.retraining",
                       "exactly one of job, object, webhook"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"webhook", {{"urlSecretRef", {{"name", "h"}}}}}})),
                       "spec.retraining", "exactly one"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", {{"template", {{"spec", nlohmann::json::object()}}}}}})),
                       "spec.retraining.job.template.spec.template.spec", "required"));
  auto noImage = kJob;
  noImage["template"]["spec"]["template"]["spec"]["containers"][0].erase("image");
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", noImage}})),
                       "spec.retraining.job.template.spec.template.spec.containers[0].image", "required"));
  auto always = kJob;
  always["template"]["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", always}})),
                       "spec.retraining.job.template.spec.template.spec.restartPolicy", "Never or OnFailure"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"object", {{"kind", "Workflow"}}}})), "spec.retraining.object.apiVersion",
                       "required"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"object", {{"kind", "Workflow"}}}})), "spec.retraining.object.template",
                       "required"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"webhook", {{"urlSecretRef", {{"key", "u"}}}}}})),
                       "spec.retraining.webhook.urlSecretRef.name", "required"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"triggers", {{"schedule", "0 24 * * *"}}}})),
                       "spec.retraining.triggers.schedule", "hour: 24 is out of range 0-23"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"historyLimit", 0}})), "spec.retraining.historyLimit",
                       "between 1 and 100"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"historyLimit", 101}})), "spec.retraining.historyLimit",
                       "between 1 and 100"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"maxAttempts", 11}})), "spec.retraining.maxAttempts",
                       "between 1 and 10"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"rollout", "Auto"}})), "spec.retraining.rollout",
                       "Manual, Automatic"));
  EXPECT_TRUE(hasError(errorsOf(withRetraining({{"job", kJob}, {"cooldown", "soon"}})), "spec.retraining.cooldown",
                       "invalid duration"));
  auto longName = withRetraining({{"job", kJob}});
  longName["metadata"]["name"] = std::string(49, 'a');
  EXPECT_TRUE(hasError(errorsOf(longName), "metadata.name", "with spec.retraining"));
}

TEST(RetrainingApi, StatusRoundTrip) {
  nlohmann::json status = {
      {"retraining",
       {{"current", {{"name", "fraud-retrain-2"}, {"number", 2}, {"trigger", "Degraded"}, {"outcome", "Running"},
                     {"evidence", {{"metric", "accuracy"}, {"value", 0.8}, {"bound", 0.85}, {"samples", 1000.0}}}}},
        {"history", {{{"name", "fraud-retrain-1"}, {"outcome", "Failed"}, {"message", "OOMKilled"}}}},
        {"candidate", {{"version", "2.1.0"}, {"uri", "s3://m"}, {"run", "fraud-retrain-1"}}},
        {"runs", 2},
        {"lastScheduleTime", "2026-03-01T00:00:00Z"}}}};
  auto decoded = decodeStatus(status).value();
  ASSERT_TRUE(decoded.retraining);
  EXPECT_EQ(decoded.retraining->current->evidence->bound, 0.85);
  EXPECT_EQ(encodeStatus(decoded), status);
}

TEST(RetrainingApi, StatusStaysWithinItsBudget) {
  ModelDeploymentStatus st;
  st.retraining = RetrainingStatus{};
  for (int i = 0; i < 150; ++i) {
    RetrainingRun run;
    run.name = "fraud-retrain-" + std::to_string(150 - i);
    run.reason = std::string(5000, 'r');
    run.message = std::string(5000, 'm');
    run.outcome = "Failed";
    st.retraining->history.push_back(run);
  }
  auto encoded = encodeStatus(st);
  EXPECT_LE(encoded.dump().size(), 64u * 1024u);
  const auto& history = encoded["retraining"]["history"];
  ASSERT_GE(history.size(), 1u);
  EXPECT_LE(history.size(), 100u);
  EXPECT_EQ(history[0]["name"], "fraud-retrain-150") << "the newest run (the cooldown counts from it) stays";
}

}  // namespace
}  // namespace modelops::api
