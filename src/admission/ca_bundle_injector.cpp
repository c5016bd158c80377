// CA bundle injection into a ValidatingWebhookConfiguration; see ca_bundle_injector.h.
// Thread-safety: see the header.
#include "modelops/admission/ca_bundle_injector.h"

#include "modelops/common/certificates.h"

namespace modelops::admission {

const kube::Resource& validatingWebhookConfigurations() {
  static const kube::Resource r{"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
                                "ValidatingWebhookConfiguration", false};
  return r;
}

Result<bool> CaBundleInjector::sync(const std::string& caBundlePem) {
  if (caBundlePem.empty()) return false;
  auto config = client_.get(validatingWebhookConfigurations(), "", name_);
  if (!config)
    return Error{"KubeError", "reading ValidatingWebhookConfiguration " + name_ + ": " + config.error().message};
  const kube::Json& webhooks = (*config).contains("webhooks") ? (*config)["webhooks"] : kube::Json();
  if (!webhooks.is_array() || webhooks.empty())
    return Error{"InvalidInput", "ValidatingWebhookConfiguration " + name_ + " has no webhooks"};
  const std::string wanted = certs::base64Encode(caBundlePem);
  kube::Json patch = kube::Json::array();
  std::string rv;
  if (config->contains("metadata") && (*config)["metadata"].is_object())
    rv = (*config)["metadata"].value("resourceVersion", "");
  patch.push_back({{"op", "test"}, {"path", "/metadata/resourceVersion"}, {"value", rv}});
  for (std::size_t i = 0; i < webhooks.size(); ++i) {
    const auto& hook = webhooks[i];
    const auto& clientConfig = hook.is_object() && hook.contains("clientConfig") ? hook["clientConfig"] : kube::Json();
    bool current = clientConfig.is_object() && clientConfig.contains("caBundle") &&
                   clientConfig["caBundle"] == wanted;
    if (current) continue;
    if (!clientConfig.is_object())
      return Error{"InvalidInput", "ValidatingWebhookConfiguration " + name_ + ": webhooks[" + std::to_string(i) +
                                       "].clientConfig: required object"};
    patch.push_back({{"op", "add"}, {"path", "/webhooks/" + std::to_string(i) + "/clientConfig/caBundle"},
                     {"value", wanted}});
  }
  if (patch.size() == 1) return false;
  auto patched = client_.patch(validatingWebhookConfigurations(), "", name_, kube::PatchType::Json, patch);
  if (!patched)
    return Error{"KubeError", "patching the CA bundle of ValidatingWebhookConfiguration " + name_ + ": " +
                                  patched.error().message};
  return true;
}

}  // namespace modelops::admission
