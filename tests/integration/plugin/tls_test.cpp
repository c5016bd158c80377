// integration.plugin: the real kubectl-modelops binary against the dev API server over TLS (a generated
// CA, written into the kubeconfig the server writes). Issue 13 item 1: `status --wait --timeout` used to
// die of SIGPIPE (exit 141) when the timeout shut the watch socket down and the TLS library then wrote
// its close alert to it; the CI gate must get exit 4 and "timed out".
// Thread-safety: gtest main thread; the plugin runs as a child process, stopped by run()'s deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "fakes/wait.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/yaml/yaml.h"
#include "plugin.h"
#include "support/process.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using nlohmann::json;

class PluginTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    devserver::DevServerOptions options;
    options.port = 0;
    options.tls = true;
    auto started = devserver::DevServer::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(started).value();
    ASSERT_EQ(server_->url().rfind("https://", 0), 0u);
    char tmpl[] = "/tmp/modelops-plugin-tls-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    kubeconfig_ = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(server_->writeKubeconfig(kubeconfig_).ok());
    const char* src = std::getenv("MODELOPS_SOURCE_DIR");
    auto docs = yaml::loadYamlFile(std::string(src ? src : ".") + "/crds/modelops.dev_modeldeployments.yaml");
    ASSERT_TRUE(docs.ok()) << docs.error().message;
    ASSERT_TRUE(server_->apply(docs.value().at(0)).ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A ModelDeployment no operator reconciles: its rollout never completes.
  void createModel(const std::string& name) {
    json md = {{"apiVersion", "modelops.dev/v1alpha1"},
               {"kind", "ModelDeployment"},
               {"metadata", {{"name", name}, {"namespace", "default"}}},
               {"spec",
                {{"model", {{"version", "1.0"}}},
                 {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "sim:1"}}})}}}}}}}};
    // The CRD is served a moment after it is stored: retry the create until it is.
    ASSERT_TRUE(waitFor([&] { return server_->apply(md).ok(); })) << "ModelDeployment API not served";
  }

  RunResult plugin(std::vector<std::string> args) {
    const char* bin = std::getenv("MODELOPS_BINARY_DIR");
    EXPECT_NE(bin, nullptr);
    args.insert(args.begin(), std::string(bin ? bin : ".") + "/bin/kubectl-modelops");
    args.push_back("--kubeconfig");
    args.push_back(kubeconfig_);
    return run(args, {"HOME=" + dir_.string(), "PATH=/usr/bin:/bin"}, 60s);
  }

  std::unique_ptr<devserver::DevServer> server_;
  std::filesystem::path dir_;
  std::string kubeconfig_;
};

// Fails before the fix with code 141 (128 + SIGPIPE) and no message.
TEST_F(PluginTlsTest, StatusWaitTimesOutWithExitFourOverTls) {
  createModel("fraud");
  auto listed = plugin({"list"});
  ASSERT_EQ(listed.code, plugin::kExitOk) << listed.err;  // the TLS connection itself works
  EXPECT_THAT(listed.out, HasSubstr("fraud"));
  for (int attempt = 0; attempt < 3; ++attempt) {  // the race with the close alert is not every time
    auto waited = plugin({"status", "fraud", "--wait", "--timeout", "1s"});
    ASSERT_EQ(waited.code, plugin::kExitTimeout) << "attempt " << attempt << "\nout: " << waited.out
                                                 << "\nerr: " << waited.err;
    EXPECT_THAT(waited.err, HasSubstr("timed out after 1s waiting for fraud"));
  }
}

}  // namespace
}  // namespace modelops::testing
