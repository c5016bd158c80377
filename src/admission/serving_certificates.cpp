// Serving certificates from a directory or generated and renewed in memory; see serving_certificates.h.
// Thread-safety: current_ under mu_, the CA bundle under bundleMu_; refresh() from one thread.
#include "modelops/admission/serving_certificates.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace modelops::admission {

namespace {

Result<std::string> readBoundedFile(const std::string& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"IoError", path + ": cannot read"};
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limit) return Error{"InvalidInput", path + ": larger than " + std::to_string(limit) + " bytes"};
  return text;
}

bool pastRenewalPoint(const certs::CertificateValidity& v, Clock::WallTime now, double fraction) {
  if (now < v.notBefore || now >= v.notAfter) return true;
  auto lifetime = v.notAfter - v.notBefore;
  auto renewAt = v.notBefore + std::chrono::duration_cast<Clock::WallTime::duration>(lifetime * fraction);
  return now >= renewAt;
}

}  // namespace

std::shared_ptr<const ServingMaterial> ServingCertificates::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void ServingCertificates::install(std::shared_ptr<const ServingMaterial> material) {
  std::lock_guard lock(mu_);
  current_ = std::move(material);
}

Result<bool> DirectoryCertificates::refresh() {
  auto cert = readBoundedFile(dir_ + "/tls.crt", kMaxFileBytes);
  if (!cert) return cert.error();
  auto key = readBoundedFile(dir_ + "/tls.key", kMaxFileBytes);
  if (!key) return key.error();
  if (*cert == loadedCert_ && *key == loadedKey_) return false;
  auto validity = certs::readCertificateValidity(*cert);
  if (!validity) return Error{"InvalidInput", dir_ + "/tls.crt: " + validity.error().message};
  if (!certs::keyMatchesCertificate(*cert, *key))
    return Error{"InvalidInput", dir_ + "/tls.key: not the private key of tls.crt (or not a PEM private key)"};
  install(std::make_shared<const ServingMaterial>(ServingMaterial{*cert, *key, *validity}));
  loadedCert_ = std::move(cert).value();
  loadedKey_ = std::move(key).value();
  return true;
}

Rotation rotationDue(const certs::CertificateValidity& ca, const certs::CertificateValidity& serving,
                     Clock::WallTime now, double renewFraction) {
  if (pastRenewalPoint(ca, now, renewFraction)) return Rotation::CertificateAuthority;
  if (serving.notAfter > ca.notAfter) return Rotation::CertificateAuthority;
  if (pastRenewalPoint(serving, now, renewFraction)) return Rotation::ServingCertificate;
  return Rotation::None;
}

SelfManagedCertificates::SelfManagedCertificates(SelfManagedOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

std::string SelfManagedCertificates::caBundlePem() const {
  std::lock_guard lock(bundleMu_);
  std::string bundle = ca_.certPem;
  if (!previousCaPem_.empty() && clock_.now() < previousCaValidity_.notAfter) bundle += previousCaPem_;
  return bundle;
}

Result<bool> SelfManagedCertificates::issueServing() {
  auto now = clock_.now();
  certs::ServingCertificateRequest request;
  request.commonName = options_.dnsNames.empty() ? "modelops-webhook" : options_.dnsNames.front();
  request.dnsNames = options_.dnsNames;
  request.ipAddresses = options_.ipAddresses;
  request.notBefore = now;
  // Never beyond the CA: a serving certificate that outlives its issuer would fail verification early.
  auto untilCaExpiry = std::chrono::duration_cast<std::chrono::seconds>(caValidity_.notAfter - now);
  request.validity = std::min(options_.servingValidity, untilCaExpiry);
  auto issued = certs::issueServingCertificate(ca_, request);
  if (!issued) return issued.error();
  auto validity = certs::readCertificateValidity(issued->certPem);
  if (!validity) return validity.error();
  install(std::make_shared<const ServingMaterial>(ServingMaterial{issued->certPem, issued->keyPem, *validity}));
  return true;
}

Result<bool> SelfManagedCertificates::refresh() {
  auto now = clock_.now();
  auto serving = current();
  Rotation due = serving ? rotationDue(caValidity_, serving->validity, now, options_.renewFraction)
                         : Rotation::CertificateAuthority;
  if (due == Rotation::None) return false;
  if (due == Rotation::CertificateAuthority) {
    auto ca = certs::generateCertificateAuthority("modelops-webhook-ca", now, options_.caValidity);
    if (!ca) return ca.error();
    auto validity = certs::readCertificateValidity(ca->certPem);
    if (!validity) return validity.error();
    std::lock_guard lock(bundleMu_);
    previousCaPem_ = ca_.certPem;
    previousCaValidity_ = caValidity_;
    ca_ = std::move(ca).value();
    caValidity_ = *validity;
  }
  return issueServing();
}

}  // namespace modelops::admission
