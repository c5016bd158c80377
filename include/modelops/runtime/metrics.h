// MetricsRegistry: the metric families of one process, rendered on /metrics. Opaque to its users: the
// prometheus-cpp registry behind it is reached only by the .cpp files that define families, through the
// private header src/runtime/prometheus_registry.h, so no public header carries prometheus-cpp types.
// RuntimeMetrics: the operator's own metrics, registered in a MetricsRegistry that other modules share
// (registry()) to add their own families (rollout and analysis gauges, the measurement pool).
//   modelops_reconcile_total{result}             counter  success | error | requeue_after
//   modelops_reconcile_duration_seconds          histogram
//   modelops_workqueue_depth                     gauge
//   modelops_workqueue_latency_seconds           histogram (ready -> handed to a worker)
//   modelops_api_requests_total{verb,code}       counter  (through MeteredKubeClient)
//   modelops_watch_restarts_total{resource}      counter
//   modelops_leader                              gauge 0/1 (1: this replica reconciles)
// MeteredKubeClient decorates any KubeClient and counts each call by verb and HTTP code
// ("0" for transport failures; success codes are 200, or 201 for create).
// Thread-safety: all members are safe to call from any thread (prometheus-cpp metrics are atomic;
// family lookups and registration are guarded by prometheus-cpp's own mutexes).
#pragma once

#include <memory>
#include <string>

#include "modelops/kube/client.h"
#include "modelops/runtime/work_queue.h"

namespace modelops::runtime {

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The text exposition format (version 0.0.4) of every family registered.
  std::string render() const;

  struct Impl;  // defined in src/runtime/prometheus_registry.h
  Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class RuntimeMetrics final : public WorkQueueObserver {
 public:
  explicit RuntimeMetrics(std::shared_ptr<MetricsRegistry> registry = std::make_shared<MetricsRegistry>());
  ~RuntimeMetrics() override;
  RuntimeMetrics(const RuntimeMetrics&) = delete;
  RuntimeMetrics& operator=(const RuntimeMetrics&) = delete;

  MetricsRegistry& registry() const { return *registry_; }
  // The text exposition format (version 0.0.4) of everything in the registry.
  std::string render() const;

  void reconcileFinished(const std::string& result, double seconds);
  void queueDepth(std::size_t depth) override;
  void queueLatency(double seconds) override;
  void apiRequest(const std::string& verb, int code);
  void watchRestarted(const std::string& resource);
  void setLeader(bool leader);

 private:
  struct Series;  // the prometheus-cpp families and series, in metrics.cpp
  std::shared_ptr<MetricsRegistry> registry_;
  std::unique_ptr<Series> series_;
};

class MeteredKubeClient final : public kube::KubeClient {
 public:
  MeteredKubeClient(kube::KubeClient& inner, RuntimeMetrics& metrics) : inner_(inner), metrics_(metrics) {}

  kube::KubeResult<kube::Json> get(const kube::Resource& r, const std::string& ns, const std::string& name) override;
  kube::KubeResult<kube::ListResult> list(const kube::Resource& r, const std::string& ns,
                                          const kube::ListOptions& opts = {}) override;
  kube::KubeResult<kube::Json> create(const kube::Resource& r, const std::string& ns, const kube::Json& object) override;
  kube::KubeResult<kube::Json> update(const kube::Resource& r, const std::string& ns, const kube::Json& object) override;
  kube::KubeResult<kube::Json> updateStatus(const kube::Resource& r, const std::string& ns,
                                            const kube::Json& object) override;
  kube::KubeResult<kube::Json> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const kube::Json& body,
                                     const kube::PatchOptions& opts = {}) override;
  kube::KubeResult<kube::Json> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts = {}) override;
  kube::KubeResult<void> watch(const kube::Resource& r, const std::string& ns, const kube::WatchOptions& opts,
                               const kube::WatchHandler& handler, const CancelToken& cancel) override;
  // The write verbs under a cancel token (fencing): passed on, so an in-flight write can be aborted.
  kube::KubeResult<kube::Json> create(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                      const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> update(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                      const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> updateStatus(const kube::Resource& r, const std::string& ns, const kube::Json& object,
                                            const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> patch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                     kube::PatchType type, const kube::Json& body, const kube::PatchOptions& opts,
                                     const CancelToken& cancel) override;
  kube::KubeResult<kube::Json> remove(const kube::Resource& r, const std::string& ns, const std::string& name,
                                      const kube::DeleteOptions& opts, const CancelToken& cancel) override;

 private:
  template <class T>
  T count(const char* verb, int okCode, T result) {
    metrics_.apiRequest(verb, result.ok() ? okCode : result.error().code);
    return result;
  }
  kube::KubeClient& inner_;
  RuntimeMetrics& metrics_;
};

}  // namespace modelops::runtime
