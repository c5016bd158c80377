// Test PKI made with the OpenSSL C API: a CA, a server certificate for 127.0.0.1 and
// kube.test, a client certificate signed by the CA, and an unrelated second CA with its own server
// certificate. EC P-256 keys (fast to generate). PEM accessors for kubeconfigs and ClientConfig.
// Thread-safety: build once per test; the objects are then read-only.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace modelops::kube::testing {

struct CertAndKey {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  CertAndKey() = default;
  CertAndKey(const CertAndKey&) = delete;
  CertAndKey& operator=(const CertAndKey&) = delete;
  ~CertAndKey();
  std::string certPem() const;
  std::string keyPem() const;
};

struct TestPki {
  CertAndKey ca;           // "modelops test CA"
  CertAndKey server;       // signed by ca; SAN IP:127.0.0.1, DNS:kube.test
  CertAndKey client;       // signed by ca; clientAuth, CN=modelops-test-client
  CertAndKey otherCa;      // unrelated
  CertAndKey otherServer;  // signed by otherCa; same SANs as server
};

// Throws std::runtime_error if OpenSSL fails (a broken test environment).
std::unique_ptr<TestPki> makeTestPki();

// A new X509_STORE trusting only `ca` (for SSLServer's client verification; the server owns it).
X509_STORE* storeTrusting(const CertAndKey& ca);

std::string base64(const std::string& data);

}  // namespace modelops::kube::testing
