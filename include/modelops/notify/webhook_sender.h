// WebhookSender: delivers webhook POSTs (notifications, retraining's webhook action) off the caller's
// thread. The one way modelops sends a webhook.
//   - enqueue() never blocks on the network: it appends to a bounded queue and returns false (counted as
//     outcome "dropped") when the queue is full or the body is over the size bound;
//   - worker thread(s) send each delivery with a per-attempt timeout; a 2xx is delivered; a transport
//     failure, 408, 429 or 5xx is retried after an exponential backoff with jitter (from an injected
//     source), capped, up to maxAttempts; any other answer is a permanent failure;
//   - once per delivery id: an id already queued, in flight or delivered (a bounded memory of recent
//     ids) is not queued again (outcome "duplicate"), so a reconcile that re-plans the same event, or a
//     caller retrying its enqueue, never sends a second copy after the first succeeded;
//   - logs name the destination by scheme and host only (redactedUrl), never the path, query or headers
//     (a Slack URL's path is its secret; headers carry tokens).
// Metrics (NotificationMetrics; the Prometheus implementation registers in the process's registry):
//   modelops_notifications_total{outcome}        delivered | failed | dropped | duplicate
//   modelops_notification_attempts_total{result} success | retryable | permanent (one per HTTP attempt)
//   modelops_notification_queue_depth            gauge: queued + waiting for a retry + in flight
// Thread-safety: enqueue(), queueDepth(), stop() are safe from any thread. The transport is called from
// the worker threads only, one delivery per worker at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "modelops/common/cancel.h"
#include "modelops/common/clock.h"
#include "modelops/common/sleeper.h"

namespace modelops::runtime {
class MetricsRegistry;
}

namespace modelops::notify {

struct WebhookTarget {
  std::string url;  // http:// or https://; its path and query may be a secret (Slack): never logged
  // e.g. Authorization from a Secret: never logged
  std::vector<std::pair<std::string, std::string>> headers;
};

// "https://hooks.slack.com" for "https://hooks.slack.com/services/T0/B0/secret?x=1"; "<invalid url>" when
// the URL cannot be parsed. The only form of a webhook URL that may reach a log, an Event or status.
std::string redactedUrl(const std::string& url);

// One HTTP attempt's result.
struct AttemptResult {
  enum class Kind { Success, Retryable, Permanent };
  Kind kind = Kind::Retryable;
  int status = 0;      // HTTP status, 0 when no answer
  std::string reason;  // short and fixed ("HTTP 503", "timeout", "connection refused"): never the URL
};

// How an attempt is made (the HTTP implementation, or a fake in tests).
class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  // POSTs body; returns within about `timeout` whatever the peer does, or sooner when cancel fires.
  virtual AttemptResult post(const WebhookTarget& target, const std::string& body, const std::string& contentType,
                             std::chrono::milliseconds timeout, const CancelToken& cancel) = 0;
};

// cpp-httplib, http and https (system CAs), no redirects, the response body read up to 64 KiB and
// discarded, the whole attempt bounded by `timeout` (a watchdog stops a peer that trickles).
std::unique_ptr<WebhookTransport> makeHttpTransport();

// The counters and gauge listed above.
class NotificationMetrics {
 public:
  virtual ~NotificationMetrics() = default;
  virtual void outcome(const std::string& outcome) = 0;  // delivered | failed | dropped | duplicate
  virtual void attempt(AttemptResult::Kind kind) = 0;
  virtual void queueDepth(std::size_t depth) = 0;
};
std::unique_ptr<NotificationMetrics> makeNotificationMetrics(runtime::MetricsRegistry& registry);

struct WebhookSenderOptions {
  std::size_t queueCapacity = 1000;     // queued + waiting for a retry + in flight
  std::size_t maxBodyBytes = 256 * 1024;
  std::size_t workers = 2;
  int maxAttempts = 5;                  // including the first
  std::chrono::milliseconds attemptTimeout{5000};
  std::chrono::milliseconds initialBackoff{1000};
  std::chrono::milliseconds maxBackoff{60000};
  std::size_t rememberedIds = 4096;     // delivered ids kept for dedupe (oldest forgotten first)
};

// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
// min(maxBackoff, initialBackoff * 2^(attempt-1)) scaled by (0.5 + jitter/2), jitter in [0, 1):
// "equal jitter", so two receivers failing together do not retry in lockstep and no wait is below half
// the exponential value.
std::chrono::milliseconds backoffDelay(const WebhookSenderOptions& options, int attempt, double jitter);

class WebhookSender {
 public:
  // jitter() returns a value in [0, 1) (a seeded generator in production, a fixed value in tests).
  // metrics may be null. clock, sleeper and metrics must outlive the sender.
  WebhookSender(WebhookSenderOptions options, std::shared_ptr<WebhookTransport> transport,
                NotificationMetrics* metrics, const Clock& clock, Sleeper& sleeper, std::function<double()> jitter);
  ~WebhookSender();  // stop()
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // See the header comment. deliveryId must be non-empty and stable across retries of the caller.
  bool enqueue(WebhookTarget target, std::string body, std::string contentType, std::string deliveryId);

  std::size_t queueDepth() const;
  // When the earliest queued delivery is due (a retry's backoff shows here); nullopt when none is queued.
  std::optional<Clock::MonoTime> nextDue() const;
  // Waits (real time, up to timeout) until nothing is queued, waiting or in flight.
  bool idle(std::chrono::milliseconds timeout) const;
  // Cancels attempts in flight, drops what is queued (counted "failed"), joins the workers. Idempotent.
  void stop();

 private:
  struct Delivery {
    WebhookTarget target;
    std::string body, contentType, id;
    int attempts = 0;
    Clock::MonoTime due;
    std::uint64_t seq = 0;
  };
  struct Earlier {
    bool operator()(const Delivery& a, const Delivery& b) const {
      return a.due != b.due ? a.due < b.due : a.seq < b.seq;
    }
  };
  void work();
  void attemptOne(Delivery delivery);
  void finish(const std::string& id, bool delivered, const std::string& outcome);
  void rememberDelivered(const std::string& id);
  void publishDepth();  // mu_ held

  WebhookSenderOptions options_;
  std::shared_ptr<WebhookTransport> transport_;
  NotificationMetrics* metrics_;
  const Clock& clock_;
  Sleeper& sleeper_;
  std::function<double()> jitter_;
  CancelToken stopToken_;

  std::mutex stopMu_;  // serialises stop()
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::condition_variable idleCv_;
  std::set<Delivery, Earlier> pending_;  // by due time
  std::unordered_set<std::string> active_;  // ids pending or in flight
  std::size_t inFlight_ = 0;
  std::uint64_t nextSeq_ = 0;
  std::deque<std::string> deliveredOrder_;
  std::unordered_set<std::string> delivered_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace modelops::notify
