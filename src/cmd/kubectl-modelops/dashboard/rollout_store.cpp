// See rollout_store.h.
#include "rollout_store.h"

#include <algorithm>

namespace modelops::plugin::dashboard {
namespace {

using nlohmann::json;

std::string metaString(const json& obj, const char* field) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  auto it = obj["metadata"].find(field);
  return it != obj["metadata"].end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string objectKey(const json& obj) { return metaString(obj, "namespace") + "/" + metaString(obj, "name"); }

RolloutStore::RolloutStore(kube::KubeClient& client, std::string ns) : client_(client), ns_(std::move(ns)) {}

void RolloutStore::bump() {
  ++version_;
  cv_.notify_all();
}

void RolloutStore::setError(const std::string& e) {
  std::lock_guard lock(mu_);
  if (error_ == e) return;
  error_ = e;
  bump();
}

void RolloutStore::put(const json& obj) {
  const std::string key = objectKey(obj);
  if (!objects_.count(key) && objects_.size() >= kMaxObjects) {
    ++dropped_;
    return;
  }
  objects_[key] = obj;
  series_.observe(key, obj);
}

bool RolloutStore::relist(std::string* resourceVersion) {
  std::map<std::string, json> fresh;
  kube::ListOptions opts;
  opts.limit = 500;
  std::string listRv;
  for (int page = 0; page < 100; ++page) {  // 50,000 objects at most; kMaxObjects keeps fewer
    auto listed = client_.list(kube::resources::modelDeployments(), ns_, opts);
    if (!listed.ok()) {
      setError("cannot list ModelDeployments: " + listed.error().describe());
      return false;
    }
    listRv = listed.value().resourceVersion;
    for (auto& item : listed.value().items) {
      // The key first: json's operator= takes its argument by value, and in C++17 the right-hand side
      // (moving `item` out) is evaluated before the left (objectKey(item)).
      std::string key = objectKey(item);
      fresh[key] = std::move(item);
    }
    if (listed.value().continueToken.empty()) break;
    opts.continueToken = listed.value().continueToken;
  }
  std::lock_guard lock(mu_);
  for (const auto& [key, obj] : objects_)
    if (!fresh.count(key)) series_.forget(key);
  objects_.clear();
  dropped_ = 0;
  for (const auto& [key, obj] : fresh) put(obj);
  synced_ = true;
  error_.clear();
  *resourceVersion = listRv;
  bump();
  return true;
}

void RolloutStore::apply(const kube::WatchEvent& ev) {
  std::lock_guard lock(mu_);
  const std::string key = objectKey(ev.object);
  if (ev.type == kube::WatchEvent::Type::Deleted) {
    objects_.erase(key);
    series_.forget(key);
  } else {
    put(ev.object);
  }
  bump();
}

void RolloutStore::run(const CancelToken& stop) {
  std::string rv;
  int failures = 0;
  bool needList = true;
  while (!stop.cancelled()) {
    if (needList) {
      if (!relist(&rv)) {
        failures = std::min(failures + 1, 5);
        stop.waitFor(std::chrono::milliseconds(500 * failures));
        continue;
      }
      needList = false;
    }
    kube::WatchOptions opts;
    opts.resourceVersion = rv;
    opts.timeoutSeconds = 300;
    auto watched = client_.watch(
        kube::resources::modelDeployments(), ns_, opts,
        [&](const kube::WatchEvent& ev) {
          if (ev.type == kube::WatchEvent::Type::Error) {
            needList = true;  // 410 Expired or another error: start again from a fresh list
            return false;
          }
          if (auto v = metaString(ev.object, "resourceVersion"); !v.empty()) rv = v;
          if (ev.type != kube::WatchEvent::Type::Bookmark) apply(ev);
          return true;
        },
        stop);
    if (stop.cancelled()) break;
    if (!watched.ok()) {
      setError("watch ended: " + watched.error().describe() + " (retrying)");
      failures = std::min(failures + 1, 5);
      stop.waitFor(std::chrono::milliseconds(500 * failures));
      needList = true;
    } else {
      failures = 0;
    }
  }
}

std::vector<json> RolloutStore::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<json> out;
  out.reserve(objects_.size());
  for (const auto& [key, obj] : objects_) out.push_back(obj);
  return out;
}

std::optional<json> RolloutStore::find(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(ns + "/" + name);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t RolloutStore::version() const {
  std::lock_guard lock(mu_);
  return version_;
}
bool RolloutStore::synced() const {
  std::lock_guard lock(mu_);
  return synced_;
}
std::string RolloutStore::lastError() const {
  std::lock_guard lock(mu_);
  return error_;
}
std::size_t RolloutStore::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::uint64_t RolloutStore::waitForChange(std::uint64_t seen, std::chrono::milliseconds timeout,
                                          const CancelToken& stop) const {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Woken by bump(); `stop` is checked in slices so that a server shutdown ends the wait promptly.
  while (version_ <= seen && !stop.cancelled() && std::chrono::steady_clock::now() < deadline)
    cv_.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(250)));
  return version_;
}

}  // namespace modelops::plugin::dashboard
