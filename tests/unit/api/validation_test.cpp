// unit.api: validate() object, spec and strategy rules, table-driven: each case mutates a valid example
// and expects exactly the listed errors (field path and message). Analysis rules: validation_analysis_test.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/api/codec.h"
#include "modelops/api/defaults.h"
#include "modelops/api/validation.h"

namespace modelops::api {
namespace {

using nlohmann::json;

struct Case {
  const char* name;
  std::function<json()> base;
  std::function<void(json&)> mutate;
  FieldErrors expected;
};

void runCases(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = c.base();
    c.mutate(doc);
    EXPECT_EQ(formatFieldErrors(testing::validateDoc(doc)), formatFieldErrors(c.expected));
  }
}

const auto canary = testing::exampleCanary;
const auto abtest = testing::exampleAbTest;
json& steps(json& d) { return d["spec"]["strategy"]["canary"]["steps"]; }
json& variants(json& d) { return d["spec"]["strategy"]["abTest"]["variants"]; }

TEST(Validation, ExamplesAreValid) {
  EXPECT_EQ(formatFieldErrors(testing::validateDoc(canary())), "");
  EXPECT_EQ(formatFieldErrors(testing::validateDoc(abtest())), "");
}

TEST(Validation, ObjectAndSpecRules) {
  runCases({
      {"wrong apiVersion", canary, [](json& d) { d["apiVersion"] = "modelops.dev/v1"; },
       {{"apiVersion", "must be modelops.dev/v1alpha1, got \"modelops.dev/v1\""}}},
      {"wrong kind", canary, [](json& d) { d["kind"] = "Deployment"; },
       {{"kind", "must be ModelDeployment, got \"Deployment\""}}},
      {"absent apiVersion and kind are accepted", canary, [](json& d) { d.erase("apiVersion"); d.erase("kind"); }, {}},
      {"no name", canary, [](json& d) { d["metadata"].erase("name"); d["spec"]["model"]["name"] = "x"; },
       {{"metadata.name", "required"}}},
      {"negative replicas", canary, [](json& d) { d["spec"]["replicas"] = -1; }, {{"spec.replicas", "must be >= 0"}}},
      {"zero replicas is fine", canary, [](json& d) { d["spec"]["replicas"] = 0; }, {}},
      {"missing model.version", canary, [](json& d) { d["spec"]["model"].erase("version"); },
       {{"spec.model.version", "required"}}},
      {"empty model.version", canary, [](json& d) { d["spec"]["model"]["version"] = ""; },
       {{"spec.model.version", "required"}}},
      {"missing template", canary, [](json& d) { d["spec"].erase("template"); }, {{"spec.template", "required"}}},
      {"template without spec", canary, [](json& d) { d["spec"]["template"] = json::object(); },
       {{"spec.template.spec", "required"}}},
      {"no containers", canary, [](json& d) { d["spec"]["template"]["spec"]["containers"] = json::array(); },
       {{"spec.template.spec.containers", "must have at least one container"}}},
      {"container without name", canary, [](json& d) { d["spec"]["template"]["spec"]["containers"][0].erase("name"); },
       {{"spec.template.spec.containers[0].name", "required"}}},
      {"bad service port", canary, [](json& d) { d["spec"]["service"]["port"] = 70000; },
       {{"spec.service.port", "must be between 1 and 65535"}}},
      {"bad targetPort", canary, [](json& d) { d["spec"]["service"]["targetPort"] = 0; },
       {{"spec.service.targetPort", "must be a port number 1..65535 or a port name"}}},
      {"progressDeadlineSeconds 0", canary, [](json& d) { d["spec"]["progressDeadlineSeconds"] = 0; },
       {{"spec.progressDeadlineSeconds", "must be > 0"}}},
      {"revisionHistoryLimit -1", canary, [](json& d) { d["spec"]["revisionHistoryLimit"] = -1; },
       {{"spec.revisionHistoryLimit", "must be >= 0"}}},
      {"monitoring enum", canary, [](json& d) { d["spec"]["monitoring"]["onDegraded"] = "Panic"; },
       {{"spec.monitoring.onDegraded", "unsupported value \"Panic\": must be one of Rollback, Alert"}}},
      {"monitoring without analysis", canary,
       [](json& d) { d["spec"].erase("analysis"); steps(d).erase(2); },
       {{"spec.monitoring.enabled", "requires spec.analysis"}}},
      {"monitoring interval", canary, [](json& d) { d["spec"]["monitoring"]["interval"] = "0s"; },
       {{"spec.monitoring.interval", "must be greater than 0"}}},
  });
}

TEST(Validation, StrategyChoice) {
  runCases({
      {"both canary and abTest", abtest, [](json& d) { d["spec"]["strategy"]["canary"] = {{"steps", {{{"setWeight", 10}}}}}; },
       {{"spec.strategy", "canary and abTest are mutually exclusive"}}},
      {"neither is fine", canary, [](json& d) { d["spec"].erase("strategy"); }, {}},
      {"empty canary is fine", canary, [](json& d) { d["spec"]["strategy"]["canary"] = json::object(); }, {}},
  });
}

TEST(Validation, CanarySteps) {
  runCases({
      {"setWeight above 100", canary, [](json& d) { steps(d)[3]["setWeight"] = 101; },
       {{"spec.strategy.canary.steps[3].setWeight", "must be between 0 and 100"}}},
      {"setWeight below 0", canary, [](json& d) { steps(d)[0]["setWeight"] = -5; },
       {{"spec.strategy.canary.steps[0].setWeight", "must be between 0 and 100"}}},
      {"setWeight 100 is fine", canary, [](json& d) { steps(d)[3]["setWeight"] = 100; }, {}},
      {"weights never reach the canary", canary,
       [](json& d) { steps(d)[0]["setWeight"] = 0; steps(d)[3]["setWeight"] = 0; },
       {{"spec.strategy.canary.steps", "no step sends traffic to the canary (every setWeight is 0)"}}},
      {"steps without setWeight are fine", canary, [](json& d) { steps(d) = {{{"pause", {{"duration", "1m"}}}}}; }, {}},
      {"two kinds in one step", canary, [](json& d) { steps(d)[0]["pause"] = json::object(); },
       {{"spec.strategy.canary.steps[0]", "must set exactly one of setWeight, pause, analysis"}}},
      {"empty step", canary, [](json& d) { steps(d)[1] = json::object(); },
       {{"spec.strategy.canary.steps[1]", "must set exactly one of setWeight, pause, analysis"}}},
      {"negative pause", canary, [](json& d) { steps(d)[1]["pause"]["duration"] = "-1m"; },
       {{"spec.strategy.canary.steps[1].pause.duration", "must not be negative"}}},
      {"unparsable pause", canary, [](json& d) { steps(d)[1]["pause"]["duration"] = "soon"; },
       {{"spec.strategy.canary.steps[1].pause.duration",
         "invalid duration \"soon\": use Go syntax such as 30s, 2m, 1h30m"}}},
      {"zero pause is fine", canary, [](json& d) { steps(d)[1]["pause"]["duration"] = "0s"; }, {}},
      {"analysis step without spec.analysis", canary,
       [](json& d) { d["spec"].erase("analysis"); d["spec"]["monitoring"]["enabled"] = false; },
       {{"spec.strategy.canary.steps[2].analysis", "requires spec.analysis"}}},
      {"negative scaleDownDelaySeconds", canary,
       [](json& d) { d["spec"]["strategy"]["canary"]["scaleDownDelaySeconds"] = -1; },
       {{"spec.strategy.canary.scaleDownDelaySeconds", "must be >= 0"}}},
  });
}

TEST(Validation, TrafficRouting) {
  auto routing = [](json& d) -> json& { return d["spec"]["strategy"]["canary"]["trafficRouting"]; };
  runCases({
      {"both routers", canary,
       [&](json& d) { routing(d)["istio"] = {{"virtualService", {{"name", "v"}, {"routes", {"r"}}}}}; },
       {{"spec.strategy.canary.trafficRouting", "gatewayAPI and istio are mutually exclusive"}}},
      {"httpRoute missing", canary, [&](json& d) { routing(d)["gatewayAPI"] = json::object(); },
       {{"spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute", "required"}}},
      {"ruleIndex and port", canary,
       [&](json& d) { routing(d)["gatewayAPI"]["ruleIndex"] = 1; routing(d)["gatewayAPI"]["port"] = 80; },
       {{"spec.strategy.canary.trafficRouting.gatewayAPI", "ruleIndex and port are mutually exclusive"}}},
      {"negative ruleIndex", canary, [&](json& d) { routing(d)["gatewayAPI"]["ruleIndex"] = -1; },
       {{"spec.strategy.canary.trafficRouting.gatewayAPI.ruleIndex", "must be >= 0"}}},
      {"istio routes empty", canary,
       [&](json& d) { routing(d) = {{"istio", {{"virtualService", {{"name", "v"}}}}}}; },
       {{"spec.strategy.canary.trafficRouting.istio.virtualService.routes", "must name at least one http route"}}},
      {"istio without virtualService", canary, [&](json& d) { routing(d) = {{"istio", json::object()}}; },
       {{"spec.strategy.canary.trafficRouting.istio.virtualService", "required"}}},
      {"istio without name", canary,
       [&](json& d) { routing(d) = {{"istio", {{"virtualService", {{"routes", {"primary"}}}}}}}; },
       {{"spec.strategy.canary.trafficRouting.istio.virtualService.name", "required"}}},
  });
}

TEST(Validation, AbTest) {
  runCases({
      {"weights not summing to 100", abtest, [](json& d) { variants(d)[1]["weight"] = 40; },
       {{"spec.strategy.abTest.variants", "weights must sum to 100, got 90"}}},
      {"weight out of range", abtest, [](json& d) { variants(d)[1]["weight"] = 150; },
       {{"spec.strategy.abTest.variants[1].weight", "must be between 0 and 100"}}},
      {"weight missing", abtest, [](json& d) { variants(d)[0].erase("weight"); },
       {{"spec.strategy.abTest.variants[0].weight", "required"}}},
      {"duplicate names", abtest, [](json& d) { variants(d)[1]["name"] = "control"; },
       {{"spec.strategy.abTest.variants[1].name", "duplicate variant name \"control\""}}},
      {"name not a DNS label", abtest, [](json& d) { variants(d)[1]["name"] = "Treatment_1"; },
       {{"spec.strategy.abTest.variants[1].name",
         "must be a DNS-1123 label (lowercase letters, digits, '-'; at most 63)"}}},
      {"one variant", abtest, [](json& d) { variants(d).erase(1); variants(d)[0]["weight"] = 100; },
       {{"spec.strategy.abTest.variants", "must have at least 2 variants"}}},
      {"match without value", abtest, [](json& d) { variants(d)[1]["match"][0]["header"].erase("value"); },
       {{"spec.strategy.abTest.variants[1].match[0].header.value", "required"}}},
      {"cookie without name", abtest,
       [](json& d) { variants(d)[1]["match"][0] = {{"cookie", {{"value", "t"}}}}; },
       {{"spec.strategy.abTest.variants[1].match[0].cookie.name", "required"}}},
      {"header and cookie in one rule", abtest,
       [](json& d) { variants(d)[1]["match"][0]["cookie"] = {{"name", "n"}, {"value", "v"}}; },
       {{"spec.strategy.abTest.variants[1].match[0]", "must set exactly one of header, cookie"}}},
      {"match without a router", abtest, [](json& d) { d["spec"]["strategy"]["abTest"].erase("trafficRouting"); },
       {{"spec.strategy.abTest.variants[1].match", "header and cookie matches need trafficRouting (gatewayAPI, istio or gateway)"}}},
      {"bad duration", abtest, [](json& d) { d["spec"]["strategy"]["abTest"]["duration"] = "0s"; },
       {{"spec.strategy.abTest.duration", "must be greater than 0"}}},
      {"winnerSelection enum", abtest, [](json& d) { d["spec"]["strategy"]["abTest"]["winnerSelection"] = "Coin"; },
       {{"spec.strategy.abTest.winnerSelection", "unsupported value \"Coin\": must be one of Auto, Manual"}}},
      {"Auto without analysis", abtest,
       [](json& d) { d["spec"].erase("analysis"); d["spec"].erase("monitoring"); },
       {{"spec.strategy.abTest.winnerSelection", "Auto needs spec.analysis to judge the variants"}}},
      {"Manual without analysis is fine", abtest,
       [](json& d) {
         d["spec"].erase("analysis");
         d["spec"].erase("monitoring");
         d["spec"]["strategy"]["abTest"]["winnerSelection"] = "Manual";
       },
       {}},
  });
}

TEST(Validation, ReportsEveryProblemAtOnce) {
  json doc = canary();
  doc["spec"]["replicas"] = -2;
  steps(doc)[0]["setWeight"] = 120;
  steps(doc)[1]["pause"]["duration"] = "-30s";
  doc["spec"]["model"].erase("version");
  doc["spec"]["analysis"]["metrics"][1]["name"] = "accuracy";
  doc["spec"]["strategy"]["abTest"] = abtest()["spec"]["strategy"]["abTest"];
  variants(doc)[1]["name"] = "control";
  const FieldErrors errs = testing::validateDoc(doc);
  std::vector<std::string> fields;
  for (const auto& e : errs) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{
                        "spec.replicas",
                        "spec.model.version",
                        "spec.strategy",
                        "spec.strategy.canary.steps[0].setWeight",
                        "spec.strategy.canary.steps[1].pause.duration",
                        "spec.strategy.abTest.variants[1].name",
                        "spec.analysis.metrics[1].name",
                    }));
}

}  // namespace
}  // namespace modelops::api
