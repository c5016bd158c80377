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

namespace {

Result<certs::KeyPairPem> issueServingFor(const certs::KeyPairPem& ca, const SelfManagedOptions& options,
                                          Clock::WallTime now) {
  auto caValidity = certs::readCertificateValidity(ca.certPem);
  if (!caValidity) return caValidity.error();
  certs::ServingCertificateRequest request;
  request.commonName = options.dnsNames.empty() ? "modelops-webhook" : options.dnsNames.front();
  request.dnsNames = options.dnsNames;
  request.ipAddresses = options.ipAddresses;
  request.notBefore = now;
  // Never beyond the CA: a serving certificate that outlives its issuer would fail verification early.
  auto untilCaExpiry = std::chrono::duration_cast<std::chrono::seconds>(caValidity->notAfter - now);
  request.validity = std::min(options.servingValidity, untilCaExpiry);
  return certs::issueServingCertificate(ca, request);
}

// Rotation of a state whose certificates parse; CertificateAuthority when they do not.
Rotation dueFor(const SelfManagedState& state, const SelfManagedOptions& options, Clock::WallTime now) {
  auto ca = certs::readCertificateValidity(state.ca.certPem);
  auto serving = certs::readCertificateValidity(state.serving.certPem);
  if (!ca || !serving || !certs::keyMatchesCertificate(state.serving.certPem, state.serving.keyPem) ||
      !certs::keyMatchesCertificate(state.ca.certPem, state.ca.keyPem))
    return Rotation::CertificateAuthority;
  return rotationDue(*ca, *serving, now, options.renewFraction);
}

}  // namespace

Result<SelfManagedState> renewIfDue(const std::optional<SelfManagedState>& current, const SelfManagedOptions& options,
                                    Clock::WallTime now, bool* renewed) {
  *renewed = false;
  Rotation due = current ? dueFor(*current, options, now) : Rotation::CertificateAuthority;
  if (due == Rotation::None) return *current;
  SelfManagedState next = current.value_or(SelfManagedState{});
  if (due == Rotation::CertificateAuthority) {
    auto ca = certs::generateCertificateAuthority("modelops-webhook-ca", now, options.caValidity);
    if (!ca) return ca.error();
    next.previousCaPem = certs::readCertificateValidity(next.ca.certPem) ? next.ca.certPem : "";
    next.ca = std::move(ca).value();
  }
  auto serving = issueServingFor(next.ca, options, now);
  if (!serving) return serving.error();
  next.serving = std::move(serving).value();
  *renewed = true;
  return next;
}

std::string caBundleOf(const SelfManagedState& state, Clock::WallTime now) {
  std::string bundle = state.ca.certPem;
  auto previous = certs::readCertificateValidity(state.previousCaPem);
  if (previous && now < previous->notAfter) bundle += state.previousCaPem;
  return bundle;
}

SelfManagedCertificates::SelfManagedCertificates(SelfManagedOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

void SelfManagedCertificates::adopt(SelfManagedState state) {
  auto validity = certs::readCertificateValidity(state.serving.certPem);
  install(std::make_shared<const ServingMaterial>(
      ServingMaterial{state.serving.certPem, state.serving.keyPem, validity ? *validity : certs::CertificateValidity{}}));
  std::lock_guard lock(stateMu_);
  state_ = std::move(state);
}

std::string SelfManagedCertificates::caBundlePem() const {
  std::lock_guard lock(stateMu_);
  return state_ ? caBundleOf(*state_, clock_.now()) : "";
}

Result<bool> SelfManagedCertificates::refresh() {
  std::optional<SelfManagedState> current;
  {
    std::lock_guard lock(stateMu_);
    current = state_;
  }
  bool renewed = false;
  auto next = renewIfDue(current, options_, clock_.now(), &renewed);
  if (!next) return next.error();
  if (renewed) adopt(std::move(next).value());
  return renewed;
}

}  // namespace modelops::admission
