// KubeClient: the narrow interface every other module uses to talk to the Kubernetes API.
// Objects travel as nlohmann::json (the API's own representation); typed views live in api/.
// The production implementation is KubeClientImpl (kube/client_impl.h); tests use fakes or the
// dev API server. All calls return errors as values (ApiError), never throw.
// Fencing: every write verb (create, update, updateStatus, patch, remove) has a form taking a
// CancelToken (a leadership term's token, see runtime/fenced_client.h): once the token has fired the
// write is refused without being sent (ApiError reason "Cancelled"), and a write in flight when it
// fires is aborted. The forms without a token never cancel. Implementations override the token-less
// forms; the default token form checks the token and forwards, which cannot abort an in-flight
// request, so a client that talks to the network (KubeClientImpl) or decorates another client
// (MeteredKubeClient) overrides the token forms too and passes the token on.
// Thread-safety: implementations are safe to call from many threads at once; watch() blocks the
// calling thread until the stream ends, the handler returns false, or the CancelToken fires.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/cancel.h"
#include "modelops/common/result.h"

namespace modelops::kube {

using Json = nlohmann::json;

// Identifies a resource type: group "" is the core group.
struct Resource {
  std::string group;    // "", "apps", "modelops.dev"
  std::string version;  // "v1", "v1alpha1"
  std::string plural;   // "deployments"
  std::string kind;     // "Deployment"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1/namespaces/ns/pods" or "/apis/apps/v1/deployments" when ns is empty.
  std::string collectionPath(const std::string& ns) const;
  std::string itemPath(const std::string& ns, const std::string& name) const;
};

// The resources modelops works with.
namespace resources {
const Resource& modelDeployments();  // modelops.dev/v1alpha1
const Resource& deployments();       // apps/v1
const Resource& services();          // v1
const Resource& events();            // v1
const Resource& leases();            // coordination.k8s.io/v1
const Resource& namespaces();        // v1, cluster-scoped
const Resource& configMaps();        // v1
const Resource& secrets();           // v1
const Resource& httpRoutes();        // gateway.networking.k8s.io/v1
const Resource& virtualServices();   // networking.istio.io/v1beta1
const Resource& customResourceDefinitions();  // apiextensions.k8s.io/v1, cluster-scoped
}  // namespace resources

// An error from the API server (a Status object) or from the transport (code 0).
struct ApiError {
  int code = 0;         // HTTP status; 0 for connection/TLS/timeout failures
  std::string reason;   // Status.reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone,
                        // TooManyRequests, Unauthorized, Forbidden, ...; transport: "ConnectionError",
                        // "Timeout", "TLSError", "Cancelled", "BadResponse", "AuthError"
  std::string message;
  Json details = Json::object();  // Status.details, as sent
  std::optional<int> retryAfterSeconds;

  bool isNotFound() const { return code == 404; }
  bool isAlreadyExists() const { return code == 409 && reason == "AlreadyExists"; }
  bool isConflict() const { return code == 409 && reason != "AlreadyExists"; }
  bool isInvalid() const { return code == 422; }
  bool isGone() const { return code == 410; }  // Expired resourceVersion or continue token
  bool isTooManyRequests() const { return code == 429; }
  bool isUnauthorized() const { return code == 401; }
  bool isForbidden() const { return code == 403; }
  bool isTransport() const { return code == 0; }
  // Worth retrying as is: transport failures, 429, 5xx.
  bool isRetryable() const { return code == 0 ? reason != "Cancelled" : (code == 429 || code >= 500); }
  std::string describe() const;  // "409 Conflict: Operation cannot be fulfilled on ..."
};

template <class T>
using KubeResult = Result<T, ApiError>;

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::int64_t limit = 0;  // 0: no paging
  std::string continueToken;
  std::string resourceVersion;
};

struct ListResult {
  std::vector<Json> items;  // each with apiVersion and kind filled in
  std::string resourceVersion;
  std::string continueToken;  // empty on the last page
};

enum class PatchType { Merge, Json, StrategicMerge, Apply };

struct PatchOptions {
  std::string fieldManager;  // required for Apply
  bool force = false;        // Apply only
  bool status = false;       // patch the /status subresource
};

struct DeleteOptions {
  std::optional<std::string> propagationPolicy;  // Background | Foreground | Orphan
  std::optional<std::string> preconditionResourceVersion;
  std::optional<std::string> preconditionUid;
};

struct WatchOptions {
  std::string resourceVersion;
  std::string labelSelector;
  std::string fieldSelector;
  bool allowBookmarks = true;
  int timeoutSeconds = 300;  // server-side; the client's read timeout is set above it
};

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error };
  Type type = Type::Added;
  Json object;  // for Error, the Status object
};

// Return false to end the watch.
using WatchHandler = std::function<bool(const WatchEvent&)>;

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual KubeResult<Json> get(const Resource& r, const std::string& ns, const std::string& name) = 0;
  virtual KubeResult<ListResult> list(const Resource& r, const std::string& ns, const ListOptions& opts = {}) = 0;
  virtual KubeResult<Json> create(const Resource& r, const std::string& ns, const Json& object) = 0;
  // PUT; the object's metadata.resourceVersion is the precondition (409 Conflict when stale).
  virtual KubeResult<Json> update(const Resource& r, const std::string& ns, const Json& object) = 0;
  // PUT .../status.
  virtual KubeResult<Json> updateStatus(const Resource& r, const std::string& ns, const Json& object) = 0;
  virtual KubeResult<Json> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                 const Json& body, const PatchOptions& opts = {}) = 0;
  // Returns the object when it is kept for finalizers, otherwise the Status the server sent.
  virtual KubeResult<Json> remove(const Resource& r, const std::string& ns, const std::string& name,
                                  const DeleteOptions& opts = {}) = 0;
  // Streams events to handler until the server ends the stream (returns ok), the handler returns
  // false (ok), or cancel fires (ApiError reason "Cancelled"). A 410 arrives as an Error event.
  virtual KubeResult<void> watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                                 const WatchHandler& handler, const CancelToken& cancel) = 0;

  // The write verbs under a cancel token (see the header comment).
  virtual KubeResult<Json> create(const Resource& r, const std::string& ns, const Json& object,
                                  const CancelToken& cancel);
  virtual KubeResult<Json> update(const Resource& r, const std::string& ns, const Json& object,
                                  const CancelToken& cancel);
  virtual KubeResult<Json> updateStatus(const Resource& r, const std::string& ns, const Json& object,
                                        const CancelToken& cancel);
  virtual KubeResult<Json> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                                 const Json& body, const PatchOptions& opts, const CancelToken& cancel);
  virtual KubeResult<Json> remove(const Resource& r, const std::string& ns, const std::string& name,
                                  const DeleteOptions& opts, const CancelToken& cancel);
};

// The error a write gets when its cancel token has fired before it was sent or while in flight.
ApiError cancelledWrite(const std::string& what);

}  // namespace modelops::kube
