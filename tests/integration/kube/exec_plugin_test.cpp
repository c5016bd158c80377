// Integration tests of exec credential plugins: a shell script the test writes (it appends to a
// counter file on every call and prints an ExecCredential) is run through a kubeconfig; its token
// is reused until the injected clock passes expirationTimestamp, and a 401 refreshes it once.
// Thread-safety: each test owns its server; recorded tokens are guarded by a mutex.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "integration/kube/test_server.h"
#include "modelops/common/time.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "fakes/fake_clock.h"

namespace modelops::kube::testing {
namespace {

const char* kPlugin = R"(#!/bin/sh
echo call >> "$COUNTER"
n=$(wc -l < "$COUNTER" | tr -d ' ')
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
printf '%s' "$1" > "$ARG_FILE"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s","expirationTimestamp":"%s"}}\n' "$n" "$EXPIRES"
)";

class ExecPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<TestServer>(std::make_unique<httplib::Server>());
    server_->http().Get("/api/v1/namespaces/ns/configmaps/cm", [this](const httplib::Request& req, httplib::Response& res) {
      std::string auth = req.get_header_value("Authorization");
      std::lock_guard lock(mu_);
      tokens_.push_back(auth);
      if (rejected_.count(auth)) {
        res.status = 401;
        res.set_content(statusBody(401, "Unauthorized", "Unauthorized"), "application/json");
        return;
      }
      res.set_content(R"({"kind":"ConfigMap","metadata":{"name":"cm"}})", "application/json");
    });
    server_->start();
    dir_.write("plugin.sh", kPlugin, std::filesystem::perms::owner_all);
    std::ostringstream kubeconfig;
    kubeconfig << "current-context: t\n"
               << "clusters: [{name: c, cluster: {server: '" << server_->url(false) << "'}}]\n"
               << "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
               << "users:\n- name: u\n  user:\n    exec:\n"
               << "      apiVersion: client.authentication.k8s.io/v1\n"
               << "      command: ./plugin.sh\n"  // relative: resolved against the kubeconfig's directory
               << "      args: [--region=test]\n"
               << "      interactiveMode: Never\n"
               << "      env:\n"
               << "      - {name: COUNTER, value: '" << dir_.file("counter") << "'}\n"
               << "      - {name: INFO_FILE, value: '" << dir_.file("info") << "'}\n"
               << "      - {name: ARG_FILE, value: '" << dir_.file("arg") << "'}\n"
               << "      - {name: EXPIRES, value: '2030-01-01T00:00:00Z'}\n";
    kubeconfigPath_ = dir_.write("kubeconfig", kubeconfig.str());
    clock_.setWall(*parseRfc3339("2029-12-31T23:00:00Z"));
  }

  std::unique_ptr<KubeClient> client() {
    auto config = loadKubeconfigFiles({kubeconfigPath_}, "", false);
    if (!config) throw std::runtime_error(config.error().message);
    config->qps = 0;
    config->maxAttempts = 1;
    auto c = makeKubeClient(*config, clock_);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }

  int pluginCalls() {
    std::ifstream in(dir_.file("counter"));
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }
  std::string readFile(const std::string& name) {
    std::ifstream in(dir_.file(name));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  TempDir dir_;
  std::unique_ptr<TestServer> server_;
  std::string kubeconfigPath_;
  modelops::testing::FakeClock clock_;
  std::mutex mu_;
  std::vector<std::string> tokens_;
  std::set<std::string> rejected_;
};

TEST_F(ExecPluginTest, TokenIsCachedUntilExpirationThenTheFreshOneIsUsed) {
  auto kube = client();
  for (int i = 0; i < 3; ++i) {
    auto result = kube->get(resources::configMaps(), "ns", "cm");
    ASSERT_TRUE(result.ok()) << result.error().describe();
  }
  EXPECT_EQ(pluginCalls(), 1);
  clock_.advance(std::chrono::minutes(59));  // 23:59: still valid
  ASSERT_TRUE(kube->get(resources::configMaps(), "ns", "cm").ok());
  EXPECT_EQ(pluginCalls(), 1);
  clock_.advance(std::chrono::minutes(2));  // 00:01: past expirationTimestamp
  ASSERT_TRUE(kube->get(resources::configMaps(), "ns", "cm").ok());
  EXPECT_EQ(pluginCalls(), 2);
  std::lock_guard lock(mu_);
  ASSERT_EQ(tokens_.size(), 5u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(tokens_[i], "Bearer exec-token-1");
  EXPECT_EQ(tokens_[4], "Bearer exec-token-2");
  // The plugin got its arguments and KUBERNETES_EXEC_INFO.
  EXPECT_EQ(readFile("arg"), "--region=test");
  auto info = Json::parse(readFile("info"), nullptr, false);
  ASSERT_FALSE(info.is_discarded());
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1");
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["spec"]["interactive"], false);
}

TEST_F(ExecPluginTest, UnauthorizedRefreshesTheCredentialOnce) {
  {
    std::lock_guard lock(mu_);
    rejected_.insert("Bearer exec-token-1");
  }
  auto kube = client();
  auto result = kube->get(resources::configMaps(), "ns", "cm");
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(pluginCalls(), 2);
  {
    std::lock_guard lock(mu_);
    rejected_.insert("Bearer exec-token-3");
    rejected_.insert("Bearer exec-token-4");
  }
  clock_.advance(std::chrono::hours(2));  // expired: token 3 is fetched, rejected, token 4 rejected too
  auto denied = kube->get(resources::configMaps(), "ns", "cm");
  ASSERT_FALSE(denied.ok());
  EXPECT_TRUE(denied.error().isUnauthorized()) << denied.error().describe();
  EXPECT_EQ(pluginCalls(), 4);  // one refresh per request, not a loop
}

TEST_F(ExecPluginTest, FailingPluginIsAnAuthErrorWithItsName) {
  dir_.write("plugin.sh", "#!/bin/sh\necho broken >&2\nexit 3\n", std::filesystem::perms::owner_all);
  auto result = client()->get(resources::configMaps(), "ns", "cm");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "AuthError");
  EXPECT_NE(result.error().message.find("plugin.sh"), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find("status 3"), std::string::npos) << result.error().message;
  std::lock_guard lock(mu_);
  EXPECT_TRUE(tokens_.empty());
}

}  // namespace
}  // namespace modelops::kube::testing
