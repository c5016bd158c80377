// unit.admission: the webhook's HTTPS server on 127.0.0.1 - answers an AdmissionReview, refuses what is
// not one (400) and other methods (405), and serves a rotated certificate from the next handshake on
// (the directory is reloaded by the refresh loop, no restart).
// Thread-safety: the server's threads run the handler; the test thread waits on conditions.
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "fakes/wait.h"
#include "modelops/admission/serving_certificates.h"
#include "modelops/admission/webhook_server.h"
#include "modelops/common/certificates.h"
#include "unit/api/fixtures.h"

namespace {

using namespace std::chrono_literals;
using modelops::admission::DirectoryCertificates;
using modelops::admission::WebhookServer;
using modelops::admission::WebhookServerOptions;
using nlohmann::json;
namespace fs = std::filesystem;
namespace certs = modelops::certs;

class WebhookServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/modelops-webhook-server-XXXXXX";
    dir_ = mkdtemp(tmpl);
    caA_ = issueInto("ca-a");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A new CA and a serving certificate for localhost written as tls.crt/tls.key; returns the CA.
  certs::KeyPairPem issueInto(const std::string& caName) {
    auto now = std::chrono::system_clock::now();
    auto ca = *certs::generateCertificateAuthority(caName, now, std::chrono::hours(24));
    certs::ServingCertificateRequest request;
    request.commonName = "localhost";
    request.dnsNames = {"localhost"};
    request.ipAddresses = {"127.0.0.1"};
    request.notBefore = now;
    request.validity = std::chrono::hours(2);
    auto serving = *certs::issueServingCertificate(ca, request);
    std::ofstream(dir_ / "tls.key.tmp") << serving.keyPem;
    std::ofstream(dir_ / "tls.crt.tmp") << serving.certPem;
    fs::rename(dir_ / "tls.key.tmp", dir_ / "tls.key");
    fs::rename(dir_ / "tls.crt.tmp", dir_ / "tls.crt");
    std::ofstream(dir_ / (caName + ".pem")) << ca.certPem;
    return ca;
  }

  // A POST trusting only the named CA; the result's error when the handshake fails.
  httplib::Result post(int port, const std::string& caName, const std::string& body, const std::string& path) {
    httplib::SSLClient client("127.0.0.1", port);
    client.set_ca_cert_path((dir_ / (caName + ".pem")).c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    return client.Post(path, body, "application/json");
  }

  static std::string review() {
    json r = {{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request", {{"uid", "u-1"}, {"operation", "CREATE"},
                           {"kind", {{"group", "modelops.dev"}, {"version", "v1alpha1"}, {"kind", "ModelDeployment"}}},
                           {"object", modelops::api::testing::exampleCanary()}}}};
    r["request"]["object"]["spec"]["template"]["spec"]["containers"] = json::array();
    return r.dump();
  }

  fs::path dir_;
  certs::KeyPairPem caA_;
};

TEST_F(WebhookServerTest, AnswersReviewsAndRefusesEverythingElse) {
  DirectoryCertificates certificates(dir_.string());
  WebhookServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  WebhookServer server(options, certificates);
  ASSERT_TRUE(server.start().ok());
  auto r = post(server.port(), "ca-a", review(), modelops::admission::kValidatePath);
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  json answer = json::parse(r->body);
  EXPECT_EQ(answer["response"]["uid"], "u-1");
  EXPECT_EQ(answer["response"]["allowed"], false);
  EXPECT_NE(answer["response"]["status"]["message"].get<std::string>().find("spec.template.spec.containers"),
            std::string::npos);

  r = post(server.port(), "ca-a", "{not json", modelops::admission::kValidatePath);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  r = post(server.port(), "ca-a", R"({"apiVersion": "v1", "kind": "Pod"})", modelops::admission::kValidatePath);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("AdmissionReview"), std::string::npos);
  r = post(server.port(), "ca-a", review(), "/elsewhere");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  httplib::SSLClient client("127.0.0.1", server.port());
  client.enable_server_certificate_verification(false);
  auto get = client.Get(modelops::admission::kValidatePath);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  server.stop();
}

TEST_F(WebhookServerTest, ARotatedCertificateIsServedWithoutARestart) {
  DirectoryCertificates certificates(dir_.string());
  WebhookServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.refreshInterval = 50ms;
  std::atomic<int> refreshes{0};
  WebhookServer server(options, certificates, [&refreshes] { ++refreshes; });
  ASSERT_TRUE(server.start().ok());
  ASSERT_TRUE(post(server.port(), "ca-a", review(), modelops::admission::kValidatePath));
  EXPECT_FALSE(post(server.port(), "ca-b", review(), modelops::admission::kValidatePath));  // not trusted yet

  issueInto("ca-b");  // cert-manager renewed the Secret with another CA
  ASSERT_TRUE(modelops::testing::waitFor([&] {
    return static_cast<bool>(post(server.port(), "ca-b", review(), modelops::admission::kValidatePath));
  }));
  EXPECT_FALSE(post(server.port(), "ca-a", review(), modelops::admission::kValidatePath));
  EXPECT_GE(refreshes.load(), 2);
  server.stop();
}

TEST_F(WebhookServerTest, DoesNotStartWithoutACertificate) {
  fs::remove(dir_ / "tls.crt");
  DirectoryCertificates certificates(dir_.string());
  WebhookServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  WebhookServer server(options, certificates);
  auto started = server.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("tls.crt"), std::string::npos);
}

}  // namespace
