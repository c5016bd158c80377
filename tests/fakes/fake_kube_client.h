// FakeKubeClient: an in-memory KubeClient for unit tests. It keeps objects per resource with
// integer resourceVersions, uids, generation; optimistic concurrency on update (409 Conflict when
// the resourceVersion is stale); merge/JSON patches; finalizers on delete; paged lists with
// continue tokens over a consistent snapshot; watches fed from an event log (with 410 Gone for
// compacted history, BOOKMARKs, ERROR events and stream closing on demand); fault injection per
// client (a function that can fail any call); and a log of the calls made.
// Several FakeKubeClients can share one FakeCluster (like several processes against one API
// server), each with its own faults and call log.
// Use it by adding tests/fakes/fake_kube_client.cpp to a test's SOURCES.
// Thread-safety: all members are safe to call from any thread; watch() blocks its caller.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "modelops/kube/client.h"

namespace modelops::testing {

using kube::Json;

// The shared "API server" state. Members are private to the fake.
struct FakeCluster;

class FakeKubeClient final : public kube::KubeClient {
 public:
  struct Call {
    std::string verb;  // get list create update updateStatus patch delete watch
    std::string resource;  // plural
    std::string ns;
    std::string name;
    kube::ListOptions list;
    kube::WatchOptions watch;
    Json body;
  };
  // Returns an error to fail the call with, or nullopt to let it through.
  using Fault = std::function<std::optional<kube::ApiError>(const Call&)>;

  FakeKubeClient();
  explicit FakeKubeClient(std::shared_ptr<FakeCluster> cluster);
  ~FakeKubeClient() override;
  std::shared_ptr<FakeCluster> cluster() const { return cluster_; }

  // KubeClient
  kube::KubeResult<Json> get(const kube::Resource& r, const std::string& ns, const std::string& name) override;
  kube::KubeResult<kube::ListResult> list(const kube::Resource& r, const std::string& ns,
                                          const kube::ListOptions& opts = {}) override;
  kube::KubeResult<Json> create(const kube::Resource& r, const std::string& ns, const Json& object) override;
  kube::KubeResult<Json> update(const kube::Resource& r, const std::string& ns, const Json& object) override;
  kube::KubeResult<Json> updateStatus(const kube::Resource& r, const std::string& ns, const Json& object) override;
  kube::KubeResult<Json> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                               kube::PatchType type, const Json& body, const kube::PatchOptions& opts = {}) override;
  kube::KubeResult<Json> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                const kube::DeleteOptions& opts = {}) override;
  kube::KubeResult<void> watch(const kube::Resource& r, const std::string& ns, const kube::WatchOptions& opts,
                               const kube::WatchHandler& handler, const CancelToken& cancel) override;

  // Faults and observation (this client only).
  void setFault(Fault fault);
  // Fails the next `times` calls of verb (any resource when resource is empty) with error.
  void failNext(const std::string& verb, kube::ApiError error, int times = 1, const std::string& resource = "");
  std::vector<Call> calls() const;
  std::size_t countCalls(const std::string& verb, const std::string& resource = "") const;
  void clearCalls();

  // Server side (shared by every client of the cluster; no faults, not logged).
  Json put(const kube::Resource& r, Json object);  // create or replace, bumping the resourceVersion
  bool erase(const kube::Resource& r, const std::string& ns, const std::string& name);
  std::optional<Json> stored(const kube::Resource& r, const std::string& ns, const std::string& name) const;
  std::vector<Json> storedList(const kube::Resource& r, const std::string& ns = "") const;
  std::string resourceVersion() const;  // the cluster's latest
  // Forgets history up to now: watches and continue tokens from older versions get 410 Gone.
  void compact();
  void closeWatches();                   // ends every open watch stream (the call returns ok)
  void sendBookmark();                   // a BOOKMARK at the current resourceVersion to every watch
  void sendWatchError(int code, const std::string& reason, const std::string& message);
  std::size_t activeWatches() const;
  bool waitForWatches(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::optional<kube::ApiError> checkFault(const Call& call);
  std::shared_ptr<FakeCluster> cluster_;
  mutable std::mutex mu_;
  Fault fault_;
  struct FailNext {
    std::string verb, resource;
    kube::ApiError error;
    int times;
  };
  std::vector<FailNext> failNext_;
  std::vector<Call> calls_;
};

kube::ApiError makeApiError(int code, const std::string& reason, const std::string& message);

}  // namespace modelops::testing
