// integration.gateway, payload sampling (issue 16 item 6): the real modelops-gateway with --sample-rate 1
// between an httplib client and TestUpstream servers. Every answered prediction becomes one JSON line with
// the request sent, the response the client got, its X-Prediction-Id and the track that answered; a body over
// --sample-max-body-bytes is cut and marked; SIGTERM's drain writes what is queued before exit 0.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "gateway/test_upstream.h"
#include "options.h"
#include "support/cluster.h"

namespace modelops::itest {
namespace {

using namespace std::chrono_literals;
namespace res = kube::resources;
namespace fs = std::filesystem;

const std::string kSamplingNs = "default";
const std::string kSamplingKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";  // base64 of 32 bytes

Json sampledCanary() {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", "fraud"}, {"namespace", kSamplingNs}}},
          {"spec",
           {{"model", {{"name", "fraud"}, {"version", "v2"}}},
            {"template", {{"spec", {{"containers", {{{"name", "server"}, {"image", "model:1"}}}}}}}},
            {"strategy",
             {{"canary", {{"steps", {{{"setWeight", 50}}, {{"pause", Json::object()}}}},
                          {"trafficRouting", {{"gateway", Json::object()}}}}}}}}}};
}

Json sampledCanaryStatus() {
  return {{"stable", {{"revision", 1}, {"version", "v1"}, {"hash", "aaa"}, {"weight", 50}}},
          {"canary", {{"revision", 2}, {"version", "v2"}, {"hash", "bbb"}, {"weight", 50}}}};
}

// The value of one sample line of the Prometheus text (-1 when absent).
double metricValue(const std::string& text, const std::string& series) {
  auto at = text.find(series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 1));
}

class SamplingDir {
 public:
  SamplingDir() {
    std::string pattern = (fs::temp_directory_path() / "modelops-gw-sampling-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~SamplingDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::vector<Json> lines() const {
    std::map<std::string, fs::path> files;  // by name; one file here (no rotation at the default size)
    for (const auto& entry : fs::directory_iterator(path_)) files[entry.path().filename().string()] = entry.path();
    std::vector<Json> out;
    for (const auto& [name, path] : files) {
      std::ifstream in(path);
      for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
    }
    return out;
  }

 private:
  fs::path path_;
};

TEST(GatewaySamplingTest, EveryPredictionIsWrittenWithItsRequestResponseAndIdAndTheDrainFlushes) {
  Cluster cluster;
  cluster.create(res::secrets(), kSamplingNs,
                 {{"apiVersion", "v1"}, {"kind", "Secret"},
                  {"metadata", {{"name", "modelops-gateway-keys"}, {"namespace", kSamplingNs}}},
                  {"data", {{"current", kSamplingKey}}}});
  TestUpstream stable("fraud-stable"), canary("fraud-canary");
  cluster.create(res::modelDeployments(), kSamplingNs, sampledCanary());
  kube::PatchOptions statusPatch;
  statusPatch.status = true;
  ASSERT_TRUE(cluster.client().patch(res::modelDeployments(), kSamplingNs, "fraud", kube::PatchType::Merge,
                                     {{"status", sampledCanaryStatus()}}, statusPatch));
  SamplingDir dir;
  ChildProcess gw({binaryDir() + "/bin/modelops-gateway", "--kubeconfig", cluster.kubeconfig(), "--listen-address",
                   "127.0.0.1:0", "--log-format", "json", "--namespace", kSamplingNs, "--service-address",
                   kSamplingNs + "/fraud-stable=" + stable.address(), "--service-address",
                   kSamplingNs + "/fraud-canary=" + canary.address(), "--sample-dir", dir.path(), "--sample-rate", "1",
                   "--sample-max-body-bytes", "2048"});
  ASSERT_TRUE(gw.waitForOutput([](const std::string& s) { return s.find("\"msg\":\"serving\"") != std::string::npos; }, 15s))
      << gw.out() << gw.err();
  auto logs = gw.out() + gw.err();
  auto serving = logs.substr(logs.find("\"msg\":\"serving\""));
  int port = std::stoi(serving.substr(serving.find("\"port\":") + 7));
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10s);
  ASSERT_TRUE(testing::waitFor([&] {
    auto r = client.Get("/readyz");
    return r && r->status == 200;
  }, 15s));

  constexpr int kRequests = 20;
  // In order: requests are sent one after the other, so the lines are written in this order. (Not keyed by
  // id: two predictions of one version and class within the same millisecond get the same id.)
  std::vector<Json> sent;  // {id, request, response}
  for (int i = 0; i < kRequests; ++i) {
    Json request = {{"instances", {{i, i + 0.5}}}};
    auto r = client.Post("/v1/models/fraud:predict", request.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    auto id = r->get_header_value("X-Prediction-Id");
    ASSERT_FALSE(id.empty());
    sent.push_back({{"id", id}, {"request", request}, {"response", Json::parse(r->body)}});
  }
  std::string big = R"({"instances": [")" + std::string(4000, 'x') + R"("]})";
  auto bigAnswer = client.Post("/v1/models/fraud:predict", big, "application/json");
  ASSERT_TRUE(bigAnswer && bigAnswer->status == 200);

  std::string metrics;
  EXPECT_TRUE(testing::waitFor([&] {
    auto r = client.Get("/metrics");
    metrics = r ? r->body : "";
    return metricValue(metrics, "modelops_payload_samples_total{outcome=\"written\"}") == kRequests &&
           metricValue(metrics, "modelops_payload_samples_total{outcome=\"truncated\"}") == 1;
  }, 10s)) << metrics;
  EXPECT_EQ(metricValue(metrics, "modelops_payload_samples_total{outcome=\"dropped\"}"), 0);
  EXPECT_EQ(metricValue(metrics, "modelops_payload_samples_total{outcome=\"error\"}"), 0);

  gw.signal(SIGTERM);
  EXPECT_EQ(gw.wait(20s), 0) << gw.out() << gw.err();
  auto lines = dir.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kRequests + 1));
  std::map<std::string, int> tracks;
  for (int i = 0; i < kRequests; ++i) {
    const auto& line = lines[static_cast<std::size_t>(i)];
    ASSERT_EQ(line["predictionIds"].size(), 1u) << line.dump();
    const auto& expected = sent[static_cast<std::size_t>(i)];
    EXPECT_EQ(line["predictionIds"][0], expected["id"]) << "the X-Prediction-Id the client got";
    EXPECT_EQ(line["request"], expected["request"]);
    EXPECT_EQ(line["response"], expected["response"]) << "the response as the client got it";
    EXPECT_EQ(line["status"], 200);
    EXPECT_EQ(line["namespace"], kSamplingNs);
    EXPECT_EQ(line["modelDeployment"], "fraud");
    EXPECT_EQ(line["truncated"], false);
    auto track = line["track"].get<std::string>();
    EXPECT_EQ(line["response"]["server"], "fraud-" + track) << "the track is the one that answered";
    EXPECT_EQ(line["version"], track == "canary" ? "v2" : "v1");
    ++tracks[track];
  }
  EXPECT_EQ(tracks["stable"] + tracks["canary"], kRequests);
  const auto& cut = lines.back();
  EXPECT_EQ(cut["truncated"], true);
  EXPECT_EQ(cut["requestBytes"], big.size());
  EXPECT_EQ(cut["request"], big.substr(0, 2048));
}

TEST(GatewaySamplingFlags, OffByDefaultAndParsed) {
  auto o = cmd::parseGatewayOptions({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_FALSE(o->samplingEnabled());
  EXPECT_EQ(o->sampling.rate, 0);
  o = cmd::parseGatewayOptions({"--sample-dir", "/var/lib/samples", "--sample-rate", "0.25", "--sample-model-rate",
                                "ml/fraud=1", "--sample-max-file-bytes", "1048576", "--sample-max-files", "3",
                                "--sample-max-body-bytes", "512"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->samplingEnabled());
  EXPECT_EQ(o->sampling.dir, "/var/lib/samples");
  EXPECT_DOUBLE_EQ(o->sampling.rate, 0.25);
  EXPECT_DOUBLE_EQ(o->sampling.modelRates.at("ml/fraud"), 1.0);
  EXPECT_EQ(o->sampling.maxFileBytes, 1048576u);
  EXPECT_EQ(o->sampling.maxFiles, 3u);
  EXPECT_EQ(o->sampling.maxBodyBytes, 512u);
  o = cmd::parseGatewayOptions({"--sample-dir", "/d", "--sample-model-rate", "ml/fraud=0.5"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_TRUE(o->samplingEnabled()) << "one model's rate turns sampling on";
}

TEST(GatewaySamplingFlags, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  for (const auto& c : std::vector<Case>{
           {{"--sample-rate", "0.5"}, "--sample-dir"},
           {{"--sample-model-rate", "ml/x=1"}, "--sample-dir"},
           {{"--sample-dir", "/d", "--sample-rate", "1.5"}, "--sample-rate"},
           {{"--sample-dir", "/d", "--sample-rate", "-0.1"}, "--sample-rate"},
           {{"--sample-dir", "/d", "--sample-model-rate", "fraud=0.5"}, "--sample-model-rate"},
           {{"--sample-dir", "/d", "--sample-model-rate", "ml/fraud=2"}, "--sample-model-rate"},
           {{"--sample-dir", "/d", "--sample-model-rate", "ml/fraud=0.5x"}, "--sample-model-rate"},
           {{"--sample-dir", "/d", "--sample-model-rate", "ml/a/b=0.5"}, "--sample-model-rate"},
           {{"--sample-max-file-bytes", "100"}, "--sample-max-file-bytes"},
           {{"--sample-max-files", "0"}, "--sample-max-files"},
           {{"--sample-max-body-bytes", "0"}, "--sample-max-body-bytes"},
       }) {
    auto o = cmd::parseGatewayOptions(c.args);
    ASSERT_FALSE(o) << c.flag;
    EXPECT_NE(o.error().message.find(c.flag), std::string::npos) << o.error().message;
  }
}

}  // namespace
}  // namespace modelops::itest
