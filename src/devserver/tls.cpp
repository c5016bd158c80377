// Certificate generation and kubeconfig writing; see tls.h.
// Thread-safety: pure functions (OpenSSL objects are local to each call).
#include "tls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "modelops/common/certificates.h"

namespace modelops::devserver {

std::string base64Encode(const std::string& data) { return certs::base64Encode(data); }

// The certificate code lives in modelops/common/certificates.h, shared with the operator's webhook.
Result<TlsMaterial> generateTlsMaterial(const std::vector<std::string>& extraIpSans) {
  auto now = std::chrono::system_clock::now();
  auto ca = certs::generateCertificateAuthority("modelops-devserver-ca", now, std::chrono::hours(24 * 365));
  if (!ca) return ca.error();
  certs::ServingCertificateRequest request;
  request.commonName = "modelops-devserver";
  request.dnsNames = {"localhost"};
  request.ipAddresses = {"127.0.0.1", "::1"};
  for (const auto& ip : extraIpSans)
    if (ip != "127.0.0.1" && ip != "0.0.0.0" && !ip.empty()) request.ipAddresses.push_back(ip);
  request.notBefore = now;
  request.validity = std::chrono::hours(24 * 365);
  auto cert = certs::issueServingCertificate(*ca, request);
  if (!cert) return cert.error();
  return TlsMaterial{ca->certPem, cert->certPem, cert->keyPem};
}

Status writeKubeconfigFile(const std::string& path, const std::string& serverUrl, const std::string& caPem,
                           const std::string& token) {
  nlohmann::json cluster = {{"server", serverUrl}};
  if (!caPem.empty()) cluster["certificate-authority-data"] = base64Encode(caPem);
  nlohmann::json user = nlohmann::json::object();
  if (!token.empty()) user["token"] = token;
  nlohmann::json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", "devserver"}, {"cluster", cluster}}}},
      {"users", {{{"name", "devserver"}, {"user", user}}}},
      {"contexts", {{{"name", "devserver"}, {"context", {{"cluster", "devserver"}, {"user", "devserver"}, {"namespace", "default"}}}}}},
      {"current-context", "devserver"},
      {"preferences", nlohmann::json::object()}};
  std::string text = config.dump(2) + "\n";
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"IoError", path + ": cannot write kubeconfig"};
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return Error{"IoError", path + ": cannot write kubeconfig"};
  return {};
}

}  // namespace modelops::devserver
