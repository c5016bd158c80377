// unit.dashboard: see CMakeLists.txt.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dashboard/actions.h"
#include "dashboard/chart.h"
#include "dashboard/html.h"
#include "dashboard/pages.h"
#include "dashboard/prometheus_range.h"
#include "dashboard/session_guard.h"
#include "dashboard/status_series.h"
#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "modelops/analysis/statistics.h"
#include "modelops/common/time.h"

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

TEST(DashboardHtml, EscapesMarkupQuotesAndControlCharacters) {
  EXPECT_EQ(escapeHtml("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(escapeHtml(std::string("a\x01" "b\x7f" "c\n")), "abc\n");
  EXPECT_EQ(escapeHtml("größe"), "größe");  // UTF-8 passes
  EXPECT_EQ(urlEncode("a b/c?"), "a%20b%2Fc%3F");
  EXPECT_EQ(count(512.0), "512");
  EXPECT_EQ(count(std::nan("")), "-");
  EXPECT_EQ(count(1e300), "-");
  EXPECT_EQ(number3(0.95049), "0.950");
}

TEST(DashboardGuard, ConstantTimeEqualsComparesWholeValues) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(constantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(constantTimeEquals("", ""));  // an empty token never matches
}

TEST(DashboardGuard, TokensAreLongRandomHex) {
  std::string a = newSessionToken(), b = newSessionToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(DashboardGuard, LoopbackAcceptsOnlyItsOwnHostsAndOrigins) {
  SessionGuard g("t0ken", "127.0.0.1", 3100);
  EXPECT_TRUE(g.hostAllowed("127.0.0.1:3100"));
  EXPECT_TRUE(g.hostAllowed("localhost:3100"));
  EXPECT_FALSE(g.hostAllowed("evil.example:3100"));  // DNS rebinding
  EXPECT_FALSE(g.hostAllowed("127.0.0.1:3101"));
  EXPECT_FALSE(g.hostAllowed(""));
  EXPECT_TRUE(g.originAllowed("", "127.0.0.1:3100"));
  EXPECT_TRUE(g.originAllowed("http://127.0.0.1:3100", "127.0.0.1:3100"));
  EXPECT_FALSE(g.originAllowed("http://evil.example", "127.0.0.1:3100"));
  EXPECT_FALSE(g.originAllowed("http://localhost:3100", "127.0.0.1:3100"));  // not the page's own origin
  EXPECT_FALSE(g.originAllowed("null", "127.0.0.1:3100"));
  EXPECT_TRUE(g.tokenMatches("t0ken"));
  EXPECT_FALSE(g.tokenMatches("t0ke"));
  SessionGuard open("t", "0.0.0.0", 80);
  EXPECT_TRUE(open.hostAllowed("dash.example:80"));
  EXPECT_TRUE(open.originAllowed("http://dash.example:80", "dash.example:80"));
  EXPECT_FALSE(open.originAllowed("http://evil.example", "dash.example:80"));
  EXPECT_TRUE(isLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(isLoopbackAddress("::1"));
  EXPECT_FALSE(isLoopbackAddress("0.0.0.0"));
}

TEST(DashboardGuard, CookieValueFindsTheExactName) {
  EXPECT_EQ(cookieValue("a=1; modelops_dashboard=xyz; b=2", "modelops_dashboard"), "xyz");
  EXPECT_EQ(cookieValue("xmodelops_dashboard=no", "modelops_dashboard"), "");
  EXPECT_EQ(cookieValue("", "modelops_dashboard"), "");
}

TEST(DashboardChart, ScaleMapsDomainToRangeAndDegenerateToMiddle) {
  LinearScale y{0.0, 1.0, 200.0, 0.0};
  EXPECT_DOUBLE_EQ(y(0.0), 200.0);
  EXPECT_DOUBLE_EQ(y(0.25), 150.0);
  LinearScale flat{5.0, 5.0, 0.0, 100.0};
  EXPECT_DOUBLE_EQ(flat(5.0), 50.0);
}

TEST(DashboardChart, YRangeCoversBandsAndMinWithHeadroomClampedToRatio) {
  ChartSpec spec{"acc", "", {{"c", "canary", {{0, 0.95, 0.90, 0.99}, {10, 0.96, 0.93, 0.985}}}}, 0.80, true};
  YRange r = chartYRange(spec);
  EXPECT_LE(r.lo, 0.80);
  EXPECT_GE(r.lo, 0.0);
  EXPECT_GE(r.hi, 0.99);
  EXPECT_LE(r.hi, 1.0);
  ChartSpec pinned{"p", "", {{"c", "canary", {{0, 1.0, 1.0, 1.0}}}}, std::nullopt, true};
  YRange p = chartYRange(pinned);
  EXPECT_DOUBLE_EQ(p.hi, 1.0);
  EXPECT_NEAR(p.lo, 0.98, 1e-12);
  EXPECT_DOUBLE_EQ(chartYRange(ChartSpec{}).lo, 0.0);
}

TEST(DashboardChart, BandGoesUpAlongUpperAndBackAlongLowerAndBreaksAtGaps) {
  LinearScale x{0, 10, 0, 100}, y{0, 1, 100, 0};
  std::vector<ChartPoint> pts{{0, 0.5, 0.4, 0.6}, {10, 0.5, 0.3, 0.7}};
  EXPECT_EQ(bandPath(pts, x, y), "M0.0,40.0 L100.0,30.0 L100.0,70.0 L0.0,60.0 Z");
  EXPECT_EQ(linePath(pts, x, y), "M0.0,50.0 L100.0,50.0");
  std::vector<ChartPoint> gap{{0, 0.5, 0.4, 0.6}, {5, 0.5, std::nullopt, std::nullopt}, {10, 0.5, 0.4, 0.6}};
  std::string d = bandPath(gap, x, y);
  EXPECT_EQ(std::count(d.begin(), d.end(), 'Z'), 2);
  std::vector<ChartPoint> none{{0, 0.5, std::nullopt, std::nullopt}};
  EXPECT_EQ(bandPath(none, x, y), "");
}

TEST(DashboardChart, SvgEscapesTitlesAndDrawsMinLine) {
  ChartSpec spec{"<b>acc</b>", "", {{"canary <v2>", "canary", {{100, 0.9, 0.85, 0.95}}}}, 0.8, true};
  std::string svg = renderChart(spec);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;b&gt;acc"), std::string::npos);
  EXPECT_NE(svg.find("canary &lt;v2&gt;"), std::string::npos);
  EXPECT_NE(svg.find("class=\"min\""), std::string::npos);
  EXPECT_NE(svg.find("min 0.800"), std::string::npos);
  EXPECT_NE(svg.find("class=\"band canary\""), std::string::npos);
  EXPECT_NE(renderChart(ChartSpec{"e", "", {}, std::nullopt, true}).find("no data yet"), std::string::npos);
  // Each dot's exact figures as its tooltip, escaped.
  EXPECT_NE(svg.find("<title>canary &lt;v2&gt; · 00:01:40 UTC · 0.900 [0.850, 0.950]</title></circle>"), std::string::npos)
      << svg;
}

TEST(DashboardPrometheus, RangeAnswersAreSummedPerTimestamp) {
  auto r = parseRangeResponse(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"a":"1"},"values":[[100,"3"],[115,"4"]]},
      {"metric":{"a":"2"},"values":[[100,"1"],[115,"NaN"]]}]}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r.value().size(), 2u);
  EXPECT_DOUBLE_EQ(r.value()[0].second, 4.0);
  EXPECT_DOUBLE_EQ(r.value()[1].second, 4.0);
  EXPECT_FALSE(parseRangeResponse(R"({"status":"error","error":"bad query"})").ok());
  EXPECT_NE(parseRangeResponse(R"({"status":"error","error":"bad query"})").error().message.find("bad query"),
            std::string::npos);
  EXPECT_FALSE(parseRangeResponse(R"({"status":"success","data":{"resultType":"vector","result":[]}})").ok());
  EXPECT_FALSE(parseRangeResponse("not json").ok());
}

TEST(DashboardPrometheus, RangeAnswersGroupByALabel) {
  auto r = parseRangeByLabel(R"({"status":"success","data":{"resultType":"matrix","result":[
      {"metric":{"class":"8","pod":"a"},"values":[[100,"1"]]},
      {"metric":{"class":"8","pod":"b"},"values":[[100,"2"]]},
      {"metric":{"class":"3"},"values":[[100,"5"],[115,"6"]]},
      {"metric":{},"values":[[100,"7"]]}]}})", "class");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r.value().size(), 3u);
  EXPECT_DOUBLE_EQ(r.value().at("8")[0].second, 3.0);  // two pods summed
  EXPECT_EQ(r.value().at("3").size(), 2u);
  EXPECT_DOUBLE_EQ(r.value().at("")[0].second, 7.0);  // no class label
}

TEST(DashboardPrometheus, AccuracyPointsUseTheWilsonIntervalAndSkipUnusableSamples) {
  Samples s{{100, 90}, {115, 0}, {130, 5}}, n{{100, 100}, {115, 0}, {145, 10}};
  auto pts = accuracyPoints(s, n, 0.95);
  ASSERT_EQ(pts.size(), 1u);  // 115: no trials; 130 and 145: no common time
  EXPECT_DOUBLE_EQ(pts[0].value, 0.9);
  auto ci = analysis::wilsonTwoSided(90, 100, 0.95);
  EXPECT_DOUBLE_EQ(*pts[0].lower, ci.lower);
  EXPECT_DOUBLE_EQ(*pts[0].upper, ci.upper);
  EXPECT_LT(*pts[0].lower, 0.9);
  EXPECT_GT(*pts[0].upper, 0.9);
}

TEST(DashboardPrometheus, RatesAndWindowsAreBounded) {
  auto rates = ratePoints({{0, 10}, {10, 30}, {20, 5}, {30, 15}});
  ASSERT_EQ(rates.size(), 2u);  // the reset at 20 gives no point
  EXPECT_DOUBLE_EQ(rates[0].value, 2.0);
  EXPECT_DOUBLE_EQ(rates[1].value, 1.0);
  RangeWindow w = rangeWindow(0.0, 1'000'000.0);  // started long ago: the last 24 h only
  EXPECT_LE(w.start, 1'000'000.0 - 86400.0);
  EXPECT_GT(w.start, 1'000'000.0 - 86400.0 - w.step);
  EXPECT_LE((w.end - w.start) / w.step, 240.0);
  RangeWindow fresh = rangeWindow(999'990.0, 1'000'000.0);
  EXPECT_DOUBLE_EQ(fresh.step, 5.0);
  EXPECT_DOUBLE_EQ(fresh.start, 1'000'000.0 - 600.0);  // ten minutes of context
  EXPECT_DOUBLE_EQ(fresh.end, 1'000'000.0);
  EXPECT_DOUBLE_EQ(rangeWindow(std::nullopt, 7200.0).start, 3600.0);
}

// Against a real Prometheus the successes of a chart could come from the 10 s cache and the trials from
// a query sent seconds later: both windows must ask for the same timestamps, or accuracyPoints finds no
// common time and the chart is empty. Windows are on the step's grid, and end at most one step before now
// (never after it: no point is drawn at a time that has not come).
TEST(DashboardPrometheus, WindowsSecondsApartShareTheirTimestamps) {
  const double since = 1'000'000.0;
  for (double now : {1'000'300.0, 1'000'301.7, 1'000'303.2, 1'005'000.4, 1'090'000.9}) {
    RangeWindow a = rangeWindow(since, now), b = rangeWindow(since, now + 3.1);
    ASSERT_DOUBLE_EQ(a.step, b.step) << now;
    EXPECT_DOUBLE_EQ(std::fmod(a.start, a.step), 0.0) << now;
    EXPECT_DOUBLE_EQ(std::fmod(b.start - a.start, a.step), 0.0) << now;
    EXPECT_DOUBLE_EQ(std::fmod(a.end, a.step), 0.0) << now;
    EXPECT_LE(a.end, now) << "no point ahead of now";
    EXPECT_GT(a.end, now - a.step);
    EXPECT_LE((a.end - a.start) / a.step, 240.0) << now;
  }
  // The pair, as the cache can give it: successes on one window, trials on the other, same grid.
  RangeWindow a = rangeWindow(since, 1'000'301.7), b = rangeWindow(since, 1'000'304.8);
  Samples successes, trials;
  for (double t = a.start; t <= a.end; t += a.step) successes.push_back({t, 90});
  for (double t = b.start; t <= b.end; t += b.step) trials.push_back({t, 100});
  EXPECT_FALSE(accuracyPoints(successes, trials, 0.95).empty());
}

// The accuracy and the gateway's charts share the rollout's window (since status.rolloutStartedAt).
TEST(DashboardPrometheus, RolloutWindowStartsAtTheRollout) {
  api::ModelDeployment md;
  md.status.rolloutStartedAt = "2026-11-25T10:00:00Z";
  const double started = 1'795'600'800.0;  // 2026-11-25T10:00:00Z
  RangeWindow w = rolloutWindow(md, started + 3600);
  EXPECT_DOUBLE_EQ(w.start, rangeWindow(started, started + 3600).start);
  EXPECT_LE(w.start, started);
  EXPECT_GT(w.start, started - w.step);
  md.status.rolloutStartedAt.reset();
  EXPECT_DOUBLE_EQ(rolloutWindow(md, started + 3600).start, rangeWindow(std::nullopt, started + 3600).start);
}

json rolloutDoc() {
  return json::parse(R"({
    "apiVersion":"modelops.dev/v1alpha1","kind":"ModelDeployment",
    "metadata":{"name":"fraud","namespace":"ml","generation":2,"creationTimestamp":"2026-11-25T10:00:00Z"},
    "spec":{"model":{"version":"v2"},"strategy":{"canary":{"steps":[{"setWeight":20},{"pause":{}},{"setWeight":50}]}},
            "analysis":{"metrics":[{"name":"accuracy","provider":{"prometheus":{"address":"http://127.0.0.1:1"}},
                        "successes":"s","trials":"t","accuracy":{"min":0.9}}]}},
    "status":{"observedGeneration":2,"phase":"Paused","message":"<img src=x onerror=alert(1)> waiting",
      "stable":{"revision":1,"version":"v1"},"canary":{"revision":2,"version":"v2","weight":20},
      "currentStepIndex":1,
      "analysis":{"runs":[{"metric":"accuracy","at":"2026-11-25T10:05:00Z","value":0.95,"lowerBound":0.91,
                           "upperBound":0.97,"samples":400,"segments":[{"segment":"class=8","value":0.7,
                           "lowerBound":0.6,"upperBound":0.8}]}],
                  "progress":{"outcome":"Running","metrics":[{"metric":"accuracy","latestAt":"2026-11-25T10:06:00Z",
                     "labelsPerSecond":2.5,"latest":{"phase":"Successful","value":0.953,"lowerBound":0.921,
                     "upperBound":0.975,"samples":512,"stableValue":0.94}}]}},
      "conditions":[{"type":"Progressing","status":"True","reason":"<i>r</i>","message":"m"}],
      "history":[{"revision":1,"version":"v1","outcome":"Promoted","reason":"first <deploy>"}]}})");
}

TEST(DashboardStatusSeries, RunsAndLatestVerdictsBecomeTimedPoints) {
  SeriesMap m = seriesFromStatus(rolloutDoc());
  ASSERT_EQ(m["accuracy|canary"].size(), 2u);
  EXPECT_DOUBLE_EQ(m["accuracy|canary"][0].value, 0.95);
  EXPECT_DOUBLE_EQ(*m["accuracy|canary"][1].lower, 0.921);
  EXPECT_DOUBLE_EQ(m["accuracy|stable"][0].value, 0.94);
  EXPECT_DOUBLE_EQ(m["accuracy|labels"][0].value, 2.5);
  EXPECT_DOUBLE_EQ(m["accuracy|segment|class=8"][0].value, 0.7);
  EXPECT_EQ(measuredRevision(rolloutDoc()), 2);

  StatusSeries store;
  store.observe("ml/fraud", rolloutDoc());
  store.observe("ml/fraud", rolloutDoc());  // the same times: replaced, not duplicated
  EXPECT_EQ(store.get("ml/fraud", 2)["accuracy|canary"].size(), 2u);
  store.forget("ml/fraud");
  EXPECT_TRUE(store.get("ml/fraud", 2).empty());
}

TEST(DashboardStatusSeries, AbTestVariantsHaveTheirOwnSeriesAndHeadline) {
  json md = rolloutDoc();
  md["status"]["analysis"] = json::parse(R"({"progressByVariant":{
      "control":{"metrics":[{"metric":"accuracy","latestAt":"2026-11-25T10:06:00Z","latest":{"value":0.91,"lowerBound":0.88,"samples":300}}]},
      "treatment":{"metrics":[{"metric":"accuracy","latestAt":"2026-11-25T10:06:00Z","latest":{"value":0.93,"lowerBound":0.9,"samples":310}}]}}})");
  SeriesMap m = seriesFromStatus(md);
  ASSERT_EQ(m["accuracy|variant|control"].size(), 1u);
  EXPECT_DOUBLE_EQ(*m["accuracy|variant|treatment"][0].lower, 0.9);
  auto h = headlineOf(md);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->metric, "accuracy (control)");
  EXPECT_DOUBLE_EQ(*h->samples, 300);
}

TEST(DashboardPages, ListShowsStatusNumbersAndFilters) {
  PageContext ctx{"tok", "namespace ml", "", false};
  auto now = *parseRfc3339("2026-11-25T11:00:00Z");
  std::string page = renderListPage({rolloutDoc()}, {}, now, ctx);
  EXPECT_NE(page.find("data-phase=\"Paused\""), std::string::npos);
  EXPECT_NE(page.find("0.953"), std::string::npos);  // value
  EXPECT_NE(page.find("0.921"), std::string::npos);  // bound
  EXPECT_NE(page.find("n=512"), std::string::npos);
  EXPECT_NE(page.find("80/20"), std::string::npos);
  EXPECT_NE(page.find(">60m<"), std::string::npos);
  EXPECT_NE(renderListPage({}, {}, now, ctx).find("No ModelDeployments."), std::string::npos);
  std::string filtered = renderListPage({rolloutDoc()}, {"", "Healthy"}, now, ctx);
  EXPECT_EQ(filtered.find("data-name=\"fraud\""), std::string::npos);
  EXPECT_NE(filtered.find("match the filter"), std::string::npos);
}

TEST(DashboardPages, DetailEscapesEverythingFromTheCluster) {
  DetailInput in{rolloutDoc(), {json{{"type", "Normal"}, {"reason", "Step"}, {"message", "<script>x</script>"}}}, {},
                 *parseRfc3339("2026-11-25T11:00:00Z"), ""};
  std::string page = renderDetailPage(in, PageContext{"tok", "namespace ml", "", false});
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt; waiting"), std::string::npos);
  EXPECT_EQ(page.find("<script>x"), std::string::npos);
  EXPECT_EQ(page.find("<i>r</i>"), std::string::npos);
  EXPECT_NE(page.find("first &lt;deploy&gt;"), std::string::npos);
  EXPECT_NE(page.find("aria-current=\"step\""), std::string::npos);  // the pause step is current
  EXPECT_NE(page.find("2. pause (until promoted)"), std::string::npos);
  EXPECT_NE(page.find("<meta name=\"modelops-token\" content=\"tok\">"), std::string::npos);
  std::string partial = renderDetailPage(in, PageContext{"tok", "", "", true});
  EXPECT_EQ(partial.rfind("<main", 0), 0u);
  EXPECT_EQ(partial.find("modelops-token"), std::string::npos);
}

TEST(DashboardActions, OnlyThePluginsActionsAreKnown) {
  for (const char* a : {"promote", "promote-full", "abort", "retry", "pause", "resume", "undo", "retrain"})
    EXPECT_TRUE(isKnownAction(a)) << a;
  EXPECT_FALSE(isKnownAction("delete"));
  EXPECT_FALSE(isKnownAction(""));
}

// The same annotation write as `kubectl modelops promote`, the plugin's refusals, and the API's own
// refusal (RBAC) passed on with its status and message.
TEST(DashboardActions, RunTheCommandsAndPassTheApisRefusalOn) {
  modelops::testing::FakeKubeClient client;
  modelops::testing::FakeClock clock;
  json md = rolloutDoc();
  md.erase("status");
  ASSERT_TRUE(client.create(kube::resources::modelDeployments(), "ml", md).ok());
  json withStatus = client.get(kube::resources::modelDeployments(), "ml", "fraud").value();
  withStatus["status"] = rolloutDoc()["status"];
  ASSERT_TRUE(client.updateStatus(kube::resources::modelDeployments(), "ml", withStatus).ok());

  ActionOutcome done = runAction(client, clock, "ml", "fraud", "promote", "");
  EXPECT_EQ(done.httpStatus, 200) << done.message;
  EXPECT_NE(done.message.find("promote requested"), std::string::npos);
  json after = client.get(kube::resources::modelDeployments(), "ml", "fraud").value();
  EXPECT_EQ(after["metadata"]["annotations"]["modelops.dev/action"], "promote");
  EXPECT_EQ(after["spec"], withStatus["spec"]);  // metadata only

  EXPECT_EQ(runAction(client, clock, "ml", "fraud", "promote", "b").httpStatus, 409);  // --variant on a canary
  EXPECT_EQ(runAction(client, clock, "ml", "fraud", "delete", "").httpStatus, 400);
  EXPECT_EQ(runAction(client, clock, "ml", "missing", "pause", "").httpStatus, 404);

  client.setFault([](const modelops::testing::FakeKubeClient::Call& c) -> std::optional<kube::ApiError> {
    if (c.verb != "patch") return std::nullopt;
    return kube::ApiError{403, "Forbidden",
                          "modeldeployments.modelops.dev \"fraud\" is forbidden: User \"dev\" cannot patch resource", {}, {}};
  });
  ActionOutcome refused = runAction(client, clock, "ml", "fraud", "pause", "");
  EXPECT_EQ(refused.httpStatus, 403);
  EXPECT_NE(refused.message.find("cannot patch resource"), std::string::npos) << refused.message;
}

std::string sourceFile(const std::string& relative) {
  const char* root = std::getenv("MODELOPS_SOURCE_DIR");
  std::ifstream in(std::string(root && *root ? root : ".") + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The Grafana dashboard ships twice (the chart can only read files inside itself): the copies are equal,
// parse, and every metric a panel queries is one docs/metrics.md documents.
TEST(DashboardGrafana, ChartAndDocsCopiesAreEqualAndQueryDocumentedMetrics) {
  const std::string chart = sourceFile("helm/modelops-operator/dashboards/modelops.json");
  ASSERT_FALSE(chart.empty());
  EXPECT_EQ(chart, sourceFile("docs/grafana/modelops.json")) << "copy helm/modelops-operator/dashboards/modelops.json "
                                                                 "to docs/grafana/";
  json dash = json::parse(chart, nullptr, false);
  ASSERT_FALSE(dash.is_discarded());
  EXPECT_EQ(dash["uid"], "modelops-rollouts");
  const std::string metricsDoc = sourceFile("docs/metrics.md");
  const std::regex metric(R"((modelops|kube_customresource)_[a-z_]+)");
  std::size_t queries = 0;
  for (const auto& panel : dash["panels"]) {
    for (const auto& target : panel.value("targets", json::array())) {
      const std::string expr = target.value("expr", "");
      ASSERT_FALSE(expr.empty()) << panel.dump();
      ++queries;
      for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) {
        std::string name = it->str();
        for (const char* suffix : {"_bucket", "_sum", "_count"})
          if (name.ends_with(suffix) && metricsDoc.find("`" + name + "`") == std::string::npos)
            name = name.substr(0, name.size() - std::string(suffix).size());
        EXPECT_NE(metricsDoc.find(name), std::string::npos) << name << " (panel " << panel["title"] << ") is not in docs/metrics.md";
      }
    }
  }
  EXPECT_GE(queries, 15u);
}

// The chart's PrometheusRule carries exactly the example alerts of docs/metrics.md.
TEST(DashboardGrafana, ChartAlertsAreTheDocumentedOnes) {
  const std::string doc = sourceFile("docs/metrics.md");
  const auto section = doc.find("## Example alerts");
  ASSERT_NE(section, std::string::npos);
  const auto start = doc.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 8);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(sourceFile("helm/modelops-operator/files/alerts.yaml"), doc.substr(start + 8, end - start - 8))
      << "helm/modelops-operator/files/alerts.yaml differs from docs/metrics.md's example alerts";
}

}  // namespace
}  // namespace modelops::plugin::dashboard
