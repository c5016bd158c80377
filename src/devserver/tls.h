// TLS material for the dev server: a self-signed CA and a server certificate it signs (ECDSA
// P-256, subject-alt-names 127.0.0.1, ::1 and localhost plus any given), generated at start with
// modelops/common/certificates.h (shared with the operator's webhook); and kubeconfig writing.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "modelops/common/result.h"

namespace modelops::devserver {

struct TlsMaterial {
  std::string caCertPem;
  std::string certPem;  // server certificate
  std::string keyPem;   // server private key
};

Result<TlsMaterial> generateTlsMaterial(const std::vector<std::string>& extraIpSans);

// Writes a kubeconfig (JSON, which kubectl reads as YAML) with mode 0600.
Status writeKubeconfigFile(const std::string& path, const std::string& serverUrl, const std::string& caPem,
                           const std::string& token);

std::string base64Encode(const std::string& data);

}  // namespace modelops::devserver
