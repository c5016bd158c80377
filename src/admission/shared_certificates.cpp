// Self-managed webhook certificates shared through a Secret; see shared_certificates.h.
// Thread-safety: state_ under stateMu_; refresh() from one thread.
#include "modelops/admission/shared_certificates.h"

namespace modelops::admission {

namespace {

using Json = kube::Json;

// The state a Secret holds, nullopt when a key is missing or not base64 (then it is replaced).
std::optional<SelfManagedState> stateFromSecret(const Json& secret) {
  if (!secret.contains("data") || !secret["data"].is_object()) return std::nullopt;
  const Json& data = secret["data"];
  auto field = [&data](const char* key) -> std::optional<std::string> {
    if (!data.contains(key) || !data[key].is_string()) return std::nullopt;
    auto decoded = certs::base64Decode(data[key].get<std::string>());
    return decoded ? std::optional<std::string>(*decoded) : std::nullopt;
  };
  auto caCert = field("ca.crt"), caKey = field("ca.key"), cert = field("tls.crt"), key = field("tls.key");
  if (!caCert || !caKey || !cert || !key) return std::nullopt;
  return SelfManagedState{{*caCert, *caKey}, {*cert, *key}, field("ca-previous.crt").value_or("")};
}

Json secretFor(const std::string& ns, const std::string& name, const SelfManagedState& state) {
  Json data = {{"tls.crt", certs::base64Encode(state.serving.certPem)},
               {"tls.key", certs::base64Encode(state.serving.keyPem)},
               {"ca.crt", certs::base64Encode(state.ca.certPem)},
               {"ca.key", certs::base64Encode(state.ca.keyPem)}};
  if (!state.previousCaPem.empty()) data["ca-previous.crt"] = certs::base64Encode(state.previousCaPem);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", ns},
                        {"labels", {{"app.kubernetes.io/name", "modelops-operator"},
                                    {"app.kubernetes.io/component", "webhook"}}}}},
          {"type", "kubernetes.io/tls"},
          {"data", data}};
}

}  // namespace

SharedCertificates::SharedCertificates(SelfManagedOptions options, kube::KubeClient& client, std::string ns,
                                       std::string secretName, const Clock& clock)
    : options_(std::move(options)), client_(client), ns_(std::move(ns)), name_(std::move(secretName)), clock_(clock) {}

std::string SharedCertificates::caBundlePem() const {
  std::lock_guard lock(stateMu_);
  return state_ ? caBundleOf(*state_, clock_.now()) : "";
}

Result<bool> SharedCertificates::adopt(const SelfManagedState& state) {
  {
    std::lock_guard lock(stateMu_);
    if (state_ && state_->serving.certPem == state.serving.certPem && state_->ca.certPem == state.ca.certPem)
      return false;
    state_ = state;
  }
  auto validity = certs::readCertificateValidity(state.serving.certPem);
  install(std::make_shared<const ServingMaterial>(
      ServingMaterial{state.serving.certPem, state.serving.keyPem, validity ? *validity : certs::CertificateValidity{}}));
  return true;
}

Result<bool> SharedCertificates::refresh() {
  const std::string where = "Secret " + ns_ + "/" + name_;
  auto secret = client_.get(kube::resources::secrets(), ns_, name_);
  if (!secret && !secret.error().isNotFound())
    return Error{"KubeError", "reading the webhook certificates in " + where + ": " + secret.error().message};
  std::optional<SelfManagedState> stored = secret ? stateFromSecret(*secret) : std::nullopt;
  bool renewed = false;
  auto next = renewIfDue(stored, options_, clock_.now(), &renewed);
  if (!next) return next.error();
  if (renewed) {
    Json object = secretFor(ns_, name_, *next);
    kube::KubeResult<Json> written = Json();
    if (secret) {
      object["metadata"]["resourceVersion"] = (*secret)["metadata"].value("resourceVersion", "");
      written = client_.update(kube::resources::secrets(), ns_, object);
    } else {
      written = client_.create(kube::resources::secrets(), ns_, object);
    }
    // Another replica wrote first: its certificates are adopted at the next refresh.
    if (!written)
      return Error{"KubeError", "writing the webhook certificates to " + where + ": " + written.error().message};
  }
  return adopt(*next);
}

}  // namespace modelops::admission
