// e2e.dashboard: `kubectl modelops dashboard` in a real browser (Debian's headless chromium, driven over
// the DevTools protocol by browser.py) against the in-process dev API server, the real modelops-operator
// and a Prometheus stand-in that answers the operator's instant queries and the dashboard's range
// queries (range_prometheus.h; not a real Prometheus, to keep the suite to seconds). Checks: the
// rendered list and detail pages show what status holds (names, phase, versions, weights, the verdict's
// value, bound and n), charts come from Prometheus with bands and the min line, Promote + Confirm moves a
// paused rollout on and the open page follows through the watch, an action without the token is refused
// (403, from the page and from a plain client, as are a foreign Host and Origin), and HTML in a
// ModelDeployment's message is shown as text. Screenshots of both pages stay in the build directory
// (e2e-artifacts/dashboard/, paths printed).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <regex>

#include "dashboard/html.h"
#include "operator/operator_fixture.h"
#include "range_prometheus.h"

namespace modelops::itest {
namespace {

using plugin::dashboard::number3;

double epochNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Ten minutes of history: stable v1 near 0.94 throughout, canary v2 from five minutes ago ending at
// 57 of 60 right (fewer than minSamples: its analysis stays inconclusive until the test adds labels).
void seedHistory(e2e::RangePrometheus& prom, double now) {
  for (int i = 0; i <= 40; ++i) {
    double t = now - 600 + i * 15.0;
    double n1 = 200 + i * 40.0;
    prom.set("v1", t, std::floor(n1 * (0.935 + 0.01 * std::sin(i / 3.0))), n1);
    if (i >= 20 && i < 40) prom.set("v2", t, std::floor((i - 19) * 2.9), (i - 19) * 3.0);
  }
  prom.set("v2", now, 57, 60);
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

class DashboardE2E : public OperatorTest {};

TEST_F(DashboardE2E, BrowserShowsTheLiveRolloutAndPromotesIt) {
  if (!std::filesystem::exists("/usr/bin/chromium")) GTEST_SKIP() << "Debian package chromium is not installed";
  e2e::RangePrometheus prom;
  const double t0 = epochNow();
  seedHistory(prom, t0);
  startOperator({"--namespace", kNs});
  Json steps = Json::parse(R"([{"setWeight": 20}, {"analysis": {}}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}])");
  Json analysis = accuracyAnalysis(prom.url(), 0.9, 100);
  analysis["metrics"][0]["inconclusiveLimit"] = 100;  // inconclusive while the test looks
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
      << status("fraud").dump(1);
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

  // The list row says what status says.
  const Json latest = latestVerdict(before);
  bool found = false;
  for (const auto& row : seen["list"]) {
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
  EXPECT_TRUE(found) << seen["list"].dump();

  // The detail page: summary, verdict numbers equal to status, charts from Prometheus with bands.
  const Json detail = seen["detail"];
  EXPECT_EQ(detail["name"], "fraud");
  EXPECT_EQ(detail["phase"], before.value("phase", "?"));
  EXPECT_TRUE(detail["message"] == before.value("message", "") || detail["message"] == earlier.value("message", ""))
      << detail["message"] << " vs " << before.value("message", "");
  EXPECT_EQ(detail["canaryWeight"], "20");
  EXPECT_NE(detail["currentStep"].get<std::string>().find("2. analysis"), std::string::npos) << detail.dump();
  ASSERT_FALSE(detail["verdicts"].empty());
  EXPECT_EQ(detail["verdicts"][0]["value"], number3(latest["value"].get<double>()));
  EXPECT_EQ(detail["verdicts"][0]["lower"], number3(latest["lowerBound"].get<double>()));
  EXPECT_EQ(detail["verdicts"][0]["samples"], std::to_string(latest["samples"].get<std::int64_t>()));
  EXPECT_GE(detail["bands"].get<int>(), 2) << "canary and stable bands";
  EXPECT_GE(detail["minLines"].get<int>(), 1);
  EXPECT_NE(detail["sources"].dump().find("Prometheus " + prom.url()), std::string::npos) << detail["sources"].dump();
  EXPECT_GT(prom.rangeQueries(), 0);
  EXPECT_NE(detail["titles"].dump().find("class 8 · accuracy (recall)"), std::string::npos) << detail["titles"].dump();
  EXPECT_NE(detail["titles"].dump().find("predictions per second by predicted class"), std::string::npos);
  EXPECT_EQ(detail["live"], "live");

  // Without the token header the page's own request is refused; HTML in a message is text.
  EXPECT_EQ(seen["tokenlessStatus"], 403);
  EXPECT_EQ(seen["xss"]["message"], html);
  EXPECT_EQ(seen["xss"]["elements"], 0);
  EXPECT_EQ(seen["xss"]["images"], 0);
  EXPECT_EQ(seen["xss"]["injected"], false);

  // Enough labels: the analysis passes and the rollout pauses; Promote + Confirm moves it on, and the
  // open page follows it through the watch (browser.py waits for it).
  prom.set("v2", epochNow(), 500, 520);
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
