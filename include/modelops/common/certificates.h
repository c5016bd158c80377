// X.509 certificates generated with the OpenSSL API, shared by the dev server (its HTTPS endpoint) and
// the operator (the admission webhook's self-managed serving certificate): an ECDSA P-256 CA, serving
// certificates it signs for DNS names and IP addresses, and reading a PEM certificate's validity.
// Validity windows start at the `now` given (minus a clock-skew hour), so callers inject their clock.
// Thread-safety: pure functions (OpenSSL objects are local to each call).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "modelops/common/result.h"

namespace modelops::certs {

using TimePoint = std::chrono::system_clock::time_point;

struct KeyPairPem {
  std::string certPem;
  std::string keyPem;
};

struct ServingCertificateRequest {
  std::string commonName;
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  TimePoint notBefore;  // the certificate is valid from an hour before (clock skew) ...
  std::chrono::seconds validity{std::chrono::hours(24 * 365)};  // ... until notBefore + validity
};

// A self-signed CA (CA:TRUE, keyCertSign) valid from `now` - 1 h to `now` + validity.
Result<KeyPairPem> generateCertificateAuthority(const std::string& commonName, TimePoint now,
                                                std::chrono::seconds validity);

// A serving certificate (serverAuth, the given subject-alt-names) signed by `ca`.
Result<KeyPairPem> issueServingCertificate(const KeyPairPem& ca, const ServingCertificateRequest& request);

struct CertificateValidity {
  TimePoint notBefore;
  TimePoint notAfter;
};

// The validity of the first certificate in a PEM text; an error when it holds none.
Result<CertificateValidity> readCertificateValidity(const std::string& certPem);

// True when keyPem is the private key of the first certificate in certPem (a mismatched pair from a
// half-rotated Secret must not be served).
bool keyMatchesCertificate(const std::string& certPem, const std::string& keyPem);

std::string base64Encode(const std::string& data);
// Standard alphabet, padding required, whitespace (line breaks) ignored; an error on anything else.
Result<std::string> base64Decode(const std::string& text);

}  // namespace modelops::certs
