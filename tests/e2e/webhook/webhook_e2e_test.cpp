// e2e.webhook: issue 13 item 7 end to end. The real kubectl applies ModelDeployments to the
// modelops-devserver binary, which calls the validating webhook of the real modelops-operator through
// manifests/webhook/validating_webhook_configuration.yaml (its Service resolved to the operator's
// loopback port with --webhook-service; TLS verified with the CA bundle the operator wrote into that
// configuration). Each invalid spec of the issue fails at apply time with its field path; a valid one is
// created; an update is validated too; with the operator stopped, failurePolicy Fail refuses with the API
// server's message and Ignore admits; a webhook that never answers is cut off at timeoutSeconds.
// The tests share one server and run in order.
// Thread-safety: gtest main thread only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::ChildProcess;
using modelops::testing::ChildProcessOptions;
using modelops::testing::OnTimeout;
using modelops::testing::OutputStream;
using modelops::testing::RunResult;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// A loopback socket that listens and never accepts (a webhook that never answers), or just reserves a
// port number when closed at once.
int listeningSocket(int* port, bool keepOpen) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return -1;
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  if (keepOpen) {
    ::listen(fd, 16);
    return fd;
  }
  ::close(fd);
  return -1;
}

json validModelDeployment(const std::string& name) {
  json doc = json::parse(R"J({
    "apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment",
    "metadata": {"namespace": "default"},
    "spec": {
      "replicas": 2,
      "model": {"version": "1.0.0"},
      "template": {"spec": {"containers": [{"name": "server", "image": "registry.example/model:1",
                                            "ports": [{"name": "http", "containerPort": 8080}]}]}},
      "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "1m"}}, {"setWeight": 60}]}}
    }})J");
  doc["metadata"]["name"] = name;
  return doc;
}

class WebhookE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    bin_ = fs::path(envOr("MODELOPS_BINARY_DIR", ".")) / "bin";
    char tmpl[] = "/tmp/modelops-e2e-webhook-XXXXXX";
    dir_ = mkdtemp(tmpl);
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
            "PATH=" + envOr("PATH", "/usr/bin:/bin")};
    listeningSocket(&webhookPort_, false);
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{(bin_ / "modelops-devserver").string(), "--port", "0", "--bind", "127.0.0.1", "--tls",
                                 "--token", "e2e-token", "--kubeconfig-out", (dir_ / "kubeconfig").string(),
                                 "--ready-delay-ms", "20", "--log-level", "warn", "--webhook-service",
                                 "modelops-system/modelops-webhook=127.0.0.1:" + std::to_string(webhookPort_)},
        ChildProcessOptions::exactEnvironment(env_));
    ready_ = server_->started() &&
             server_->waitForOutput([](const std::string& out) { return out.find(" ready url=") != std::string::npos; },
                                    20s, OutputStream::Stdout);
  }

  static void TearDownTestSuite() {
    operator_.reset();
    if (server_) {
      server_->signal(SIGTERM);
      server_->wait(20s, OnTimeout::Kill);
      server_.reset();
    }
    if (stallFd_ >= 0) ::close(stallFd_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void SetUp() override { ASSERT_TRUE(ready_) << "devserver did not start: " << (server_ ? server_->err() : ""); }

  static RunResult kubectl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return modelops::testing::run(args, env_, timeout);
  }

  static RunResult applyJson(const json& obj) {
    const fs::path file = dir_ / (obj["metadata"]["name"].get<std::string>() + ".json");
    std::ofstream(file) << obj.dump(2);
    return kubectl({"apply", "-f", file.string()});
  }

  static void startOperator() {
    operator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{(bin_ / "modelops-operator").string(), "--kubeconfig", (dir_ / "kubeconfig").string(),
                                 "--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--log-format",
                                 "json", "--webhook-bind-address", "127.0.0.1:" + std::to_string(webhookPort_),
                                 "--webhook-service-namespace", "modelops-system", "--webhook-cert-refresh-interval",
                                 "1s"},
        ChildProcessOptions::exactEnvironment(env_));
  }

  // Denied at apply time through the webhook, naming `field`; nothing stored. kubectl prints a 422 Invalid
  // with causes as "The KIND "NAME" is invalid: FIELD: MESSAGE" (whoever refused it), so the operator's
  // log shows that the webhook was the one.
  void expectDenied(const json& doc, const std::string& field) {
    const std::string name = doc["metadata"]["name"];
    auto r = applyJson(doc);
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.err.find("The ModelDeployment \"" + name + "\" is invalid: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(field + ": "), std::string::npos) << r.err;
    EXPECT_TRUE(operatorLogged("admission denied", name)) << operator_->out() << operator_->err();
    auto got = kubectl({"get", "md", name});
    EXPECT_NE(got.code, 0) << "an invalid ModelDeployment was stored";
  }

  // A line of the operator's log with both texts (the denial is logged before the answer is sent).
  static bool operatorLogged(const std::string& message, const std::string& name) {
    return operator_->waitForOutput(
        [&](const std::string& out) {
          std::size_t at = 0;
          while ((at = out.find(message, at)) != std::string::npos) {
            std::size_t lineEnd = out.find('\n', at);
            std::size_t lineStart = out.rfind('\n', at);
            std::string line = out.substr(lineStart == std::string::npos ? 0 : lineStart, lineEnd - lineStart);
            if (line.find("\"" + name + "\"") != std::string::npos) return true;
            at += message.size();
          }
          return false;
        },
        10s);
  }

  static inline fs::path source_, bin_, dir_;
  static inline std::vector<std::string> env_;
  static inline std::unique_ptr<ChildProcess> server_, operator_;
  static inline bool ready_ = false;
  static inline int webhookPort_ = 0;
  static inline int stallFd_ = -1;
};

TEST_F(WebhookE2E, InstallTheCrdTheWebhookConfigurationAndTheOperator) {
  ASSERT_EQ(kubectl({"apply", "-f", (source_ / "crds/modelops.dev_modeldeployments.yaml").string()}).code, 0);
  ASSERT_EQ(kubectl({"wait", "--for=condition=Established", "crd/modeldeployments.modelops.dev", "--timeout=20s"}).code, 0);
  ASSERT_EQ(kubectl({"create", "namespace", "modelops-system"}).code, 0);
  auto r = kubectl({"apply", "-f", (source_ / "manifests/webhook/validating_webhook_configuration.yaml").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("validatingwebhookconfiguration.admissionregistration.k8s.io/modelops-validating-webhook created"),
            std::string::npos)
      << r.out;
  startOperator();
  ASSERT_TRUE(operator_->started());
  // The operator writes its CA into the configuration: wait for that.
  bool injected = operator_->waitForOutput(
      [](const std::string& out) { return out.find("webhook CA bundle injected") != std::string::npos; }, 30s);
  ASSERT_TRUE(injected) << operator_->out() << operator_->err();
  r = kubectl({"get", "validatingwebhookconfiguration", "modelops-validating-webhook", "-o",
               "jsonpath={.webhooks[0].clientConfig.caBundle}"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(r.out.size(), 100u);
  // The CA and certificate are kept in a Secret that every replica serves from.
  r = kubectl({"-n", "modelops-system", "get", "secret", "modelops-webhook-certs", "-o", "jsonpath={.type}"});
  EXPECT_EQ(r.out, "kubernetes.io/tls") << r.err;
}

TEST_F(WebhookE2E, AValidModelDeploymentIsCreated) {
  auto r = applyJson(validModelDeployment("good"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/good created"), std::string::npos) << r.out;
}

TEST_F(WebhookE2E, AbWeightsSummingTo140FailAtApplyTime) {
  json doc = validModelDeployment("ab-140");
  doc["spec"]["strategy"] = {{"abTest", {{"variants", {{{"name", "control"}, {"weight", 70}},
                                                       {{"name", "treatment"}, {"weight", 70}}}}}}};
  expectDenied(doc, "spec.strategy.abTest.variants");
}

TEST_F(WebhookE2E, CanaryAndAbTestTogetherFailAtApplyTime) {
  json doc = validModelDeployment("both");
  doc["spec"]["strategy"]["abTest"] = {{"variants", {{{"name", "a"}, {"weight", 50}}, {{"name", "b"}, {"weight", 50}}}}};
  expectDenied(doc, "spec.strategy");
}

TEST_F(WebhookE2E, TwoKindsInOneStepFailAtApplyTime) {
  json doc = validModelDeployment("two-kinds");
  doc["spec"]["strategy"]["canary"]["steps"][2] = {{"setWeight", 60}, {"pause", {{"duration", "1m"}}}};
  expectDenied(doc, "spec.strategy.canary.steps[2]");
}

TEST_F(WebhookE2E, NoContainersFailAtApplyTime) {
  json doc = validModelDeployment("no-containers");
  doc["spec"]["template"]["spec"]["containers"] = json::array();
  expectDenied(doc, "spec.template.spec.containers");
}

// Issue 13 item 4 through the webhook: names a real cluster would refuse for the derived Services, and a
// targetPort that names no container port, fail at apply time too (not only later in status).
TEST_F(WebhookE2E, ANameWhoseCanaryServiceWouldBeTooLongFailsAtApplyTime) {
  expectDenied(validModelDeployment(std::string(60, 'a')), "metadata.name");
}

TEST_F(WebhookE2E, ATargetPortNamingNoContainerPortFailsAtApplyTime) {
  json doc = validModelDeployment("grpc-port");
  doc["spec"]["service"] = {{"targetPort", "grpc"}};
  expectDenied(doc, "spec.service.targetPort");
}

TEST_F(WebhookE2E, AnUpdateIsValidatedToo) {
  // A rule the CRD schema cannot express (setWeight alone is within the schema's 0..100).
  json doc = validModelDeployment("good");
  doc["spec"]["strategy"]["canary"]["steps"][0]["pause"] = {{"duration", "1m"}};
  auto r = applyJson(doc);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("The ModelDeployment \"good\" is invalid: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("spec.strategy.canary.steps[0]: "), std::string::npos) << r.err;
  EXPECT_TRUE(operatorLogged("\"operation\":\"UPDATE\"", "good")) << operator_->out() << operator_->err();
  EXPECT_EQ(kubectl({"get", "md", "good", "-o", "jsonpath={.spec.strategy.canary.steps[0]}"}).out, R"({"setWeight":20})");
  // Server-side apply goes through the same check (forced: client-side apply owns the fields).
  r = kubectl({"apply", "--server-side", "--force-conflicts", "-f", (dir_ / "good.json").string()});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("spec.strategy.canary.steps[0]: "), std::string::npos) << r.err;
  // A valid change is admitted.
  doc["spec"]["strategy"]["canary"]["steps"][0].erase("pause");
  doc["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 30;
  r = applyJson(doc);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/good configured"), std::string::npos) << r.out;
}

TEST_F(WebhookE2E, WithTheOperatorDownFailRefusesAndIgnoreAdmits) {
  operator_->signal(SIGTERM);
  ASSERT_TRUE(operator_->wait(30s, OnTimeout::Kill).has_value());
  auto r = applyJson(validModelDeployment("while-down"));
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.err.find("Internal error occurred: failed calling webhook \"validate.modelops.dev\": failed to call "
                       "webhook: Post \"https://modelops-webhook.modelops-system.svc:443/"
                       "validate-modelops-dev-v1alpha1-modeldeployment?timeout=10s\""),
            std::string::npos)
      << r.err;
  r = kubectl({"patch", "validatingwebhookconfiguration", "modelops-validating-webhook", "--type=json", "-p",
               R"([{"op": "replace", "path": "/webhooks/0/failurePolicy", "value": "Ignore"}])"});
  ASSERT_EQ(r.code, 0) << r.err;
  r = applyJson(validModelDeployment("while-down"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("modeldeployment.modelops.dev/while-down created"), std::string::npos) << r.out;
}

TEST_F(WebhookE2E, AWebhookThatNeverAnswersIsCutOffAtTimeoutSeconds) {
  int stallPort = 0;
  stallFd_ = listeningSocket(&stallPort, true);
  ASSERT_GE(stallFd_, 0);
  json stall = {{"apiVersion", "admissionregistration.k8s.io/v1"},
                {"kind", "ValidatingWebhookConfiguration"},
                {"metadata", {{"name", "stall"}}},
                {"webhooks",
                 {{{"name", "stall.example.com"},
                   {"admissionReviewVersions", {"v1"}},
                   {"sideEffects", "None"},
                   {"failurePolicy", "Fail"},
                   {"timeoutSeconds", 2},
                   {"clientConfig", {{"url", "https://127.0.0.1:" + std::to_string(stallPort) + "/validate"}}},
                   {"rules", {{{"apiGroups", {""}}, {"apiVersions", {"v1"}}, {"resources", {"configmaps"}},
                               {"operations", {"CREATE"}}}}}}}}};
  ASSERT_EQ(applyJson(stall).code, 0);
  auto started = std::chrono::steady_clock::now();
  auto r = kubectl({"create", "configmap", "stalled", "--from-literal=k=v"});
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("failed calling webhook \"stall.example.com\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("context deadline exceeded"), std::string::npos) << r.err;
  EXPECT_GE(elapsed, 2s);
  EXPECT_LT(elapsed, 15s);
  EXPECT_EQ(kubectl({"delete", "validatingwebhookconfiguration", "stall"}).code, 0);
  EXPECT_EQ(kubectl({"create", "configmap", "after-stall", "--from-literal=k=v"}).code, 0);
}

}  // namespace
