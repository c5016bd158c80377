// Resource paths, the resources modelops uses, ApiError::describe and URL helpers.
// Thread-safety: pure functions; the resources:: definitions are immutable function-local statics.
#include <cctype>
#include <cstdio>

#include "json_util.h"
#include "modelops/kube/client.h"
#include "modelops/kube/status.h"
#include "url.h"

namespace modelops::kube {

namespace {
std::string prefix(const Resource& r) {
  return r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
}
}  // namespace

std::string Resource::collectionPath(const std::string& ns) const {
  std::string path = prefix(*this);
  if (namespaced && !ns.empty()) path += "/namespaces/" + detail::percentEncode(ns);
  return path + "/" + plural;
}

std::string Resource::itemPath(const std::string& ns, const std::string& name) const {
  return collectionPath(ns) + "/" + detail::percentEncode(name);
}

namespace resources {
#define MODELOPS_RESOURCE(fn, group, version, plural, kind, namespaced)            \
  const Resource& fn() {                                                           \
    static const Resource r{group, version, plural, kind, namespaced};             \
    return r;                                                                      \
  }
MODELOPS_RESOURCE(modelDeployments, "modelops.dev", "v1alpha1", "modeldeployments", "ModelDeployment", true)
MODELOPS_RESOURCE(deployments, "apps", "v1", "deployments", "Deployment", true)
MODELOPS_RESOURCE(services, "", "v1", "services", "Service", true)
MODELOPS_RESOURCE(events, "", "v1", "events", "Event", true)
MODELOPS_RESOURCE(leases, "coordination.k8s.io", "v1", "leases", "Lease", true)
MODELOPS_RESOURCE(namespaces, "", "v1", "namespaces", "Namespace", false)
MODELOPS_RESOURCE(configMaps, "", "v1", "configmaps", "ConfigMap", true)
MODELOPS_RESOURCE(secrets, "", "v1", "secrets", "Secret", true)
MODELOPS_RESOURCE(httpRoutes, "gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute", true)
MODELOPS_RESOURCE(virtualServices, "networking.istio.io", "v1beta1", "virtualservices", "VirtualService", true)
MODELOPS_RESOURCE(customResourceDefinitions, "apiextensions.k8s.io", "v1", "customresourcedefinitions",
                  "CustomResourceDefinition", false)
#undef MODELOPS_RESOURCE
}  // namespace resources

std::string ApiError::describe() const {
  std::string out;
  if (code != 0) out = std::to_string(code) + " ";
  out += reason.empty() ? std::string("Unknown") : reason;
  if (!message.empty()) out += ": " + message;
  if (details.is_object()) {
    auto causes = details.find("causes");
    if (causes != details.end() && causes->is_array()) {
      std::string list;
      for (const auto& cause : *causes) {
        if (!cause.is_object()) continue;
        std::string field = detail::stringOr(cause, "field");
        std::string msg = detail::stringOr(cause, "message");
        if (field.empty() && msg.empty()) continue;
        if (!list.empty()) list += "; ";
        list += field.empty() ? msg : field + ": " + msg;
      }
      // The message of an Invalid Status usually lists the causes already.
      if (!list.empty() && message.find(list) == std::string::npos) out += " [" + list + "]";
    }
  }
  if (retryAfterSeconds) out += " (retry after " + std::to_string(*retryAfterSeconds) + "s)";
  return out;
}

namespace detail {

std::string percentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string queryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += percentEncode(key) + "=" + percentEncode(value);
  }
  return out;
}

Result<ServerUrl> parseServerUrl(const std::string& url) {
  ServerUrl out;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    out.tls = false;
    out.port = 80;
    rest.remove_prefix(7);
  } else {
    return Error{"InvalidConfig", "server \"" + url + "\": must start with https:// or http://"};
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos)
    return Error{"InvalidConfig", "server \"" + url + "\": a path after the host is not supported"};
  if (rest.find('@') != std::string_view::npos)
    return Error{"InvalidConfig", "server \"" + url + "\": credentials in the URL are not supported"};
  std::string_view portText;
  if (rest.starts_with("[")) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return Error{"InvalidConfig", "server \"" + url + "\": unclosed '['"};
    out.host = std::string(rest.substr(1, close - 1));
    auto after = rest.substr(close + 1);
    if (after.starts_with(":")) portText = after.substr(1);
    else if (!after.empty()) return Error{"InvalidConfig", "server \"" + url + "\": junk after ']'"};
  } else {
    auto colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) portText = rest.substr(colon + 1);
  }
  if (out.host.empty()) return Error{"InvalidConfig", "server \"" + url + "\": no host"};
  if (!portText.empty() || rest.ends_with(":")) {
    int port = 0;
    for (char c : portText) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || port > 65535) {
        port = -1;
        break;
      }
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) return Error{"InvalidConfig", "server \"" + url + "\": bad port"};
    out.port = port;
  }
  return out;
}

}  // namespace detail
ApiError cancelledWrite(const std::string& what) {
  return transportError("Cancelled", what + ": not sent: the write's cancel token has fired (leadership lost or shutting down)");
}

// The default token forms: refuse once fired, otherwise the token-less verb (which cannot be aborted).
KubeResult<Json> KubeClient::create(const Resource& r, const std::string& ns, const Json& object,
                                    const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelledWrite("create " + r.plural);
  return create(r, ns, object);
}

KubeResult<Json> KubeClient::update(const Resource& r, const std::string& ns, const Json& object,
                                    const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelledWrite("update " + r.plural);
  return update(r, ns, object);
}

KubeResult<Json> KubeClient::updateStatus(const Resource& r, const std::string& ns, const Json& object,
                                          const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelledWrite("update status of " + r.plural);
  return updateStatus(r, ns, object);
}

KubeResult<Json> KubeClient::patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                   const Json& body, const PatchOptions& opts, const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelledWrite("patch " + r.plural);
  return patch(r, ns, name, type, body, opts);
}

KubeResult<Json> KubeClient::remove(const Resource& r, const std::string& ns, const std::string& name,
                                    const DeleteOptions& opts, const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelledWrite("delete " + r.plural);
  return remove(r, ns, name, opts);
}

}  // namespace modelops::kube
