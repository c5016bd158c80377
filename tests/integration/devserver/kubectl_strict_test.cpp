// integration.devserver_kubectl: the real kubectl (/usr/bin/kubectl) against an in-process dev server
// (HTTPS, token, the kubeconfig it writes) for the rules a kube-apiserver enforces and kubectl users see
// first: an unknown kind gives kubectl's "no matches for kind ... ensure CRDs are installed first", and
// a Service name over 63 characters, an invalid label key, annotations over 256 KiB and a Deployment
// container without an image are refused with kube-apiserver's 422 message naming the field.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "modelops/devserver/dev_server.h"
#include "support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace modelops::devserver {
namespace {

class KubectlStrictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists("/usr/bin/kubectl")) << "kubectl is required (scripts/install-deps.sh)";
    char tmpl[] = "/tmp/modelops-kubectl-strict-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    DevServerOptions o;
    o.tls = true;
    o.token = "strict-token";
    const char* source = std::getenv("MODELOPS_SOURCE_DIR");
    o.preload = {(fs::path(source && *source ? source : ".") / "crds").string()};
    auto s = DevServer::start(o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    server_ = std::move(s).value();
    ASSERT_TRUE(server_->writeKubeconfig((dir_ / "kubeconfig").string()).ok());
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(), "PATH=/usr/bin:/bin"};
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // kubectl apply -f of one manifest; returns the run (exit code, stdout, stderr).
  modelops::testing::RunResult apply(const std::string& manifest) {
    fs::path file = dir_ / "manifest.yaml";
    std::ofstream(file) << manifest;
    return modelops::testing::run({"/usr/bin/kubectl", "apply", "-f", file.string()}, env_, 60s);
  }

  fs::path dir_;
  std::vector<std::string> env_;
  std::unique_ptr<DevServer> server_;
};

TEST_F(KubectlStrictTest, UnknownKindSaysEnsureCrdsAreInstalled) {
  // A group the server does not serve, and a kind missing from a group it serves.
  for (const auto& [apiVersion, kind] : {std::pair<std::string, std::string>{"example.com/v1", "Gadget"},
                                         {"modelops.dev/v1alpha1", "ModelRollout"}}) {
    auto r = apply("apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: x\n  namespace: default\n");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("no matches for kind \"" + kind + "\" in version \"" + apiVersion + "\""), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("ensure CRDs are installed first"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("could not find the requested resource"), std::string::npos) << r.err;
  }
  // The kinds it serves still apply (validation against the served schemas is unchanged).
  auto ok = apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  namespace: default\n");
  EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST_F(KubectlStrictTest, ServiceNameOver63CharactersIsInvalid) {
  std::string name(64, 's');
  auto r = apply("apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
                 "\n  namespace: default\nspec:\n  ports:\n  - port: 80\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Service \"" + name + "\" is invalid: metadata.name: Invalid value: \"" + name +
                       "\": must be no more than 63 characters"),
            std::string::npos)
      << r.err;
}

TEST_F(KubectlStrictTest, InvalidLabelKeyIsInvalid) {
  auto r = apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labelled\n  namespace: default\n"
                 "  labels:\n    example.com/a/b: x\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("ConfigMap \"labelled\" is invalid: metadata.labels: Invalid value: \"example.com/a/b\""),
            std::string::npos)
      << r.err;
}

TEST_F(KubectlStrictTest, AnnotationsOver256KiBAreTooLong) {
  // Client-side apply would add its own last-applied annotation; server-side apply sends only ours.
  fs::path file = dir_ / "big.yaml";
  std::ofstream(file) << "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\n"
                      << "  annotations:\n    big: " << std::string(256 * 1024, 'x') << "\n";
  auto r = modelops::testing::run({"/usr/bin/kubectl", "apply", "--server-side", "-f", file.string()}, env_, 60s);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("ConfigMap \"big\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"),
            std::string::npos)
      << r.err;
}

TEST_F(KubectlStrictTest, DeploymentContainerWithoutImageIsRequired) {
  auto r = apply(
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: noimage\n  namespace: default\nspec:\n"
      "  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n"
      "    spec:\n      containers:\n      - name: server\n");
  EXPECT_NE(r.code, 0);
  // kubectl rewrites the Invalid message of kinds it knows: "The Deployment ..." instead of "Deployment.apps ...".
  EXPECT_NE(r.err.find("The Deployment \"noimage\" is invalid: spec.template.spec.containers[0].image: Required value"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace modelops::devserver
