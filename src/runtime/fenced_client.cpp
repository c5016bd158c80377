// FencedClient: the check before every write. See include/modelops/runtime/fenced_client.h.
// Thread-safety: no state of its own besides the immutable members; tokens are thread-safe.
#include "modelops/runtime/fenced_client.h"

#include "modelops/common/logging.h"

namespace modelops::runtime {

using kube::Json;
using kube::KubeResult;

template <class Send>
KubeResult<Json> FencedClient::write(const std::string& what, const CancelToken* caller, Send send) const {
  CancelToken term = term_ ? *term_ : (fence_ ? fence_->termToken() : CancelToken());
  bool lost = term.cancelled() || (fence_ && !fence_->holdsLease());
  if (lost || (caller && caller->cancelled())) {
    // Checked on this process's clock before anything is sent: a paused or partitioned leader
    // must not write after another replica may have taken the lease.
    logWarn("write refused: not sent", {{"write", what}, {"why", lost ? "lease not held" : "cancelled"}});
    return kube::cancelledWrite(what);
  }
  if (!caller) return send(term);
  CancelToken either;  // the write stops when the term ends or the caller cancels
  auto fromTerm = term.scopedOnCancel([either] { either.cancel(); });
  auto fromCaller = caller->scopedOnCancel([either] { either.cancel(); });
  return send(either);
}

namespace {
std::string describeWrite(const char* verb, const kube::Resource& r, const std::string& ns, const std::string& name) {
  return std::string(verb) + " " + r.plural + " " + (ns.empty() ? name : ns + "/" + name);
}
std::string nameOf(const Json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return {};
  return object["metadata"].value("name", std::string());
}
}  // namespace

KubeResult<Json> FencedClient::create(const kube::Resource& r, const std::string& ns, const Json& object,
                                      const CancelToken& cancel) {
  return write(describeWrite("create", r, ns, nameOf(object)), &cancel,
               [&](const CancelToken& token) { return inner_.create(r, ns, object, token); });
}

KubeResult<Json> FencedClient::update(const kube::Resource& r, const std::string& ns, const Json& object,
                                      const CancelToken& cancel) {
  return write(describeWrite("update", r, ns, nameOf(object)), &cancel,
               [&](const CancelToken& token) { return inner_.update(r, ns, object, token); });
}

KubeResult<Json> FencedClient::updateStatus(const kube::Resource& r, const std::string& ns, const Json& object,
                                            const CancelToken& cancel) {
  return write(describeWrite("update status of", r, ns, nameOf(object)), &cancel,
               [&](const CancelToken& token) { return inner_.updateStatus(r, ns, object, token); });
}

KubeResult<Json> FencedClient::patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const Json& body, const kube::PatchOptions& opts,
                                     const CancelToken& cancel) {
  return write(describeWrite("patch", r, ns, name), &cancel,
               [&](const CancelToken& token) { return inner_.patch(r, ns, name, type, body, opts, token); });
}

KubeResult<Json> FencedClient::remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts, const CancelToken& cancel) {
  return write(describeWrite("delete", r, ns, name), &cancel,
               [&](const CancelToken& token) { return inner_.remove(r, ns, name, opts, token); });
}

KubeResult<Json> FencedClient::create(const kube::Resource& r, const std::string& ns, const Json& object) {
  return write(describeWrite("create", r, ns, nameOf(object)), nullptr,
               [&](const CancelToken& token) { return inner_.create(r, ns, object, token); });
}

KubeResult<Json> FencedClient::update(const kube::Resource& r, const std::string& ns, const Json& object) {
  return write(describeWrite("update", r, ns, nameOf(object)), nullptr,
               [&](const CancelToken& token) { return inner_.update(r, ns, object, token); });
}

KubeResult<Json> FencedClient::updateStatus(const kube::Resource& r, const std::string& ns, const Json& object) {
  return write(describeWrite("update status of", r, ns, nameOf(object)), nullptr,
               [&](const CancelToken& token) { return inner_.updateStatus(r, ns, object, token); });
}

KubeResult<Json> FencedClient::patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const Json& body, const kube::PatchOptions& opts) {
  return write(describeWrite("patch", r, ns, name), nullptr,
               [&](const CancelToken& token) { return inner_.patch(r, ns, name, type, body, opts, token); });
}

KubeResult<Json> FencedClient::remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts) {
  return write(describeWrite("delete", r, ns, name), nullptr,
               [&](const CancelToken& token) { return inner_.remove(r, ns, name, opts, token); });
}

}  // namespace modelops::runtime
