// RuntimeMetrics and MeteredKubeClient. See metrics.h.
// Thread-safety: prometheus-cpp metrics are thread-safe; no state of our own beyond references.
#include "modelops/runtime/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/text_serializer.h>

#include "prometheus_registry.h"

namespace modelops::runtime {

namespace {
prometheus::Histogram::BucketBoundaries durationBuckets() {
  // Sub-millisecond buckets at the low end: a reconcile that only reads the caches and writes nothing
  // is far below the 5 ms where the default buckets would start.
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}
}  // namespace

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

std::string MetricsRegistry::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

struct RuntimeMetrics::Series {
  explicit Series(prometheus::Registry& registry)
      : reconcileTotal(prometheus::BuildCounter()
                           .Name("modelops_reconcile_total")
                           .Help("Reconciles by result (success, error, requeue_after).")
                           .Register(registry)),
        reconcileDuration(prometheus::BuildHistogram()
                              .Name("modelops_reconcile_duration_seconds")
                              .Help("Time spent in one reconcile.")
                              .Register(registry)),
        queueDepth(prometheus::BuildGauge()
                       .Name("modelops_workqueue_depth")
                       .Help("Keys waiting in the work queue.")
                       .Register(registry)
                       .Add({})),
        queueLatency(prometheus::BuildHistogram()
                         .Name("modelops_workqueue_latency_seconds")
                         .Help("Time a key waited in the work queue before a worker took it.")
                         .Register(registry)
                         .Add({}, durationBuckets())),
        apiRequests(prometheus::BuildCounter()
                        .Name("modelops_api_requests_total")
                        .Help("Kubernetes API requests by verb and HTTP code (0: transport failure).")
                        .Register(registry)),
        watchRestarts(prometheus::BuildCounter()
                          .Name("modelops_watch_restarts_total")
                          .Help("Watch streams re-established, by resource.")
                          .Register(registry)),
        leader(prometheus::BuildGauge()
                   .Name("modelops_leader")
                   .Help("1 while this replica reconciles: it holds the leader lease, or runs without leader election.")
                   .Register(registry)
                   .Add({})),
        reconcileDurationAll(reconcileDuration.Add({}, durationBuckets())) {
    for (const char* r : {"success", "error", "requeue_after"}) reconcileTotal.Add({{"result", r}});
  }
  prometheus::Family<prometheus::Counter>& reconcileTotal;
  prometheus::Family<prometheus::Histogram>& reconcileDuration;
  prometheus::Gauge& queueDepth;
  prometheus::Histogram& queueLatency;
  prometheus::Family<prometheus::Counter>& apiRequests;
  prometheus::Family<prometheus::Counter>& watchRestarts;
  prometheus::Gauge& leader;
  prometheus::Histogram& reconcileDurationAll;
};

RuntimeMetrics::RuntimeMetrics(std::shared_ptr<MetricsRegistry> registry)
    : registry_(std::move(registry)), series_(std::make_unique<Series>(prometheusRegistry(*registry_))) {}

RuntimeMetrics::~RuntimeMetrics() = default;

std::string RuntimeMetrics::render() const { return registry_->render(); }

void RuntimeMetrics::reconcileFinished(const std::string& result, double seconds) {
  series_->reconcileTotal.Add({{"result", result}}).Increment();
  series_->reconcileDurationAll.Observe(seconds);
}

void RuntimeMetrics::queueDepth(std::size_t depth) { series_->queueDepth.Set(static_cast<double>(depth)); }

void RuntimeMetrics::queueLatency(double seconds) { series_->queueLatency.Observe(seconds); }

void RuntimeMetrics::apiRequest(const std::string& verb, int code) {
  series_->apiRequests.Add({{"verb", verb}, {"code", std::to_string(code)}}).Increment();
}

void RuntimeMetrics::watchRestarted(const std::string& resource) {
  series_->watchRestarts.Add({{"resource", resource}}).Increment();
}

void RuntimeMetrics::setLeader(bool leader) { series_->leader.Set(leader ? 1.0 : 0.0); }

// ---- MeteredKubeClient ----

kube::KubeResult<kube::Json> MeteredKubeClient::get(const kube::Resource& r, const std::string& ns,
                                                    const std::string& name) {
  return count("get", 200, inner_.get(r, ns, name));
}
kube::KubeResult<kube::ListResult> MeteredKubeClient::list(const kube::Resource& r, const std::string& ns,
                                                           const kube::ListOptions& opts) {
  return count("list", 200, inner_.list(r, ns, opts));
}
kube::KubeResult<kube::Json> MeteredKubeClient::create(const kube::Resource& r, const std::string& ns,
                                                       const kube::Json& object) {
  return count("create", 201, inner_.create(r, ns, object));
}
kube::KubeResult<kube::Json> MeteredKubeClient::update(const kube::Resource& r, const std::string& ns,
                                                       const kube::Json& object) {
  return count("update", 200, inner_.update(r, ns, object));
}
kube::KubeResult<kube::Json> MeteredKubeClient::updateStatus(const kube::Resource& r, const std::string& ns,
                                                             const kube::Json& object) {
  return count("update", 200, inner_.updateStatus(r, ns, object));
}
kube::KubeResult<kube::Json> MeteredKubeClient::patch(const kube::Resource& r, const std::string& ns,
                                                      const std::string& name, kube::PatchType type,
                                                      const kube::Json& body, const kube::PatchOptions& opts) {
  return count("patch", 200, inner_.patch(r, ns, name, type, body, opts));
}
kube::KubeResult<kube::Json> MeteredKubeClient::remove(const kube::Resource& r, const std::string& ns,
                                                       const std::string& name, const kube::DeleteOptions& opts) {
  return count("delete", 200, inner_.remove(r, ns, name, opts));
}
kube::KubeResult<void> MeteredKubeClient::watch(const kube::Resource& r, const std::string& ns,
                                                const kube::WatchOptions& opts, const kube::WatchHandler& handler,
                                                const CancelToken& cancel) {
  return count("watch", 200, inner_.watch(r, ns, opts, handler, cancel));
}

// The token forms (fencing): the token goes on to the inner client.
kube::KubeResult<kube::Json> MeteredKubeClient::create(const kube::Resource& r, const std::string& ns,
                                                       const kube::Json& object, const CancelToken& cancel) {
  return count("create", 201, inner_.create(r, ns, object, cancel));
}
kube::KubeResult<kube::Json> MeteredKubeClient::update(const kube::Resource& r, const std::string& ns,
                                                       const kube::Json& object, const CancelToken& cancel) {
  return count("update", 200, inner_.update(r, ns, object, cancel));
}
kube::KubeResult<kube::Json> MeteredKubeClient::updateStatus(const kube::Resource& r, const std::string& ns,
                                                             const kube::Json& object, const CancelToken& cancel) {
  return count("update", 200, inner_.updateStatus(r, ns, object, cancel));
}
kube::KubeResult<kube::Json> MeteredKubeClient::patch(const kube::Resource& r, const std::string& ns,
                                                      const std::string& name, kube::PatchType type,
                                                      const kube::Json& body, const kube::PatchOptions& opts,
                                                      const CancelToken& cancel) {
  return count("patch", 200, inner_.patch(r, ns, name, type, body, opts, cancel));
}
kube::KubeResult<kube::Json> MeteredKubeClient::remove(const kube::Resource& r, const std::string& ns,
                                                       const std::string& name, const kube::DeleteOptions& opts,
                                                       const CancelToken& cancel) {
  return count("delete", 200, inner_.remove(r, ns, name, opts, cancel));
}

}  // namespace modelops::runtime
