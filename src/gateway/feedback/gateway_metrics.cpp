// GatewayMetrics: the gateway's families over a prometheus-cpp registry of its own. See gateway_metrics.h.
// Thread-safety: each family's series cache is guarded by its own mutex; prometheus-cpp metrics are atomic.
#include "modelops/gateway/feedback/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace modelops::gateway {

namespace {

constexpr std::size_t kMaxLabelValueBytes = 128;
using LabelList = std::initializer_list<std::pair<const char*, std::string_view>>;

// The length of a valid UTF-8 sequence starting at s[i], 0 when there is none.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// A label value as the text format needs it: valid UTF-8 (an invalid byte becomes '?'; a header or a label
// may carry Latin-1, and one bad value would make Prometheus reject the whole scrape), at most 128 bytes, cut
// at a character boundary.
std::string bounded(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), kMaxLabelValueBytes));
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = utf8SequenceLength(value, i);
    if (out.size() + std::max<std::size_t>(n, 1) > kMaxLabelValueBytes) break;
    if (n == 0) out.push_back('?');
    else out.append(value.substr(i, n));
    i += std::max<std::size_t>(n, 1);
  }
  return out;
}

}  // namespace
namespace metrics_detail {
// One family with a cap on its series; get() returns nullptr (and counts the drop) beyond the cap.
template <class Metric>
class CappedFamily {
 public:
  CappedFamily(prometheus::Family<Metric>& family, std::size_t cap, prometheus::Counter& dropped,
               prometheus::Histogram::BucketBoundaries buckets = {})
      : family_(family), cap_(cap), dropped_(dropped), buckets_(std::move(buckets)) {}

  Metric* get(LabelList labels) {
    std::string key;
    for (const auto& [name, value] : labels) key.append(bounded(value)).push_back('\x1f');
    std::lock_guard lock(mutex_);
    if (const auto it = series_.find(key); it != series_.end()) return it->second;
    if (series_.size() >= cap_) {
      dropped_.Increment();
      return nullptr;
    }
    std::map<std::string, std::string> labelMap;
    for (const auto& [name, value] : labels) labelMap.emplace(name, bounded(value));
    Metric* metric = add(labelMap);
    series_.emplace(std::move(key), metric);
    return metric;
  }

 private:
  Metric* add(const std::map<std::string, std::string>& labels) {
    if constexpr (std::is_same_v<Metric, prometheus::Histogram>) return &family_.Add(labels, buckets_);
    else return &family_.Add(labels);
  }
  prometheus::Family<Metric>& family_;
  std::size_t cap_;
  prometheus::Counter& dropped_;
  prometheus::Histogram::BucketBoundaries buckets_;
  std::mutex mutex_;
  std::unordered_map<std::string, Metric*> series_;
};

}  // namespace metrics_detail
namespace {
prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
prometheus::Family<prometheus::Histogram>& histogram(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

prometheus::Histogram::BucketBoundaries requestBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}
prometheus::Histogram::BucketBoundaries delayBuckets() {
  // 1 s to 7 days: labels arrive seconds (a click) to days (a chargeback) after the prediction.
  return {1, 10, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400};
}

void add(prometheus::Counter* c, double v = 1) {
  if (c != nullptr) c->Increment(v);
}

}  // namespace

// A family whose label values come only from this code (reasons): a cap no use reaches.
constexpr std::size_t kFixedLabelSets = 64;

struct GatewayMetrics::Impl {
  using C = metrics_detail::CappedFamily<prometheus::Counter>;
  using H = metrics_detail::CappedFamily<prometheus::Histogram>;
  explicit Impl(std::size_t cap)
      : dropped(counter(registry, "modelops_gateway_series_dropped_total",
                        "Label sets not recorded because their family reached its series cap.").Add({})),
        dedupeFallback(counter(registry, "modelops_feedback_dedupe_fallback_total",
                               "Labels deduplicated in memory because Redis was unreachable.").Add({})),
        predictions(counter(registry, "modelops_predictions_total", "Predictions served, by predicted class."), cap, dropped),
        probabilitySum(counter(registry, "modelops_prediction_probability_sum",
                               "Sum of the predicted class's probability, by predicted class."), cap, dropped),
        probabilityCount(counter(registry, "modelops_prediction_probability_count",
                                 "Predictions that carried a probability, by predicted class."), cap, dropped),
        labeled(counter(registry, "modelops_feedback_labeled_total", "Labels counted, by true class."), cap, dropped),
        correct(counter(registry, "modelops_feedback_correct_total",
                        "Labels equal to the predicted class, by true class."), cap, dropped),
        absErrorSum(counter(registry, "modelops_feedback_abs_error_sum",
                            "Regression: sum of |label - prediction|."), cap, dropped),
        absErrorCount(counter(registry, "modelops_feedback_abs_error_count",
                              "Regression: labels counted."), cap, dropped),
        labelDelay(histogram(registry, "modelops_feedback_label_delay_seconds",
                             "Time from prediction to its label."), cap, dropped, delayBuckets()),
        rejected(counter(registry, "modelops_feedback_rejected_total", "Feedback items not counted, by reason."),
                 kFixedLabelSets, dropped),
        requestDuration(histogram(registry, "modelops_gateway_request_duration_seconds",
                                  "Prediction requests, from received to response sent."), cap, dropped,
                        requestBuckets()),
        upstreamErrors(counter(registry, "modelops_gateway_upstream_errors_total",
                               "Upstream failures by HTTP status (0: connection failure or timeout)."), cap, dropped),
        unstamped(counter(registry, "modelops_gateway_unstamped_total",
                          "Successful responses sent without prediction ids, by reason."), cap, dropped),
        shadowCompared(counter(registry, "modelops_shadow_compared_total",
                               "Shadow responses compared with the primary's."), cap, dropped),
        shadowAgreed(counter(registry, "modelops_shadow_agreed_total",
                             "Shadow responses predicting the primary's classes."), cap, dropped) {
    for (const char* reason : {"malformed", "forged", "expired", "duplicate", "invalid_item", "invalid_label", "body", "no_key"}) {
      rejected.get({{"reason", reason}});
    }
  }
  prometheus::Registry registry;
  prometheus::Counter& dropped;
  prometheus::Counter& dedupeFallback;
  C predictions, probabilitySum, probabilityCount, labeled, correct, absErrorSum, absErrorCount;
  H labelDelay;
  C rejected;
  H requestDuration;
  C upstreamErrors, unstamped, shadowCompared, shadowAgreed;
};

GatewayMetrics::GatewayMetrics(std::size_t maxSeriesPerFamily) : impl_(std::make_unique<Impl>(maxSeriesPerFamily)) {}
GatewayMetrics::~GatewayMetrics() = default;

std::string GatewayMetrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

void GatewayMetrics::predicted(const VersionLabels& v, std::string_view segment, std::string_view predictedClass,
                               std::optional<double> probability) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}, {"class", predictedClass}};
  add(impl_->predictions.get(labels));
  if (probability) {
    add(impl_->probabilitySum.get(labels), *probability);
    add(impl_->probabilityCount.get(labels));
  }
}

void GatewayMetrics::unstamped(const VersionLabels& v, std::string_view reason) {
  add(impl_->unstamped.get({{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                            {"revision", v.revision}, {"reason", reason}}));
}

void GatewayMetrics::labeled(const VersionLabels& v, std::string_view segment, std::string_view trueClass,
                             bool correct) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}, {"class", trueClass}};
  auto* labeledSeries = impl_->labeled.get(labels);
  auto* correctSeries = impl_->correct.get(labels);  // created at 0 too, so correct/labeled always has both sides
  add(labeledSeries);
  if (correct) add(correctSeries);
}

void GatewayMetrics::regressionLabeled(const VersionLabels& v, std::string_view segment, double absError) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}};
  add(impl_->absErrorSum.get(labels), absError);
  add(impl_->absErrorCount.get(labels));
}

void GatewayMetrics::labelDelay(std::string_view ns, std::string_view model, double seconds) {
  if (auto* h = impl_->labelDelay.get({{"namespace", ns}, {"model", model}})) h->Observe(seconds);
}

void GatewayMetrics::feedbackRejected(std::string_view reason) { add(impl_->rejected.get({{"reason", reason}})); }

void GatewayMetrics::dedupeFallback() { impl_->dedupeFallback.Increment(); }

void GatewayMetrics::observeRequest(const VersionLabels& v, double seconds) {
  if (auto* h = impl_->requestDuration.get(
          {{"namespace", v.ns}, {"model", v.model}, {"version", v.version}, {"revision", v.revision}})) {
    h->Observe(seconds);
  }
}

void GatewayMetrics::upstreamError(const VersionLabels& v, int code) {
  add(impl_->upstreamErrors.get({{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                                 {"revision", v.revision}, {"code", std::to_string(code)}}));
}

void GatewayMetrics::shadowCompared(const VersionLabels& primary, const VersionLabels& shadow, bool agreed) {
  const LabelList labels{{"namespace", shadow.ns}, {"model", shadow.model}, {"version", shadow.version},
                         {"revision", shadow.revision}, {"primary_version", primary.version}};
  auto* compared = impl_->shadowCompared.get(labels);
  auto* agreedSeries = impl_->shadowAgreed.get(labels);
  add(compared);
  if (agreed) add(agreedSeries);
}

}  // namespace modelops::gateway
