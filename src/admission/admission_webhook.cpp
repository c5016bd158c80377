// Assembly of the admission webhook; see admission_webhook.h.
// Thread-safety: see the header.
#include "modelops/admission/admission_webhook.h"

#include "modelops/admission/shared_certificates.h"
#include "modelops/common/logging.h"

namespace modelops::admission {

Result<std::unique_ptr<AdmissionWebhook>> AdmissionWebhook::start(const AdmissionWebhookConfig& config,
                                                                  kube::KubeClient& client, const Clock& clock) {
  std::unique_ptr<AdmissionWebhook> webhook(new AdmissionWebhook());
  if (!config.certDir.empty()) {
    webhook->certificates_ = std::make_unique<DirectoryCertificates>(config.certDir);
  } else {
    SelfManagedOptions options;
    std::string service = config.serviceName + "." + config.serviceNamespace;
    options.dnsNames = {service + ".svc", service + ".svc.cluster.local", service};
    if (config.certSecretName.empty())
      webhook->certificates_ = std::make_unique<SelfManagedCertificates>(options, clock);
    else
      webhook->certificates_ = std::make_unique<SharedCertificates>(options, client, config.serviceNamespace,
                                                                    config.certSecretName, clock);
    if (!config.configurationName.empty())
      webhook->injector_ = std::make_unique<CaBundleInjector>(client, config.configurationName);
  }
  std::function<void()> onRefreshed;
  if (webhook->injector_) {
    onRefreshed = [certificates = webhook->certificates_.get(), injector = webhook->injector_.get(),
                   name = config.configurationName] {
      auto synced = injector->sync(certificates->caBundlePem());
      if (!synced) logError("cannot inject the webhook CA bundle; will retry", {{"err", synced.error().message}});
      else if (*synced) logInfo("webhook CA bundle injected", {{"validatingWebhookConfiguration", name}});
    };
  }
  webhook->server_ = std::make_unique<WebhookServer>(config.server, *webhook->certificates_, std::move(onRefreshed));
  if (auto started = webhook->server_->start(); !started) return started.error();
  return webhook;
}

AdmissionWebhook::~AdmissionWebhook() { stop(); }

void AdmissionWebhook::stop() {
  if (server_) server_->stop();
}

}  // namespace modelops::admission
