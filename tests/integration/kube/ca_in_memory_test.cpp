// certificate-authority-data stays in memory (issue 12, row 6): the client writes no CA file (in
// $TMPDIR or /tmp) that a SIGKILL would leave behind, and the in-memory store trusts exactly the
// configured CAs - never the system CAs as well (cpp-httplib 0.11.4 adds them to a store unless told
// otherwise; SSL_CERT_FILE stands in for the system bundle here).
// Thread-safety: each test owns its server; the environment is changed and restored on the test thread.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "integration/kube/test_pki.h"
#include "integration/kube/test_server.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "fakes/fake_clock.h"

namespace modelops::kube::testing {
namespace {

// Sets an environment variable for the scope, restoring the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

class CaInMemoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = makeTestPki().release(); }
  static void TearDownTestSuite() { delete pki_; }

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ca-in-memory-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TestServer> startServer(const CertAndKey& cert) {
    auto ssl = std::make_unique<httplib::SSLServer>(cert.cert, cert.key);
    if (!ssl->is_valid()) throw std::runtime_error("SSLServer");
    auto server = std::make_unique<TestServer>(std::move(ssl));
    server->http().Get("/api/v1/namespaces/ns/configmaps/cm", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"}})",
                      "application/json");
    });
    server->start();
    return server;
  }

  KubeResult<Json> get(const TestServer& server, const std::string& caData) {
    ClientConfig config;
    config.server = server.url(true);
    config.caData = caData;
    config.qps = 0;
    config.maxAttempts = 1;
    auto client = makeKubeClient(config, clock_);
    if (!client) return transportError("Setup", client.error().message);
    return (*client)->get(resources::configMaps(), "ns", "cm");
  }

  static TestPki* pki_;
  std::filesystem::path dir_;
  modelops::testing::FakeClock clock_;
};
TestPki* CaInMemoryTest::pki_ = nullptr;

TEST_F(CaInMemoryTest, CaDataIsUsedWithoutWritingAnyFile) {
  auto server = startServer(pki_->server);
  auto tmpBefore = entries("/tmp");
  ScopedEnv tmpdir("TMPDIR", dir_.string());
  ClientConfig config;
  config.server = server->url(true);
  config.caData = pki_->ca.certPem();
  config.qps = 0;
  config.maxAttempts = 1;
  // Checked while the client lives: a file removed only by a destructor would outlive a SIGKILL.
  auto client = makeKubeClient(config, clock_);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto ok = (*client)->get(resources::configMaps(), "ns", "cm");
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ((*ok)["metadata"]["name"], "cm");
  EXPECT_TRUE(entries(dir_).empty()) << "a file was created in $TMPDIR: " << entries(dir_).front();
  for (const auto& name : entries("/tmp")) {
    if (name.rfind("modelops-ca-", 0) != 0) continue;
    EXPECT_TRUE(std::binary_search(tmpBefore.begin(), tmpBefore.end(), name)) << "new CA file /tmp/" << name;
  }
}

TEST_F(CaInMemoryTest, ABundleOfSeveralCasTrustsEachOfThem) {
  auto bundle = pki_->otherCa.certPem() + pki_->ca.certPem();
  auto server = startServer(pki_->server);
  auto ok = get(*server, bundle);
  EXPECT_TRUE(ok.ok()) << ok.error().describe();
  auto other = startServer(pki_->otherServer);
  auto ok2 = get(*other, bundle);
  EXPECT_TRUE(ok2.ok()) << ok2.error().describe();
}

TEST_F(CaInMemoryTest, TheSystemCasAreNotTrustedAlongsideCaData) {
  // The "system" bundle trusts the other CA; the kubeconfig names only the test CA.
  auto systemBundle = dir_ / "system.pem";
  std::ofstream(systemBundle) << pki_->otherCa.certPem();
  ScopedEnv certFile("SSL_CERT_FILE", systemBundle.string());
  ScopedEnv certDir("SSL_CERT_DIR", (dir_ / "no-such-dir").string());
  auto server = startServer(pki_->otherServer);
  auto rejected = get(*server, pki_->ca.certPem());
  ASSERT_FALSE(rejected.ok()) << "a server certified only by a system CA was trusted";
  EXPECT_EQ(rejected.error().reason, "TLSError") << rejected.error().describe();
}

TEST_F(CaInMemoryTest, CaDataWithoutACertificateIsAConfigError) {
  ClientConfig config;
  config.server = "https://127.0.0.1:1";
  config.caData = "not a certificate";
  auto client = makeKubeClient(config, clock_);
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message.find("certificate-authority-data holds no PEM certificate"), std::string::npos)
      << client.error().message;
}

}  // namespace
}  // namespace modelops::kube::testing
