// Where the webhook's TLS serving certificate comes from, and when it is renewed:
// - DirectoryCertificates: tls.crt and tls.key in a directory (a mounted Secret, e.g. one that
//   cert-manager issues and rotates); refresh() reloads them when their content changes. A pair that
//   does not parse, or whose key does not match the certificate (a Secret caught mid-update), is
//   refused and the previous pair stays in service.
// - SelfManagedCertificates: a CA and a serving certificate for <service>.<namespace>.svc generated in
//   memory; refresh() renews the serving certificate (same CA) once renewFraction of its lifetime has
//   passed, and the CA too once that fraction of the CA's lifetime has passed. The CA bundle then
//   holds the new CA and the previous one until that expires, so API servers that still have the old
//   bundle keep trusting the webhook during the switch. caBundlePem() is what goes into the
//   ValidatingWebhookConfiguration.
// - SharedCertificates (shared_certificates.h): the same, kept in a Secret so that every replica serves
//   certificates from one CA.
// rotationDue() is the pure decision, unit-tested with an injected time.
// Thread-safety: current() and caBundlePem() may be called from any thread (TLS handshakes) while
// refresh() runs on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "modelops/common/certificates.h"
#include "modelops/common/clock.h"
#include "modelops/common/result.h"

namespace modelops::admission {

struct ServingMaterial {
  std::string certPem;  // the serving certificate, then any intermediates
  std::string keyPem;
  certs::CertificateValidity validity;
};

class ServingCertificates {
 public:
  virtual ~ServingCertificates() = default;
  // Loads, reloads or renews. Returns true when the material changed. After an error the previous
  // material (if any) stays in service.
  virtual Result<bool> refresh() = 0;
  // The material in service; nullptr before the first successful refresh().
  std::shared_ptr<const ServingMaterial> current() const;
  // PEM CA certificates API servers must trust; empty when someone else manages the bundle.
  virtual std::string caBundlePem() const { return ""; }

 protected:
  void install(std::shared_ptr<const ServingMaterial> material);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ServingMaterial> current_;
};

class DirectoryCertificates final : public ServingCertificates {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  explicit DirectoryCertificates(std::string dir) : dir_(std::move(dir)) {}
  Result<bool> refresh() override;

 private:
  std::string dir_;
  std::string loadedCert_;
  std::string loadedKey_;
};

enum class Rotation { None, ServingCertificate, CertificateAuthority };

// Renew once `renewFraction` of a certificate's lifetime has passed (cert-manager renews at 2/3), or
// when it is not valid at `now` at all; the CA also when the serving certificate would outlive it.
Rotation rotationDue(const certs::CertificateValidity& ca, const certs::CertificateValidity& serving,
                     Clock::WallTime now, double renewFraction);

struct SelfManagedOptions {
  std::vector<std::string> dnsNames;  // <service>.<namespace>.svc first
  std::vector<std::string> ipAddresses;
  std::chrono::seconds caValidity{std::chrono::hours(24 * 365)};
  std::chrono::seconds servingValidity{std::chrono::hours(24 * 90)};
  double renewFraction = 2.0 / 3.0;
};

// Self-managed material: a CA, the serving certificate it signed, and the CA it replaced (kept in the
// bundle until it expires, so API servers holding the old bundle still trust the new certificate).
struct SelfManagedState {
  certs::KeyPairPem ca;
  certs::KeyPairPem serving;
  std::string previousCaPem;  // empty when none
};

// The state to use at `now`: `current` as is when nothing is due (*renewed false), else a new serving
// certificate, or a new CA and serving certificate (all new when there is no usable current state).
Result<SelfManagedState> renewIfDue(const std::optional<SelfManagedState>& current, const SelfManagedOptions& options,
                                    Clock::WallTime now, bool* renewed);
// The CA, then the previous CA while it is still valid.
std::string caBundleOf(const SelfManagedState& state, Clock::WallTime now);

// Self-managed certificates kept in this process only (one replica).
class SelfManagedCertificates final : public ServingCertificates {
 public:
  SelfManagedCertificates(SelfManagedOptions options, const Clock& clock);
  Result<bool> refresh() override;
  std::string caBundlePem() const override;

 private:
  void adopt(SelfManagedState state);  // installs the serving pair and remembers the bundle
  SelfManagedOptions options_;
  const Clock& clock_;
  mutable std::mutex stateMu_;
  std::optional<SelfManagedState> state_;
};

}  // namespace modelops::admission
