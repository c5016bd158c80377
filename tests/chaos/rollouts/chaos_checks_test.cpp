// The chaos suite's invariant checks on hand-made records: each one must catch the violation it exists
// for (a check that sees nothing would let the suite pass vacuously).
#include <gtest/gtest.h>

#include "chaos/rollouts/chaos_checks.h"

namespace modelops::chaos {
namespace {

Json md(const Json& history) { return {{"metadata", {{"name", "m"}}}, {"status", {{"history", history}}}}; }
Json entry(const std::string& version, const std::string& outcome, const std::string& hash) {
  return {{"version", version}, {"outcome", outcome}, {"hash", hash}};
}
Json route(std::int64_t stable, std::int64_t canary) {
  return {{"kind", "HTTPRoute"},
          {"spec", {{"rules", {{{"backendRefs", {{{"name", "m-stable"}, {"weight", stable}}, {{"name", "m-canary"}, {"weight", canary}}}}}}}}}};
}
Json virtualService(std::int64_t stable, std::int64_t canary) {
  return {{"kind", "VirtualService"},
          {"spec",
           {{"http",
             {{{"name", "primary"},
               {"route", {{{"destination", {{"host", "m-stable"}}}, {"weight", stable}},
                          {{"destination", {{"host", "m-canary"}}}, {"weight", canary}}}}}}}}}};
}

TEST(ChaosChecks, BackendWeightReadsHttpRoutesAndVirtualServices) {
  EXPECT_EQ(backendWeight(route(80, 20), "m-canary"), 20);
  EXPECT_EQ(backendWeight(virtualService(60, 40), "m-canary"), 40);
  EXPECT_EQ(backendWeight(route(100, 0), "m-other"), std::nullopt);
}

TEST(ChaosChecks, LostAndDuplicateHistory) {
  std::vector<Recorded> seen = {{10, "m", md(Json::array({entry("1.0.0", "Promoted", "a")}))},
                                {20, "m", md(Json::array({entry("2.0.0", "RolledBack", "b"), entry("1.0.0", "Promoted", "a")}))}};
  Json finalStatus = {{"history", Json::array({entry("2.0.0", "RolledBack", "b")})}};
  auto lost = lostHistory(seen, finalStatus);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_NE(lost[0].find("1.0.0/Promoted/a"), std::string::npos);
  finalStatus["history"].push_back(entry("1.0.0", "Promoted", "a"));
  EXPECT_TRUE(lostHistory(seen, finalStatus).empty());
  // At the limit, the oldest entries may have been dropped.
  EXPECT_TRUE(lostHistory(seen, {{"history", Json::array({entry("2.0.0", "RolledBack", "b")})}}, 1).empty());
  finalStatus["history"].push_back(entry("1.0.0", "Promoted", "a"));
  EXPECT_EQ(duplicateHistory(finalStatus), std::vector<std::string>{"1.0.0/Promoted/a x2"});
}

TEST(ChaosChecks, WeightRaisedAfterTheFailureWasRecorded) {
  std::vector<Recorded> mds = {{5, "m", md(Json::array())},
                               {12, "m", md(Json::array({entry("2.0.0-bad", "RolledBack", "b")}))},
                               {15, "m", md(Json::array({entry("2.0.0-bad", "RolledBack", "b")}))}};
  EXPECT_EQ(failureRecordedAt(mds, "2.0.0-bad"), 12);
  EXPECT_EQ(failureRecordedAt(mds, "3.0.0"), std::nullopt);
  std::vector<Recorded> good = {{8, "m", route(80, 20)}, {11, "m", route(100, 0)}, {14, "m", route(100, 0)}};
  EXPECT_TRUE(weightRaisedAfter(good, "m-canary", 12).empty());
  std::vector<Recorded> bad = {{8, "m", route(80, 20)}, {11, "m", route(100, 0)}, {14, "m", route(40, 60)}};
  auto v = weightRaisedAfter(bad, "m-canary", 12);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("weight 60"), std::string::npos) << v[0];
}

TEST(ChaosChecks, MemoryFlatBounds) {
  std::vector<RssSample> samples = {{1, 10, 10000}, {2, 10, 11000}, {3, 11, 12000}};
  auto ok = memoryFlat(samples, 10000, 12000, 0.30, 1000);
  EXPECT_EQ(ok.boundKiB, 14000);
  EXPECT_TRUE(ok.violations.empty());
  EXPECT_FALSE(memoryFlat(samples, 10000, 15000, 0.30, 1000).violations.empty());  // final above the bound
  samples.push_back({4, 12, 30000});                                               // one process ran away
  EXPECT_FALSE(memoryFlat(samples, 10000, 12000, 0.30, 1000).violations.empty());
}

}  // namespace
}  // namespace modelops::chaos
