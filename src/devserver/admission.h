// ValidatingWebhooks: the dev server calls validating admission webhooks as kube-apiserver does. On
// every create and update (after defaulting, pruning and schema validation, before storage) it reads
// the stored admissionregistration.k8s.io/v1 ValidatingWebhookConfigurations, and for each webhook
// whose rules (operations, apiGroups, apiVersions, resources incl. "res/sub" and "*", scope),
// namespaceSelector and objectSelector match, POSTs an AdmissionReview v1 over HTTPS, verifying the
// server with clientConfig.caBundle, within timeoutSeconds (default 10, at most 30).
// - clientConfig.url is called as given; clientConfig.service {namespace, name, port (443), path} is
//   called at <name>.<namespace>.svc, verified under that name, and connected to the address given for
//   "<namespace>/<name>" in serviceAddresses (--webhook-service on the command line); a service without
//   one fails as an unreachable webhook would.
// - allowed:false refuses the write with the webhook's status, its message prefixed with
//   `admission webhook "<name>" denied the request: ` (code at least 400, as kube-apiserver);
//   response warnings become Warning headers.
// - a call that fails (connection, TLS, timeout, non-200, a malformed or mismatched response) refuses
//   the write with 500 InternalError `failed calling webhook "<name>": failed to call webhook: ...`
//   under failurePolicy Fail (the default) and is logged and ignored under Ignore.
// Not implemented: matchConditions (CEL), matchPolicy Equivalent (only the exact group/version/resource
// matches), sideEffects checks for dryRun, mutating webhooks, reinvocation.
// The call happens under the store's write lock (the dev server serialises writes): a slow webhook
// delays other writes by at most its timeout.
// Thread-safety: admit() may be called from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api_core.h"
#include "api_status.h"

namespace modelops::devserver {

class ObjectStore;

// What a webhook's rules and selectors are matched against.
struct AdmissionAttributes {
  std::string group;
  std::string version;
  std::string resource;     // plural
  std::string subresource;  // "" or "status", "scale"
  std::string operation;    // CREATE, UPDATE, DELETE, CONNECT
  bool namespaced = true;
  Json object;              // null for DELETE
  Json oldObject;           // null for CREATE
  Json namespaceLabels = Json::object();
};

// True when one webhook entry of a configuration applies to the request (rules and selectors).
bool webhookMatches(const Json& webhook, const AdmissionAttributes& attributes);

// "<namespace>/<name>=<host>:<port>" -> map entry; an error message naming the problem.
std::optional<std::string> parseServiceAddress(const std::string& text, std::map<std::string, std::string>& out);

class ValidatingWebhooks {
 public:
  ValidatingWebhooks(const ObjectStore& store, std::map<std::string, std::string> serviceAddresses)
      : store_(store), serviceAddresses_(std::move(serviceAddresses)) {}

  // ApiCore's hook (ApiCore::setValidatingAdmission): the attributes of a create or update, then admit().
  std::optional<ApiStatus> admitWrite(const ResourceType& type, const std::string& operation,
                                      const std::string& subresource, const std::string& ns, const Json& object,
                                      const Json* old, const WriteOptions& opts) const;

  // The refusal, or nullopt when every matching webhook admitted (or failed under Ignore).
  std::optional<ApiStatus> admit(const AdmissionAttributes& attributes, const std::string& kind,
                                 const std::string& ns, const std::string& name, bool dryRun,
                                 std::vector<std::string>* warnings) const;

 private:
  std::optional<ApiStatus> call(const Json& webhook, const Json& review, std::vector<std::string>* warnings) const;

  const ObjectStore& store_;
  std::map<std::string, std::string> serviceAddresses_;  // "<namespace>/<name>" -> "host:port"
};

}  // namespace modelops::devserver
