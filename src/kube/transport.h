// Transport: makes cpp-httplib clients for the configured server with the right TLS settings.
//  - CA from a file (set_ca_cert_path) or from PEM bytes (certificate-authority-data), kept in
//    memory: each client gets an X509_STORE with only those certificates (set_ca_cert_store, with a
//    CA directory that cannot exist so cpp-httplib 0.11.4 does not add the system CAs); nothing is
//    written to disk, so nothing stays behind after a SIGKILL;
//  - client certificate and key parsed from memory (SSLClient(host, port, X509*, EVP_PKEY*));
//  - tls-server-name: the client is made for that name and set_hostname_addr_map connects it to
//    the URL's address, so SNI and verification use the name while the socket goes to the URL;
//  - insecure-skip-tls-verify turns verification off (a warning is logged once per client).
// One new client per request (keep-alive is off, so connections are not shared anyway) and one per
// watch: a cpp-httplib client serialises its requests.
// Thread-safety: makeClient may be called from many threads; the clients it returns are not shared.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "modelops/common/result.h"
#include "auth.h"
#include "modelops/kube/client.h"
#include "modelops/kube/config.h"
#include "url.h"

namespace modelops::kube {

class Transport {
 public:
  static Result<std::unique_ptr<Transport>> create(const ClientConfig& config);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // A client with timeouts set; credentials.clientCertData (from an exec plugin) overrides the
  // configured client certificate.
  Result<std::unique_ptr<httplib::ClientImpl>, ApiError> makeClient(const Credentials& credentials,
                                                                    std::chrono::milliseconds readTimeout);

  // "https://host:port" for messages.
  const std::string& serverText() const { return serverText_; }
  // The Host header value when it differs from the name the client was made for (tls-server-name).
  const std::string& hostHeader() const { return hostHeader_; }

  struct KeyPair;  // a parsed client certificate and key (transport.cpp)
  // The certificates of certificate-authority-data, parsed once; immutable afterwards.
  struct CaBundle {
    std::vector<X509*> certs;
    CaBundle() = default;
    CaBundle(const CaBundle&) = delete;
    CaBundle& operator=(const CaBundle&) = delete;
    ~CaBundle();
    static std::shared_ptr<CaBundle> parse(const std::string& pem);  // null: no certificate
    X509_STORE* newStore() const;  // a new store trusting exactly these; null on failure
  };

 private:
  Transport() = default;

  ClientConfig config_;
  detail::ServerUrl url_;
  std::string serverText_;
  std::string hostHeader_;
  std::string caPath_;        // set_ca_cert_path argument ("" = system CAs, unless caData_)
  std::shared_ptr<const CaBundle> caData_;  // certificate-authority-data, in memory
  std::shared_ptr<KeyPair> configPair_;
  std::mutex mu_;
  std::uint64_t execGeneration_ = ~0ULL;
  std::shared_ptr<KeyPair> execPair_;
};

// httplib::Error to ApiError; sentRequest tells whether request bytes may have reached the server.
ApiError transportErrorFor(httplib::Error error, const std::string& what, long verifyResult, bool& sentRequest);

}  // namespace modelops::kube
