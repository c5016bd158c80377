// End-to-end acceptance of the analysis with a real Prometheus (Debian package): two simulated model
// servers (v1 accuracy 0.95; v2 accuracy 0.95 overall but 0.70 in segment eu-west) scraped every second
// by a prometheus started on 127.0.0.1 with a config this test writes; then PrometheusProvider + runner +
// judge: v2 fails on eu-west (named in the reason) and v1 passes, with the evidence in the verdicts.
// Every process is stopped at the end, also on failure (ChildProcess kills its process group).
// Thread-safety: single test thread.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "modelops/analysis/prometheus_provider.h"
#include "modelops/analysis/runner.h"
#include "fakes/wait.h"
#include "support/process.h"

namespace modelops::analysis {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;

// Each program leads its own process group (so the destructor, also on failure, stops everything it
// started: SIGTERM, up to 10 s, SIGKILL) and logs to a file in the test's directory.
std::unique_ptr<ChildProcess> startProgram(const std::vector<std::string>& argv, const std::string& logFile) {
  testing::ChildProcessOptions options;
  options.ownProcessGroup = true;
  options.terminateGrace = seconds(10);
  options.stderrFile = logFile;
  return std::make_unique<ChildProcess>(argv, options);
}

// The first group of `pattern` in a complete line of `text`: a line still being written could end in
// half a port number.
std::optional<std::string> matchCompleteLine(const std::string& text, const std::regex& pattern) {
  std::size_t start = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start)) {
    const std::string line = text.substr(start, nl - start);
    std::smatch m;
    if (std::regex_search(line, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
  }
  return std::nullopt;
}

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "modelops-e2e-prom-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};


const std::string kSuccesses =
    R"(sum by (segment) (increase(model_feedback_correct_total{model="{{model}}",version="{{version}}"}[5m])))";
const std::string kTrials =
    R"(sum by (segment) (increase(model_feedback_labeled_total{model="{{model}}",version="{{version}}"}[5m])))";
constexpr double kMinSamples = 2000;
constexpr double kSegmentMinSamples = 200;

TemplateVars revision(const std::string& version, const std::string& track, int number) {
  return TemplateVars{"fraud-detector", "ml", "fraud", version, std::to_string(number), track, {}};
}

class PrometheusE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("MODELOPS_BINARY_DIR");
    ASSERT_NE(bin, nullptr) << "MODELOPS_BINARY_DIR is not set (run through ctest)";
    const std::string sim = std::string(bin) + "/bin/modelops-model-sim";
    ASSERT_TRUE(std::filesystem::exists(sim)) << sim;
    ASSERT_TRUE(std::filesystem::exists("/usr/bin/prometheus")) << "the prometheus package is not installed";

    const std::vector<std::string> common = {"--model", "fraud", "--accuracy", "0.95", "--segments",
                                             "eu-west:1,us-east:4,ap-south:5", "--rate", "3000", "--label-ratio", "0.5"};
    auto start = [&](const std::string& version, std::vector<std::string> extra, int& port) {
      std::vector<std::string> argv = {sim, "--version", version, "--port", "0"};
      argv.insert(argv.end(), common.begin(), common.end());
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto p = startProgram(argv, dir.file("sim-" + version + ".log"));
      const std::regex portLine(R"(^listening .*port=(\d+))");
      p->waitForOutput([&](const std::string& out) { return matchCompleteLine(out, portLine).has_value(); }, seconds(10),
                       testing::OutputStream::Stdout);
      auto line = matchCompleteLine(p->out(), portLine);
      if (!line) ADD_FAILURE() << "model-sim " << version << " did not print its port: " << p->err();
      port = line ? std::stoi(*line) : 0;
      return p;
    };
    v1 = start("v1", {"--seed", "1"}, v1Port);
    v2 = start("v2", {"--seed", "2", "--segment-accuracy", "eu-west:0.70"}, v2Port);
    ASSERT_GT(v1Port, 0);
    ASSERT_GT(v2Port, 0);

    std::ofstream(dir.file("prometheus.yml")) << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                              << "scrape_configs:\n  - job_name: model-sim\n    static_configs:\n"
                                              << "      - targets: ['127.0.0.1:" << v1Port << "', '127.0.0.1:" << v2Port << "']\n";
    // The port is free when chosen; another program could take it before prometheus binds: retry.
    for (int attempt = 0; attempt < 3 && !prometheusReady; ++attempt) {
      promPort = freePort();
      prometheus = startProgram(
          std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + dir.file("prometheus.yml"),
                                   "--storage.tsdb.path=" + dir.file("data"),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(promPort), "--log.level=warn"},
          dir.file("prometheus.log"));
      httplib::Client cli("127.0.0.1", promPort);
      cli.set_connection_timeout(milliseconds(500));
      prometheusReady = modelops::testing::waitFor(
          [&] {
            if (!prometheus->running()) return true;
            auto res = cli.Get("/-/ready");
            return res && res->status == 200;
          },
          seconds(20)) && prometheus->running();
    }
    ASSERT_TRUE(prometheusReady) << prometheus->err();
    address = "http://127.0.0.1:" + std::to_string(promPort);
  }

  void TearDown() override {
    // Stop everything (the destructors would too); the simulators must exit 0 on SIGTERM.
    if (prometheus) prometheus->terminate(seconds(10));
    for (auto* p : {v1.get(), v2.get()}) {
      if (p == nullptr) continue;
      EXPECT_EQ(p->terminate(seconds(10)), std::optional<int>(0)) << "model-sim exit code (128+signal when signalled)";
    }
  }

  bool targetsUp() {
    httplib::Client cli("127.0.0.1", promPort);
    auto res = cli.Get("/api/v1/targets?state=active");
    if (!res || res->status != 200) return false;
    const auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (doc.is_discarded()) return false;
    int up = 0;
    for (const auto& t : doc["data"]["activeTargets"]) up += t.value("health", "") == "up" ? 1 : 0;
    return up == 2;
  }

  // The smallest labelled count over the segments of one version, and the total (nullopt: no data yet).
  std::pair<double, double> trialCounts(PrometheusProvider& provider, const std::string& version) {
    auto q = renderTemplate(kTrials, revision(version, "canary", 1), Escaping::PromQL);
    auto r = provider.query(*q, CancelToken{});
    if (!r.ok() || r->samples.size() != 3) return {0, 0};
    double minimum = 1e18, total = 0;
    for (const auto& s : r->samples) {
      if (!s.hasValue()) return {0, 0};
      minimum = std::min(minimum, s.value);
      total += s.value;
    }
    return {minimum, total};
  }

  MetricSpec accuracyMetric() const {
    MetricSpec m;
    m.name = "accuracy";
    PrometheusConfig c;
    c.address = address;
    m.provider = c;
    m.successes = kSuccesses;
    m.trials = kTrials;
    m.accuracy = AccuracyCriteria{0.92, 0.95, kMinSamples, 0.02, std::nullopt};
    m.segments = SegmentCriteria{"segment", 0.85, kSegmentMinSamples, std::nullopt};
    return m;
  }

  TempDir dir;
  std::unique_ptr<ChildProcess> v1, v2, prometheus;
  int v1Port = 0, v2Port = 0, promPort = 0;
  bool prometheusReady = false;
  std::string address;
};

TEST_F(PrometheusE2E, SegmentRegressionFailsV2AndV1Passes) {
  ASSERT_TRUE(modelops::testing::waitFor([&] { return targetsUp(); }, seconds(20))) << prometheus->err();
  PrometheusConfig cfg;
  cfg.address = address;
  PrometheusProvider provider(cfg);
  // Let counts accumulate: twice the minimum per segment, so the verdicts are decisive.
  const bool enough = modelops::testing::waitFor(
      [&] {
        for (const char* version : {"v1", "v2"}) {
          auto [minimum, total] = trialCounts(provider, version);
          if (minimum < 2 * kSegmentMinSamples || total < kMinSamples) return false;
        }
        return true;
      },
      seconds(30));
  ASSERT_TRUE(enough) << "labelled counts did not reach minSamples; prometheus log:\n" << prometheus->err();

  AnalysisRunner runner;
  const MetricSpec metric = accuracyMetric();
  Verdict good = runner.measure(metric, revision("v1", "canary", 1), std::nullopt, CancelToken{});
  Verdict bad = runner.measure(metric, revision("v2", "canary", 2), revision("v1", "stable", 1), CancelToken{});

  EXPECT_EQ(good.phase, VerdictPhase::Pass) << good.reason;
  ASSERT_TRUE(good.value && good.lowerBound && good.upperBound);
  EXPECT_NEAR(*good.value, 0.95, 0.02);
  EXPECT_GE(*good.lowerBound, 0.92);
  EXPECT_GE(good.samples, kMinSamples);
  EXPECT_EQ(good.segments.size(), 3u);
  EXPECT_NE(good.query.find(R"(version="v1")"), std::string::npos) << good.query;

  EXPECT_EQ(bad.phase, VerdictPhase::Fail) << bad.reason;
  EXPECT_NE(bad.reason.find("eu-west"), std::string::npos) << bad.reason;
  ASSERT_TRUE(bad.value && bad.lowerBound);
  EXPECT_GE(*bad.lowerBound, 0.92) << "the overall alone passes; only the segment fails";
  EXPECT_NE(bad.query.find(R"(version="v2")"), std::string::npos) << bad.query;
  EXPECT_TRUE(bad.stableValue.has_value());
  bool sawEuWest = false;
  for (const auto& s : bad.segments) {
    if (s.segment != "segment=eu-west") {
      EXPECT_EQ(s.phase, VerdictPhase::Pass) << s.reason;
      continue;
    }
    sawEuWest = true;
    EXPECT_EQ(s.phase, VerdictPhase::Fail) << s.reason;
    // The verdict (Fail, upper bound under the floor) is what matters; the point estimate from increase()
    // over a few hundred labels strayed 0.09 from the simulator's 0.70 once on a loaded machine (-j3).
    EXPECT_NEAR(s.value, 0.70, 0.12);
    EXPECT_LT(s.upperBound, 0.85);
    EXPECT_GE(s.samples, kSegmentMinSamples);
  }
  EXPECT_TRUE(sawEuWest);
  std::cout << "v1: " << toJson(good).dump() << "\nv2: " << toJson(bad).dump() << "\n";

  // A latency threshold metric over the simulators' histogram (generated mean 20 ms: p99 < 0.25 s).
  MetricSpec latency;
  latency.name = "p99-latency-seconds";
  latency.provider = cfg;
  latency.query =
      R"(histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{version="{{version}}"}[1m]))))";
  latency.threshold = ThresholdCriteria{std::nullopt, 0.25};
  Verdict p99 = runner.measure(latency, revision("v1", "canary", 1), std::nullopt, CancelToken{});
  EXPECT_EQ(p99.phase, VerdictPhase::Pass) << p99.reason;
  ASSERT_TRUE(p99.value);
  EXPECT_GT(*p99.value, 0);

  // The real server's answers for the failure shapes: a range vector and a syntax error.
  auto matrix = provider.query("model_predictions_total[1m]", CancelToken{});
  ASSERT_FALSE(matrix.ok());
  EXPECT_EQ(matrix.error().kind, ProviderError::Kind::Unsupported);
  auto syntax = provider.query("sum(", CancelToken{});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().kind, ProviderError::Kind::QueryError);
  EXPECT_NE(syntax.error().message.find("bad_data"), std::string::npos) << syntax.error().message;
  auto none = provider.query(R"(model_predictions_total{version="v9"})", CancelToken{});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->hasData());
}

// queryTogether against the real server: the combined request gives each query exactly what it gives on
// its own at the same evaluation time, and a scalar (which label_replace rejects) falls back to one query
// after another, all at the first answer's time.
TEST_F(PrometheusE2E, QueryTogetherMatchesSeparateQueriesAtOneTime) {
  ASSERT_TRUE(modelops::testing::waitFor([&] { return targetsUp(); }, seconds(20))) << prometheus->err();
  PrometheusConfig cfg;
  cfg.address = address;
  PrometheusProvider provider(cfg);
  ASSERT_TRUE(modelops::testing::waitFor([&] { return trialCounts(provider, "v1").second > 0; }, seconds(30)));
  const std::string successes = *renderTemplate(kSuccesses, revision("v1", "canary", 1), Escaping::PromQL);
  const std::string trials = *renderTemplate(kTrials, revision("v1", "canary", 1), Escaping::PromQL);

  // The same queries one by one at the combined answer's evaluation time (the HTTP API's `time`). A scrape
  // stamped just before that time but stored just after the combined query would be seen by the later ones
  // only (a window of a few milliseconds per second), so a mismatch must repeat three times to count.
  auto compareOnce = [&]() -> std::string {
    auto together = provider.queryTogether({successes, trials}, CancelToken{});
    if (!together.ok()) return "queryTogether: " + together.error().message;
    if (together->size() != 2 || !(*together)[0].evaluatedAt) return "queryTogether: not two timed results";
    char at[64];
    std::snprintf(at, sizeof at, "%.3f", *(*together)[0].evaluatedAt);
    const std::string parts[] = {successes, trials};
    std::string mismatch;
    for (std::size_t i = 0; i < 2; ++i) {
      httplib::Client cli("127.0.0.1", promPort);
      auto res = cli.Post("/api/v1/query", httplib::Params{{"query", parts[i]}, {"time", at}});
      auto single = parsePrometheusResponse(res ? res->status : 0, res ? res->body : "", parts[i]);
      if (!single.ok()) return "alone: " + single.error().message;
      if ((*together)[i].query != parts[i]) return "part " + std::to_string(i) + " carries another query";
      std::map<std::string, double> combinedBySegment, singleBySegment;
      for (const auto& sample : (*together)[i].samples) {
        if (sample.labels.count(PrometheusProvider::kPartLabel) != 0) return "the tag was not removed";
        combinedBySegment[sample.labels.at("segment")] = sample.value;
      }
      for (const auto& sample : single->samples) singleBySegment[sample.labels.at("segment")] = sample.value;
      if (combinedBySegment.size() != 3) return "part " + std::to_string(i) + ": not three segments";
      if (combinedBySegment != singleBySegment) mismatch += "part " + std::to_string(i) + " differs at " + at + "; ";
    }
    return mismatch;
  };
  std::string outcome;
  for (int attempt = 0; attempt < 3; ++attempt) {
    outcome = compareOnce();
    if (outcome.empty()) break;
    std::cout << "attempt " << attempt + 1 << ": " << outcome << "\n";
  }
  EXPECT_EQ(outcome, "");

  const std::string scalarTrials = R"(scalar(sum(model_feedback_labeled_total{version="v1"})))";
  auto fallback = provider.queryTogether({scalarTrials, successes}, CancelToken{});
  ASSERT_TRUE(fallback.ok()) << fallback.error().message;
  ASSERT_EQ(fallback->size(), 2u);
  ASSERT_EQ((*fallback)[0].samples.size(), 1u);
  EXPECT_GT((*fallback)[0].samples[0].value, 0);
  EXPECT_EQ((*fallback)[1].samples.size(), 3u);
  ASSERT_TRUE((*fallback)[0].evaluatedAt && (*fallback)[1].evaluatedAt);
  EXPECT_DOUBLE_EQ(*(*fallback)[1].evaluatedAt, *(*fallback)[0].evaluatedAt) << "pinned to the first answer's time";
}

}  // namespace
}  // namespace modelops::analysis
