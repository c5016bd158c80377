// unit.devserver_admission: the AdmissionReview v1 exchange against an in-process HTTPS webhook on
// 127.0.0.1 (certificate for fake-webhook.test-system.svc, verified with the caBundle): a denial comes
// back in kube-apiserver's shape, an admission passes, a webhook that is down refuses under
// failurePolicy Fail and admits under Ignore, timeoutSeconds is honoured, a wrong CA or a response for
// another uid is a failed call.
// Thread-safety: the webhook's handlers run on httplib's threads; the test waits on conditions.
#include <gtest/gtest.h>
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "admission.h"
#include "fakes/wait.h"
#include "modelops/common/certificates.h"
#include "store.h"

namespace {

using modelops::devserver::AdmissionAttributes;
using modelops::devserver::Json;
using modelops::devserver::ObjectStore;
using modelops::devserver::ValidatingWebhooks;
using namespace std::chrono_literals;
namespace certs = modelops::certs;

class WebhookCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/modelops-devserver-webhook-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto now = std::chrono::system_clock::now();
    ca_ = *certs::generateCertificateAuthority("test-ca", now, std::chrono::hours(24));
    certs::ServingCertificateRequest request;
    request.commonName = "fake-webhook.test-system.svc";
    request.dnsNames = {"fake-webhook.test-system.svc"};
    request.notBefore = now;
    request.validity = std::chrono::hours(2);
    auto serving = *certs::issueServingCertificate(ca_, request);
    std::ofstream(dir_ / "tls.crt") << serving.certPem;
    std::ofstream(dir_ / "tls.key") << serving.keyPem;
    server_ = std::make_unique<httplib::SSLServer>((dir_ / "tls.crt").c_str(), (dir_ / "tls.key").c_str());
    server_->Post("/validate", [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // httplib's stop() is a no-op before listen_after_bind() runs: TearDown must not race it.
    ASSERT_TRUE(modelops::testing::waitFor([this] { return server_->is_running(); }));
  }

  void TearDown() override {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_->stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  // The fake webhook: denies objects labelled deny=yes, stalls on stall=yes until the test ends,
  // answers for another uid on wrong-uid=yes, admits the rest with a warning.
  void answer(const httplib::Request& req, httplib::Response& res) {
    Json review = Json::parse(req.body);
    {
      std::lock_guard lock(mu_);
      lastReview_ = review;
      lastQuery_ = req.get_param_value("timeout");
    }
    Json labels = review["request"]["object"]["metadata"].value("labels", Json::object());
    std::string uid = review["request"]["uid"];
    if (labels.value("stall", "") == "yes") {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return released_; });
    }
    if (labels.value("wrong-uid", "") == "yes") uid = "another";
    Json response = {{"uid", uid}, {"allowed", true}, {"warnings", {"looked at it"}}};
    if (labels.value("deny", "") == "yes")
      response = {{"uid", uid},
                  {"allowed", false},
                  {"status", {{"code", 422}, {"reason", "Invalid"},
                              {"message", "ModelDeployment.modelops.dev \"m\" is invalid: spec.replicas: must be >= 0"},
                              {"details", {{"causes", {{{"field", "spec.replicas"}, {"message", "must be >= 0"}}}}}}}}};
    res.set_content(Json{{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", response}}.dump(),
                    "application/json");
  }

  // A configuration with one webhook calling the fake through the service override.
  void configure(const std::string& failurePolicy, int timeoutSeconds, const std::string& caPem) {
    Json hook = {{"name", "fake.modelops.dev"},
                 {"clientConfig", {{"service", {{"namespace", "test-system"}, {"name", "fake-webhook"},
                                                {"path", "/validate"}, {"port", 443}}},
                                   {"caBundle", certs::base64Encode(caPem)}}},
                 {"rules", {{{"operations", {"CREATE", "UPDATE"}}, {"apiGroups", {"modelops.dev"}},
                             {"apiVersions", {"v1alpha1"}}, {"resources", {"modeldeployments"}}}}},
                 {"failurePolicy", failurePolicy},
                 {"timeoutSeconds", timeoutSeconds},
                 {"sideEffects", "None"},
                 {"admissionReviewVersions", {"v1"}}};
    store_.put("admissionregistration.k8s.io/validatingwebhookconfigurations",
               {{"apiVersion", "admissionregistration.k8s.io/v1"}, {"kind", "ValidatingWebhookConfiguration"},
                {"metadata", {{"name", "fake"}}}, {"webhooks", {hook}}});
  }

  std::optional<modelops::devserver::ApiStatus> admit(const Json& labels, int port = 0) {
    std::map<std::string, std::string> addresses{
        {"test-system/fake-webhook", "127.0.0.1:" + std::to_string(port ? port : port_)}};
    ValidatingWebhooks hooks(store_, addresses);
    AdmissionAttributes a;
    a.group = "modelops.dev";
    a.version = "v1alpha1";
    a.resource = "modeldeployments";
    a.operation = "CREATE";
    a.object = {{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"},
                {"metadata", {{"name", "m"}, {"namespace", "ml"}, {"labels", labels}}}};
    warnings_.clear();
    return hooks.admit(a, "ModelDeployment", "ml", "m", false, &warnings_);
  }

  std::filesystem::path dir_;
  certs::KeyPairPem ca_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  ObjectStore store_{100};
  std::vector<std::string> warnings_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  Json lastReview_;
  std::string lastQuery_;
};

TEST_F(WebhookCallTest, NoConfigurationsMeansNoCalls) {
  EXPECT_FALSE(admit({{"deny", "yes"}}).has_value());
  std::lock_guard lock(mu_);
  EXPECT_TRUE(lastReview_.is_null());
}

TEST_F(WebhookCallTest, ADenialIsReturnedInTheApiServersShape) {
  configure("Fail", 5, ca_.certPem);
  auto refused = admit({{"deny", "yes"}});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, 422);
  EXPECT_EQ(refused->reason, "Invalid");
  EXPECT_EQ(refused->message,
            "admission webhook \"fake.modelops.dev\" denied the request: ModelDeployment.modelops.dev \"m\" is "
            "invalid: spec.replicas: must be >= 0");
  ASSERT_EQ(refused->causes.size(), 1u);
  EXPECT_EQ(refused->causes[0].field, "spec.replicas");
  std::lock_guard lock(mu_);
  EXPECT_EQ(lastReview_["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ(lastReview_["request"]["operation"], "CREATE");
  EXPECT_EQ(lastReview_["request"]["namespace"], "ml");
  EXPECT_EQ(lastReview_["request"]["kind"]["kind"], "ModelDeployment");
  EXPECT_EQ(lastReview_["request"]["resource"]["resource"], "modeldeployments");
  EXPECT_FALSE(lastReview_["request"]["uid"].get<std::string>().empty());
  EXPECT_EQ(lastQuery_, "5s");
}

TEST_F(WebhookCallTest, AnAdmissionPassesWithItsWarnings) {
  configure("Fail", 5, ca_.certPem);
  EXPECT_FALSE(admit({{"deny", "no"}}).has_value());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "looked at it");
}

TEST_F(WebhookCallTest, AWebhookThatIsDownRefusesUnderFailAndAdmitsUnderIgnore) {
  int closedPort = 0;
  {
    // A port that was free a moment ago and has no listener: connections are refused.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    closedPort = ntohs(addr.sin_port);
    ::close(fd);
  }
  configure("Fail", 2, ca_.certPem);
  auto refused = admit(Json::object(), closedPort);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, 500);
  EXPECT_EQ(refused->reason, "InternalError");
  EXPECT_EQ(refused->message.rfind("Internal error occurred: failed calling webhook \"fake.modelops.dev\": failed to "
                                   "call webhook: Post \"https://fake-webhook.test-system.svc:443/validate?timeout=2s\"",
                                   0),
            0u)
      << refused->message;
  EXPECT_NE(refused->message.find("connection refused"), std::string::npos) << refused->message;
  configure("Ignore", 2, ca_.certPem);
  EXPECT_FALSE(admit(Json::object(), closedPort).has_value());
}

TEST_F(WebhookCallTest, TimeoutSecondsIsHonoured) {
  configure("Fail", 1, ca_.certPem);
  auto started = std::chrono::steady_clock::now();
  auto refused = admit({{"stall", "yes"}});
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("context deadline exceeded"), std::string::npos) << refused->message;
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(WebhookCallTest, AnUntrustedCertificateOrAMismatchedUidIsAFailedCall) {
  auto otherCa = *certs::generateCertificateAuthority("other", std::chrono::system_clock::now(), std::chrono::hours(1));
  configure("Fail", 5, otherCa.certPem);
  auto refused = admit(Json::object());
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, 500) << refused->message;
  configure("Fail", 5, ca_.certPem);
  refused = admit({{"wrong-uid", "yes"}});
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("expected response.uid"), std::string::npos) << refused->message;
}

}  // namespace
