// Integration tests of the client's TLS and authentication against HTTPS servers the tests start
// on 127.0.0.1: mutual TLS, an untrusted server CA, tls-server-name, CA file and -data, bearer
// tokens, kubeconfig -data fields, a merged $KUBECONFIG, and exec credential plugins.
// Thread-safety: each test owns its server; recorded request data is guarded by a mutex.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "integration/kube/test_pki.h"
#include "integration/kube/test_server.h"
#include "modelops/common/time.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "modelops/kube/status.h"
#include "modelops/version.h"
#include "fakes/fake_clock.h"

namespace modelops::kube::testing {
namespace {

struct Seen {
  std::mutex mu;
  int requests = 0;
  std::string authorization, userAgent, accept, host;
  void record(const httplib::Request& req) {
    std::lock_guard lock(mu);
    ++requests;
    authorization = req.get_header_value("Authorization");
    userAgent = req.get_header_value("User-Agent");
    accept = req.get_header_value("Accept");
    host = req.get_header_value("Host");
  }
};

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = makeTestPki().release(); }
  static void TearDownTestSuite() { delete pki_; }

  // An HTTPS server with the test CA's server certificate; clientCa: require client certificates.
  std::unique_ptr<TestServer> startServer(bool clientCa, bool otherCa = false) {
    const CertAndKey& cert = otherCa ? pki_->otherServer : pki_->server;
    auto ssl = std::make_unique<httplib::SSLServer>(cert.cert, cert.key, clientCa ? storeTrusting(pki_->ca) : nullptr);
    if (!ssl->is_valid()) throw std::runtime_error("SSLServer");
    auto server = std::make_unique<TestServer>(std::move(ssl));
    server->http().Get("/api/v1/namespaces/ns/configmaps/cm", [this](const httplib::Request& req, httplib::Response& res) {
      seen_.record(req);
      res.set_content(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"}})",
                      "application/json");
    });
    server->start();
    return server;
  }

  ClientConfig baseConfig(const TestServer& server) {
    ClientConfig config;
    config.server = server.url(true);
    config.caData = pki_->ca.certPem();
    config.qps = 0;
    config.maxAttempts = 1;
    return config;
  }

  KubeResult<Json> getConfigMap(const ClientConfig& config) {
    auto client = makeKubeClient(config, clock_);
    if (!client) return transportError("Setup", client.error().message);
    return (*client)->get(resources::configMaps(), "ns", "cm");
  }

  static TestPki* pki_;
  Seen seen_;
  modelops::testing::FakeClock clock_;
};
TestPki* TlsTest::pki_ = nullptr;

TEST_F(TlsTest, MutualTlsWithClientCertificateAndTokenIsAccepted) {
  auto server = startServer(true);
  ClientConfig config = baseConfig(*server);
  config.clientCertData = pki_->client.certPem();
  config.clientKeyData = pki_->client.keyPem();
  config.bearerToken = "X";
  auto result = getConfigMap(config);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ((*result)["metadata"]["name"], "cm");
  std::lock_guard lock(seen_.mu);
  EXPECT_EQ(seen_.requests, 1);
  EXPECT_EQ(seen_.authorization, "Bearer X");
  EXPECT_EQ(seen_.userAgent, std::string("modelops/") + kVersion);
  EXPECT_EQ(seen_.accept, "application/json");
}

TEST_F(TlsTest, MutualTlsWithoutClientCertificateIsRejected) {
  auto server = startServer(true);
  auto result = getConfigMap(baseConfig(*server));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().isTransport()) << result.error().describe();
  EXPECT_EQ(seen_.requests, 0);
}

TEST_F(TlsTest, ServerCertificateFromAnotherCaIsRejected) {
  auto server = startServer(false, /*otherCa=*/true);
  auto result = getConfigMap(baseConfig(*server));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "TLSError") << result.error().describe();
  EXPECT_EQ(seen_.requests, 0);
  // The same server is fine for a client that trusts its CA: the rejection is about trust.
  ClientConfig trusting = baseConfig(*server);
  trusting.caData = pki_->otherCa.certPem();
  auto ok = getConfigMap(trusting);
  EXPECT_TRUE(ok.ok()) << ok.error().describe();
}

TEST_F(TlsTest, CaFromFileAndSystemTrustDoesNotCoverTheTestCa) {
  auto server = startServer(false);
  TempDir dir;
  ClientConfig config = baseConfig(*server);
  config.caData.clear();
  config.caFile = dir.write("ca.crt", pki_->ca.certPem());
  auto ok = getConfigMap(config);
  EXPECT_TRUE(ok.ok()) << ok.error().describe();
  config.caFile.clear();  // system CAs only
  auto rejected = getConfigMap(config);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().reason, "TLSError");
}

TEST_F(TlsTest, InsecureSkipTlsVerifyAcceptsAnyServerOnlyWhenSet) {
  auto server = startServer(false, /*otherCa=*/true);
  ClientConfig config = baseConfig(*server);
  config.caData.clear();
  config.insecureSkipTlsVerify = true;
  auto ok = getConfigMap(config);
  EXPECT_TRUE(ok.ok()) << ok.error().describe();
}

TEST_F(TlsTest, TlsServerNameIsVerifiedWhileConnectingToTheUrlAddress) {
  auto server = startServer(false);
  ClientConfig config = baseConfig(*server);
  config.tlsServerName = "kube.test";  // a DNS SAN of the server certificate; not resolvable
  auto ok = getConfigMap(config);
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  {
    std::lock_guard lock(seen_.mu);
    EXPECT_EQ(seen_.host, "127.0.0.1:" + std::to_string(server->port()));  // Host stays the URL's
  }
  config.tlsServerName = "other.test";  // not in the certificate
  auto rejected = getConfigMap(config);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().reason, "TLSError") << rejected.error().describe();
}

TEST_F(TlsTest, ExecPluginClientCertificateIsUsedForMutualTls) {
  auto server = startServer(true);
  ClientConfig config = baseConfig(*server);
  config.exec = ExecConfig();
  config.exec->apiVersion = "client.authentication.k8s.io/v1beta1";
  config.exec->command = "not-run";
  int calls = 0;
  ClientDeps deps;
  deps.clock = &clock_;
  deps.execRunner = [&](const ExecConfig&, const std::string&) -> Result<std::string> {
    ++calls;
    return Json{{"apiVersion", "client.authentication.k8s.io/v1beta1"},
                {"kind", "ExecCredential"},
                {"status", {{"clientCertificateData", pki_->client.certPem()}, {"clientKeyData", pki_->client.keyPem()}}}}
        .dump();
  };
  auto kube = makeKubeClient(config, std::move(deps));
  ASSERT_TRUE(kube.ok()) << kube.error().message;
  for (int i = 0; i < 2; ++i) {
    auto result = (*kube)->get(resources::configMaps(), "ns", "cm");
    ASSERT_TRUE(result.ok()) << result.error().describe();
  }
  EXPECT_EQ(calls, 1);
  std::lock_guard lock(seen_.mu);
  EXPECT_EQ(seen_.requests, 2);
  EXPECT_EQ(seen_.authorization, "");  // authenticated by the certificate alone
}

std::string kubeconfigWithData(const std::string& server, const TestPki& pki, const std::string& token) {
  std::ostringstream out;
  out << "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
      << "clusters:\n- name: c\n  cluster:\n    server: " << server << "\n"
      << "    certificate-authority-data: " << base64(pki.ca.certPem()) << "\n"
      << "users:\n- name: u\n  user:\n    token: " << token << "\n"
      << "    client-certificate-data: " << base64(pki.client.certPem()) << "\n"
      << "    client-key-data: " << base64(pki.client.keyPem()) << "\n"
      << "contexts:\n- name: test\n  context: {cluster: c, user: u, namespace: ns}\n";
  return out.str();
}

TEST_F(TlsTest, KubeconfigWithDataFieldsWorks) {
  auto server = startServer(true);
  TempDir dir;
  std::string path = dir.write("config", kubeconfigWithData(server->url(true), *pki_, "data-token"));
  auto config = loadKubeconfigFiles({path}, "", false);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->defaultNamespace, "ns");
  config->qps = 0;
  auto result = getConfigMap(*config);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  std::lock_guard lock(seen_.mu);
  EXPECT_EQ(seen_.authorization, "Bearer data-token");
}

TEST_F(TlsTest, KubeconfigEnvListIsMergedFirstDefinitionWinsWithRelativePaths) {
  auto server = startServer(true);
  TempDir a, b;
  a.write("ca.crt", pki_->ca.certPem());
  a.write("client.crt", pki_->client.certPem());
  a.write("client.key", pki_->client.keyPem());
  std::string first = a.write("config",
      "current-context: from-a\n"
      "clusters:\n- name: shared\n  cluster: {server: '" + server->url(true) + "', certificate-authority: ca.crt}\n"
      "users:\n- name: shared-user\n  user: {client-certificate: client.crt, client-key: client.key, token: token-a}\n"
      "contexts:\n- name: from-a\n  context: {cluster: shared, user: shared-user}\n");
  std::string second = b.write("config",
      "current-context: from-b\n"
      "clusters:\n- name: shared\n  cluster: {server: 'https://192.0.2.1:1', insecure-skip-tls-verify: true}\n"
      "users:\n- name: shared-user\n  user: {token: token-b}\n"
      "contexts:\n- name: from-b\n  context: {cluster: shared, user: shared-user, namespace: b}\n");
  LoadOptions options;
  options.env = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "KUBECONFIG") return first + ":" + a.file("missing") + ":" + second;
    return std::nullopt;
  };
  auto config = loadClientConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, server->url(true));
  EXPECT_EQ(config->caFile, a.file("ca.crt"));
  config->qps = 0;
  auto result = getConfigMap(*config);
  ASSERT_TRUE(result.ok()) << result.error().describe();
  {
    std::lock_guard lock(seen_.mu);
    EXPECT_EQ(seen_.authorization, "Bearer token-a");
  }
  // --context picks the second file's context, which still uses the first file's cluster and user.
  options.context = "from-b";
  auto fromB = loadClientConfig(options);
  ASSERT_TRUE(fromB.ok()) << fromB.error().message;
  EXPECT_EQ(fromB->server, server->url(true));
  EXPECT_EQ(fromB->bearerToken, "token-a");
  EXPECT_EQ(fromB->defaultNamespace, "b");
}

}  // namespace
}  // namespace modelops::kube::testing
