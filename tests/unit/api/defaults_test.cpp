// unit.api: applyDefaults fills every documented default, never overwrites a present value, is idempotent.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"

namespace modelops::api {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json minimal() {
  return json::parse(R"({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment", "metadata": {"name": "m", "namespace": "ml"},
    "spec": {"model": {"version": "1"}, "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
             "analysis": {"metrics": [
               {"name": "acc", "provider": {"prometheus": {"address": "http://p:9090",
                   "auth": {"bearerTokenSecretRef": {"name": "s"}}, "tls": {"caSecretRef": {"name": "ca"}}}},
                "successes": "s", "trials": "t", "accuracy": {"min": 0.9}, "segments": {"by": "segment"}},
               {"name": "web", "provider": {"web": {"url": "http://w"}}, "query": "$.v", "threshold": {"max": 1}}]}}
  })");
}

ModelDeployment defaulted(const json& doc) {
  auto md = decodeModelDeployment(doc);
  EXPECT_TRUE(md.ok()) << formatFieldErrors(md.error());
  ModelDeployment out = md.ok() ? *md : ModelDeployment{};
  applyDefaults(out);
  return out;
}

struct DefaultCase {
  const char* field;
  std::function<json(const ModelDeployment&)> get;
  json expected;
};

TEST(Defaults, FillsEveryDocumentedDefault) {
  const ModelDeployment md = defaulted(minimal());
  const std::vector<DefaultCase> cases = {
      {"replicas", [](auto& m) { return json(*m.spec.replicas); }, 1},
      {"model.name", [](auto& m) { return json(*m.spec.model.name); }, "m"},
      {"service.port", [](auto& m) { return json(*m.spec.service->port); }, 80},
      {"service.targetPort", [](auto& m) { return json(m.spec.service->targetPort->stringValue()); }, "http"},
      {"strategy is a canary", [](auto& m) { return json(m.spec.strategy->canary.has_value()); }, true},
      {"no abTest added", [](auto& m) { return json(m.spec.strategy->abTest.has_value()); }, false},
      {"canary.steps empty", [](auto& m) { return json(m.spec.strategy->canary->steps.size()); }, 0},
      {"scaleDownDelaySeconds", [](auto& m) { return json(*m.spec.strategy->canary->scaleDownDelaySeconds); }, 30},
      {"analysis.interval", [](auto& m) { return json(m.spec.analysis->interval->text); }, "30s"},
      {"analysis.interval value", [](auto& m) { return json(m.spec.analysis->interval->get().count()); }, 30000},
      {"analysis.onTimeout", [](auto& m) { return json(*m.spec.analysis->onTimeout); }, "Rollback"},
      {"maxDuration stays absent", [](auto& m) { return json(m.spec.analysis->maxDuration.has_value()); }, false},
      {"confidence", [](auto& m) { return json(*m.spec.analysis->metrics[0].accuracy->confidence); }, 0.95},
      {"minSamples", [](auto& m) { return json(*m.spec.analysis->metrics[0].accuracy->minSamples); }, 100},
      {"maxDropVsStable absent", [](auto& m) { return json(m.spec.analysis->metrics[0].accuracy->maxDropVsStable.has_value()); }, false},
      {"segments.min from accuracy", [](auto& m) { return json(*m.spec.analysis->metrics[0].segments->min); }, 0.9},
      {"segments.minSamples", [](auto& m) { return json(*m.spec.analysis->metrics[0].segments->minSamples); }, 100},
      {"segments.confidence", [](auto& m) { return json(*m.spec.analysis->metrics[0].segments->confidence); }, 0.95},
      {"failureLimit", [](auto& m) { return json(*m.spec.analysis->metrics[0].failureLimit); }, 0},
      {"inconclusiveLimit", [](auto& m) { return json(*m.spec.analysis->metrics[1].inconclusiveLimit); }, 10},
      {"consecutiveErrorLimit", [](auto& m) { return json(*m.spec.analysis->metrics[1].consecutiveErrorLimit); }, 4},
      {"prometheus timeout", [](auto& m) { return json(m.spec.analysis->metrics[0].provider->prometheus->timeout->text); }, "10s"},
      {"bearer key", [](auto& m) { return json(*m.spec.analysis->metrics[0].provider->prometheus->auth->bearerTokenSecretRef->key); }, "token"},
      {"ca key", [](auto& m) { return json(*m.spec.analysis->metrics[0].provider->prometheus->tls->caSecretRef->key); }, "ca.crt"},
      {"insecureSkipVerify", [](auto& m) { return json(*m.spec.analysis->metrics[0].provider->prometheus->tls->insecureSkipVerify); }, false},
      {"web method", [](auto& m) { return json(*m.spec.analysis->metrics[1].provider->web->method); }, "GET"},
      {"web timeout", [](auto& m) { return json(m.spec.analysis->metrics[1].provider->web->timeout->get().count()); }, 10000},
      {"monitoring.enabled", [](auto& m) { return json(*m.spec.monitoring->enabled); }, false},
      {"monitoring.onDegraded", [](auto& m) { return json(*m.spec.monitoring->onDegraded); }, "Rollback"},
      {"rollback.automatic", [](auto& m) { return json(*m.spec.rollback->automatic); }, true},
      {"progressDeadlineSeconds", [](auto& m) { return json(*m.spec.progressDeadlineSeconds); }, 600},
      {"revisionHistoryLimit", [](auto& m) { return json(*m.spec.revisionHistoryLimit); }, 5},
      {"paused", [](auto& m) { return json(*m.spec.paused); }, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    EXPECT_EQ(c.get(md), c.expected);
  }
}

TEST(Defaults, NeverOverwritesPresentValues) {
  // The design example sets most defaulted fields to non-default values.
  json doc = testing::exampleCanary();
  doc["spec"]["model"]["name"] = "other-name";
  doc["spec"]["replicas"] = 0;
  doc["spec"]["service"] = {{"port", 8080}, {"targetPort", 9000}};
  doc["spec"]["strategy"]["canary"]["scaleDownDelaySeconds"] = 0;
  doc["spec"]["rollback"]["automatic"] = false;
  doc["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", "Alert"}};
  doc["spec"]["analysis"]["metrics"][0]["inconclusiveLimit"] = 3;
  const ModelDeployment md = defaulted(doc);
  EXPECT_EQ(md.spec.model.name, "other-name");
  EXPECT_EQ(md.spec.replicas, 0);
  EXPECT_EQ(md.spec.service->port, 8080);
  EXPECT_EQ(md.spec.service->targetPort->intValue(), 9000);
  EXPECT_EQ(md.spec.strategy->canary->scaleDownDelaySeconds, 0);
  EXPECT_EQ(md.spec.rollback->automatic, false);
  EXPECT_EQ(md.spec.monitoring->onDegraded, "Alert");
  EXPECT_EQ(md.spec.analysis->metrics[0].inconclusiveLimit, 3);
  EXPECT_EQ(md.spec.analysis->metrics[0].accuracy->minSamples, 500);
  EXPECT_EQ(md.spec.analysis->metrics[0].segments->minSamples, 50);  // its own, not accuracy's 500
  EXPECT_EQ(md.spec.analysis->metrics[0].segments->min, 0.85);
  // Absent in the example, so defaulted from the metric's accuracy.confidence.
  EXPECT_EQ(md.spec.analysis->metrics[0].segments->confidence, 0.95);
}

TEST(Defaults, AbTestGetsWinnerSelectionAndNoCanary) {
  json doc = testing::exampleAbTest();
  doc["spec"]["strategy"]["abTest"].erase("winnerSelection");
  const ModelDeployment md = defaulted(doc);
  EXPECT_FALSE(md.spec.strategy->canary.has_value());
  EXPECT_EQ(md.spec.strategy->abTest->winnerSelection, "Auto");
}

TEST(Defaults, Idempotent) {
  ModelDeployment once = defaulted(minimal());
  ModelDeployment twice = once;
  applyDefaults(twice);
  EXPECT_EQ(once, twice);
  EXPECT_EQ(encodeModelDeployment(once), encodeModelDeployment(twice));
}

TEST(Defaults, DefaultedDocumentRoundTrips) {
  ModelDeployment md = defaulted(minimal());
  auto again = decodeModelDeployment(encodeModelDeployment(md));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, md);
}

}  // namespace
}  // namespace modelops::api
