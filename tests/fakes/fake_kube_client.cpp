// FakeKubeClient implementation: one mutex-guarded FakeCluster (objects, event log, watch control)
// shared by any number of clients. See fake_kube_client.h.
// Thread-safety: cluster state under FakeCluster::mu; per-client faults and calls under mu_.
#include "fake_kube_client.h"

#include <algorithm>
#include <sstream>

namespace modelops::testing {

using kube::ApiError;
using kube::KubeResult;
using kube::Resource;
using kube::WatchEvent;

struct FakeCluster {
  struct LogEntry {
    std::int64_t rv;
    std::string resKey, ns;
    WatchEvent::Type type;
    Json object;
  };
  struct Injection {
    std::uint64_t seq;
    WatchEvent event;
  };
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::int64_t rv = 100;
  std::int64_t compactedRv = 0;
  std::uint64_t uid = 0;
  std::map<std::string, std::map<std::string, Json>> objects;  // resKey -> ns/name -> object
  std::vector<LogEntry> log;
  std::vector<Injection> injections;
  std::uint64_t injectionSeq = 0;
  std::uint64_t closeGeneration = 0;
  std::size_t activeWatches = 0;
  std::map<std::uint64_t, std::pair<std::int64_t, std::vector<Json>>> listSnapshots;  // token -> (rv, items)
  std::uint64_t snapshotSeq = 0;
};

namespace {

std::string resKey(const Resource& r) { return r.group + "/" + r.plural; }
std::string objKey(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string metaString(const Json& obj, const char* field) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return "";
  auto f = m->find(field);
  return f != m->end() && f->is_string() ? f->get<std::string>() : "";
}

// Equality-based selectors ("a=b,c!=d,e,!f"), enough for the fake.
bool matchesSelector(const Json& obj, const std::string& selector) {
  if (selector.empty()) return true;
  Json labels = obj.contains("metadata") && obj["metadata"].contains("labels") ? obj["metadata"]["labels"] : Json::object();
  std::stringstream ss(selector);
  std::string term;
  while (std::getline(ss, term, ',')) {
    if (term.empty()) continue;
    auto neq = term.find("!=");
    auto eq = term.find('=');
    if (neq != std::string::npos) {
      auto k = term.substr(0, neq), v = term.substr(neq + 2);
      if (labels.contains(k) && labels[k] == v) return false;
    } else if (eq != std::string::npos) {
      auto k = term.substr(0, eq), v = term.substr(term[eq + 1] == '=' ? eq + 2 : eq + 1);
      if (!labels.contains(k) || labels[k] != v) return false;
    } else if (term[0] == '!') {
      if (labels.contains(term.substr(1))) return false;
    } else if (!labels.contains(term)) {
      return false;
    }
  }
  return true;
}

Json statusJson(const ApiError& e) {
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
          {"message", e.message}, {"reason", e.reason}, {"code", e.code}};
}

}  // namespace

ApiError makeApiError(int code, const std::string& reason, const std::string& message) {
  ApiError e;
  e.code = code;
  e.reason = reason;
  e.message = message;
  return e;
}

FakeKubeClient::FakeKubeClient() : cluster_(std::make_shared<FakeCluster>()) {}
FakeKubeClient::FakeKubeClient(std::shared_ptr<FakeCluster> cluster) : cluster_(std::move(cluster)) {}
FakeKubeClient::~FakeKubeClient() = default;

std::optional<ApiError> FakeKubeClient::checkFault(const Call& call) {
  Fault fault;
  {
    std::lock_guard lock(mu_);
    calls_.push_back(call);
    for (auto it = failNext_.begin(); it != failNext_.end(); ++it) {
      if (it->verb == call.verb && (it->resource.empty() || it->resource == call.resource)) {
        ApiError e = it->error;
        if (--it->times <= 0) failNext_.erase(it);
        return e;
      }
    }
    fault = fault_;
  }
  return fault ? fault(call) : std::nullopt;
}

void FakeKubeClient::setFault(Fault fault) {
  std::lock_guard lock(mu_);
  fault_ = std::move(fault);
}

void FakeKubeClient::failNext(const std::string& verb, ApiError error, int times, const std::string& resource) {
  std::lock_guard lock(mu_);
  failNext_.push_back({verb, resource, std::move(error), times});
}

std::vector<FakeKubeClient::Call> FakeKubeClient::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t FakeKubeClient::countCalls(const std::string& verb, const std::string& resource) const {
  std::lock_guard lock(mu_);
  return std::count_if(calls_.begin(), calls_.end(), [&](const Call& c) {
    return c.verb == verb && (resource.empty() || c.resource == resource);
  });
}

void FakeKubeClient::clearCalls() {
  std::lock_guard lock(mu_);
  calls_.clear();
}

// ---- server side ----

namespace {
void appendLog(FakeCluster& c, const Resource& r, WatchEvent::Type type, const Json& obj) {
  c.log.push_back({c.rv, resKey(r), metaString(obj, "namespace"), type, obj});
  c.cv.notify_all();
}
}  // namespace

Json FakeKubeClient::put(const Resource& r, Json object) {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  auto& bucket = c.objects[resKey(r)];
  std::string key = objKey(metaString(object, "namespace"), metaString(object, "name"));
  auto existing = bucket.find(key);
  object["apiVersion"] = r.apiVersion();
  object["kind"] = r.kind;
  auto& meta = object["metadata"];
  if (existing != bucket.end()) {
    meta["uid"] = existing->second["metadata"]["uid"];
  } else if (!meta.contains("uid")) {
    meta["uid"] = "uid-" + std::to_string(++c.uid);
  }
  meta["resourceVersion"] = std::to_string(++c.rv);
  bool added = existing == bucket.end();
  bucket[key] = object;
  appendLog(c, r, added ? WatchEvent::Type::Added : WatchEvent::Type::Modified, object);
  return object;
}

bool FakeKubeClient::erase(const Resource& r, const std::string& ns, const std::string& name) {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  auto& bucket = c.objects[resKey(r)];
  auto it = bucket.find(objKey(ns, name));
  if (it == bucket.end()) return false;
  Json obj = it->second;
  bucket.erase(it);
  obj["metadata"]["resourceVersion"] = std::to_string(++c.rv);
  appendLog(c, r, WatchEvent::Type::Deleted, obj);
  return true;
}

std::optional<Json> FakeKubeClient::stored(const Resource& r, const std::string& ns, const std::string& name) const {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  auto b = c.objects.find(resKey(r));
  if (b == c.objects.end()) return std::nullopt;
  auto it = b->second.find(objKey(ns, name));
  if (it == b->second.end()) return std::nullopt;
  return it->second;
}

std::vector<Json> FakeKubeClient::storedList(const Resource& r, const std::string& ns) const {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  std::vector<Json> out;
  auto b = c.objects.find(resKey(r));
  if (b == c.objects.end()) return out;
  for (auto& [k, v] : b->second) {
    if (ns.empty() || metaString(v, "namespace") == ns) out.push_back(v);
  }
  return out;
}

std::string FakeKubeClient::resourceVersion() const {
  std::lock_guard lock(cluster_->mu);
  return std::to_string(cluster_->rv);
}

void FakeKubeClient::compact() {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  c.compactedRv = c.rv;
  c.log.clear();
  c.listSnapshots.clear();
}

void FakeKubeClient::closeWatches() {
  std::lock_guard lock(cluster_->mu);
  cluster_->closeGeneration++;
  cluster_->cv.notify_all();
}

void FakeKubeClient::sendBookmark() {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  WatchEvent ev;
  ev.type = WatchEvent::Type::Bookmark;
  ev.object = {{"metadata", {{"resourceVersion", std::to_string(c.rv)}}}};
  c.injections.push_back({++c.injectionSeq, ev});
  c.cv.notify_all();
}

void FakeKubeClient::sendWatchError(int code, const std::string& reason, const std::string& message) {
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  WatchEvent ev;
  ev.type = WatchEvent::Type::Error;
  ev.object = statusJson(makeApiError(code, reason, message));
  c.injections.push_back({++c.injectionSeq, ev});
  c.cv.notify_all();
}

std::size_t FakeKubeClient::activeWatches() const {
  std::lock_guard lock(cluster_->mu);
  return cluster_->activeWatches;
}

bool FakeKubeClient::waitForWatches(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(cluster_->mu);
  return cluster_->cv.wait_for(lock, timeout, [&] { return cluster_->activeWatches >= n; });
}

// ---- KubeClient ----

KubeResult<Json> FakeKubeClient::get(const Resource& r, const std::string& ns, const std::string& name) {
  if (auto e = checkFault({"get", r.plural, ns, name, {}, {}, {}})) return *e;
  if (auto obj = stored(r, ns, name)) return *obj;
  return makeApiError(404, "NotFound", r.plural + " \"" + name + "\" not found");
}

KubeResult<kube::ListResult> FakeKubeClient::list(const Resource& r, const std::string& ns,
                                                  const kube::ListOptions& opts) {
  if (auto e = checkFault({"list", r.plural, ns, "", opts, {}, {}})) return *e;
  auto& c = *cluster_;
  std::lock_guard lock(c.mu);
  std::int64_t listRv = c.rv;
  std::vector<Json> items;
  std::size_t offset = 0;
  std::uint64_t token = 0;
  if (!opts.continueToken.empty()) {
    auto colon = opts.continueToken.find(':');
    token = std::stoull(opts.continueToken.substr(0, colon));
    offset = std::stoull(opts.continueToken.substr(colon + 1));
    auto snap = c.listSnapshots.find(token);
    if (snap == c.listSnapshots.end()) {
      return makeApiError(410, "Expired", "The provided continue parameter is too old");
    }
    listRv = snap->second.first;
    items = snap->second.second;
  } else {
    auto b = c.objects.find(resKey(r));
    if (b != c.objects.end()) {
      for (auto& [k, v] : b->second) {
        if ((ns.empty() || metaString(v, "namespace") == ns) && matchesSelector(v, opts.labelSelector)) {
          items.push_back(v);
        }
      }
    }
  }
  kube::ListResult out;
  out.resourceVersion = std::to_string(listRv);
  if (opts.limit <= 0) {
    out.items = std::move(items);
    return out;
  }
  std::size_t end = std::min(items.size(), offset + static_cast<std::size_t>(opts.limit));
  out.items.assign(items.begin() + static_cast<std::ptrdiff_t>(offset), items.begin() + static_cast<std::ptrdiff_t>(end));
  if (end < items.size()) {
    if (token == 0) {
      token = ++c.snapshotSeq;
      c.listSnapshots[token] = {listRv, std::move(items)};
    }
    out.continueToken = std::to_string(token) + ":" + std::to_string(end);
  }
  return out;
}

KubeResult<Json> FakeKubeClient::create(const Resource& r, const std::string& ns, const Json& object) {
  std::string name = metaString(object, "name");
  if (auto e = checkFault({"create", r.plural, ns, name, {}, {}, object})) return *e;
  Json obj = object;
  auto& c = *cluster_;
  {
    std::lock_guard lock(c.mu);
    if (name.empty()) {
      std::string gen = metaString(object, "generateName");
      if (gen.empty()) return makeApiError(422, "Invalid", "metadata.name: Required value");
      name = gen + std::to_string(++c.uid);
    }
    if (c.objects[resKey(r)].count(objKey(ns, name))) {
      return makeApiError(409, "AlreadyExists", r.plural + " \"" + name + "\" already exists");
    }
  }
  obj["metadata"]["name"] = name;
  if (r.namespaced) obj["metadata"]["namespace"] = ns;
  obj["metadata"]["generation"] = 1;
  obj["metadata"]["creationTimestamp"] = "2026-11-25T10:00:00Z";
  obj["metadata"].erase("uid");
  return put(r, obj);
}

namespace {
kube::ApiError conflict(const Resource& r, const std::string& name) {
  return makeApiError(409, "Conflict", "Operation cannot be fulfilled on " + r.plural + " \"" + name +
                                           "\": the object has been modified; please apply your changes to "
                                           "the latest version and try again");
}
}  // namespace

KubeResult<Json> FakeKubeClient::update(const Resource& r, const std::string& ns, const Json& object) {
  std::string name = metaString(object, "name");
  if (auto e = checkFault({"update", r.plural, ns, name, {}, {}, object})) return *e;
  auto current = stored(r, ns, name);
  if (!current) return makeApiError(404, "NotFound", r.plural + " \"" + name + "\" not found");
  std::string rv = metaString(object, "resourceVersion");
  if (!rv.empty() && rv != metaString(*current, "resourceVersion")) return conflict(r, name);
  Json obj = object;
  if (current->contains("status")) obj["status"] = (*current)["status"];
  obj["metadata"]["namespace"] = (*current)["metadata"].value("namespace", "");
  obj["metadata"]["creationTimestamp"] = (*current)["metadata"].value("creationTimestamp", "");
  std::int64_t gen = (*current)["metadata"].value("generation", 1);
  if (obj.value("spec", Json()) != current->value("spec", Json())) gen++;
  obj["metadata"]["generation"] = gen;
  return put(r, obj);
}

KubeResult<Json> FakeKubeClient::updateStatus(const Resource& r, const std::string& ns, const Json& object) {
  std::string name = metaString(object, "name");
  if (auto e = checkFault({"updateStatus", r.plural, ns, name, {}, {}, object})) return *e;
  auto current = stored(r, ns, name);
  if (!current) return makeApiError(404, "NotFound", r.plural + " \"" + name + "\" not found");
  std::string rv = metaString(object, "resourceVersion");
  if (!rv.empty() && rv != metaString(*current, "resourceVersion")) return conflict(r, name);
  Json obj = *current;
  obj["status"] = object.value("status", Json::object());
  return put(r, obj);
}

KubeResult<Json> FakeKubeClient::patch(const Resource& r, const std::string& ns, const std::string& name,
                                       kube::PatchType type, const Json& body, const kube::PatchOptions& opts) {
  if (auto e = checkFault({"patch", r.plural, ns, name, {}, {}, body})) return *e;
  auto current = stored(r, ns, name);
  if (!current) return makeApiError(404, "NotFound", r.plural + " \"" + name + "\" not found");
  Json obj = *current;
  if (type == kube::PatchType::Json) {
    try {
      obj = obj.patch(body);
    } catch (const std::exception& ex) {
      return makeApiError(422, "Invalid", ex.what());
    }
  } else {
    obj.merge_patch(body);
  }
  if (opts.status) {
    Json only = *current;
    only["status"] = obj.value("status", Json::object());
    obj = only;
  }
  std::string rv = metaString(body, "resourceVersion");
  if (!rv.empty() && rv != metaString(*current, "resourceVersion")) return conflict(r, name);
  obj["metadata"]["name"] = name;
  return put(r, obj);
}

KubeResult<Json> FakeKubeClient::remove(const Resource& r, const std::string& ns, const std::string& name,
                                        const kube::DeleteOptions& opts) {
  if (auto e = checkFault({"delete", r.plural, ns, name, {}, {}, {}})) return *e;
  auto current = stored(r, ns, name);
  if (!current) return makeApiError(404, "NotFound", r.plural + " \"" + name + "\" not found");
  if (opts.preconditionResourceVersion && *opts.preconditionResourceVersion != metaString(*current, "resourceVersion")) {
    return conflict(r, name);
  }
  auto fin = (*current)["metadata"].find("finalizers");
  if (fin != (*current)["metadata"].end() && fin->is_array() && !fin->empty()) {
    Json obj = *current;
    obj["metadata"]["deletionTimestamp"] = "2026-11-25T10:00:00Z";
    return put(r, obj);
  }
  erase(r, ns, name);
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}};
}

KubeResult<void> FakeKubeClient::watch(const Resource& r, const std::string& ns, const kube::WatchOptions& opts,
                                       const kube::WatchHandler& handler, const CancelToken& cancel) {
  if (auto e = checkFault({"watch", r.plural, ns, "", {}, opts, {}})) return *e;
  auto& c = *cluster_;
  std::unique_lock lock(c.mu);
  std::vector<WatchEvent> pending;
  std::int64_t from = c.rv;
  if (!opts.resourceVersion.empty()) {
    from = std::stoll(opts.resourceVersion);
    if (from < c.compactedRv) {
      lock.unlock();
      WatchEvent gone{WatchEvent::Type::Error,
                      statusJson(makeApiError(410, "Expired", "too old resource version: " + opts.resourceVersion))};
      handler(gone);
      return {};
    }
  } else {
    for (auto& [k, v] : c.objects[resKey(r)]) {
      if ((ns.empty() || metaString(v, "namespace") == ns) && matchesSelector(v, opts.labelSelector)) {
        pending.push_back({WatchEvent::Type::Added, v});
      }
    }
  }
  std::int64_t seenRv = from;
  std::uint64_t injectionSeen = c.injectionSeq;
  std::uint64_t generation = c.closeGeneration;
  c.activeWatches++;
  c.cv.notify_all();
  KubeResult<void> result;
  for (;;) {
    if (cancel.cancelled()) {
      result = makeApiError(0, "Cancelled", "watch cancelled");
      break;
    }
    if (c.closeGeneration != generation) break;
    auto next = std::partition_point(c.log.begin(), c.log.end(),
                                     [&](const FakeCluster::LogEntry& e) { return e.rv <= seenRv; });
    for (; next != c.log.end(); ++next) {
      auto& e = *next;
      seenRv = e.rv;
      if (e.resKey == resKey(r) && (ns.empty() || e.ns == ns) && matchesSelector(e.object, opts.labelSelector)) {
        pending.push_back({e.type, e.object});
      }
    }
    for (auto& inj : c.injections) {
      if (inj.seq > injectionSeen) pending.push_back(inj.event);
    }
    injectionSeen = c.injectionSeq;
    if (pending.empty()) {
      // Cancellation cannot notify this condition variable: re-check it every few ms.
      c.cv.wait_for(lock, std::chrono::milliseconds(5));
      continue;
    }
    std::vector<WatchEvent> batch;
    batch.swap(pending);
    lock.unlock();
    bool keepGoing = true;
    for (auto& ev : batch) {
      if (!handler(ev)) {
        keepGoing = false;
        break;
      }
    }
    lock.lock();
    if (!keepGoing) break;
  }
  c.activeWatches--;
  c.cv.notify_all();
  return result;
}

}  // namespace modelops::testing
