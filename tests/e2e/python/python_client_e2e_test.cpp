// e2e.python: the official Kubernetes Python client (Debian python3-kubernetes, run by /usr/bin/python3)
// against the modelops-devserver binary over HTTPS with a bearer token, using only the kubeconfig the
// server writes. client_e2e.py lists, creates, merge-patches and reads back ModelDeployments
// (CustomObjectsApi), watches them with watch.Watch().stream (ADDED and MODIFIED), and checks that the
// server refuses what kube-apiserver refuses (Service name over 63 characters, invalid label key,
// annotations over 256 KiB, a pod template container without an image) with 422 Invalid and the field.
// Each step prints one line; this test requires every step to report ok and the script to exit 0.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::ChildProcess;
using modelops::testing::ChildProcessOptions;
using modelops::testing::OnTimeout;
using modelops::testing::OutputStream;
using namespace std::chrono_literals;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

class PythonClientE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    std::string binary = envOr("MODELOPS_BINARY_DIR", ".") + "/bin/modelops-devserver";
    char tmpl[] = "/tmp/modelops-e2e-python-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(), "PATH=/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE=1"};
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary, "--port", "0", "--bind", "127.0.0.1", "--tls", "--token", "py-e2e-token",
                                 "--kubeconfig-out", (dir_ / "kubeconfig").string(), "--preload",
                                 (source_ / "crds").string(), "--log-level", "warn"},
        ChildProcessOptions::exactEnvironment(env_));
    ASSERT_TRUE(server_->started());
    ASSERT_TRUE(server_->waitForOutput([](const std::string& o) { return o.find(" ready url=") != std::string::npos; },
                                       20s, OutputStream::Stdout))
        << "devserver did not start: " << server_->err();
  }

  void TearDown() override {
    if (server_) {
      server_->signal(SIGTERM);
      EXPECT_EQ(server_->wait(20s, OnTimeout::Kill).value_or(-1), 0) << server_->err();
      server_.reset();
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path source_;
  fs::path dir_;
  std::vector<std::string> env_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(PythonClientE2E, OfficialClientListsWatchesPatchesAndMeetsTheApiServersRules) {
  ASSERT_TRUE(fs::exists("/usr/bin/python3")) << "Debian's /usr/bin/python3 is required (scripts/install-deps.sh)";
  auto r = modelops::testing::run({"/usr/bin/python3", (source_ / "tests/e2e/python/client_e2e.py").string()}, env_,
                                  120s);
  std::string log = "stdout:\n" + r.out + "\nstderr:\n" + r.err;
  EXPECT_EQ(r.code, 0) << log;
  // Every step must have run and passed: a script that stopped early or skipped one fails here too.
  for (const char* step : {"namespace", "list-empty", "create-and-list", "merge-patch-and-read-back",
                           "watch-stream-added-and-modified", "watch-sees-a-later-change",
                           "service-name-over-63-refused", "invalid-label-key-refused",
                           "annotations-over-256KiB-refused", "pod-template-without-image-refused", "cleanup"})
    EXPECT_NE(r.out.find(std::string("STEP ") + step + " ok\n"), std::string::npos) << step << "\n" << log;
  EXPECT_EQ(r.out.find("FAILED"), std::string::npos) << log;
}

}  // namespace
