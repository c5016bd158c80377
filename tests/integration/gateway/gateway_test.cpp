// integration.gateway, binary half: the real modelops-gateway between an httplib client and TestUpstream
// servers, with the dev API server holding ModelDeployments whose status carries the operator's weights
// (written by the test: no operator runs) and the key Secret. Weights observed and followed on change, A/B
// pins and sticky keys, a hanging shadow never delaying the primary, drain on SIGTERM with no failed
// in-flight request, feedback counted once, forged ids refused.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>

#include "gateway/test_upstream.h"
#include "support/cluster.h"

namespace modelops::itest {
namespace {

using namespace std::chrono_literals;
namespace res = kube::resources;

const std::string kNs = "default";
// base64 of 32 bytes: the signing key the test's Secret holds.
const std::string kKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

Json podTemplate() { return {{"spec", {{"containers", {{{"name", "server"}, {"image", "model:1"}}}}}}}; }

// A canary "fraud" (model "fraud") routed by the gateway, with `gateway` as trafficRouting.gateway.
Json canaryModel(const Json& gateway = Json::object()) {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", "fraud"}, {"namespace", kNs}}},
          {"spec",
           {{"model", {{"name", "fraud"}, {"version", "v2"}}},
            {"template", podTemplate()},
            {"strategy", {{"canary", {{"steps", {{{"setWeight", 20}}, {{"pause", Json::object()}}}}, {"trafficRouting", {{"gateway", gateway}}}}}}}}}};
}

Json canaryStatus(std::int64_t canaryWeight) {
  return {{"stable", {{"revision", 1}, {"version", "v1"}, {"hash", "aaa"}, {"weight", 100 - canaryWeight}}},
          {"canary", {{"revision", 2}, {"version", "v2"}, {"hash", "bbb"}, {"weight", canaryWeight}}}};
}

// An A/B test "reco": variant a pinned by header X-Variant: a, b by cookie variant=b, c unpinned; sticky by X-User.
Json abModel() {
  return Json::parse(R"J({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"name": "reco", "namespace": "default"},
    "spec": {"model": {"name": "reco", "version": "v1"},
             "template": {"spec": {"containers": [{"name": "server", "image": "model:1"}]}},
             "analysis": {"metrics": [{"name": "acc", "provider": {"prometheus": {"address": "http://127.0.0.1:9"}},
                          "successes": "s", "trials": "t", "accuracy": {"min": 0.9}}]},
             "strategy": {"abTest": {"variants": [
               {"name": "a", "weight": 40, "match": [{"header": {"name": "X-Variant", "value": "a"}}]},
               {"name": "b", "weight": 30, "model": {"version": "v2"}, "match": [{"cookie": {"name": "variant", "value": "b"}}]},
               {"name": "c", "weight": 30, "model": {"version": "v3"}}],
               "trafficRouting": {"gateway": {"sticky": {"header": "X-User"}}}}}}})J");
}

Json abStatus() {
  // As the operator writes it: stable is variant a's revision (so not a backend of its own).
  return Json::parse(R"J({"stable": {"revision": 1, "version": "v1", "hash": "h1", "weight": 40}, "variants": [
    {"name": "a", "revision": 1, "version": "v1", "hash": "h1", "weight": 40},
    {"name": "b", "revision": 2, "version": "v2", "hash": "h2", "weight": 30},
    {"name": "c", "revision": 3, "version": "v3", "hash": "h3", "weight": 30}]})J");
}

// The sum of every sample of `family` in a Prometheus text exposition whose labels contain `labelPart`.
double sample(const std::string& text, const std::string& family, const std::string& labelPart = "") {
  double sum = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(family) || line.size() <= family.size()) continue;
    char next = line[family.size()];
    if (next != '{' && next != ' ') continue;
    if (!labelPart.empty() && line.find(labelPart) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

class GatewayProcess {
 public:
  GatewayProcess(const Cluster& cluster, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {binaryDir() + "/bin/modelops-gateway", "--kubeconfig", cluster.kubeconfig(),
                                     "--listen-address", "127.0.0.1:0", "--log-format", "json", "--namespace", kNs,
                                     "--io-threads", "2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<ChildProcess>(argv);
    bool serving = process_->waitForOutput([](const std::string& s) { return s.find("\"msg\":\"serving\"") != std::string::npos; }, 15s);
    if (!serving) throw std::runtime_error("modelops-gateway did not log \"serving\":\n" + logs());
    auto all = logs();
    auto line = all.substr(all.find("\"msg\":\"serving\""));
    line = line.substr(0, line.find('\n'));
    auto at = line.find("\"port\":");
    port_ = std::stoi(line.substr(at + 7));
  }
  int port() const { return port_; }
  ChildProcess& process() { return *process_; }
  std::string logs() const { return process_->out() + process_->err(); }
  httplib::Client client(std::chrono::milliseconds readTimeout = 10s) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(readTimeout);
    return c;
  }
  std::string metrics() const {
    auto r = client().Get("/metrics");
    return r ? r->body : "";
  }
  bool waitReady() const {
    return testing::waitFor([&] {
      auto r = client(1s).Get("/readyz");
      return r && r->status == 200;
    }, 15s);
  }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>();
    cluster_->create(res::secrets(), kNs,
                     {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "modelops-gateway-keys"}, {"namespace", kNs}}},
                      {"data", {{"current", kKey}}}});
  }
  void TearDown() override {
    gateway_.reset();
    upstreams_.clear();
    cluster_.reset();
  }
  TestUpstream& upstream(const std::string& name) { return *upstreams_.emplace(name, std::make_unique<TestUpstream>(name)).first->second; }
  // Creates the ModelDeployment and writes its status as the operator would.
  void apply(const Json& md, const Json& status) {
    cluster_->create(res::modelDeployments(), kNs, md);
    setStatus(md["metadata"]["name"], status);
  }
  void setStatus(const std::string& name, const Json& status) {
    kube::PatchOptions o;
    o.status = true;
    auto r = cluster_->client().patch(res::modelDeployments(), kNs, name, kube::PatchType::Merge, {{"status", status}}, o);
    ASSERT_TRUE(r) << r.error().message;
  }
  GatewayProcess& startGateway(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = extra;
    for (const auto& [name, u] : upstreams_) {
      args.push_back("--service-address");
      args.push_back(kNs + "/" + name + "=" + u->address());
    }
    gateway_ = std::make_unique<GatewayProcess>(*cluster_, args);
    EXPECT_TRUE(gateway_->waitReady()) << gateway_->logs();
    return *gateway_;
  }
  // Which upstream answered each of `n` predictions for `path` (by its "server" field).
  std::map<std::string, int> spread(const std::string& path, int n, const httplib::Headers& headers = {}) {
    std::map<std::string, int> out;
    auto c = gateway_->client();
    for (int i = 0; i < n; ++i) {
      auto r = c.Post(path, headers, R"({"instances": [[1.0, 2.0]]})", "application/json");
      if (!r || r->status != 200) {
        ++out["error"];
        continue;
      }
      ++out[Json::parse(r->body).value("server", "?")];
    }
    return out;
  }

  std::unique_ptr<Cluster> cluster_;
  std::map<std::string, std::unique_ptr<TestUpstream>> upstreams_;
  std::unique_ptr<GatewayProcess> gateway_;
};

TEST_F(GatewayTest, RoutesWithTheOperatorsWeightsAndFollowsThem) {
  upstream("fraud-stable");
  upstream("fraud-canary");
  apply(canaryModel(), canaryStatus(20));
  auto& gw = startGateway();
  auto counts = spread("/v1/models/fraud:predict", 2000);
  EXPECT_EQ(counts["error"], 0);
  EXPECT_NEAR(counts["fraud-canary"], 400, 100) << "canary weight 20 of 100";
  EXPECT_EQ(counts["fraud-canary"] + counts["fraud-stable"], 2000);

  setStatus("fraud", canaryStatus(50));
  // The gateway logs each new table ("routes updated", backends with their weights).
  ASSERT_TRUE(testing::waitFor([&] { return gw.logs().find("\"version\":\"v2\",\"weight\":50") != std::string::npos; }, 10s))
      << gw.logs();
  counts = spread("/v1/models/fraud:predict", 2000);
  EXPECT_NEAR(counts["fraud-canary"], 1000, 120) << "after the operator moved the canary to 50";
  auto unknown = gw.client().Post("/v1/models/other:predict", "{}", "application/json");
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(GatewayTest, PinsAndStickyKeysHoldUsersOnOneVariant) {
  upstream("reco-a");
  upstream("reco-b");
  upstream("reco-c");
  apply(abModel(), abStatus());
  startGateway();
  auto pinnedA = spread("/v1/models/reco:predict", 50, {{"X-Variant", "a"}});
  ASSERT_EQ(pinnedA["reco-a"], 50) << gateway_->logs();
  auto pinnedB = spread("/v1/models/reco:predict", 50, {{"Cookie", "session=1; variant=b"}});
  EXPECT_EQ(pinnedB["reco-b"], 50);
  std::set<std::string> variantsSeen;
  for (int user = 0; user < 40; ++user) {
    auto seen = spread("/v1/models/reco:predict", 5, {{"X-User", "user-" + std::to_string(user)}});
    EXPECT_EQ(seen.size(), 1u) << "user " << user << " moved between variants";
    variantsSeen.insert(seen.begin()->first);
  }
  EXPECT_EQ(variantsSeen.size(), 3u) << "40 sticky users should land on all three variants";
}

TEST_F(GatewayTest, AHangingShadowNeverDelaysThePrimary) {
  upstream("fraud-stable");
  auto& canary = upstream("fraud-canary");
  canary.hang();
  apply(canaryModel({{"shadow", {{"percent", 100}}}}), canaryStatus(0));
  auto& gw = startGateway({"--max-shadow-in-flight", "4", "--request-timeout", "30s"});
  auto c = gw.client(2s);  // a primary held back by its shadow would time out here
  for (int i = 0; i < 30; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto r = c.Post("/v1/models/fraud:predict", "{}", "application/json");
    ASSERT_TRUE(r) << "request " << i << ": " << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  EXPECT_TRUE(testing::waitFor([&] { return canary.waiting() == 4; }, 5s)) << canary.waiting();
  EXPECT_EQ(sample(gw.metrics(), "modelops_gateway_shadow_dropped_total", "reason=\"overload\""), 26);
  canary.release();
  // Both counters of one comparison are not updated atomically together: wait for the pair.
  EXPECT_TRUE(testing::waitFor([&] {
    auto m = gw.metrics();
    return sample(m, "modelops_shadow_compared_total") == 4 && sample(m, "modelops_shadow_agreed_total") == 4;
  }, 5s)) << gw.metrics();
}

TEST_F(GatewayTest, DrainsOnSigtermWithoutFailingInFlightRequests) {
  auto& stable = upstream("fraud-stable");
  upstream("fraud-canary");
  apply(canaryModel(), canaryStatus(0));
  auto& gw = startGateway({"--drain-delay", "2s"});
  stable.hang();
  std::vector<std::future<int>> inFlight;
  for (int i = 0; i < 5; ++i)
    inFlight.push_back(std::async(std::launch::async, [&gw] {
      auto r = gw.client(20s).Post("/v1/models/fraud:predict", "{}", "application/json");
      return r ? r->status : -1;
    }));
  ASSERT_TRUE(testing::waitFor([&] { return stable.waiting() == 5; }, 5s));
  gw.process().signal(SIGTERM);
  // First not ready, still serving (--drain-delay): load balancers stop sending before the listener closes.
  ASSERT_TRUE(gw.process().waitForOutput([](const std::string& s) { return s.find("not ready, still serving") != std::string::npos; }, 5s));
  auto readyz = gw.client(1s).Get("/readyz");
  ASSERT_TRUE(readyz);
  EXPECT_EQ(readyz->status, 503);
  EXPECT_EQ(gw.client(1s).Get("/healthz")->status, 200) << "a new connection was refused during the drain delay";
  ASSERT_TRUE(gw.process().waitForOutput([](const std::string& s) { return s.find("\"msg\":\"draining\"") != std::string::npos; }, 5s));
  EXPECT_TRUE(testing::waitFor([&] { return !gw.client(1s).Get("/healthz"); }, 5s)) << "new connections still served";
  EXPECT_TRUE(gw.process().running()) << "exited with requests in flight";
  stable.release();
  for (auto& f : inFlight) EXPECT_EQ(f.get(), 200);
  EXPECT_EQ(gw.process().wait(10s), 0) << gw.logs();
}

TEST_F(GatewayTest, FeedbackIsCountedOnceAndForgedIdsAreRefused) {
  upstream("fraud-stable");
  upstream("fraud-canary");
  apply(canaryModel(), canaryStatus(0));
  auto& gw = startGateway();
  auto c = gw.client();
  auto predicted = c.Post("/v1/models/fraud:predict", "{}", "application/json");
  ASSERT_EQ(predicted->status, 200);
  auto id = predicted->get_header_value("X-Prediction-Id");
  ASSERT_FALSE(id.empty()) << gw.logs();
  EXPECT_EQ(predicted->get_header_value_count("X-Prediction-Id"), 1u) << "the upstream's X-Prediction-Id was passed on";
  Json label = {{"predictionId", id}, {"label", 1}};
  auto first = c.Post("/v1/feedback", label.dump(), "application/json");
  EXPECT_EQ(first->status, 200) << first->body;
  auto again = c.Post("/v1/feedback", label.dump(), "application/json");
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_NE(again->body.find("duplicate"), std::string::npos) << again->body;
  auto metrics = gw.metrics();
  EXPECT_EQ(sample(metrics, "modelops_feedback_labeled_total", "version=\"v1\""), 1) << metrics;
  EXPECT_EQ(sample(metrics, "modelops_feedback_correct_total", "version=\"v1\""), 1);
  EXPECT_EQ(sample(metrics, "modelops_predictions_total", "version=\"v1\""), 1);

  std::string forged = id;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  auto refused = c.Post("/v1/feedback", Json{{"predictionId", forged}, {"label", 1}}.dump(), "application/json");
  EXPECT_EQ(refused->status, 403) << refused->body;
  metrics = gw.metrics();
  EXPECT_EQ(sample(metrics, "modelops_feedback_labeled_total"), 1) << "a forged id was counted";
  EXPECT_GE(sample(metrics, "modelops_feedback_rejected_total"), 1);
}

TEST_F(GatewayTest, SamplesPayloadsIntoBoundedRotatedFiles) {
  upstream("fraud-stable");
  upstream("fraud-canary");
  apply(canaryModel(), canaryStatus(0));
  auto dir = cluster_->dir().file("payloads");
  auto& gw = startGateway({"--sample-rate", "1", "--sample-dir", dir, "--sample-max-file-bytes", "4096",
                           "--sample-max-files", "2"});
  auto c = gw.client();
  std::string lastId;
  for (int i = 0; i < 60; ++i) {
    auto r = c.Post("/v1/models/fraud:predict", R"({"instances": [[)" + std::to_string(i) + "]]}", "application/json");
    ASSERT_EQ(r->status, 200);
    lastId = r->get_header_value("X-Prediction-Id");
  }
  ASSERT_TRUE(testing::waitFor([&] { return sample(gw.metrics(), "modelops_payload_samples_total", "written") == 60; }, 5s))
      << gw.metrics();
  namespace fs = std::filesystem;
  std::map<int, std::string> files;  // payloads-<n>.jsonl by n
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    files[std::stoi(name.substr(std::string("payloads-").size()))] = entry.path().string();
  }
  ASSERT_EQ(files.size(), 2u) << "only 2 files are kept";
  EXPECT_GT(files.rbegin()->first, 2) << "60 lines of ~400 bytes should have rotated 4096-byte files";
  Json last;
  for (const auto& [n, path] : files) {
    EXPECT_LE(fs::file_size(path), 4096u) << path;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      last = Json::parse(line);
      EXPECT_EQ(last["model"], "fraud");
      EXPECT_EQ(last["version"], "v1");
      EXPECT_EQ(last["response"]["predictions"][0], 1);
    }
  }
  EXPECT_EQ(last["predictionIds"][0], lastId) << "the newest line carries the id the client got";
  EXPECT_EQ(last["request"], Json::parse(R"({"instances": [[59]]})"));
}

}  // namespace
}  // namespace modelops::itest
