// unit.gateway_routing: RoutingTable::build (backends and weights from status, addresses, pins, sticky and
// shadow settings, prediction config; what is skipped and why) and path matching for both protocols and
// prefixes.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/gateway/routing/routing_table.h"

namespace modelops::gateway {
namespace {

using nlohmann::json;
using testing::abDeployment;
using testing::canaryDeployment;

std::string skippedReasons(const RoutingTable& table) {
  std::string text;
  for (const auto& s : table.skipped()) text += s.ns + "/" + s.name + ": " + s.reason + "\n";
  return text;
}

TEST(RoutingTableBuild, CanaryBackendsComeFromStatusWithCanaryFirst) {
  auto table = RoutingTable::build({canaryDeployment("ml", 10)}, {});
  ASSERT_EQ(table.routes().size(), 1u) << skippedReasons(table);
  const ModelRoute& r = table.routes()[0];
  EXPECT_EQ(r.ns, "ml");
  EXPECT_EQ(r.name, "fraud");
  EXPECT_EQ(r.model, "fraud-model");
  EXPECT_EQ(r.strategy, "canary");
  ASSERT_EQ(r.backends.size(), 2u);
  EXPECT_EQ(r.backends[0].track, "canary");
  EXPECT_EQ(r.backends[0].service, "fraud-canary");
  EXPECT_EQ(r.backends[0].host, "fraud-canary.ml.svc.cluster.local");
  EXPECT_EQ(r.backends[0].port, 8080);
  EXPECT_EQ(r.backends[0].version, "v2");
  EXPECT_EQ(r.backends[0].revision, "2");
  EXPECT_EQ(r.backends[0].weight, 10);
  EXPECT_EQ(r.backends[1].track, "stable");
  EXPECT_EQ(r.backends[1].service, "fraud-stable");
  EXPECT_EQ(r.backends[1].weight, 90);
  ASSERT_TRUE(r.shadowBackend.has_value());
  EXPECT_EQ(*r.shadowBackend, 0u);
  EXPECT_EQ(r.shadowPercent, 0);
  EXPECT_TRUE(r.pins.empty());
  // Defaults reach the prediction config.
  EXPECT_EQ(r.prediction.protocol, "KServeV1");
  EXPECT_EQ(r.prediction.task, "Classification");
  EXPECT_FALSE(r.prediction.argmax);
}

TEST(RoutingTableBuild, WeightsAreStatusWeightsNotReplicas) {
  auto doc = canaryDeployment("ml", 25);
  doc["spec"]["replicas"] = 4;  // 25% of 4 replicas is one pod; status says 25 and that is what counts
  doc["status"]["stable"]["weight"] = 75;
  auto table = RoutingTable::build({doc}, {});
  ASSERT_EQ(table.routes().size(), 1u);
  EXPECT_EQ(table.routes()[0].backends[0].weight, 25);
  EXPECT_EQ(table.routes()[0].backends[1].weight, 75);
}

TEST(RoutingTableBuild, StableOnlyAfterPromotion) {
  auto table = RoutingTable::build({canaryDeployment("ml", -1)}, {});
  ASSERT_EQ(table.routes().size(), 1u);
  const ModelRoute& r = table.routes()[0];
  ASSERT_EQ(r.backends.size(), 1u);
  EXPECT_EQ(r.backends[0].track, "stable");
  EXPECT_EQ(r.backends[0].weight, 100);
  EXPECT_FALSE(r.shadowBackend.has_value());
}

TEST(RoutingTableBuild, GatewaySettingsReachTheRoute) {
  json gateway = json::parse(R"J({"pathPrefix": "/fraud", "protocol": "OpenInferenceV2",
    "prediction": {"classPath": "$.outputs[0].data", "argmax": true, "idField": "prediction_id"},
    "segment": {"jsonPath": "$.region"}, "sticky": {"cookie": "session"}, "shadow": {"percent": 20}})J");
  auto table = RoutingTable::build({canaryDeployment("ml", 10, gateway)}, {});
  ASSERT_EQ(table.routes().size(), 1u) << skippedReasons(table);
  const ModelRoute& r = table.routes()[0];
  EXPECT_EQ(r.pathPrefix, "/fraud");
  EXPECT_EQ(r.prediction.protocol, "OpenInferenceV2");
  EXPECT_EQ(r.prediction.classPath, "$.outputs[0].data");
  EXPECT_TRUE(r.prediction.argmax);
  EXPECT_EQ(r.prediction.idField, "prediction_id");
  EXPECT_EQ(r.prediction.segmentJsonPath, "$.region");
  EXPECT_EQ(r.prediction.segmentHeader, "");
  ASSERT_TRUE(r.sticky.has_value());
  EXPECT_EQ(r.sticky->source, MatchPin::Source::Cookie);
  EXPECT_EQ(r.sticky->name, "session");
  EXPECT_EQ(r.shadowPercent, 20);
}

TEST(RoutingTableBuild, AbTestVariantsAndPins) {
  auto table = RoutingTable::build({abDeployment("ml", 40, 30, 30)}, {});
  ASSERT_EQ(table.routes().size(), 1u) << skippedReasons(table);
  const ModelRoute& r = table.routes()[0];
  EXPECT_EQ(r.model, "reco");  // spec.model.name defaults to metadata.name
  EXPECT_EQ(r.strategy, "abTest");
  ASSERT_EQ(r.backends.size(), 3u);  // stable is variant a's revision: no separate stable backend
  EXPECT_EQ(r.backends[0].service, "reco-a");
  EXPECT_EQ(r.backends[1].service, "reco-b");
  EXPECT_EQ(r.backends[2].service, "reco-c");
  EXPECT_EQ(r.backends[2].version, "v3");
  EXPECT_EQ(r.backends[0].port, 80);  // spec.service.port's default
  ASSERT_EQ(r.pins.size(), 2u);
  EXPECT_EQ(r.pins[0].source, MatchPin::Source::Header);
  EXPECT_EQ(r.pins[0].name, "X-Variant");
  EXPECT_EQ(r.pins[0].value, "a");
  EXPECT_EQ(r.pins[0].backend, 0u);
  EXPECT_EQ(r.pins[1].source, MatchPin::Source::Cookie);
  EXPECT_EQ(r.pins[1].backend, 1u);
  EXPECT_FALSE(r.shadowBackend.has_value());
}

TEST(RoutingTableBuild, AbTestStableOfItsOwnWhileVariantsAreNotReady) {
  auto doc = abDeployment("ml", 0, 30, 0);
  doc["status"]["stable"] = {{"revision", 7}, {"version", "v0"}, {"hash", "h0"}, {"weight", 70}};
  auto table = RoutingTable::build({doc}, {});
  ASSERT_EQ(table.routes().size(), 1u) << skippedReasons(table);
  const ModelRoute& r = table.routes()[0];
  ASSERT_EQ(r.backends.size(), 4u);
  EXPECT_EQ(r.backends[0].service, "reco-stable");
  EXPECT_EQ(r.backends[0].weight, 70);
  EXPECT_EQ(r.backends[0].revision, "7");
  EXPECT_EQ(r.pins[0].backend, 1u);  // variant a, after stable
}

TEST(RoutingTableBuild, NamespacesFilter) {
  RoutingOptions options;
  options.namespaces = {"ml"};
  auto table = RoutingTable::build({canaryDeployment("ml", 10), abDeployment("other", 40, 30, 30)}, options);
  ASSERT_EQ(table.routes().size(), 1u);
  EXPECT_EQ(table.routes()[0].ns, "ml");
  EXPECT_TRUE(table.skipped().empty()) << skippedReasons(table);  // outside the served namespaces: not a problem
  EXPECT_EQ(table.match("/v1/models/reco:predict"), nullptr);
  EXPECT_NE(table.match("/v1/models/fraud-model:predict"), nullptr);
}

TEST(RoutingTableBuild, ServiceAddressOverridesAndClusterDomain) {
  RoutingOptions options;
  options.clusterDomain = "corp.example";
  options.serviceAddresses = {{"ml/fraud-canary", "127.0.0.1:18081"}, {"ml/fraud-stable", "[::1]:18082"}};
  auto table = RoutingTable::build({canaryDeployment("ml", 10), abDeployment("ml", 40, 30, 30)}, options);
  ASSERT_EQ(table.routes().size(), 2u) << skippedReasons(table);
  const ModelRoute& fraud = table.routes()[0];
  EXPECT_EQ(fraud.backends[0].host, "127.0.0.1");
  EXPECT_EQ(fraud.backends[0].port, 18081);
  EXPECT_EQ(fraud.backends[1].host, "[::1]");
  EXPECT_EQ(fraud.backends[1].port, 18082);
  EXPECT_EQ(table.routes()[1].backends[0].host, "reco-a.ml.svc.corp.example");
}

TEST(RoutingTableBuild, BadOverrideSkipsOnlyThatModel) {
  RoutingOptions options;
  options.serviceAddresses = {{"ml/fraud-stable", "localhost"}};
  auto table = RoutingTable::build({canaryDeployment("ml", 10), abDeployment("ml", 40, 30, 30)}, options);
  ASSERT_EQ(table.routes().size(), 1u);
  EXPECT_EQ(table.routes()[0].name, "reco");
  EXPECT_NE(skippedReasons(table).find("ml/fraud: cannot route: service address override ml/fraud-stable=localhost"),
            std::string::npos) << skippedReasons(table);
}

TEST(RoutingTableBuild, SkipsWhatItCannotRouteAndNeverThrows) {
  auto noGateway = canaryDeployment("ml", 10);
  noGateway["metadata"]["name"] = "plain";
  noGateway["spec"]["model"]["name"] = "plain";
  noGateway["spec"]["strategy"]["canary"].erase("trafficRouting");
  auto noStatus = canaryDeployment("ml", 10);
  noStatus["metadata"]["name"] = "fresh";
  noStatus["spec"]["model"]["name"] = "fresh";
  noStatus.erase("status");
  auto noWeight = canaryDeployment("ml", 10);
  noWeight["metadata"]["name"] = "noweight";
  noWeight["spec"]["model"]["name"] = "noweight";
  noWeight["status"]["canary"].erase("weight");
  auto badWeight = abDeployment("ml", 40, 130, 30);
  auto badType = canaryDeployment("ml", 10);
  badType["metadata"]["name"] = "badtype";
  badType["status"]["stable"]["weight"] = "ninety";
  auto badSpec = canaryDeployment("ml", 10, {{"protocol", "Triton"}});
  badSpec["metadata"]["name"] = "badspec";
  auto zero = canaryDeployment("ml", 0);
  zero["metadata"]["name"] = "zero";
  zero["spec"]["model"]["name"] = "zero";
  zero["status"]["stable"]["weight"] = 0;
  std::vector<json> docs = {noGateway, noStatus, noWeight, badWeight, badType, badSpec, zero,
                            json(), json::array(), json("text"), json{{"metadata", 5}}, canaryDeployment("ml", 10)};
  RoutingTable table;
  ASSERT_NO_THROW(table = RoutingTable::build(docs, {}));
  ASSERT_EQ(table.routes().size(), 1u) << skippedReasons(table);
  EXPECT_EQ(table.routes()[0].name, "fraud");
  auto reasons = skippedReasons(table);
  EXPECT_NE(reasons.find("ml/plain: no trafficRouting.gateway"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/fresh: status has no stable track yet"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/noweight: cannot route: status gives track canary no weight"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/reco: cannot route: status gives track b weight 130 (not 0..100)"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/badtype: cannot decode: status.stable.weight"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/badspec: invalid spec: spec.strategy.canary.trafficRouting.gateway.protocol"),
            std::string::npos) << reasons;
  EXPECT_NE(reasons.find("ml/zero: cannot route: status gives no track any weight"), std::string::npos) << reasons;
}

TEST(RoutingTableBuild, SpecProblemsOutsideRoutingKeepTheRoute) {
  // The operator holds an invalid spec (status keeps the last weights): serving must not stop for a typo
  // in the analysis section.
  auto doc = canaryDeployment("ml", 10);
  doc["spec"]["progressDeadlineSeconds"] = 0;
  auto table = RoutingTable::build({doc}, {});
  EXPECT_EQ(table.routes().size(), 1u) << skippedReasons(table);
}

TEST(RoutingTablePaths, BothProtocolsAndPrefixes) {
  auto table = RoutingTable::build({canaryDeployment("ml", 10, {{"pathPrefix", "/fraud"}}),
                                    abDeployment("ml", 40, 30, 30, {{"protocol", "OpenInferenceV2"}})},
                                   {});
  ASSERT_EQ(table.routes().size(), 2u) << skippedReasons(table);
  const ModelRoute* fraud = &table.routes()[0];
  const ModelRoute* reco = &table.routes()[1];
  EXPECT_EQ(table.match("/v1/models/fraud-model:predict"), fraud);
  EXPECT_EQ(table.match("/v2/models/fraud-model/infer"), fraud);
  EXPECT_EQ(table.match("/v2/models/reco/infer"), reco);
  EXPECT_EQ(table.match("/v1/models/reco:predict"), reco);
  EXPECT_EQ(table.match("/v1/models/reco:predict?debug=1"), reco);
  EXPECT_EQ(table.match("/fraud"), fraud);
  EXPECT_EQ(table.match("/fraud/score"), fraud);
  EXPECT_EQ(table.match("/fraudulent"), nullptr);
  EXPECT_EQ(table.match("/v1/models/unknown:predict"), nullptr);
  EXPECT_EQ(table.match("/v1/models/fraud-model"), nullptr);
  EXPECT_EQ(table.match("/"), nullptr);
  EXPECT_EQ(table.match(""), nullptr);

  auto exact = table.resolve("/v2/models/reco/infer?x=1");
  ASSERT_TRUE(exact.has_value());
  EXPECT_EQ(exact->upstreamPath, "/v2/models/reco/infer?x=1");
  auto bare = table.resolve("/fraud");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->upstreamPath, "/v1/models/fraud-model:predict");  // the declared protocol's path
  auto slash = table.resolve("/fraud/?a=b");
  ASSERT_TRUE(slash.has_value());
  EXPECT_EQ(slash->upstreamPath, "/v1/models/fraud-model:predict?a=b");
  auto sub = table.resolve("/fraud/v1/models/fraud-model:predict");
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->upstreamPath, "/v1/models/fraud-model:predict");
}

TEST(RoutingTablePaths, LongestPrefixWins) {
  auto outer = canaryDeployment("ml", 10, {{"pathPrefix", "/models"}});
  auto inner = canaryDeployment("ml", 10, {{"pathPrefix", "/models/fraud"}});
  inner["metadata"]["name"] = "inner";
  inner["spec"]["model"]["name"] = "inner";
  auto table = RoutingTable::build({outer, inner}, {});
  ASSERT_EQ(table.routes().size(), 2u) << skippedReasons(table);
  EXPECT_EQ(table.match("/models/fraud/x")->name, "inner");
  EXPECT_EQ(table.match("/models/fraud")->name, "inner");
  EXPECT_EQ(table.match("/models/fraudx")->name, "fraud");
  EXPECT_EQ(table.match("/models/other")->name, "fraud");
}

TEST(RoutingTablePaths, ConflictsGoToTheFirstByNamespaceAndName) {
  auto first = canaryDeployment("a-team", 10, {{"pathPrefix", "/fraud"}});
  auto second = canaryDeployment("b-team", 10, {{"pathPrefix", "/fraud"}});
  // Listed in reverse: the outcome must not depend on the informer's order.
  auto table = RoutingTable::build({second, first}, {});
  ASSERT_EQ(table.routes().size(), 2u);
  EXPECT_EQ(table.match("/v1/models/fraud-model:predict")->ns, "a-team");
  EXPECT_EQ(table.match("/fraud")->ns, "a-team");
  auto reasons = skippedReasons(table);
  EXPECT_NE(reasons.find("b-team/fraud: path /v1/models/fraud-model:predict is already served by a-team/fraud"),
            std::string::npos) << reasons;
  EXPECT_NE(reasons.find("b-team/fraud: pathPrefix /fraud is already served by a-team/fraud"), std::string::npos)
      << reasons;
}

TEST(RoutingTablePaths, ModelPathPerProtocol) {
  EXPECT_EQ(modelPath("KServeV1", "m"), "/v1/models/m:predict");
  EXPECT_EQ(modelPath("OpenInferenceV2", "m"), "/v2/models/m/infer");
}

}  // namespace
}  // namespace modelops::gateway
