// Writes the webhook's CA bundle into clientConfig.caBundle of every webhook of one
// ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1), when the operator manages its own
// certificates. sync() reads the configuration and patches only when a caBundle differs, with a JSON
// patch guarded by a resourceVersion test (a concurrent `kubectl apply` or Helm upgrade makes it fail
// with 422/409 and the next sync() retries); it is called after every refresh, so a bundle that a
// re-applied manifest emptied is restored within one refresh interval. Needs RBAC get and patch on that
// configuration (resourceNames).
// Thread-safety: sync() from one thread at a time (the client is thread-safe).
#pragma once

#include <string>

#include "modelops/common/result.h"
#include "modelops/kube/client.h"

namespace modelops::admission {

const kube::Resource& validatingWebhookConfigurations();  // admissionregistration.k8s.io/v1, cluster-scoped

class CaBundleInjector {
 public:
  CaBundleInjector(kube::KubeClient& client, std::string configurationName)
      : client_(client), name_(std::move(configurationName)) {}
  // Returns true when it patched, false when the bundle was already in place.
  Result<bool> sync(const std::string& caBundlePem);

 private:
  kube::KubeClient& client_;
  std::string name_;
};

}  // namespace modelops::admission
