#include "modelops/gateway/sampling/payload_sampler.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>

#include "fakes/fake_clock.h"
#include "fakes/wait.h"

namespace modelops::gateway {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A directory of its own for each test, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "modelops-sampling-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The files of a prefix, by number.
std::map<std::uint64_t, fs::path> filesIn(const fs::path& dir, const std::string& prefix = "payloads") {
  std::map<std::uint64_t, fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) == 0 && name.size() > prefix.size() + 7)
      out[std::stoull(name.substr(prefix.size() + 1))] = entry.path();
  }
  return out;
}

// Every line of the files, oldest file first; each must parse as one JSON object.
std::vector<json> readLines(const fs::path& dir) {
  std::vector<json> lines;
  for (const auto& [n, path] : filesIn(dir)) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  }
  return lines;
}

PayloadSamplerOptions optionsIn(const fs::path& dir, double rate = 1) {
  PayloadSamplerOptions o;
  o.dir = dir.string();
  o.rate = rate;
  return o;
}

PayloadSample sampleOf(std::string_view request, std::string_view response, const std::vector<std::string>* ids = nullptr) {
  PayloadSample s;
  s.ns = "prod";
  s.deployment = "fraud-detector";
  s.model = "fraud";
  s.version = "v2";
  s.revision = "3";
  s.track = "canary";
  s.segment = "eu";
  s.requestBody = request;
  s.responseBody = response;
  s.predictionIds = ids;
  s.status = 200;
  return s;
}

// A thread-safe seeded source, so a run draws the same sequence every time.
UniformSource seeded(std::uint64_t seed) {
  auto state = std::make_shared<std::pair<std::mutex, std::mt19937_64>>();
  state->second.seed(seed);
  return [state] {
    std::lock_guard lock(state->first);
    return std::uniform_real_distribution<double>(0, 1)(state->second);
  };
}

TEST(PayloadSampler, SamplesTheConfiguredFractionOverManyDraws) {
  TempDir dir;
  testing::FakeClock clock;
  auto o = optionsIn(dir.path(), 0.02);  // few lines to write: this suite runs under ASan at -O0 too
  o.queueRecords = 200000;
  auto sampler = PayloadSampler::create(o, clock, seeded(42));
  ASSERT_TRUE(sampler) << sampler.error().message;
  int sampled = 0;
  for (int i = 0; i < 100000; ++i) sampled += (*sampler)->maybeRecord(sampleOf("{}", "{}")) ? 1 : 0;
  EXPECT_NEAR(sampled / 100000.0, 0.02, 0.002);  // about 4.5 standard deviations
  (*sampler)->flush();
  EXPECT_EQ(readLines(dir.path()).size(), static_cast<std::size_t>(sampled));
  EXPECT_EQ((*sampler)->counters().written, static_cast<std::uint64_t>(sampled));
}

TEST(PayloadSampler, ADrawBelowTheRateIsSampledAndRatesOfZeroOrOneDrawNothing) {
  TempDir dir;
  testing::FakeClock clock;
  std::vector<double> draws = {0.05, 0.5, 0.0999, 0.1};
  std::atomic<std::size_t> next{0};
  auto o = optionsIn(dir.path(), 0.1);
  o.modelRates = {{"prod/always", 1.0}, {"prod/never", 0.0}};
  auto sampler = PayloadSampler::create(o, clock, [&] { return draws.at(next++); });
  ASSERT_TRUE(sampler);
  std::vector<bool> got;
  for (int i = 0; i < 4; ++i) got.push_back((*sampler)->maybeRecord(sampleOf("{}", "{}")));
  EXPECT_EQ(got, (std::vector<bool>{true, false, true, false}));
  auto always = sampleOf("{}", "{}");
  always.deployment = "always";
  auto never = sampleOf("{}", "{}");
  never.deployment = "never";
  EXPECT_TRUE((*sampler)->maybeRecord(always));
  EXPECT_FALSE((*sampler)->maybeRecord(never));
  EXPECT_EQ(next.load(), 4u) << "a per-model rate of 1 or 0 needs no draw";
  EXPECT_DOUBLE_EQ((*sampler)->rateFor("other", "always"), 0.1) << "the model rate is per namespace";
}

TEST(PayloadSampler, LinesParseBackWithRouteIdsStatusTimeAndBodies) {
  TempDir dir;
  testing::FakeClock clock;
  auto sampler = PayloadSampler::create(optionsIn(dir.path()), clock);
  ASSERT_TRUE(sampler);
  std::vector<std::string> ids = {"id-row-0", "id-row-1"};
  auto s = sampleOf("{\n  \"instances\": [[1, 2], [3, 4]]\n}", R"({"predictions":[1,0]})", &ids);
  s.status = 200;
  ASSERT_TRUE((*sampler)->maybeRecord(s));
  auto notJson = sampleOf("plain \xff text", "oops");
  notJson.status = 500;
  ASSERT_TRUE((*sampler)->maybeRecord(notJson));
  (*sampler)->stop();
  auto lines = readLines(dir.path());
  ASSERT_EQ(lines.size(), 2u);
  const auto& a = lines[0];
  EXPECT_EQ(a["namespace"], "prod");
  EXPECT_EQ(a["modelDeployment"], "fraud-detector");
  EXPECT_EQ(a["model"], "fraud");
  EXPECT_EQ(a["version"], "v2");
  EXPECT_EQ(a["revision"], "3");
  EXPECT_EQ(a["track"], "canary");
  EXPECT_EQ(a["segment"], "eu");
  EXPECT_EQ(a["status"], 200);
  EXPECT_EQ(a["predictionIds"], json(ids));
  EXPECT_EQ(a["request"], json::parse(R"({"instances":[[1,2],[3,4]]})")) << "JSON bodies are embedded as JSON";
  EXPECT_EQ(a["response"]["predictions"], json::parse("[1,0]"));
  EXPECT_EQ(a["truncated"], false);
  EXPECT_EQ(a["time"], "2026-11-25T10:00:00.000000Z");
  const auto& b = lines[1];
  EXPECT_EQ(b["request"], "plain \xEF\xBF\xBD text") << "not JSON: a string, bytes that are not UTF-8 replaced";
  EXPECT_EQ(b["response"], "oops");
  EXPECT_EQ(b["status"], 500);
  EXPECT_TRUE(b["predictionIds"].empty());
  EXPECT_EQ((*sampler)->counters().written, 2u);
}

TEST(PayloadSampler, BodiesAndIdListsOverTheLimitAreCutAndMarked) {
  TempDir dir;
  testing::FakeClock clock;
  auto o = optionsIn(dir.path());
  o.maxBodyBytes = 16;
  o.maxIds = 2;
  auto sampler = PayloadSampler::create(o, clock);
  ASSERT_TRUE(sampler);
  std::string big = "{\"instances\": [" + std::string(100, '1') + "]}";
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf(big, "{}")));
  std::vector<std::string> ids = {"a", "b", "c"};
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{}", &ids)));
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("0123456789abcdef", "{}")));  // exactly the limit
  (*sampler)->flush();
  auto lines = readLines(dir.path());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["truncated"], true);
  EXPECT_EQ(lines[0]["request"], big.substr(0, 16)) << "a cut body is kept as a string";
  EXPECT_EQ(lines[0]["requestBytes"], big.size());
  EXPECT_EQ(lines[0]["response"], json::object());
  EXPECT_EQ(lines[1]["truncated"], true);
  EXPECT_EQ(lines[1]["predictionIds"], json({"a", "b"}));
  EXPECT_EQ(lines[2]["truncated"], false);
  EXPECT_EQ(lines[2]["request"], "0123456789abcdef") << "a body of exactly the limit is whole (not JSON: a string)";
  auto c = (*sampler)->counters();
  EXPECT_EQ(c.truncated, 2u);
  EXPECT_EQ(c.written, 1u);
}

TEST(PayloadSampler, RotatesAtTheSizeLimitAndKeepsAtMostMaxFiles) {
  TempDir dir;
  testing::FakeClock clock;
  auto o = optionsIn(dir.path());
  o.maxFileBytes = 1024;
  o.maxFiles = 3;
  auto sampler = PayloadSampler::create(o, clock);
  ASSERT_TRUE(sampler);
  std::string request = "\"" + std::string(200, 'x') + "\"";
  for (int i = 0; i < 40; ++i) {
    std::string response = "{\"row\":" + std::to_string(i) + "}";
    ASSERT_TRUE((*sampler)->maybeRecord(sampleOf(request, response)));
  }
  (*sampler)->stop();
  auto files = filesIn(dir.path());
  ASSERT_EQ(files.size(), 3u);
  auto newest = files.rbegin()->first;
  EXPECT_GT(newest, 3u) << "rotation happened beyond the cap";
  EXPECT_EQ(files.begin()->first, newest - 2) << "the oldest were deleted";
  for (const auto& [n, path] : files) EXPECT_LE(fs::file_size(path), 1024u) << path;
  auto lines = readLines(dir.path());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back()["response"]["row"], 39) << "the newest record survives";
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_EQ(lines[i]["response"]["row"].get<int>(), lines[i - 1]["response"]["row"].get<int>() + 1);
}

TEST(PayloadSampler, ARestartContinuesAfterTheNewestFileAndCountsOldFilesAgainstTheCap) {
  TempDir dir;
  testing::FakeClock clock;
  auto o = optionsIn(dir.path());
  o.maxFiles = 2;
  for (int run = 0; run < 3; ++run) {
    auto sampler = PayloadSampler::create(o, clock);
    ASSERT_TRUE(sampler);
    std::string response = "{\"run\":" + std::to_string(run) + "}";
    ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("{}", response)));
  }  // the destructor stops and flushes
  auto files = filesIn(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files.begin()->first, 2u);
  EXPECT_EQ(files.rbegin()->first, 3u);
  auto lines = readLines(dir.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["response"]["run"], 2);
}

// Holds the writer thread before its next batch until released.
struct WriterGate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> waiting{0};
  void hold() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

TEST(PayloadSampler, AFullQueueDropsAndCountsWithoutBlocking) {
  TempDir dir;
  testing::FakeClock clock;
  WriterGate gate;
  auto o = optionsIn(dir.path());
  o.queueRecords = 2;
  o.beforeWriteForTest = [&gate] { gate.hold(); };
  auto sampler = PayloadSampler::create(o, clock);
  ASSERT_TRUE(sampler);
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{\"n\":1}")));
  ASSERT_TRUE(testing::waitFor([&] { return gate.waiting.load() == 1; })) << "the writer took the first record";
  EXPECT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{\"n\":2}")));
  EXPECT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{\"n\":3}")));
  EXPECT_FALSE((*sampler)->maybeRecord(sampleOf("{}", "{\"n\":4}"))) << "the queue holds two";
  EXPECT_EQ((*sampler)->counters().dropped, 1u);
  gate.release();
  (*sampler)->stop();
  EXPECT_FALSE((*sampler)->maybeRecord(sampleOf("{}", "{}"))) << "after stop every record is dropped";
  auto c = (*sampler)->counters();
  EXPECT_EQ(c.written, 3u);
  EXPECT_EQ(c.dropped, 2u);
  EXPECT_EQ(readLines(dir.path()).size(), 3u) << "stop() wrote what was queued";
  auto text = (*sampler)->metricsText();
  EXPECT_NE(text.find("modelops_payload_samples_total{outcome=\"written\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("modelops_payload_samples_total{outcome=\"dropped\"} 2\n"), std::string::npos) << text;
}

TEST(PayloadSampler, QueueBytesBoundTheMemoryHeld) {
  TempDir dir;
  testing::FakeClock clock;
  WriterGate gate;
  auto o = optionsIn(dir.path());
  o.queueBytes = 4096;
  o.beforeWriteForTest = [&gate] { gate.hold(); };
  auto sampler = PayloadSampler::create(o, clock);
  ASSERT_TRUE(sampler);
  std::string body(1500, 'a');
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf(body, "{}")));
  ASSERT_TRUE(testing::waitFor([&] { return gate.waiting.load() == 1; }));
  EXPECT_TRUE((*sampler)->maybeRecord(sampleOf(body, "{}")));
  EXPECT_TRUE((*sampler)->maybeRecord(sampleOf(body, "{}")));
  EXPECT_FALSE((*sampler)->maybeRecord(sampleOf(body, "{}"))) << "a third 1.5 KB body would pass 4 KB queued";
  gate.release();
  (*sampler)->stop();
  EXPECT_EQ((*sampler)->counters().dropped, 1u);
}

TEST(PayloadSampler, DiskErrorsAreCountedAndTheWriterRecovers) {
  TempDir dir;
  testing::FakeClock clock;
  auto sub = dir.path() / "samples";
  auto sampler = PayloadSampler::create(optionsIn(sub), clock);
  ASSERT_TRUE(sampler);
  fs::remove_all(sub);  // the directory vanishes before the first file is opened
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{}")));
  (*sampler)->flush();
  EXPECT_EQ((*sampler)->counters().error, 3u);
  EXPECT_EQ((*sampler)->counters().written, 0u);
  fs::create_directories(sub);
  ASSERT_TRUE((*sampler)->maybeRecord(sampleOf("{}", "{\"back\":true}")));
  (*sampler)->stop();
  EXPECT_EQ((*sampler)->counters().written, 1u);
  auto lines = readLines(sub);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["response"]["back"], true);
}

TEST(PayloadSampler, ConcurrentCallersEachGetOneWholeLine) {
  TempDir dir;
  testing::FakeClock clock;
  auto o = optionsIn(dir.path());
  o.maxFileBytes = 4096;
  o.maxFiles = 1000;
  o.queueRecords = 10000;
  auto sampler = PayloadSampler::create(o, clock);
  ASSERT_TRUE(sampler);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        (*sampler)->maybeRecord(sampleOf("{}", "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}"));
    });
  for (auto& thread : threads) thread.join();
  (*sampler)->stop();
  auto c = (*sampler)->counters();
  EXPECT_EQ(c.written + c.dropped, 800u);
  EXPECT_EQ(readLines(dir.path()).size(), c.written);
}

TEST(PayloadSampler, BadOptionsAreRefusedNamingTheOption) {
  testing::FakeClock clock;
  auto refused = [&](PayloadSamplerOptions o, const std::string& name) {
    auto sampler = PayloadSampler::create(std::move(o), clock);
    ASSERT_FALSE(sampler) << name;
    EXPECT_NE(sampler.error().message.find(name), std::string::npos) << sampler.error().message;
  };
  PayloadSamplerOptions o;
  refused(o, "dir");
  o.dir = "/tmp/never-created-by-this-test";
  o.rate = 1.5;
  refused(o, "rate");
  o.rate = std::nan("");
  refused(o, "rate");
  o.rate = 0.5;
  o.prefix = "../x";
  refused(o, "prefix");
  o.prefix = "p";
  o.modelRates = {{"no-slash", 0.5}};
  refused(o, "NAMESPACE/MODELDEPLOYMENT");
  o.modelRates = {{"ns/m", -0.1}};
  refused(o, "ns/m");
  o.modelRates.clear();
  o.maxFileBytes = 10;
  refused(o, "maxFileBytes");
  o.maxFileBytes = 1 << 20;
  o.maxFiles = 0;
  refused(o, "maxFiles");
  o.maxFiles = 1;
  o.maxBodyBytes = 0;
  refused(o, "maxBodyBytes");
  EXPECT_FALSE(fs::exists("/tmp/never-created-by-this-test"));
}

}  // namespace
}  // namespace modelops::gateway
