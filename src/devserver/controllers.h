// The dev server's built-in controllers, each a background thread writing through ApiCore:
// - GarbageCollector: deletes dependents whose owners are all gone (ownerReferences), deletes
//   dependents of owners in foreground deletion and then removes the owner's foregroundDeletion
//   finalizer, and empties then removes terminating namespaces.
// - WorkloadSimulator: plays the Deployment controller and kubelet: after readyDelay per replica a
//   Deployment reports updated/ready/available replicas, observedGeneration and Available/
//   Progressing conditions; the annotation devserver.modelops.dev/never-ready: "true" (on the
//   Deployment or its pod template) keeps it unavailable, and after progressDeadlineSeconds it
//   reports ProgressDeadlineExceeded.
// Thread-safety: start/stop from one thread; poke() and runOnce() from any thread (runOnce calls
// are serialised internally).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api_core.h"

namespace modelops::devserver {

class BackgroundLoop {
 public:
  virtual ~BackgroundLoop();
  void start(std::chrono::milliseconds interval);
  void stop();
  void poke();  // run a pass soon
  // One full pass; returns true if it wrote anything.
  bool runOnce();

 protected:
  virtual bool pass() = 0;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex passMu_;
  bool stop_ = false;
  bool poked_ = false;
  std::thread thread_;
};

class GarbageCollector : public BackgroundLoop {
 public:
  explicit GarbageCollector(ApiCore& core) : core_(core) {}
  ~GarbageCollector() override { stop(); }

 protected:
  bool pass() override;

 private:
  ApiCore& core_;
  std::optional<std::uint64_t> scannedRv_;  // store resourceVersion at the start of the last scan
};

class WorkloadSimulator : public BackgroundLoop {
 public:
  WorkloadSimulator(ApiCore& core, std::chrono::milliseconds readyDelay) : core_(core), readyDelay_(readyDelay) {}
  ~WorkloadSimulator() override { stop(); }

 protected:
  bool pass() override;

 private:
  struct Track {
    std::string uid;
    std::int64_t generation = 0;
    Clock::MonoTime started{};
    std::int64_t baseAvailable = 0;
    std::int64_t lastAvailable = 0;
  };
  ApiCore& core_;
  std::chrono::milliseconds readyDelay_;
  std::map<std::string, Track> tracks_;
  std::uint64_t scannedRv_ = 0;  // store resourceVersion at the start of the last pass
  bool settled_ = false;         // that pass found every Deployment in a state time cannot change
};

}  // namespace modelops::devserver
