// AnalysisMeasurer: one verdict per metric of spec.analysis for the requested revision.
#include "modelops/reconciler/measurer.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "modelops/analysis/api_metric.h"
#include "modelops/kube/config.h"

namespace modelops::reconciler {
namespace {

analysis::TemplateVars varsFor(const api::ModelDeployment& md, const api::Metric& metric, std::int64_t revision,
                               const std::string& version, const std::string& track) {
  analysis::TemplateVars vars;
  vars.name = md.name();
  vars.ns = md.namespace_();
  vars.model = md.spec.model.name.value_or(md.name());
  vars.version = version;
  vars.revision = std::to_string(revision);
  vars.track = track;
  vars.args = metric.args;
  return vars;
}

// A private temp file holding a CA bundle, removed when the measurement is done.
class TempCaFile {
 public:
  ~TempCaFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  Result<std::string> write(const std::string& pem) {
    char name[] = "/tmp/modelops-ca-XXXXXX";
    int fd = mkstemp(name);  // created 0600
    if (fd < 0) return Error{"IOError", "cannot create a temporary CA file"};
    path_ = name;
    bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
    ::close(fd);
    if (!ok) return Error{"IOError", "cannot write the temporary CA file"};
    return path_;
  }

 private:
  std::string path_;
};

// data[key] of a Secret in the ModelDeployment's namespace, decoded.
Result<std::string> secretValue(kube::KubeClient* client, const std::string& ns, const api::SecretKeyRef& ref,
                                const std::string& key) {
  std::string where = "secret " + ns + "/" + ref.name.value_or("") + " key " + key;
  if (!client) return Error{"NoClient", where + ": no API client to read it"};
  auto secret = client->get(kube::resources::secrets(), ns, ref.name.value_or(""));
  if (!secret) return Error{"SecretUnreadable", where + ": " + secret.error().describe()};
  const auto& data = secret->value("data", nlohmann::json::object());
  if (!data.is_object() || !data.contains(key) || !data[key].is_string()) return Error{"SecretKeyMissing", where + ": no such key"};
  auto decoded = kube::decodeBase64(data[key].get<std::string>());
  if (!decoded) return Error{"SecretInvalid", where + ": not valid base64"};
  return *decoded;
}

Result<analysis::ProviderSecrets> resolveSecrets(kube::KubeClient* client, const std::string& ns,
                                                 const api::Metric& metric, TempCaFile& ca) {
  analysis::ProviderSecrets out;
  if (!metric.provider || !metric.provider->prometheus) return out;
  const auto& prom = *metric.provider->prometheus;
  if (prom.auth && prom.auth->bearerTokenSecretRef) {
    const auto& ref = *prom.auth->bearerTokenSecretRef;
    auto token = secretValue(client, ns, ref, ref.key.value_or("token"));
    if (!token) return token.error();
    out.bearerToken = *token;
  }
  if (prom.auth && prom.auth->basicAuthSecretRef) {
    const auto& ref = *prom.auth->basicAuthSecretRef;
    auto user = secretValue(client, ns, ref, "username");
    if (!user) return user.error();
    auto password = secretValue(client, ns, ref, "password");
    if (!password) return password.error();
    out.basicAuth = std::make_pair(*user, *password);
  }
  if (prom.tls && prom.tls->caSecretRef) {
    const auto& ref = *prom.tls->caSecretRef;
    auto pem = secretValue(client, ns, ref, ref.key.value_or("ca.crt"));
    if (!pem) return pem.error();
    auto path = ca.write(*pem);
    if (!path) return path.error();
    out.caPem = *pem;
  }
  return out;
}

}  // namespace

rollout::Measurement AnalysisMeasurer::measure(const api::ModelDeployment& md, const rollout::MeasurementRequest& request,
                                               const CancelToken& cancel) {
  rollout::Measurement out;
  out.hash = request.hash;
  if (!md.spec.analysis) return out;
  for (const auto& metric : md.spec.analysis->metrics) {
    auto name = metric.name.value_or("");
    TempCaFile ca;
    auto secrets = resolveSecrets(secrets_, md.namespace_(), metric, ca);
    if (!secrets) {
      out.verdicts.push_back(analysis::errorVerdict(name, secrets.error().message));
      continue;
    }
    auto spec = analysis::metricSpecFromApi(metric, *secrets);
    if (!spec) {
      out.verdicts.push_back(analysis::errorVerdict(name, spec.error().message));
      continue;
    }
    auto canary = varsFor(md, metric, request.revision, request.version, request.track);
    std::optional<analysis::TemplateVars> stable;
    if (request.stable && request.stable->revision)
      stable = varsFor(md, metric, *request.stable->revision, request.stable->version.value_or(""),
                       std::string(api::kTrackStable));
    out.verdicts.push_back(runner_.measure(*spec, canary, stable, cancel));
  }
  return out;
}

}  // namespace modelops::reconciler
