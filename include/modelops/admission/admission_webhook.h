// AdmissionWebhook: the operator's validating admission webhook assembled from its parts - serving
// certificates from a directory (certDir, e.g. a cert-manager Secret) or self-managed for
// <service>.<namespace>.svc (shared by the replicas through a Secret, or in memory) with the CA bundle
// injected into the ValidatingWebhookConfiguration `configurationName` (when that is non-empty), and the
// HTTPS server. Every replica serves (the API server may call any of them).
// Thread-safety: start() and stop() from one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "modelops/admission/ca_bundle_injector.h"
#include "modelops/admission/serving_certificates.h"
#include "modelops/admission/webhook_server.h"
#include "modelops/common/clock.h"
#include "modelops/common/result.h"
#include "modelops/kube/client.h"

namespace modelops::admission {

struct AdmissionWebhookConfig {
  WebhookServerOptions server;
  std::string certDir;            // non-empty: tls.crt and tls.key from here; empty: self-managed
  std::string serviceName = "modelops-webhook";
  std::string serviceNamespace = "modelops-system";
  std::string configurationName;  // the ValidatingWebhookConfiguration to inject the CA bundle into
  // Self-managed: the Secret (in serviceNamespace) that replicas share the CA and certificate through;
  // empty: kept in this process only.
  std::string certSecretName = "modelops-webhook-certs";
};

class AdmissionWebhook {
 public:
  static Result<std::unique_ptr<AdmissionWebhook>> start(const AdmissionWebhookConfig& config,
                                                         kube::KubeClient& client, const Clock& clock);
  ~AdmissionWebhook();
  int port() const { return server_->port(); }
  void stop();

 private:
  AdmissionWebhook() = default;
  std::unique_ptr<ServingCertificates> certificates_;
  std::unique_ptr<CaBundleInjector> injector_;
  std::unique_ptr<WebhookServer> server_;
};

}  // namespace modelops::admission
