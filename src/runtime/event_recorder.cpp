// EventRecorder implementation. See event_recorder.h.
// Thread-safety: queue and counters under mu_; the LRU is touched only by the writer thread.
#include "modelops/runtime/event_recorder.h"

#include <cstdio>

#include "modelops/common/bounded_text.h"
#include "modelops/common/logging.h"
#include "modelops/common/time.h"

namespace modelops::runtime {

using kube::Json;

const kube::Resource& eventResource() {
  static const kube::Resource r{"", "v1", "events", "Event", true};
  return r;
}

ObjectReference ObjectReference::of(const Json& object) {
  ObjectReference ref;
  if (!object.is_object()) return ref;
  ref.apiVersion = object.value("apiVersion", "");
  ref.kind = object.value("kind", "");
  auto meta = object.find("metadata");
  if (meta != object.end() && meta->is_object()) {
    ref.ns = meta->value("namespace", "");
    ref.name = meta->value("name", "");
    ref.uid = meta->value("uid", "");
    ref.resourceVersion = meta->value("resourceVersion", "");
  }
  return ref;
}

EventRecorder::EventRecorder(kube::KubeClient& client, Clock& clock, EventRecorderOptions options)
    : client_(client), clock_(clock), options_(std::move(options)) {}

EventRecorder::~EventRecorder() { stop(std::chrono::milliseconds(0)); }

void EventRecorder::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void EventRecorder::stop(std::chrono::milliseconds drain) {
  if (!thread_.joinable()) return;
  flush(drain);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool EventRecorder::record(const ObjectReference& object, EventType type, std::string reason, std::string message) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.queueCapacity) {
      dropped_++;
      return false;
    }
    // Bounded whatever the caller passes (an API error, a provider's answer): an Event's message is at
    // most text_limits::kEventMessage bytes, cut on a UTF-8 boundary with a marker; reasons are
    // CamelCase words in Kubernetes (128 bytes).
    queue_.push_back({object, type, truncateText(reason, 128), truncateText(message, text_limits::kEventMessage),
                      clock_.now()});
  }
  cv_.notify_one();
  return true;
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return drained_.wait_for(lock, timeout, [&] { return queue_.empty() && !writing_; });
}

std::uint64_t EventRecorder::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void EventRecorder::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping and nothing left
    if (stopping_) {
      dropped_ += queue_.size();  // the drain time is over
      queue_.clear();
      break;
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    write(item);
    lock.lock();
    writing_ = false;
    if (queue_.empty()) drained_.notify_all();
  }
  writing_ = false;
  drained_.notify_all();
}

void EventRecorder::remember(Seen seen) {
  auto it = index_.find(seen.key);
  if (it != index_.end()) lru_.erase(it->second);
  lru_.push_front(std::move(seen));
  index_[lru_.front().key] = lru_.begin();
  while (lru_.size() > options_.cacheSize) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void EventRecorder::write(const Item& item) {
  const std::string type(eventTypeName(item.type));
  std::string key = item.object.uid + "\x1f" + item.object.kind + "\x1f" + item.object.ns + "\x1f" +
                    item.object.name + "\x1f" + type + "\x1f" + item.reason + "\x1f" + item.message;
  auto hit = index_.find(key);
  if (hit != index_.end() && clock_.monotonic() - hit->second->lastSeen <= options_.aggregationWindow) {
    Seen seen = *hit->second;
    Json patch = {{"count", seen.count + 1}, {"lastTimestamp", formatRfc3339(item.at)}};
    auto patched = client_.patch(eventResource(), seen.ns, seen.eventName, kube::PatchType::Merge, patch);
    if (patched) {
      seen.count++;
      seen.lastSeen = clock_.monotonic();
      remember(std::move(seen));
      return;
    }
    if (!patched.error().isNotFound()) {
      logWarn("event update failed", {{"event", seen.eventName}, {"code", patched.error().code},
                                      {"err", patched.error().message}});
      return;
    }
  }
  create(item, key);
}

bool EventRecorder::create(const Item& item, const std::string& key) {
  std::string ns = item.object.ns.empty() ? "default" : item.object.ns;
  char suffix[40];
  std::snprintf(suffix, sizeof suffix, ".%llx%03llx",
                static_cast<unsigned long long>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(item.at.time_since_epoch()).count()),
                static_cast<unsigned long long>(++nameSeq_ & 0xfff));
  std::string name = item.object.name + suffix;
  std::string ts = formatRfc3339(item.at);
  Json involved = {{"kind", item.object.kind}, {"namespace", item.object.ns}, {"name", item.object.name},
                   {"uid", item.object.uid}, {"apiVersion", item.object.apiVersion},
                   {"resourceVersion", item.object.resourceVersion}};
  Json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"involvedObject", involved},
                {"reason", item.reason},
                {"message", item.message},
                {"type", std::string(eventTypeName(item.type))},
                {"source", {{"component", options_.component}}},
                {"reportingComponent", options_.component},
                {"reportingInstance", options_.host},
                {"firstTimestamp", ts},
                {"lastTimestamp", ts},
                {"count", 1}};
  if (!options_.host.empty()) event["source"]["host"] = options_.host;
  auto created = client_.create(eventResource(), ns, event);
  if (!created) {
    logWarn("event create failed", {{"reason", item.reason}, {"object", objectRef(item.object.ns, item.object.name)},
                                    {"code", created.error().code}, {"err", created.error().message}});
    return false;
  }
  remember({key, ns, name, ts, 1, clock_.monotonic()});
  return true;
}

}  // namespace modelops::runtime
