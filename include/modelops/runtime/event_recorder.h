// EventRecorder: writes core/v1 Events about objects (rollout steps, promotions, failures,
// rollbacks) without ever blocking a reconcile. record() only appends to a bounded queue (it drops
// and counts when the queue is full); one background thread writes. Repeats of the same
// (involved object, type, reason, message) within the aggregation window are folded into the
// existing Event: a merge PATCH of count and lastTimestamp instead of a new object (as client-go's
// event correlator). The correlation cache is an LRU of bounded size. When the patched Event has
// gone (404), a new one is created.
// Thread-safety: record(), dropped(), flush() from any thread; start()/stop() from the owner.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "modelops/common/clock.h"
#include "modelops/common/event_type.h"
#include "modelops/kube/client.h"

namespace modelops::runtime {

using EventType = modelops::EventType;  // common/event_type.h

struct ObjectReference {
  std::string apiVersion, kind, ns, name, uid, resourceVersion;
  // From an object's apiVersion, kind and metadata.
  static ObjectReference of(const kube::Json& object);
};

struct EventRecorderOptions {
  std::string component = "modelops-operator";  // source.component and reportingController
  std::string host;                              // source.host / reportingInstance (pod name)
  std::size_t queueCapacity = 1000;
  std::size_t cacheSize = 4096;
  std::chrono::milliseconds aggregationWindow{std::chrono::minutes(10)};
};

// The Event resource (core/v1 events).
const kube::Resource& eventResource();

class EventRecorder {
 public:
  EventRecorder(kube::KubeClient& client, Clock& clock, EventRecorderOptions options = {});
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void start();
  // Writes what is queued for up to drain, then stops the writer thread.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(1));

  // Never blocks on the API. False when the queue is full (the event is dropped and counted). The
  // message is cut to text_limits::kEventMessage bytes (bounded_text.h), the reason to 128.
  bool record(const ObjectReference& object, EventType type, std::string reason, std::string message);
  // Waits (real time) until everything recorded so far has been written or given up.
  bool flush(std::chrono::milliseconds timeout);
  std::uint64_t dropped() const;

 private:
  struct Item {
    ObjectReference object;
    EventType type;
    std::string reason, message;
    Clock::WallTime at;
  };
  struct Seen {
    std::string key, ns, eventName, firstTimestamp;
    std::int64_t count;
    Clock::MonoTime lastSeen;
  };
  void loop();
  void write(const Item& item);
  bool create(const Item& item, const std::string& key);
  void remember(Seen seen);

  kube::KubeClient& client_;
  Clock& clock_;
  EventRecorderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_, drained_;
  std::deque<Item> queue_;
  bool writing_ = false;
  bool stopping_ = false;
  std::uint64_t dropped_ = 0;
  std::uint64_t nameSeq_ = 0;
  std::thread thread_;

  // Writer thread only.
  std::list<Seen> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Seen>::iterator> index_;
};

}  // namespace modelops::runtime
