// e2e.dashboard: `kubectl modelops dashboard` in a real browser (Debian's headless chromium, driven over
// the DevTools protocol by browser.py) against the in-process dev API server, the real modelops-operator
// and a real prometheus scraping every second one modelops-model-sim per version and the gateway's metric
// families (real_prometheus.h): the operator's analysis and the dashboard's range queries use the same
// templates against it. Checks: the rendered list and detail pages show what status holds (names, phase,
// versions, weights, the verdict's value, bound and n), the accuracy chart's source says Prometheus (range
// queries of the metric's own templates, counted by prometheus itself) with bands and the min line, the
// gateway's per-class charts are drawn, Promote + Confirm moves a
// paused rollout on and the open page follows through the watch, an action without the token is refused
// (403, from the page and from a plain client, as are a foreign Host and Origin), and HTML in a
// ModelDeployment's message is shown as text. Screenshots of both pages stay in the build directory
// (e2e-artifacts/dashboard/, paths printed).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <regex>

#include "dashboard/html.h"
#include "dashboard/prometheus_range.h"
#include "operator/operator_fixture.h"
#include "real_prometheus.h"

namespace modelops::itest {
namespace {

using plugin::dashboard::number3;

double epochNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// How many times of the dashboard's window for a rollout started now (its 5 s step grid) have a positive
// value of `promql` in prometheus: the canary's accuracy is a line with a band only from two on.
std::size_t gridTimes(const e2e::RealPrometheus& prom, const std::string& promql) {
  const double now = epochNow();
  const auto w = plugin::dashboard::rangeWindow(now, now);
  auto samples = plugin::dashboard::parseRangeResponse(prom.range(promql, w.start, w.end, w.step));
  std::size_t n = 0;
  if (samples.ok())
    for (const auto& [t, v] : samples.value()) n += v > 0 ? 1 : 0;
  return n;
}

// The rollout's metrics: stable v1 generates labelled traffic (20 labels/s, 94 % right); canary v2
// (--rate 0, every prediction labelled) counts only the predictions the test sends, so its verdict's n is
// exactly what the test made (60: fewer than minSamples, inconclusive while the browser looks).
struct Metrics {
  TempDir dir;
  std::unique_ptr<e2e::ModelSim> v1, v2;
  std::unique_ptr<e2e::GatewayExporter> gateway;
  std::unique_ptr<e2e::RealPrometheus> prometheus;
};

std::unique_ptr<Metrics> startMetrics() {
  auto m = std::make_unique<Metrics>();
  const std::string sim = binaryDir() + "/bin/modelops-model-sim";
  m->v1 = std::make_unique<e2e::ModelSim>(sim, "v1", std::vector<std::string>{"--rate", "40", "--label-ratio", "0.5",
                                                                               "--accuracy", "0.94", "--seed", "1"},
                                          m->dir.file("sim-v1.log"));
  m->v2 = std::make_unique<e2e::ModelSim>(sim, "v2", std::vector<std::string>{"--rate", "0", "--label-ratio", "1",
                                                                               "--accuracy", "0.98", "--seed", "2"},
                                          m->dir.file("sim-v2.log"));
  m->gateway = std::make_unique<e2e::GatewayExporter>(kNs, "fraud", "v1", "v2");
  m->prometheus = std::make_unique<e2e::RealPrometheus>(
      m->dir.path(), std::vector<int>{m->v1->port(), m->v2->port(), m->gateway->port()});
  return m;
}

// The analysis' own templates over the simulators' counters ({{model}} is spec.model.name, the name).
Json simAccuracyAnalysis(const std::string& prometheusUrl) {
  Json analysis = accuracyAnalysis(prometheusUrl, 0.9, 100);
  analysis["metrics"][0]["successes"] = R"(sum(model_feedback_correct_total{model="{{model}}",version="{{version}}"}))";
  analysis["metrics"][0]["trials"] = R"(sum(model_feedback_labeled_total{model="{{model}}",version="{{version}}"}))";
  analysis["metrics"][0]["inconclusiveLimit"] = 100;  // inconclusive while the test looks
  return analysis;
}

struct Dashboard {
  std::unique_ptr<ChildProcess> process;
  std::string url, base, token;
  int port = 0;
};

Dashboard startDashboard(const Cluster& cluster, const TempDir& home) {
  Dashboard d;
  d.process = std::make_unique<ChildProcess>(
      std::vector<std::string>{binaryDir() + "/bin/kubectl-modelops", "dashboard", "--kubeconfig", cluster.kubeconfig(),
                               "-A", "--port", "0"},
      testing::ChildProcessOptions::exactEnvironment({"HOME=" + home.path(), "PATH=/usr/bin:/bin"}));
  static const std::regex line(R"(Dashboard: (http://127\.0\.0\.1:([0-9]+))/\?token=([0-9a-f]{64})\n)");
  std::smatch m;
  d.process->waitForOutput([&](const std::string& out) { return std::regex_search(out, m, line); }, 15s,
                           testing::OutputStream::Stdout);
  std::string out = d.process->out();
  if (!std::regex_search(out, m, line)) throw std::runtime_error("no dashboard URL; output:\n" + out + d.process->err());
  d.base = m[1];
  d.port = std::stoi(m[2]);
  d.token = m[3];
  d.url = d.base + "/?token=" + d.token;
  return d;
}

std::string wsUrlOf(ChildProcess& chromium) {
  static const std::regex ws(R"(DevTools listening on (ws://127\.0\.0\.1:[0-9]+/devtools/browser/[0-9a-f-]+))");
  std::smatch m;
  chromium.waitForOutput([&](const std::string& all) { return std::regex_search(all, m, ws); }, 30s);
  std::string err = chromium.err();
  if (!std::regex_search(err, m, ws)) throw std::runtime_error("chromium printed no DevTools address:\n" + err);
  return m[1];
}

// The guard refuses requests without the token, from another Host or another Origin.
void checkRefusals(const Dashboard& d) {
  httplib::Client cli("127.0.0.1", d.port);
  auto anonymous = cli.Get("/");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 403) << "a page without the session token";
  auto login = cli.Get("/?token=" + d.token);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 303);
  EXPECT_NE(login->get_header_value("Set-Cookie").find("HttpOnly; SameSite=Strict"), std::string::npos);
  const std::string cookie = "modelops_dashboard=" + d.token;
  const std::string path = "/api/ns/default/md/fraud/actions/abort";
  auto noToken = cli.Post(path, {{"Cookie", cookie}}, "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(noToken);
  EXPECT_EQ(noToken->status, 403) << "an action with the cookie but without the token";
  auto wrongToken = cli.Post(path, {{"Cookie", cookie}, {"X-Modelops-Token", std::string(64, '0')}}, "",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrongToken);
  EXPECT_EQ(wrongToken->status, 403);
  auto foreignOrigin = cli.Post(path, {{"Cookie", cookie}, {"X-Modelops-Token", d.token}, {"Origin", "http://evil.example"}},
                                "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(foreignOrigin);
  EXPECT_EQ(foreignOrigin->status, 403);
  auto rebound = cli.Get("/", {{"Cookie", cookie}, {"Host", "evil.example:" + std::to_string(d.port)}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403) << "DNS rebinding: a foreign Host";
}

// status.analysis.progress.metrics[0].latest, or an empty object.
Json latestVerdict(const Json& status) {
  const Json* cur = &status;
  for (const char* k : {"analysis", "progress", "metrics"}) {
    if (!cur->is_object() || !cur->contains(k)) return Json::object();
    cur = &(*cur)[k];
  }
  if (!cur->is_array() || cur->empty() || !(*cur)[0].contains("latest")) return Json::object();
  return (*cur)[0]["latest"];
}

// The list row of `fraud` says what status says (phase, versions, weights, the verdict's numbers).
void expectListRowEqualsStatus(const Json& list, const Json& before) {
  const Json latest = latestVerdict(before);
  bool found = false;
  for (const auto& row : list) {
    if (row["name"] != "fraud") continue;
    found = true;
    EXPECT_EQ(row["phase"], before.value("phase", "?"));
    EXPECT_EQ(row["stable"], "v1");
    EXPECT_EQ(row["canary"], "v2");
    EXPECT_EQ(row["weights"], "80/20");
    const std::string verdict = row["verdict"];
    EXPECT_NE(verdict.find(number3(latest["value"].get<double>())), std::string::npos) << verdict;
    EXPECT_NE(verdict.find(number3(latest["lowerBound"].get<double>())), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("n=" + std::to_string(latest["samples"].get<std::int64_t>())), std::string::npos) << verdict;
  }
  EXPECT_TRUE(found) << list.dump();
}

// The detail page: summary, verdict numbers equal to status, the accuracy chart from Prometheus (its
// caption, bands spanning time, the newest canary point equal to status' value), the gateway's charts.
void expectDetailEqualsStatus(const Json& detail, const Json& before, const Json& earlier, const std::string& promUrl) {
  const Json latest = latestVerdict(before);
  EXPECT_EQ(detail["name"], "fraud");
  EXPECT_EQ(detail["phase"], before.value("phase", "?"));
  EXPECT_TRUE(detail["message"] == before.value("message", "") || detail["message"] == earlier.value("message", ""))
      << detail["message"] << " vs " << before.value("message", "");
  EXPECT_EQ(detail["canaryWeight"], "20");
  EXPECT_NE(detail["currentStep"].get<std::string>().find("2. analysis"), std::string::npos) << detail.dump();
  ASSERT_FALSE(detail["verdicts"].empty()) << detail.dump();
  EXPECT_EQ(detail["verdicts"][0]["value"], number3(latest["value"].get<double>()));
  EXPECT_EQ(detail["verdicts"][0]["lower"], number3(latest["lowerBound"].get<double>()));
  EXPECT_EQ(detail["verdicts"][0]["samples"], std::to_string(latest["samples"].get<std::int64_t>()));
  EXPECT_GE(detail["bands"].get<int>(), 2) << "canary and stable bands";
  // The accuracy chart's bands span time: each polygon has at least two points up and two back.
  ASSERT_EQ(detail["firstChartBandVertices"].size(), 2u) << detail.dump();
  for (const auto& vertices : detail["firstChartBandVertices"]) EXPECT_GE(vertices.get<int>(), 4) << detail.dump();
  // Its newest canary point is Prometheus' answer for the counts the verdict measured (they no longer
  // change): the same accuracy as status.
  EXPECT_NE(detail["canaryLastDot"].get<std::string>().find("canary v2 · "), std::string::npos) << detail.dump();
  EXPECT_NE(detail["canaryLastDot"].get<std::string>().find(" · " + number3(latest["value"].get<double>()) + " ["),
            std::string::npos)
      << detail["canaryLastDot"] << " vs " << latest.dump();
  EXPECT_GE(detail["minLines"].get<int>(), 1);
  // The accuracy chart's caption: Prometheus, the metric's own templates as range queries, which the
  // real prometheus counts.
  bool accuracyFromPrometheus = false;
  for (const auto& source : detail["sources"])
    accuracyFromPrometheus = accuracyFromPrometheus ||
        source.get<std::string>().starts_with("Prometheus " + promUrl + " (range queries of the metric's successes/trials");
  EXPECT_TRUE(accuracyFromPrometheus) << detail["sources"].dump();
  EXPECT_NE(detail["titles"].dump().find("class 8 · accuracy (recall)"), std::string::npos) << detail["titles"].dump();
  EXPECT_NE(detail["titles"].dump().find("predictions per second by predicted class"), std::string::npos);
  EXPECT_EQ(detail["live"], "live");
}

class DashboardE2E : public OperatorTest {};

TEST_F(DashboardE2E, BrowserShowsTheLiveRolloutAndPromotesIt) {
  if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "Debian package chromium is not installed";
  if (!std::filesystem::exists("/usr/bin/prometheus")) GTEST_SKIP() << "Debian package prometheus is not installed";
  auto metrics = startMetrics();
  e2e::RealPrometheus& prom = *metrics->prometheus;
  // The canary's 60 labels now: scraped while the operator starts, so they are at two times of the
  // dashboard's grid sooner (its newest time is at most one 5 s step old).
  metrics->v2->predict(60);
  startOperator({"--namespace", kNs});
  Json steps = Json::parse(R"([{"setWeight": 20}, {"analysis": {}}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}])");
  Json analysis = simAccuracyAnalysis(prom.url());
  cluster().create(res::modelDeployments(), kNs, modelDeployment("fraud", "v1", 2, canaryStrategy(steps), analysis));
  ASSERT_TRUE(waitHealthyAt("fraud", "v1"));
  ASSERT_EQ(setVersion("fraud", "v2"), "");

  // A ModelDeployment outside the operator's namespace whose message (written here) holds HTML.
  const std::string html = "<img src=x onerror=\"window.__modelopsInjected=1\"><b>bold</b>";
  Json other = modelDeployment("xss", "v1", 1, canaryStrategy(Json::array()));
  other["metadata"]["namespace"] = "lab";
  cluster().create(res::namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "lab"}}}});
  Json created = cluster().create(res::modelDeployments(), "lab", other);
  created["status"] = {{"phase", "Failed"}, {"message", html}};
  ASSERT_TRUE(cluster().client().updateStatus(res::modelDeployments(), "lab", created).ok());

  TempDir home;
  Dashboard d = startDashboard(cluster(), home);
  checkRefusals(d);
  const std::string artifacts = binaryDir() + "/e2e-artifacts/dashboard";
  std::filesystem::create_directories(artifacts);
  TempDir profile;
  testing::ChildProcessOptions chromeOptions;
  chromeOptions.ownProcessGroup = true;
  chromeOptions.terminateGrace = 3000ms;
  ChildProcess chromium({"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--user-data-dir=" + profile.path(), "--remote-debugging-port=0",
                         "about:blank"},
                        chromeOptions);
  const std::string ws = wsUrlOf(chromium);

  // While the analysis step measures (inconclusive: too few labels), the page shows its numbers.
  ASSERT_TRUE(waitFor([&] { return latestVerdict(status("fraud")).value("samples", 0.0) == 60.0; }, 30s))
      << status("fraud").dump(1) << "\nprometheus log:\n" << prom.log();
  // The gateway's prediction rate at one time of the dashboard's 5 s grid at least, so its charts are
  // drawn; the canary's and the stable's labels at two, so their accuracy is a line with a band.
  auto labelled = [](const std::string& version) {
    return R"(sum(model_feedback_labeled_total{model="fraud",version=")" + version + R"("}))";
  };
  ASSERT_TRUE(waitFor([&] {
    return gridTimes(prom, "sum(rate(modelops_predictions_total[5m]))") >= 1 && gridTimes(prom, labelled("v2")) >= 2 &&
           gridTimes(prom, labelled("v1")) >= 2;
  }, 30s)) << prom.log();
  const std::string out = artifacts;
  auto browser = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/python3", sourceDir() + "/tests/e2e/dashboard/browser.py", "--ws", ws,
                                  "--url", d.url, "--namespace", kNs, "--name", "fraud"};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run(argv, {"PATH=/usr/bin:/bin", "HOME=" + home.path()}, 120s);
  };
  const Json earlier = status("fraud");
  auto run = browser({"--phase", "view", "--xss-namespace", "lab", "--xss-name", "xss", "--out", out});
  ASSERT_EQ(run.code, 0) << run.err << "\ndashboard log:\n" << d.process->err();
  const Json before = status("fraud");
  Json seen = Json::parse(run.out);
  std::cout << "screenshots: " << seen.value("listScreenshot", "") << " " << seen.value("detailScreenshot", "") << " "
            << seen.value("darkScreenshot", "") << "\n";

  expectListRowEqualsStatus(seen["list"], before);
  expectDetailEqualsStatus(seen["detail"], before, earlier, prom.url());
  EXPECT_TRUE(waitFor([&] { return prom.rangeQueries() > 0; }, 10s)) << "prometheus answered no range query";

  // Without the token header the page's own request is refused; HTML in a message is text.
  EXPECT_EQ(seen["tokenlessStatus"], 403);
  EXPECT_EQ(seen["xss"]["message"], html);
  EXPECT_EQ(seen["xss"]["elements"], 0);
  EXPECT_EQ(seen["xss"]["images"], 0);
  EXPECT_EQ(seen["xss"]["injected"], false);

  // Enough labels: the analysis passes and the rollout pauses; Promote + Confirm moves it on, and the
  // open page follows it through the watch (browser.py waits for it).
  metrics->v2->predict(500);
  ASSERT_TRUE(waitFor([&] { return phase("fraud") == "Paused" && status("fraud").value("currentStepIndex", -1) == 2; }, 30s))
      << status("fraud").dump(1) << "\n" << logTail();
  run = browser({"--phase", "promote", "--expect-weight", "60"});
  ASSERT_EQ(run.code, 0) << run.err << "\ndashboard log:\n" << d.process->err();
  seen = Json::parse(run.out);
  EXPECT_EQ(seen["toast"]["cls"], "ok") << seen["toast"].dump();
  EXPECT_NE(seen["toast"]["text"].get<std::string>().find("promote requested"), std::string::npos);
  EXPECT_EQ(seen["after"]["canaryWeight"], "60");
  const Json after = md("fraud");
  EXPECT_EQ(after["status"].value("currentStepIndex", -1), 4) << after["status"].dump(1);
  EXPECT_EQ(after["metadata"]["annotations"].value("modelops.dev/action", ""), "promote");
  EXPECT_EQ(after["metadata"]["annotations"].value("modelops.dev/action-id", ""),
            after["status"].value("lastHandledActionId", "?"));

  chromium.terminate(3000ms);
  d.process->terminate(5000ms);
}

}  // namespace
}  // namespace modelops::itest
