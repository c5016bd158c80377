// unit.gateway_routing: pick() — weights within +-1% over 100,000 draws, sticky keys (stable, spread by
// weight, kept across weight changes that keep their backend), A/B pins, shadow draws; cookieValue.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fixtures.h"
#include "modelops/gateway/routing/pick.h"

namespace modelops::gateway {
namespace {

using nlohmann::json;
using testing::abDeployment;
using testing::canaryDeployment;
using testing::FakeRequest;

constexpr int kDraws = 100'000;

ModelRoute routeOf(const json& doc) {
  auto table = RoutingTable::build({doc}, {});
  if (table.routes().size() != 1) {
    ADD_FAILURE() << "not routed: " << (table.skipped().empty() ? "" : table.skipped()[0].reason);
    return {};
  }
  return table.routes()[0];
}

// Share of each track over kDraws random picks.
std::map<std::string, double> shares(const ModelRoute& route, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  FakeRequest request;
  const RequestView view = request.view();
  std::map<std::string, double> counts;
  for (int i = 0; i < kDraws; ++i) {
    Pick p = pick(route, view, random());
    if (p.primary) counts[p.primary->track] += 1.0 / kDraws;
  }
  return counts;
}

TEST(Pick, CanaryWeightsWithinOnePercent) {
  for (std::int64_t weight : {1, 10, 50}) {
    SCOPED_TRACE(weight);
    auto s = shares(routeOf(canaryDeployment("ml", weight)), 1000 + weight);
    EXPECT_NEAR(s["canary"], weight / 100.0, 0.01);
    EXPECT_NEAR(s["stable"], (100 - weight) / 100.0, 0.01);
  }
}

TEST(Pick, VariantWeightsWithinOnePercentAndZeroGetsNothing) {
  auto s = shares(routeOf(abDeployment("ml", 20, 30, 50)), 7);
  EXPECT_NEAR(s["a"], 0.20, 0.01);
  EXPECT_NEAR(s["b"], 0.30, 0.01);
  EXPECT_NEAR(s["c"], 0.50, 0.01);
  auto z = shares(routeOf(abDeployment("ml", 60, 0, 40)), 8);
  EXPECT_EQ(z.count("b"), 0u);
  EXPECT_NEAR(z["a"], 0.60, 0.01);
}

TEST(Pick, StickyKeyAlwaysLandsOnTheSameBackend) {
  auto route = routeOf(canaryDeployment("ml", 30, {{"sticky", {{"header", "X-User"}}}}));
  std::mt19937_64 random(3);
  for (int user = 0; user < 200; ++user) {
    FakeRequest request;
    request.headers["X-User"] = "user-" + std::to_string(user);
    const Backend* first = pick(route, request.view(), random()).primary;
    ASSERT_NE(first, nullptr);
    for (int again = 0; again < 20; ++again) EXPECT_EQ(pick(route, request.view(), random()).primary, first);
  }
}

TEST(Pick, StickyKeysSpreadByWeight) {
  auto route = routeOf(abDeployment("ml", 20, 30, 50, {{"sticky", {{"cookie", "session"}}}}));
  std::map<std::string, double> counts;
  FakeRequest request;
  const RequestView view = request.view();
  for (int user = 0; user < kDraws; ++user) {
    request.cookies["session"] = "s" + std::to_string(user);
    counts[pick(route, view, 0).primary->track] += 1.0 / kDraws;
  }
  EXPECT_NEAR(counts["a"], 0.20, 0.01);
  EXPECT_NEAR(counts["b"], 0.30, 0.01);
  EXPECT_NEAR(counts["c"], 0.50, 0.01);
}

// The track each of `users` keys lands on under `route`.
std::vector<std::string> assignments(const ModelRoute& route, int users) {
  std::vector<std::string> tracks;
  FakeRequest request;
  const RequestView view = request.view();
  for (int user = 0; user < users; ++user) {
    request.headers["X-User"] = "user-" + std::to_string(user);
    tracks.push_back(pick(route, view, static_cast<std::uint64_t>(user)).primary->track);
  }
  return tracks;
}

TEST(Pick, StickyCanaryKeysStayWhenTheCanaryGrows) {
  json sticky = {{"sticky", {{"header", "X-User"}}}};
  std::vector<std::vector<std::string>> byStep;
  for (std::int64_t weight : {5, 10, 25, 50, 100}) byStep.push_back(assignments(routeOf(canaryDeployment("ml", weight, sticky)), 20'000));
  for (std::size_t step = 1; step < byStep.size(); ++step) {
    int moved = 0;
    for (std::size_t user = 0; user < byStep[step].size(); ++user) {
      // A user on the canary stays there as its weight grows; only stable users move (to the canary).
      if (byStep[step - 1][user] == "canary") {
        EXPECT_EQ(byStep[step][user], "canary") << "user " << user;
      }
      if (byStep[step - 1][user] != byStep[step][user]) ++moved;
    }
    EXPECT_GT(moved, 0);
  }
}

TEST(Pick, StickyVariantKeysStayWhenTheirIntervalIsKept) {
  json sticky = {{"sticky", {{"header", "X-User"}}}};
  // a keeps [0,30); b shrinks to [30,45); c grows to [45,100): a's users and b's users in [30,45) stay.
  auto before = assignments(routeOf(abDeployment("ml", 30, 30, 40, sticky)), 20'000);
  auto after = assignments(routeOf(abDeployment("ml", 30, 15, 55, sticky)), 20'000);
  int stayedInB = 0;
  for (std::size_t user = 0; user < before.size(); ++user) {
    if (before[user] == "a") {
      EXPECT_EQ(after[user], "a");
    }
    if (before[user] == "c") {
      EXPECT_EQ(after[user], "c");  // c only grew
    }
    if (after[user] == "b") {
      EXPECT_EQ(before[user], "b");  // b only shrank: nobody joins it
      ++stayedInB;
    }
  }
  EXPECT_GT(stayedInB, 0);
}

TEST(Pick, StickyPointIsDeterministicAndInUnitInterval) {
  EXPECT_EQ(stickyPoint("alice"), stickyPoint("alice"));
  EXPECT_NE(stickyPoint("alice"), stickyPoint("bob"));
  for (int i = 0; i < 1000; ++i) {
    double u = stickyPoint("k" + std::to_string(i));
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(Pick, MissingOrEmptyStickyKeyFallsBackToWeights) {
  auto route = routeOf(canaryDeployment("ml", 50, {{"sticky", {{"header", "X-User"}}}}));
  FakeRequest empty;
  empty.headers["X-User"] = "";
  std::mt19937_64 random(11);
  std::map<std::string, int> counts;
  for (int i = 0; i < 2000; ++i) counts[pick(route, (i % 2 ? empty : FakeRequest{}).view(), random()).primary->track]++;
  EXPECT_GT(counts["canary"], 800);
  EXPECT_GT(counts["stable"], 800);
}

TEST(Pick, PinsWinOverStickyAndWeights) {
  auto route = routeOf(abDeployment("ml", 98, 1, 1, {{"sticky", {{"header", "X-User"}}}}));
  FakeRequest byHeader;
  byHeader.headers["X-Variant"] = "a";
  byHeader.headers["X-User"] = "someone";
  FakeRequest byCookie;
  byCookie.cookies["variant"] = "b";
  FakeRequest wrongValue;
  wrongValue.cookies["variant"] = "c";
  std::mt19937_64 random(5);
  int notA = 0;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(pick(route, byHeader.view(), random()).primary->track, "a");
    EXPECT_EQ(pick(route, byCookie.view(), random()).primary->track, "b");
    if (pick(route, wrongValue.view(), random()).primary->track != "a") ++notA;
  }
  EXPECT_LT(notA, 60);  // no pin: weights (98% a)
}

TEST(Pick, PinToABackendWithoutWeightIsIgnored) {
  auto route = routeOf(abDeployment("ml", 50, 0, 50));
  FakeRequest request;
  request.cookies["variant"] = "b";
  std::mt19937_64 random(9);
  for (int i = 0; i < 500; ++i) EXPECT_NE(pick(route, request.view(), random()).primary->track, "b");
}

TEST(Pick, ShadowCopiesThePercentOfStableRequestsToTheCanary) {
  auto route = routeOf(canaryDeployment("ml", 10, {{"shadow", {{"percent", 20}}}}));
  std::mt19937_64 random(21);
  FakeRequest request;
  const RequestView view = request.view();
  int stableServed = 0, shadowed = 0;
  for (int i = 0; i < kDraws; ++i) {
    Pick p = pick(route, view, random());
    ASSERT_NE(p.primary, nullptr);
    if (p.primary->track == "canary") {
      EXPECT_EQ(p.shadow, nullptr);  // never a copy to the backend that already serves it
      continue;
    }
    ++stableServed;
    if (p.shadow) {
      EXPECT_EQ(p.shadow->track, "canary");
      ++shadowed;
    }
  }
  EXPECT_NEAR(static_cast<double>(shadowed) / stableServed, 0.20, 0.01);
}

TEST(Pick, ShadowWithACanaryAtWeightZero) {
  // A dark launch: the canary takes no live traffic but sees copies.
  auto route = routeOf(canaryDeployment("ml", 0, {{"shadow", {{"percent", 100}}}}));
  FakeRequest request;
  for (std::uint64_t r = 0; r < 1000; ++r) {
    Pick p = pick(route, request.view(), r * 0x9e3779b97f4a7c15ULL);
    ASSERT_NE(p.primary, nullptr);
    EXPECT_EQ(p.primary->track, "stable");
    ASSERT_NE(p.shadow, nullptr);
    EXPECT_EQ(p.shadow->track, "canary");
  }
}

TEST(Pick, NoShadowWithoutPercentOrCanary) {
  auto none = routeOf(canaryDeployment("ml", 10));
  auto promoted = routeOf(canaryDeployment("ml", -1, {{"shadow", {{"percent", 100}}}}));
  FakeRequest request;
  for (std::uint64_t r = 0; r < 1000; ++r) {
    EXPECT_EQ(pick(none, request.view(), r).shadow, nullptr);
    EXPECT_EQ(pick(promoted, request.view(), r).shadow, nullptr);
  }
}

TEST(Pick, NoBackendWithWeightGivesNoPrimary) {
  ModelRoute route;
  route.backends = {{"stable", "x-stable", "h", 80, "v1", "1", 0}};
  FakeRequest request;
  EXPECT_EQ(pick(route, request.view(), 42).primary, nullptr);
  RequestView nothing;  // no header/cookie functions at all
  route.backends[0].weight = 100;
  route.sticky = StickyKey{MatchPin::Source::Header, "X-User"};
  route.pins = {{MatchPin::Source::Cookie, "v", "x", 0}};
  EXPECT_EQ(pick(route, nothing, 42).primary, &route.backends[0]);
}

TEST(CookieValue, ParsesCookieHeaders) {
  EXPECT_EQ(cookieValue("a=1; session=abc; b=2", "session"), "abc");
  EXPECT_EQ(cookieValue("session=abc", "session"), "abc");
  EXPECT_EQ(cookieValue("  session = x", "session"), std::nullopt);  // no spaces around '=' in RFC 6265
  EXPECT_EQ(cookieValue("session=\"quoted\"", "session"), "quoted");
  EXPECT_EQ(cookieValue("mysession=1; session=2", "session"), "2");
  EXPECT_EQ(cookieValue("a=1;b=2", "b"), "2");
  EXPECT_EQ(cookieValue("session=", "session"), "");
  EXPECT_EQ(cookieValue("", "session"), std::nullopt);
  EXPECT_EQ(cookieValue("novalue; x=1", "novalue"), std::nullopt);
}

}  // namespace
}  // namespace modelops::gateway
