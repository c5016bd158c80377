// TLS and connection setup for cpp-httplib clients; see transport.h.
// Thread-safety: mu_ guards the cached exec key pair; everything else is immutable after create().
#include "transport.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cstdlib>

#include "modelops/common/logging.h"
#include "modelops/kube/status.h"

namespace modelops::kube {

struct Transport::KeyPair {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  ~KeyPair() {
    if (cert) X509_free(cert);
    if (key) EVP_PKEY_free(key);
  }
};

Transport::CaBundle::~CaBundle() {
  for (auto* c : certs) X509_free(c);
}

std::shared_ptr<Transport::CaBundle> Transport::CaBundle::parse(const std::string& pem) {
  auto bundle = std::make_shared<CaBundle>();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) bundle->certs.push_back(cert);
  BIO_free(bio);
  ERR_clear_error();  // the end of the data reads as an error
  if (bundle->certs.empty()) return nullptr;
  return bundle;
}

X509_STORE* Transport::CaBundle::newStore() const {
  X509_STORE* store = X509_STORE_new();
  if (!store) return nullptr;
  for (auto* c : certs)
    if (X509_STORE_add_cert(store, c) != 1) {
      X509_STORE_free(store);
      ERR_clear_error();
      return nullptr;
    }
  return store;
}

namespace {

// Numeric address for a host name (set_hostname_addr_map needs one).
Result<std::string> resolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0 || !result) return Error{"ConnectionError", "cannot resolve " + host + ": " + gai_strerror(rc)};
  char buf[NI_MAXHOST];
  rc = getnameinfo(result->ai_addr, result->ai_addrlen, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST);
  freeaddrinfo(result);
  if (rc != 0) return Error{"ConnectionError", "cannot resolve " + host + ": " + gai_strerror(rc)};
  return std::string(buf);
}

}  // namespace

namespace {
Result<std::shared_ptr<Transport::KeyPair>> parseKeyPair(const std::string& certPem, const std::string& keyPem,
                                                          const std::string& what) {
  auto pair = std::make_shared<Transport::KeyPair>();
  BIO* certBio = BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size()));
  pair->cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
  BIO_free(certBio);
  if (!pair->cert) {
    ERR_clear_error();
    return Error{"InvalidConfig", what + ": the client certificate is not a PEM certificate"};
  }
  BIO* keyBio = BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size()));
  pair->key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
  BIO_free(keyBio);
  if (!pair->key) {
    ERR_clear_error();
    return Error{"InvalidConfig", what + ": the client key is not a PEM private key"};
  }
  if (X509_check_private_key(pair->cert, pair->key) != 1) {
    ERR_clear_error();
    return Error{"InvalidConfig", what + ": the client key does not match the client certificate"};
  }
  return pair;
}
}  // namespace

Result<std::unique_ptr<Transport>> Transport::create(const ClientConfig& config) {
  auto url = detail::parseServerUrl(config.server);
  if (!url) return url.error();
  std::unique_ptr<Transport> t(new Transport());
  t->config_ = config;
  t->url_ = *url;
  bool ipv6 = url->host.find(':') != std::string::npos;
  std::string hostPort = (ipv6 ? "[" + url->host + "]" : url->host) + ":" + std::to_string(url->port);
  t->serverText_ = (url->tls ? "https://" : "http://") + hostPort;
  std::string what = config.source.empty() ? std::string("client config") : config.source;
  if (!url->tls) {
    if (!config.caData.empty() || !config.caFile.empty() || !config.clientCertData.empty())
      logWarn("TLS settings are ignored for a plain http:// server", {{"server", t->serverText_}});
    return t;
  }
  if (!config.tlsServerName.empty()) t->hostHeader_ = hostPort;
  if (config.insecureSkipTlsVerify) {
    logWarn("insecure-skip-tls-verify is set: the API server's certificate is NOT verified",
            {{"server", t->serverText_}, {"source", config.source}});
  } else if (!config.caData.empty()) {
    auto bundle = CaBundle::parse(config.caData);
    if (!bundle) return Error{"InvalidConfig", what + ": certificate-authority-data holds no PEM certificate"};
    t->caData_ = std::move(bundle);
  } else if (!config.caFile.empty()) {
    t->caPath_ = config.caFile;
  }
  if (!config.clientCertData.empty() || !config.clientKeyData.empty()) {
    auto pair = parseKeyPair(config.clientCertData, config.clientKeyData, what);
    if (!pair) return pair.error();
    t->configPair_ = *pair;
  }
  return t;
}

Transport::~Transport() = default;

Result<std::unique_ptr<httplib::ClientImpl>, ApiError> Transport::makeClient(const Credentials& credentials,
                                                                             std::chrono::milliseconds readTimeout) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (!url_.tls) {
    client = std::make_unique<httplib::ClientImpl>(url_.host, url_.port);
  } else {
    std::shared_ptr<KeyPair> pair = configPair_;
    if (!credentials.clientCertData.empty()) {
      std::lock_guard lock(mu_);
      if (!execPair_ || execGeneration_ != credentials.generation) {
        auto parsed = parseKeyPair(credentials.clientCertData, credentials.clientKeyData, "exec plugin credential");
        if (!parsed) return transportError("AuthError", parsed.error().message);
        execPair_ = *parsed;
        execGeneration_ = credentials.generation;
      }
      pair = execPair_;
    }
    std::string name = config_.tlsServerName.empty() ? url_.host : config_.tlsServerName;
    std::unique_ptr<httplib::SSLClient> ssl =
        pair ? std::make_unique<httplib::SSLClient>(name, url_.port, pair->cert, pair->key)
             : std::make_unique<httplib::SSLClient>(name, url_.port);
    if (!ssl->is_valid()) return transportError("TLSError", "cannot set up TLS for " + serverText_);
    if (!config_.tlsServerName.empty()) {
      auto address = resolveHost(url_.host);
      if (!address) return transportError("ConnectionError", address.error().message);
      ssl->set_hostname_addr_map({{config_.tlsServerName, *address}});
    }
    if (config_.insecureSkipTlsVerify) {
      ssl->enable_server_certificate_verification(false);
    } else {
      ssl->enable_server_certificate_verification(true);
      if (caData_) {
        // The store holds only the configured CAs. cpp-httplib 0.11.4 adds the system CAs to a store
        // given with set_ca_cert_store unless a CA file or directory is set; a directory that can
        // never hold a file (/dev/null is no directory) keeps it from doing so.
        X509_STORE* store = caData_->newStore();
        if (!store) return transportError("TLSError", "cannot set up the CA store for " + serverText_);
        ssl->set_ca_cert_store(store);  // the client's SSL context owns it now
        ssl->set_ca_cert_path("", "/dev/null");
      } else if (!caPath_.empty()) {
        ssl->set_ca_cert_path(caPath_);
      }
    }
    client = std::move(ssl);
  }
  client->set_keep_alive(false);
  client->set_follow_location(false);
  client->set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(config_.connectTimeout));
  client->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(readTimeout));
  client->set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(config_.requestTimeout));
  return client;
}

ApiError transportErrorFor(httplib::Error error, const std::string& what, long verifyResult, bool& sentRequest) {
  sentRequest = true;
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress:
      sentRequest = false;
      return transportError("ConnectionError", what + ": cannot connect");
    case httplib::Error::ConnectionTimeout:
      sentRequest = false;
      return transportError("Timeout", what + ": connection timed out");
    case httplib::Error::SSLConnection:
      sentRequest = false;
      return transportError("TLSError", what + ": TLS handshake failed");
    case httplib::Error::SSLLoadingCerts:
      sentRequest = false;
      return transportError("TLSError", what + ": cannot load the CA certificates");
    case httplib::Error::SSLServerVerification:
      sentRequest = false;
      return transportError("TLSError", what + ": the server certificate is not trusted (" +
                                            X509_verify_cert_error_string(verifyResult) +
                                            ") or does not match the host name");
    case httplib::Error::Canceled:
      return transportError("Cancelled", what + ": cancelled");
    case httplib::Error::Read:
      return transportError("ConnectionError", what + ": reading the response failed (connection closed or timed out)");
    case httplib::Error::Write:
      return transportError("ConnectionError", what + ": sending the request failed");
    case httplib::Error::Compression:
      return transportError("BadResponse", what + ": cannot decompress the response");
    default:
      return transportError("ConnectionError", what + ": " + httplib::to_string(error));
  }
}

}  // namespace modelops::kube
