// SharedCertificates: self-managed webhook certificates that every operator replica shares through one
// Secret (type kubernetes.io/tls, in the operator's namespace), so that the API server can reach any
// replica with the one CA bundle in the ValidatingWebhookConfiguration. refresh() reads the Secret,
// serves what it holds, and when the Secret is missing, unusable or due for renewal (renewIfDue), makes
// the next state and writes it: create, or update guarded by the resourceVersion it read. A replica that
// loses the race (409) keeps serving what it had and adopts the winner's certificates at its next
// refresh. Keys: tls.crt, tls.key, ca.crt, ca.key, and ca-previous.crt after a CA renewal.
// Needs RBAC get, update on that Secret and create on Secrets in the namespace.
// Thread-safety: refresh() from one thread; current() and caBundlePem() from any.
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "modelops/admission/serving_certificates.h"
#include "modelops/kube/client.h"

namespace modelops::admission {

class SharedCertificates final : public ServingCertificates {
 public:
  SharedCertificates(SelfManagedOptions options, kube::KubeClient& client, std::string ns, std::string secretName,
                     const Clock& clock);
  Result<bool> refresh() override;
  std::string caBundlePem() const override;

 private:
  Result<bool> adopt(const SelfManagedState& state);
  SelfManagedOptions options_;
  kube::KubeClient& client_;
  std::string ns_;
  std::string name_;
  const Clock& clock_;
  mutable std::mutex stateMu_;
  std::optional<SelfManagedState> state_;
};

}  // namespace modelops::admission
