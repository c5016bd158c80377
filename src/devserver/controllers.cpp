// GarbageCollector, WorkloadSimulator and their shared background loop; see controllers.h.
// Thread-safety: each loop runs on its own thread; passes are serialised by passMu_.
#include "controllers.h"

#include <set>

#include "modelops/common/time.h"

namespace modelops::devserver {

// ---- BackgroundLoop ----

BackgroundLoop::~BackgroundLoop() = default;

void BackgroundLoop::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, interval, [&] { return stop_ || poked_; });
      if (stop_) break;
      poked_ = false;
      lock.unlock();
      for (int i = 0; i < 20 && runOnce(); ++i) {
      }
      lock.lock();
    }
  });
}

void BackgroundLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundLoop::poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

bool BackgroundLoop::runOnce() {
  std::lock_guard lock(passMu_);
  return pass();
}

// ---- GarbageCollector ----

bool GarbageCollector::pass() {
  auto& store = core_.store();
  auto& registry = core_.registry();
  // Collection depends on stored state only: with no write since the last scan there is nothing to do,
  // and skipping the full copy keeps the store lock free for lists when thousands of objects are held.
  auto rv = store.currentRv();
  if (scannedRv_ && *scannedRv_ == rv) return false;
  scannedRv_ = rv;
  struct Item {
    std::string key;
    Json obj;
  };
  std::vector<Item> items;
  std::map<std::string, const Json*> byUid;
  for (const auto& key : store.storageKeys())
    for (auto& obj : store.all(key)) items.push_back({key, std::move(obj)});
  for (const auto& it : items) byUid[metaString(it.obj, "uid")] = &it.obj;
  std::set<std::string> ownersWithDependents;
  bool wrote = false;
  for (const auto& it : items) {
    Json refs = metaField(it.obj, "ownerReferences");
    if (!refs.is_array() || refs.empty()) continue;
    bool anyAlive = false, ownerForeground = false;
    for (const auto& r : refs) {
      if (!r.is_object()) continue;
      std::string uid = r.value("uid", "");
      auto o = byUid.find(uid);
      if (o == byUid.end()) continue;
      ownersWithDependents.insert(uid);
      anyAlive = true;
      auto f = finalizers(*o->second);
      if (hasDeletionTimestamp(*o->second) && std::find(f.begin(), f.end(), "foregroundDeletion") != f.end())
        ownerForeground = true;
    }
    if (hasDeletionTimestamp(it.obj)) continue;
    if (!anyAlive) {
      // The scan is not one consistent snapshot: confirm with live reads that no owner exists.
      std::string ns = metaString(it.obj, "namespace");
      for (const auto& r : refs) {
        if (!r.is_object()) continue;
        auto ownerType = registry.findByKind(r.value("apiVersion", ""), r.value("kind", ""));
        if (!ownerType) continue;  // an owner of a kind nobody serves is gone
        auto owner = store.get(ownerType->storageKey(), ownerType->namespaced ? ns : "", r.value("name", ""));
        if (owner && metaString(*owner, "uid") == r.value("uid", "")) anyAlive = true;
      }
    }
    if (!anyAlive || ownerForeground) {
      auto type = registry.findByStorageKey(it.key);
      if (!type) continue;
      DeleteOptions opts;
      opts.propagationPolicy = ownerForeground ? "Foreground" : "Background";
      auto r = core_.remove(*type, metaString(it.obj, "namespace"), metaString(it.obj, "name"), opts);
      wrote = wrote || r.ok();
    }
  }
  for (const auto& it : items) {
    if (!hasDeletionTimestamp(it.obj)) continue;
    auto type = registry.findByStorageKey(it.key);
    if (!type) continue;
    auto f = finalizers(it.obj);
    std::string uid = metaString(it.obj, "uid");
    if (std::find(f.begin(), f.end(), "foregroundDeletion") != f.end() && !ownersWithDependents.count(uid)) {
      Json patch = Json::array();
      for (std::size_t i = f.size(); i-- > 0;)
        if (f[i] == "foregroundDeletion") patch.push_back({{"op", "remove"}, {"path", "/metadata/finalizers/" + std::to_string(i)}});
      auto r = core_.patch(*type, metaString(it.obj, "namespace"), metaString(it.obj, "name"), PatchType::Json, patch,
                           "", WriteOptions{});
      wrote = wrote || r.ok();
    }
    if (type->group.empty() && type->plural == "namespaces") {
      std::string ns = metaString(it.obj, "name");
      bool remaining = false;
      for (const auto& other : items) {
        if (metaString(other.obj, "namespace") != ns) continue;
        remaining = true;
        if (hasDeletionTimestamp(other.obj)) continue;
        auto otherType = registry.findByStorageKey(other.key);
        if (!otherType) continue;
        auto r = core_.remove(*otherType, ns, metaString(other.obj, "name"), DeleteOptions{});
        wrote = wrote || r.ok();
      }
      if (!remaining && f.empty()) {
        auto r = core_.finalizeDeletion(*type, "", ns);
        wrote = wrote || r.ok();
      }
    }
  }
  return wrote;
}

// ---- WorkloadSimulator ----

namespace {
// On the Deployment or on its pod template: a controller that copies only the pod template (as the
// operator does from a ModelDeployment) can still mark one revision as never becoming ready.
bool neverReadyAnnotated(const Json& annotations) {
  return annotations.is_object() && annotations.value("devserver.modelops.dev/never-ready", "") == "true";
}

Json condition(const Json& oldConditions, const std::string& type, const std::string& status,
               const std::string& reason, const std::string& message, const std::string& now) {
  Json c = {{"type", type}, {"status", status}, {"reason", reason}, {"message", message},
            {"lastUpdateTime", now}, {"lastTransitionTime", now}};
  if (oldConditions.is_array())
    for (const auto& o : oldConditions) {
      if (!o.is_object() || o.value("type", "") != type) continue;
      if (o.value("status", "") == status) c["lastTransitionTime"] = o.value("lastTransitionTime", now);
      if (o.value("status", "") == status && o.value("reason", "") == reason && o.value("message", "") == message)
        c["lastUpdateTime"] = o.value("lastUpdateTime", now);
    }
  return c;
}
}  // namespace

bool WorkloadSimulator::pass() {
  auto type = core_.registry().find("apps", "v1", "deployments");
  if (!type) return false;
  // With no write since a pass that left every Deployment in a final state, time alone changes nothing.
  auto rv = core_.store().currentRv();
  if (settled_ && scannedRv_ == rv) return false;
  scannedRv_ = rv;
  bool allSettled = true;
  auto nowMono = core_.clock().monotonic();
  std::string now = formatRfc3339(core_.clock().now());
  bool wrote = false;
  std::set<std::string> seen;
  for (const auto& d : core_.store().all(type->storageKey())) {
    if (hasDeletionTimestamp(d)) continue;
    std::string ns = metaString(d, "namespace"), name = metaString(d, "name");
    std::string key = ns + "/" + name;
    seen.insert(key);
    std::int64_t gen = metaField(d, "generation").is_number_integer() ? metaField(d, "generation").get<std::int64_t>() : 1;
    const Json spec = d.value("spec", Json::object());
    std::int64_t replicas = spec.is_object() && spec.contains("replicas") && spec["replicas"].is_number_integer()
                                ? spec["replicas"].get<std::int64_t>() : 1;
    std::int64_t deadline = spec.is_object() && spec.contains("progressDeadlineSeconds") &&
                                    spec["progressDeadlineSeconds"].is_number_integer()
                                ? spec["progressDeadlineSeconds"].get<std::int64_t>() : 600;
    bool neverReady = neverReadyAnnotated(metaField(d, "annotations")) ||
                      (spec.is_object() && spec.contains("template") && spec["template"].is_object() &&
                       spec["template"].contains("metadata") && spec["template"]["metadata"].is_object() &&
                       neverReadyAnnotated(spec["template"]["metadata"].value("annotations", Json())));
    auto& t = tracks_[key];
    if (t.uid != metaString(d, "uid")) t = Track{metaString(d, "uid"), gen, nowMono, 0, 0};
    if (t.generation != gen) {
      t.baseAvailable = std::min(t.lastAvailable, replicas);
      t.generation = gen;
      t.started = nowMono;
    }
    auto elapsed = nowMono - t.started;
    std::int64_t grown = readyDelay_.count() <= 0 ? replicas : static_cast<std::int64_t>(elapsed / readyDelay_);
    std::int64_t updated = std::min(replicas, grown);
    std::int64_t available = std::min(replicas, std::max(updated, t.baseAvailable));
    if (neverReady) {
      updated = replicas;
      available = 0;
    }
    t.lastAvailable = available;
    bool complete = updated == replicas && available == replicas;
    bool deadlinePassed = elapsed > std::chrono::seconds(deadline);
    if (!complete && !(neverReady && deadlinePassed)) allSettled = false;
    Json old = d.value("status", Json::object());
    Json oldConditions = old.is_object() ? old.value("conditions", Json::array()) : Json::array();
    std::string rs = name + "-" + metaString(d, "uid").substr(0, 8);
    Json conditions = Json::array();
    conditions.push_back(available >= replicas
                             ? condition(oldConditions, "Available", "True", "MinimumReplicasAvailable",
                                         "Deployment has minimum availability.", now)
                             : condition(oldConditions, "Available", "False", "MinimumReplicasUnavailable",
                                         "Deployment does not have minimum availability.", now));
    if (complete)
      conditions.push_back(condition(oldConditions, "Progressing", "True", "NewReplicaSetAvailable",
                                     "ReplicaSet \"" + rs + "\" has successfully progressed.", now));
    else if (deadlinePassed)
      conditions.push_back(condition(oldConditions, "Progressing", "False", "ProgressDeadlineExceeded",
                                     "ReplicaSet \"" + rs + "\" has timed out progressing.", now));
    else
      conditions.push_back(condition(oldConditions, "Progressing", "True", "ReplicaSetUpdated",
                                     "ReplicaSet \"" + rs + "\" is progressing.", now));
    Json status = {{"observedGeneration", gen}, {"replicas", replicas}, {"updatedReplicas", updated},
                   {"readyReplicas", available}, {"availableReplicas", available}, {"conditions", conditions}};
    if (replicas - available > 0) status["unavailableReplicas"] = replicas - available;
    if (status == old) continue;
    Json body = d;
    body["status"] = status;
    WriteOptions opts;
    opts.fieldManager = "kube-controller-manager";
    auto r = core_.update(*type, ns, name, body, "status", opts);
    wrote = wrote || (r.ok() && metaString(r.value(), "resourceVersion") != metaString(d, "resourceVersion"));
  }
  for (auto it = tracks_.begin(); it != tracks_.end();) it = seen.count(it->first) ? std::next(it) : tracks_.erase(it);
  settled_ = allSettled;
  return wrote;
}

}  // namespace modelops::devserver
