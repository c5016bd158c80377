// Fixture for the integration.plugin suite: an in-process dev API server (127.0.0.1, port 0) with the
// ModelDeployment CRD applied, a kubeconfig it wrote, a KubeClient for the test's own writes (objects,
// the status the operator would have written, Events), and run(): the plugin's runPlugin() with
// captured output. SyncStream lets a test read what a plugin thread (get --watch, status --wait) has
// printed so far.
// Thread-safety: the fixture is used from the test thread; SyncStream is safe from any thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fakes/wait.h"
#include "modelops/common/clock.h"
#include "modelops/devserver/dev_server.h"
#include "modelops/kube/client.h"
#include "modelops/kube/factory.h"
#include "modelops/yaml/yaml.h"
#include "plugin.h"

namespace modelops::testing {

using nlohmann::json;

// An ostream whose buffer may be read while another thread writes.
class SyncStream : public std::ostream {
 public:
  SyncStream() : std::ostream(&buf_) {}
  std::string text() const {
    std::lock_guard lock(buf_.mu);
    return buf_.data;
  }

 private:
  struct Buf : std::streambuf {
    mutable std::mutex mu;
    std::string data;
    int_type overflow(int_type c) override {
      if (c != traits_type::eof()) {
        std::lock_guard lock(mu);
        data.push_back(static_cast<char>(c));
      }
      return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      std::lock_guard lock(mu);
      data.append(s, static_cast<std::size_t>(n));
      return n;
    }
  };
  Buf buf_;
};

struct PluginRun {
  int code = -1;
  std::string out;
  std::string err;
};

class PluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    devserver::DevServerOptions options;
    options.port = 0;
    auto started = devserver::DevServer::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    server_ = std::move(started).value();
    char tmpl[] = "/tmp/modelops-plugin-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    kubeconfig_ = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(server_->writeKubeconfig(kubeconfig_).ok());
    kube::ClientConfig cfg;
    cfg.server = server_->url();
    cfg.qps = 0;
    cfg.maxAttempts = 3;
    auto client = kube::makeKubeClient(cfg, clock_);
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = std::move(client).value();
    applyCrd();
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void applyCrd() {
    const char* src = std::getenv("MODELOPS_SOURCE_DIR");
    std::string path = std::string(src ? src : ".") + "/crds/modelops.dev_modeldeployments.yaml";
    auto docs = yaml::loadYamlFile(path);
    ASSERT_TRUE(docs.ok()) << docs.error().message;
    ASSERT_EQ(docs.value().size(), 1u);
    auto created = client_->create(kube::resources::customResourceDefinitions(), "", docs.value()[0]);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    ASSERT_TRUE(waitFor([&] { return client_->list(kube::resources::modelDeployments(), "default").ok(); }))
        << "the ModelDeployment API was not served after the CRD was created";
  }

  // The plugin in process, reading no environment (no $KUBECONFIG, no ~/.kube/config) unless the
  // arguments say so; --kubeconfig is added unless withKubeconfig is false.
  PluginRun run(std::vector<std::string> args, bool color = false, bool withKubeconfig = true) {
    if (withKubeconfig) {
      args.push_back("--kubeconfig");
      args.push_back(kubeconfig_);
    }
    std::ostringstream out, err;
    plugin::PluginContext ctx{out, err, clock_, [](const std::string&) { return std::optional<std::string>(); },
                              false, color, {}};
    PluginRun r;
    r.code = plugin::runPlugin(args, ctx);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // A ModelDeployment with a 5-step canary and an accuracy metric; returns the created object.
  json createModel(const std::string& name, const std::string& ns = "default", const std::string& version = "2.4.0") {
    json md = {
        {"apiVersion", "modelops.dev/v1alpha1"},
        {"kind", "ModelDeployment"},
        {"metadata", {{"name", name}, {"namespace", ns}}},
        {"spec",
         {{"replicas", 2},
          {"model", {{"version", version}, {"uri", "s3://models/" + name + "/" + version}}},
          {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "sim:1"}}})}}}}},
          {"strategy",
           {{"canary",
             {{"steps", json::array({{{"setWeight", 10}},
                                     {{"pause", {{"duration", "2m"}}}},
                                     {{"analysis", json::object()}},
                                     {{"setWeight", 50}},
                                     {{"pause", json::object()}}})}}}}},
          {"analysis",
           {{"interval", "30s"},
            {"metrics",
             json::array({{{"name", "accuracy"},
                           {"provider", {{"prometheus", {{"address", "http://prometheus:9090"}}}}},
                           {"successes", "sum(correct)"},
                           {"trials", "sum(labeled)"},
                           {"accuracy", {{"min", 0.92}, {"confidence", 0.95}, {"minSamples", 500}}}}})}}}}}};
    auto created = client_->create(kube::resources::modelDeployments(), ns, md);
    EXPECT_TRUE(created.ok()) << created.error().describe();
    return created.ok() ? created.value() : json();
  }

  // Writes status through the /status subresource (merge patch), as the operator would.
  json setStatus(const std::string& name, const json& status, const std::string& ns = "default") {
    kube::PatchOptions toStatus;
    toStatus.status = true;
    auto patched = client_->patch(kube::resources::modelDeployments(), ns, name, kube::PatchType::Merge,
                                  {{"status", status}}, toStatus);
    EXPECT_TRUE(patched.ok()) << patched.error().describe();
    return patched.ok() ? patched.value() : json();
  }

  json getModel(const std::string& name, const std::string& ns = "default") {
    auto got = client_->get(kube::resources::modelDeployments(), ns, name);
    EXPECT_TRUE(got.ok()) << got.error().describe();
    return got.ok() ? got.value() : json();
  }

  SystemClock clock_;
  std::unique_ptr<devserver::DevServer> server_;
  std::unique_ptr<kube::KubeClient> client_;
  std::filesystem::path dir_;
  std::string kubeconfig_;
};

}  // namespace modelops::testing
