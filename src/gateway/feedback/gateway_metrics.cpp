// GatewayMetrics: the gateway's families over a prometheus-cpp registry of its own. See gateway_metrics.h.
// Thread-safety: each family's series cache is guarded by its own mutex; prometheus-cpp metrics are atomic.
#include "modelops/gateway/feedback/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <list>
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
// Appends to `out` rather than returning a string: the series key is built on every update, and a temporary
// per label was most of the cost of a lookup. Pure ASCII (the usual case) is copied in one go.
void appendBounded(std::string& out, std::string_view value) {
  const std::size_t start = out.size();
  const std::size_t prefix = std::min(value.size(), kMaxLabelValueBytes);
  if (std::all_of(value.begin(), value.begin() + std::ptrdiff_t(prefix),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    out.append(value.substr(0, prefix));
    return;
  }
  for (std::size_t i = 0; i < value.size();) {
    const std::size_t n = utf8SequenceLength(value, i);
    if (out.size() - start + std::max<std::size_t>(n, 1) > kMaxLabelValueBytes) break;
    if (n == 0) out.push_back('?');
    else out.append(value.substr(i, n));
    i += std::max<std::size_t>(n, 1);
  }
}

std::string bounded(std::string_view value) {
  std::string out;
  out.reserve(std::min(value.size(), kMaxLabelValueBytes));
  appendBounded(out, value);
  return out;
}

}  // namespace
namespace metrics_detail {
constexpr std::chrono::hours kIdleBeforeEviction{1};

// What a family does beyond its cap: count drops and evictions, and the clock that says what is idle.
struct Overflow {
  prometheus::Counter& dropped;
  prometheus::Counter& evicted;
  const Clock& clock;
};

// One family with a cap on its series. A new label set beyond the cap takes the place of the least recently
// used series when that one has been idle for kIdleBeforeEviction (a version long gone), else it is dropped
// (counted): active series are never pushed out by a flood of new label sets. The metric is updated under
// the family's lock, so an eviction never frees a series in use.
template <class Metric>
class CappedFamily {
 public:
  CappedFamily(prometheus::Family<Metric>& family, std::size_t cap, const Overflow& overflow,
               prometheus::Histogram::BucketBoundaries buckets = {})
      : family_(family), cap_(cap), overflow_(overflow), buckets_(std::move(buckets)) {}

  template <class Update>
  void with(LabelList labels, Update update) {
    std::size_t keyBytes = 0;
    for (const auto& label : labels) keyBytes += std::min(label.second.size(), kMaxLabelValueBytes) + 1;
    std::string key;
    key.reserve(keyBytes);
    for (const auto& [name, value] : labels) {
      appendBounded(key, value);
      key.push_back('\x1f');
    }
    const auto now = overflow_.clock.monotonic();
    std::lock_guard lock(mutex_);
    auto it = series_.find(key);
    if (it == series_.end()) {
      if (series_.size() >= cap_ && !evictIdleLocked(now)) {
        overflow_.dropped.Increment();
        return;
      }
      std::map<std::string, std::string> labelMap;
      for (const auto& [name, value] : labels) labelMap.emplace(name, bounded(value));
      lru_.push_front(key);
      it = series_.emplace(std::move(key), Entry{add(labelMap), lru_.begin(), now}).first;
    } else {
      lru_.splice(lru_.begin(), lru_, it->second.position);
      it->second.lastUse = now;
    }
    update(*it->second.metric);
  }

 private:
  struct Entry {
    Metric* metric;
    std::list<std::string>::iterator position;  // in lru_, most recent first
    Clock::MonoTime lastUse;
  };
  bool evictIdleLocked(Clock::MonoTime now) {
    if (lru_.empty()) return false;
    const auto oldest = series_.find(lru_.back());
    if (now - oldest->second.lastUse < kIdleBeforeEviction) return false;
    family_.Remove(oldest->second.metric);
    series_.erase(oldest);
    lru_.pop_back();
    overflow_.evicted.Increment();
    return true;
  }
  Metric* add(const std::map<std::string, std::string>& labels) {
    if constexpr (std::is_same_v<Metric, prometheus::Histogram>) return &family_.Add(labels, buckets_);
    else return &family_.Add(labels);
  }
  prometheus::Family<Metric>& family_;
  std::size_t cap_;
  const Overflow& overflow_;
  prometheus::Histogram::BucketBoundaries buckets_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> series_;
  std::list<std::string> lru_;
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

auto increment(double v = 1) {
  return [v](prometheus::Counter& c) { c.Increment(v); };
}
auto observe(double v) {
  return [v](prometheus::Histogram& h) { h.Observe(v); };
}

const Clock& systemClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

// A family whose label values come only from this code (reasons): a cap no use reaches.
constexpr std::size_t kFixedLabelSets = 64;

struct GatewayMetrics::Impl {
  using C = metrics_detail::CappedFamily<prometheus::Counter>;
  using H = metrics_detail::CappedFamily<prometheus::Histogram>;
  Impl(std::size_t cap, const Clock& clock)
      : overflow{counter(registry, "modelops_gateway_series_dropped_total",
                         "Label sets not recorded because their family reached its series cap.").Add({}),
                 counter(registry, "modelops_gateway_series_evicted_total",
                         "Series idle for an hour removed to make room for a new label set.").Add({}),
                 clock},
        dedupeFallback(counter(registry, "modelops_feedback_dedupe_fallback_total",
                               "Labels deduplicated in memory because Redis was unreachable.").Add({})),
        predictions(counter(registry, "modelops_predictions_total", "Predictions served, by predicted class."), cap,
                    overflow),
        probabilitySum(counter(registry, "modelops_prediction_probability_sum",
                               "Sum of the predicted class's probability, by predicted class."), cap, overflow),
        probabilityCount(counter(registry, "modelops_prediction_probability_count",
                                 "Predictions that carried a probability, by predicted class."), cap, overflow),
        labeled(counter(registry, "modelops_feedback_labeled_total", "Labels counted, by true class."), cap, overflow),
        correct(counter(registry, "modelops_feedback_correct_total",
                        "Labels equal to the predicted class, by true class."), cap, overflow),
        absErrorSum(counter(registry, "modelops_feedback_abs_error_sum",
                            "Regression: sum of |label - prediction|."), cap, overflow),
        absErrorCount(counter(registry, "modelops_feedback_abs_error_count",
                              "Regression: labels counted."), cap, overflow),
        labelDelay(histogram(registry, "modelops_feedback_label_delay_seconds",
                             "Time from prediction to its label."), cap, overflow, delayBuckets()),
        rejected(counter(registry, "modelops_feedback_rejected_total", "Feedback items not counted, by reason."),
                 kFixedLabelSets, overflow),
        requestDuration(histogram(registry, "modelops_gateway_request_duration_seconds",
                                  "Prediction requests, from received to response sent."), cap, overflow,
                        requestBuckets()),
        upstreamErrors(counter(registry, "modelops_gateway_upstream_errors_total",
                               "Upstream failures by HTTP status (0: connection failure or timeout)."), cap, overflow),
        unstamped(counter(registry, "modelops_gateway_unstamped_total",
                          "Successful responses sent without prediction ids, by reason."), cap, overflow),
        shadowCompared(counter(registry, "modelops_shadow_compared_total",
                               "Shadow responses compared with the primary's."), cap, overflow),
        shadowAgreed(counter(registry, "modelops_shadow_agreed_total",
                             "Shadow responses predicting the primary's classes."), cap, overflow) {
    for (const char* reason :
         {"malformed", "forged", "expired", "duplicate", "invalid_item", "invalid_label", "body", "no_key"}) {
      rejected.with({{"reason", reason}}, increment(0));
    }
  }
  prometheus::Registry registry;
  metrics_detail::Overflow overflow;
  prometheus::Counter& dedupeFallback;
  C predictions, probabilitySum, probabilityCount, labeled, correct, absErrorSum, absErrorCount;
  H labelDelay;
  C rejected;
  H requestDuration;
  C upstreamErrors, unstamped, shadowCompared, shadowAgreed;
};

GatewayMetrics::GatewayMetrics(std::size_t maxSeriesPerFamily, const Clock* clock)
    : impl_(std::make_unique<Impl>(maxSeriesPerFamily, clock != nullptr ? *clock : systemClock())) {}
GatewayMetrics::~GatewayMetrics() = default;

std::string GatewayMetrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry.Collect());
}

void GatewayMetrics::predicted(const VersionLabels& v, std::string_view segment, std::string_view predictedClass,
                               std::optional<double> probability) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}, {"class", predictedClass}};
  impl_->predictions.with(labels, increment());
  if (probability) {
    impl_->probabilitySum.with(labels, increment(*probability));
    impl_->probabilityCount.with(labels, increment());
  }
}

void GatewayMetrics::unstamped(const VersionLabels& v, std::string_view reason) {
  impl_->unstamped.with({{"namespace", v.ns}, {"model", v.model}, {"version", v.version}, {"revision", v.revision},
                         {"reason", reason}},
                        increment());
}

void GatewayMetrics::labeled(const VersionLabels& v, std::string_view segment, std::string_view trueClass,
                             bool correct) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}, {"class", trueClass}};
  impl_->labeled.with(labels, increment());
  impl_->correct.with(labels, increment(correct ? 1 : 0));  // created at 0 too: correct/labeled has both sides
}

void GatewayMetrics::regressionLabeled(const VersionLabels& v, std::string_view segment, double absError) {
  const LabelList labels{{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                         {"revision", v.revision}, {"segment", segment}};
  impl_->absErrorSum.with(labels, increment(absError));
  impl_->absErrorCount.with(labels, increment());
}

void GatewayMetrics::labelDelay(std::string_view ns, std::string_view model, double seconds) {
  impl_->labelDelay.with({{"namespace", ns}, {"model", model}}, observe(seconds));
}

void GatewayMetrics::feedbackRejected(std::string_view reason) {
  impl_->rejected.with({{"reason", reason}}, increment());
}

void GatewayMetrics::dedupeFallback() { impl_->dedupeFallback.Increment(); }

void GatewayMetrics::observeRequest(const VersionLabels& v, double seconds) {
  impl_->requestDuration.with(
      {{"namespace", v.ns}, {"model", v.model}, {"version", v.version}, {"revision", v.revision}}, observe(seconds));
}

void GatewayMetrics::upstreamError(const VersionLabels& v, int code) {
  const std::string codeText = std::to_string(code);
  impl_->upstreamErrors.with({{"namespace", v.ns}, {"model", v.model}, {"version", v.version},
                              {"revision", v.revision}, {"code", codeText}},
                             increment());
}

void GatewayMetrics::shadowCompared(const VersionLabels& primary, const VersionLabels& shadow, bool agreed) {
  const LabelList labels{{"namespace", shadow.ns}, {"model", shadow.model}, {"version", shadow.version},
                         {"revision", shadow.revision}, {"primary_version", primary.version}};
  impl_->shadowCompared.with(labels, increment());
  impl_->shadowAgreed.with(labels, increment(agreed ? 1 : 0));
}

}  // namespace modelops::gateway
