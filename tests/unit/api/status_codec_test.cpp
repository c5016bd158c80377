// unit.api: JSON <-> ModelDeploymentStatus: every field decoded, exact round trip, unknown fields at
// every level kept through a read-modify-write (never silently dropped), type errors with paths.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"

namespace modelops::api {
namespace {

using nlohmann::json;

json fullStatus() {
  return json::parse(R"J({
    "observedGeneration": 7,
    "phase": "Progressing",
    "message": "step 3/5: analysis running (accuracy 0.941, lower bound 0.928, n=812)",
    "stable": {"revision": 3, "version": "2.3.1", "hash": "7c9f0a1b2c", "weight": 90},
    "canary": {"revision": 4, "version": "2.4.0", "hash": "0123456789", "weight": 10},
    "variants": [{"name": "control", "revision": 3, "version": "2.3.1", "hash": "7c9f0a1b2c", "weight": 50}],
    "currentStepIndex": 2,
    "stepStartedAt": "2026-11-25T10:42:00Z",
    "pauseStartedAt": "2026-11-25T10:43:00Z",
    "rolloutStartedAt": "2026-11-25T10:40:00Z",
    "variantsAvailableAt": "2026-11-25T10:41:02.250000Z",
    "analysis": {
      "runs": [{"metric": "accuracy", "phase": "Successful", "value": 0.941, "lowerBound": 0.928,
                "upperBound": 0.952, "samples": 812, "message": "ok", "at": "2026-11-25T10:44:00Z",
                "query": "sum(x)",
                "segments": [{"segment": "region=eu-west", "phase": "Failed", "value": 0.8, "lowerBound": 0.75,
                              "upperBound": 0.81, "samples": 240, "message": "upper bound 0.81 < 0.85"}]}],
      "failures": 0, "inconclusives": 1, "consecutiveErrors": 0, "startedAt": "2026-11-25T10:42:00Z"},
    "conditions": [{"type": "Progressing", "status": "True", "reason": "StepRunning", "message": "m",
                    "lastTransitionTime": "2026-11-25T10:40:00Z", "observedGeneration": 7}],
    "history": [{"revision": 2, "version": "2.3.0", "uri": "s3://m/2.3.0", "hash": "aaaaaaaaaa",
                 "outcome": "RolledBack", "reason": "accuracy 0.88 < 0.92 (n=1204)", "at": "2026-11-24T10:00:00Z"}],
    "lastGoodRevision": 3,
    "pendingAction": {"action": "promote", "id": "r-1", "argument": "treatment", "requestedAt": "2026-11-25T10:45:00Z"},
    "lastHandledActionId": "r-0"
  })J");
}

TEST(StatusCodec, DecodesEveryField) {
  auto st = decodeStatus(fullStatus());
  ASSERT_TRUE(st.ok()) << formatFieldErrors(st.error());
  EXPECT_EQ(st->observedGeneration, 7);
  EXPECT_EQ(st->phase, phase::kProgressing);
  EXPECT_EQ(st->stable->revision, 3);
  EXPECT_EQ(st->stable->weight, 90);
  EXPECT_EQ(st->canary->hash, "0123456789");
  ASSERT_EQ(st->variants.size(), 1u);
  EXPECT_EQ(st->variants[0].name, "control");
  EXPECT_EQ(st->currentStepIndex, 2);
  EXPECT_EQ(st->pauseStartedAt, "2026-11-25T10:43:00Z");
  EXPECT_EQ(st->variantsAvailableAt, "2026-11-25T10:41:02.250000Z");
  ASSERT_TRUE(st->analysis);
  ASSERT_EQ(st->analysis->runs.size(), 1u);
  const AnalysisRun& run = st->analysis->runs[0];
  EXPECT_EQ(run.phase, run_phase::kSuccessful);
  EXPECT_EQ(run.lowerBound, 0.928);
  EXPECT_EQ(run.samples, 812);
  ASSERT_EQ(run.segments.size(), 1u);
  EXPECT_EQ(run.segments[0].segment, "region=eu-west");
  EXPECT_EQ(run.segments[0].upperBound, 0.81);
  EXPECT_EQ(st->analysis->inconclusives, 1);
  ASSERT_EQ(st->conditions.size(), 1u);
  EXPECT_EQ(st->conditions[0].observedGeneration, 7);
  ASSERT_EQ(st->history.size(), 1u);
  EXPECT_EQ(st->history[0].outcome, outcome::kRolledBack);
  EXPECT_EQ(st->lastGoodRevision, 3);
  EXPECT_EQ(st->pendingAction->argument, "treatment");
  EXPECT_EQ(st->lastHandledActionId, "r-0");
}

TEST(StatusCodec, RoundTripIsExact) {
  auto st = decodeStatus(fullStatus());
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(encodeStatus(*st), fullStatus());
}

// The A/B test's clock survives a restart only through status: written and read back unchanged
// (microseconds kept), and absent when not set.
TEST(StatusCodec, VariantsAvailableAtRoundTrips) {
  ModelDeploymentStatus s;
  s.variantsAvailableAt = "2026-11-25T10:41:02.250123Z";
  json written = encodeStatus(s);
  EXPECT_EQ(written, (json{{"variantsAvailableAt", "2026-11-25T10:41:02.250123Z"}}));
  auto read = decodeStatus(written);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, s);
  s.variantsAvailableAt.reset();
  EXPECT_FALSE(encodeStatus(s).contains("variantsAvailableAt"));
  auto wrongType = decodeStatus(json{{"variantsAvailableAt", 12}});
  ASSERT_FALSE(wrongType.ok());
  EXPECT_NE(formatFieldErrors(wrongType.error()).find("status.variantsAvailableAt"), std::string::npos)
      << formatFieldErrors(wrongType.error());
}

TEST(StatusCodec, ZeroValuesAreKeptNotMistakenForAbsent) {
  json doc = {{"canary", {{"weight", 0}, {"revision", 0}}}, {"currentStepIndex", 0}, {"message", ""}};
  auto st = decodeStatus(doc);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->canary->weight, 0);
  EXPECT_EQ(encodeStatus(*st), doc);
}

TEST(StatusCodec, EmptyStatusIsOmittedFromTheObject) {
  EXPECT_EQ(encodeStatus(ModelDeploymentStatus{}), json::object());
  auto md = decodeModelDeployment(testing::exampleCanary());
  ASSERT_TRUE(md.ok());
  EXPECT_FALSE(encodeModelDeployment(*md).contains("status"));
}

// The operator reads status, changes what it owns, writes it back: fields it does not know survive.
TEST(StatusCodec, UnknownFieldsSurviveReadModifyWrite) {
  const std::vector<std::string> pointers = {
      "/futureTopLevel",        "/stable/podTemplateHash", "/canary/replicas",         "/variants/0/matches",
      "/analysis/futureField",  "/analysis/runs/0/stableValue", "/analysis/runs/0/segments/0/extra",
      "/conditions/0/severity", "/history/0/measured",    "/pendingAction/user",
  };
  for (const auto& ptr : pointers) {
    SCOPED_TRACE(ptr);
    json doc = fullStatus();
    doc[json::json_pointer(ptr)] = {{"from", "a newer operator"}};
    json whole = testing::exampleCanary();
    whole["status"] = doc;
    auto md = decodeModelDeployment(whole);
    ASSERT_TRUE(md.ok()) << formatFieldErrors(md.error());
    md->status.phase = std::string(phase::kPaused);
    md->status.canary->weight = 20;
    json out = encodeModelDeployment(*md);
    EXPECT_EQ(out["status"][json::json_pointer(ptr)], doc[json::json_pointer(ptr)]);
    EXPECT_EQ(out["status"]["phase"], "Paused");
    EXPECT_EQ(out["status"]["canary"]["weight"], 20);
    doc["phase"] = "Paused";
    doc["canary"]["weight"] = 20;
    EXPECT_EQ(out["status"], doc);
  }
}

TEST(StatusCodec, WrongTypesAreFieldErrorsWithPaths) {
  json doc = fullStatus();
  doc["stable"]["weight"] = "90";
  doc["analysis"]["runs"][0]["segments"][0]["samples"] = 2.5;
  doc["conditions"][0] = "Ready";
  doc["history"] = json::object();
  auto st = decodeStatus(doc);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(formatFieldErrors(st.error()),
            "status.stable.weight: must be integer, got string; "
            "status.analysis.runs[0].segments[0].samples: must be integer, got number; "
            "status.conditions[0]: must be object, got string; "
            "status.history: must be array, got object");
}

}  // namespace
}  // namespace modelops::api
