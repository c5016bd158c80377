// KubeClientImpl: the ordinary verbs, the retry loop, and the factory; watch is in watch.cpp.
// See include/modelops/kube/client_impl.h.
// Thread-safety: every verb builds its own HTTP client; the limiter, credential source and rng
// are internally synchronised.
#include "client_impl.h"

#include "modelops/common/logging.h"
#include "modelops/kube/status.h"
#include "json_util.h"
#include "request.h"
#include "transport.h"
#include "url.h"

namespace modelops::kube {

struct KubeClientImpl::Request {
  Verb verb = Verb::Get;
  std::string path;
  std::string body;
  std::string contentType;
};

namespace {

using detail::dumpJson;

const char* verbName(Verb verb) {
  switch (verb) {
    case Verb::Get: return "GET";
    case Verb::Post: return "POST";
    case Verb::Put: return "PUT";
    case Verb::Patch: return "PATCH";
    case Verb::Delete: return "DELETE";
  }
  return "?";
}

ApiError clientSideError(std::string message) {
  ApiError e;
  e.code = 400;
  e.reason = "BadRequest";
  e.message = "modelops client: " + std::move(message);
  return e;
}

std::string metadataString(const Json& object, const char* field) {
  if (!object.is_object()) return {};
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return {};
  auto it = md->find(field);
  return it != md->end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string namespaceFor(const Resource& r, const std::string& ns, const Json& object) {
  if (!r.namespaced) return {};
  return ns.empty() ? metadataString(object, "namespace") : ns;
}

}  // namespace

KubeClientImpl::KubeClientImpl(const ClientConfig& config, ClientDeps deps, std::unique_ptr<Transport> transport)
    : config_(config),
      clock_(*deps.clock),
      sleeper_(deps.sleeper ? *deps.sleeper : realSleeper_),
      credentials_(config, *deps.clock, std::move(deps.execRunner)),
      limiter_(config.qps, config.burst, *deps.clock),
      transport_(std::move(transport)),
      rng_(deps.jitterSeed != 0 ? deps.jitterSeed : std::random_device{}()) {
  policy_.maxAttempts = std::max(1, config.maxAttempts);
  policy_.maxTotal = config.maxRetryTotal;
}

KubeClientImpl::~KubeClientImpl() = default;

Result<std::unique_ptr<KubeClientImpl>> KubeClientImpl::create(const ClientConfig& config, ClientDeps deps) {
  if (!deps.clock) return Error{"InvalidArgument", "KubeClientImpl needs a clock"};
  auto transport = Transport::create(config);
  if (!transport) return transport.error();
  return std::unique_ptr<KubeClientImpl>(new KubeClientImpl(config, std::move(deps), std::move(*transport)));
}

Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClientConfig& config, ClientDeps deps) {
  auto client = KubeClientImpl::create(config, std::move(deps));
  if (!client) return client.error();
  return std::unique_ptr<KubeClient>(std::move(*client));
}

Result<std::unique_ptr<KubeClient>> makeKubeClient(const ClientConfig& config, Clock& clock) {
  ClientDeps deps;
  deps.clock = &clock;
  return makeKubeClient(config, std::move(deps));
}

void KubeClientImpl::close() { closing_.cancel(); }

double KubeClientImpl::jitter() {
  std::lock_guard lock(rngMu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

KubeResult<detail::PreparedRequest> KubeClientImpl::prepare(const std::string& what,
                                                            std::chrono::milliseconds readTimeout,
                                                            const CancelToken& stop) {
  auto wait = limiter_.reserve(config_.requestTimeout);
  if (!wait) return transportError("Timeout", what + ": client-side rate limit would delay it beyond the request timeout");
  if (wait->count() > 0 && !sleeper_.sleepFor(*wait, stop)) return transportError("Cancelled", what + ": cancelled");
  auto credentials = credentials_.get();
  if (!credentials) return transportError("AuthError", credentials.error().message);
  auto client = transport_->makeClient(*credentials, readTimeout);
  if (!client) return client.error();
  return detail::PreparedRequest{std::move(*client), detail::requestHeaders(config_, *transport_, *credentials)};
}

bool KubeClientImpl::refreshAfter401(const ApiError& error, bool& refreshed, const std::string& what) {
  if (error.code != 401 || refreshed || !credentials_.invalidate()) return false;
  refreshed = true;  // one fresh credential per request, not counted as an attempt
  logInfo("refreshing credentials after 401 Unauthorized", {{"request", what}});
  return true;
}

namespace {

httplib::Result sendRequest(httplib::ClientImpl& c, Verb verb, const std::string& path, const httplib::Headers& headers,
                            const std::string& body, const std::string& contentType) {
  switch (verb) {
    case Verb::Get: return c.Get(path, headers);
    case Verb::Post: return c.Post(path, headers, body, contentType);
    case Verb::Put: return c.Put(path, headers, body, contentType);
    case Verb::Patch: return c.Patch(path, headers, body, contentType);
    case Verb::Delete: return body.empty() ? c.Delete(path, headers) : c.Delete(path, headers, body, contentType);
  }
  return c.Get(path, headers);
}

}  // namespace

KubeResult<Json> KubeClientImpl::execute(const Request& request, const CancelToken& cancel) {
  const auto start = clock_.monotonic();
  const std::string what = std::string(verbName(request.verb)) + " " + transport_->serverText() + request.path;
  // One token for every wait and the in-flight abort: the caller's (a write's term) or close().
  CancelToken stop;
  auto onClose = closing_.scopedOnCancel([stop] { stop.cancel(); });
  auto onCaller = cancel.scopedOnCancel([stop] { stop.cancel(); });
  auto stopped = [&] {
    return cancel.cancelled() ? cancelledWrite(what) : transportError("Cancelled", what + ": the client is closed");
  };
  bool refreshedAfter401 = false;
  for (int attempt = 1;; ++attempt) {
    if (stop.cancelled()) return stopped();
    auto prepared = prepare(what, config_.requestTimeout, stop);
    if (!prepared) return stop.cancelled() ? stopped() : prepared.error();
    auto& client = *prepared->client;
    detail::InFlightAbort inFlight(&client, stop);
    if (inFlight.stopped()) return stopped();  // before httplib opens a socket, stop() could not act
    httplib::Result result = sendRequest(client, request.verb, request.path, prepared->headers, request.body,
                                         request.contentType);
    inFlight.release();

    ApiError error;
    bool sentRequest = true;
    if (!result) {
      if (inFlight.stopped() && cancel.cancelled())  // sent: the server may or may not have applied it
        return transportError("Cancelled", what + ": aborted in flight: the write's cancel token fired");
      if (inFlight.stopped()) return stopped();
      auto* ssl = dynamic_cast<httplib::SSLClient*>(&client);
      error = transportErrorFor(result.error(), what, ssl ? ssl->get_openssl_verify_result() : 0, sentRequest);
    } else if (result->status >= 200 && result->status < 300) {
      if (result->body.empty()) return Json::object();
      auto parsed = Json::parse(result->body, nullptr, false);
      if (parsed.is_discarded())
        return transportError("BadResponse", what + ": HTTP " + std::to_string(result->status) + " with a body that is not JSON");
      return parsed;
    } else {
      std::optional<std::string> retryAfter;
      if (result->has_header("Retry-After")) retryAfter = result->get_header_value("Retry-After");
      error = apiErrorFromResponse(result->status, result->body, retryAfter);
    }

    if (refreshAfter401(error, refreshedAfter401, what)) {
      --attempt;
      continue;
    }
    if (!shouldRetry(request.verb, error, sentRequest) || attempt >= policy_.maxAttempts) return error;
    auto delay = retryDelay(policy_, attempt, error, jitter());
    if (clock_.monotonic() - start + delay > policy_.maxTotal) return error;
    logDebug("retrying request", {{"request", what},
                                  {"error", error.describe()},
                                  {"attempt", attempt},
                                  {"delay_ms", static_cast<long long>(delay.count())}});
    if (!sleeper_.sleepFor(delay, stop)) return stopped();
  }
}


KubeResult<Json> KubeClientImpl::get(const Resource& r, const std::string& ns, const std::string& name) {
  if (name.empty()) return clientSideError("get " + r.plural + ": empty name");
  return execute({Verb::Get, r.itemPath(r.namespaced ? ns : "", name), {}, {}}, CancelToken());
}

KubeResult<ListResult> KubeClientImpl::list(const Resource& r, const std::string& ns, const ListOptions& opts) {
  std::string query = detail::queryString({{"labelSelector", opts.labelSelector},
                                           {"fieldSelector", opts.fieldSelector},
                                           {"limit", opts.limit > 0 ? std::to_string(opts.limit) : ""},
                                           {"continue", opts.continueToken},
                                           {"resourceVersion", opts.resourceVersion}});
  auto response = execute({Verb::Get, r.collectionPath(r.namespaced ? ns : "") + query, {}, {}}, CancelToken());
  if (!response) return response.error();
  const Json& body = *response;
  ListResult out;
  auto items = body.find("items");
  if (items != body.end() && !items->is_null() && !items->is_array())
    return transportError("BadResponse", "list " + r.plural + ": items is not a list");
  if (items != body.end() && items->is_array()) {
    out.items.reserve(items->size());
    for (const auto& item : *items) {
      if (!item.is_object()) return transportError("BadResponse", "list " + r.plural + ": an item is not an object");
      Json copy = item;
      if (!copy.contains("apiVersion")) copy["apiVersion"] = r.apiVersion();
      if (!copy.contains("kind")) copy["kind"] = r.kind;
      out.items.push_back(std::move(copy));
    }
  }
  out.resourceVersion = metadataString(body, "resourceVersion");
  out.continueToken = metadataString(body, "continue");
  return out;
}

// The token-less write verbs: a token that never fires.
KubeResult<Json> KubeClientImpl::create(const Resource& r, const std::string& ns, const Json& object) {
  return create(r, ns, object, CancelToken());
}

KubeResult<Json> KubeClientImpl::update(const Resource& r, const std::string& ns, const Json& object) {
  return update(r, ns, object, CancelToken());
}

KubeResult<Json> KubeClientImpl::updateStatus(const Resource& r, const std::string& ns, const Json& object) {
  return updateStatus(r, ns, object, CancelToken());
}

KubeResult<Json> KubeClientImpl::patch(const Resource& r, const std::string& ns, const std::string& name,
                                       PatchType type, const Json& body, const PatchOptions& opts) {
  return patch(r, ns, name, type, body, opts, CancelToken());
}

KubeResult<Json> KubeClientImpl::remove(const Resource& r, const std::string& ns, const std::string& name,
                                        const DeleteOptions& opts) {
  return remove(r, ns, name, opts, CancelToken());
}

KubeResult<Json> KubeClientImpl::create(const Resource& r, const std::string& ns, const Json& object,
                                        const CancelToken& cancel) {
  if (!object.is_object()) return clientSideError("create " + r.plural + ": the object is not a JSON object");
  return execute({Verb::Post, r.collectionPath(namespaceFor(r, ns, object)), dumpJson(object), "application/json"},
                 cancel);
}

KubeResult<Json> KubeClientImpl::update(const Resource& r, const std::string& ns, const Json& object,
                                        const CancelToken& cancel) {
  std::string name = metadataString(object, "name");
  if (name.empty()) return clientSideError("update " + r.plural + ": the object has no metadata.name");
  return execute({Verb::Put, r.itemPath(namespaceFor(r, ns, object), name), dumpJson(object), "application/json"},
                 cancel);
}

KubeResult<Json> KubeClientImpl::updateStatus(const Resource& r, const std::string& ns, const Json& object,
                                              const CancelToken& cancel) {
  std::string name = metadataString(object, "name");
  if (name.empty()) return clientSideError("update status of " + r.plural + ": the object has no metadata.name");
  return execute(
      {Verb::Put, r.itemPath(namespaceFor(r, ns, object), name) + "/status", dumpJson(object), "application/json"},
      cancel);
}

KubeResult<Json> KubeClientImpl::patch(const Resource& r, const std::string& ns, const std::string& name,
                                       PatchType type, const Json& body, const PatchOptions& opts,
                                       const CancelToken& cancel) {
  if (name.empty()) return clientSideError("patch " + r.plural + ": empty name");
  const char* contentType = "application/merge-patch+json";
  switch (type) {
    case PatchType::Merge: contentType = "application/merge-patch+json"; break;
    case PatchType::Json: contentType = "application/json-patch+json"; break;
    case PatchType::StrategicMerge: contentType = "application/strategic-merge-patch+json"; break;
    case PatchType::Apply: contentType = "application/apply-patch+yaml"; break;  // JSON is YAML
  }
  if (type == PatchType::Apply && opts.fieldManager.empty())
    return clientSideError("server-side apply needs a fieldManager");
  if (type != PatchType::Apply && opts.force) return clientSideError("force is only valid with server-side apply");
  if (type == PatchType::Json && !body.is_array()) return clientSideError("a JSON patch must be a list of operations");
  std::string query = detail::queryString({{"fieldManager", opts.fieldManager},
                                           {"force", type == PatchType::Apply && opts.force ? "true" : ""}});
  std::string path = r.itemPath(r.namespaced ? ns : "", name) + (opts.status ? "/status" : "") + query;
  return execute({Verb::Patch, path, dumpJson(body), contentType}, cancel);
}

KubeResult<Json> KubeClientImpl::remove(const Resource& r, const std::string& ns, const std::string& name,
                                        const DeleteOptions& opts, const CancelToken& cancel) {
  if (name.empty()) return clientSideError("delete " + r.plural + ": empty name");
  std::string body;
  if (opts.propagationPolicy || opts.preconditionResourceVersion || opts.preconditionUid) {
    Json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
    if (opts.propagationPolicy) options["propagationPolicy"] = *opts.propagationPolicy;
    if (opts.preconditionResourceVersion) options["preconditions"]["resourceVersion"] = *opts.preconditionResourceVersion;
    if (opts.preconditionUid) options["preconditions"]["uid"] = *opts.preconditionUid;
    body = dumpJson(options);
  }
  return execute({Verb::Delete, r.itemPath(r.namespaced ? ns : "", name), body, "application/json"}, cancel);
}

}  // namespace modelops::kube
