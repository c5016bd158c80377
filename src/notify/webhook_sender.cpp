// WebhookSender: bounded queue, workers, retries with backoff, dedupe; see
// include/modelops/notify/webhook_sender.h.
#include "modelops/notify/webhook_sender.h"

#include <algorithm>
#include <cmath>

#include "modelops/common/logging.h"

namespace modelops::notify {
namespace {

const char* kindName(AttemptResult::Kind kind) {
  switch (kind) {
    case AttemptResult::Kind::Success: return "success";
    case AttemptResult::Kind::Permanent: return "permanent";
    default: return "retryable";
  }
}

}  // namespace

std::string redactedUrl(const std::string& url) {
  const auto schemeEnd = url.find("://");
  if (schemeEnd == std::string::npos || schemeEnd == 0) return "<invalid url>";
  const std::string scheme = url.substr(0, schemeEnd);
  if (scheme != "http" && scheme != "https") return "<invalid url>";
  const auto hostStart = schemeEnd + 3;
  auto hostEnd = url.find_first_of("/?#", hostStart);
  if (hostEnd == std::string::npos) hostEnd = url.size();
  std::string authority = url.substr(hostStart, hostEnd - hostStart);
  // user:password@host: the user info is a credential too.
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return "<invalid url>";
  return scheme + "://" + authority;
}

std::chrono::milliseconds backoffDelay(const WebhookSenderOptions& options, int attempt, double jitter) {
  const double base = static_cast<double>(options.initialBackoff.count());
  const double cap = static_cast<double>(options.maxBackoff.count());
  const double exponential = std::min(cap, base * std::pow(2.0, std::max(0, attempt - 1)));
  const double j = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(exponential * (0.5 + j / 2.0)));
}

WebhookSender::WebhookSender(WebhookSenderOptions options, std::shared_ptr<WebhookTransport> transport,
                             NotificationMetrics* metrics, const Clock& clock, Sleeper& sleeper,
                             std::function<double()> jitter)
    : options_(options), transport_(std::move(transport)), metrics_(metrics), clock_(clock), sleeper_(sleeper),
      jitter_(std::move(jitter)) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
  options_.maxAttempts = std::max(1, options_.maxAttempts);
  for (std::size_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
}

WebhookSender::~WebhookSender() { stop(); }

bool WebhookSender::enqueue(WebhookTarget target, std::string body, std::string contentType, std::string deliveryId) {
  std::unique_lock lock(mu_);
  if (delivered_.count(deliveryId) != 0 || active_.count(deliveryId) != 0) {
    lock.unlock();
    if (metrics_) metrics_->outcome("duplicate");
    return true;
  }
  const bool full = pending_.size() + inFlight_ >= options_.queueCapacity;
  if (stopping_ || full || body.size() > options_.maxBodyBytes || deliveryId.empty()) {
    const char* why = stopping_ ? "stopping" : full ? "queue full" : "body too large or no id";
    lock.unlock();
    if (metrics_) metrics_->outcome("dropped");
    logWarn("webhook delivery dropped", {{"destination", redactedUrl(target.url)}, {"delivery", deliveryId}, {"why", why}});
    return false;
  }
  active_.insert(deliveryId);
  pending_.insert(Delivery{std::move(target), std::move(body), std::move(contentType), std::move(deliveryId), 0,
                           clock_.monotonic(), nextSeq_++});
  publishDepth();
  lock.unlock();
  cv_.notify_one();
  return true;
}

std::size_t WebhookSender::queueDepth() const {
  std::lock_guard lock(mu_);
  return pending_.size() + inFlight_;
}

std::optional<Clock::MonoTime> WebhookSender::nextDue() const {
  std::lock_guard lock(mu_);
  if (pending_.empty()) return std::nullopt;
  return pending_.begin()->due;
}

bool WebhookSender::idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return idleCv_.wait_for(lock, timeout, [this] { return pending_.empty() && inFlight_ == 0; });
}

void WebhookSender::stop() {
  std::lock_guard stopLock(stopMu_);  // one stop() joins; a concurrent one waits for it
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    dropped = pending_.size();
    pending_.clear();
    publishDepth();
  }
  stopToken_.cancel();
  cv_.notify_all();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
  if (metrics_) {
    for (std::size_t i = 0; i < dropped; ++i) metrics_->outcome("failed");
  }
  idleCv_.notify_all();
}

void WebhookSender::publishDepth() {
  if (metrics_) metrics_->queueDepth(pending_.size() + inFlight_);
  if (pending_.empty() && inFlight_ == 0) idleCv_.notify_all();
}

void WebhookSender::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (pending_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto due = pending_.begin()->due;
    if (due > clock_.monotonic()) {
      sleeper_.waitUntil(lock, cv_, due);  // woken early by a new item or stop(); the loop re-checks
      continue;
    }
    Delivery delivery = std::move(pending_.extract(pending_.begin()).value());
    ++inFlight_;
    lock.unlock();
    attemptOne(std::move(delivery));
    lock.lock();
    --inFlight_;
    publishDepth();
  }
}

// One attempt of one delivery, on a worker thread without the lock.
void WebhookSender::attemptOne(Delivery delivery) {
  ++delivery.attempts;
  const AttemptResult result =
      transport_->post(delivery.target, delivery.body, delivery.contentType, options_.attemptTimeout, stopToken_);
  if (metrics_) metrics_->attempt(result.kind);
  const std::string host = redactedUrl(delivery.target.url);
  if (result.kind == AttemptResult::Kind::Success) {
    logDebug("webhook delivered", {{"destination", host}, {"delivery", delivery.id}, {"attempts", delivery.attempts}});
    finish(delivery.id, true, "delivered");
    return;
  }
  const bool lastAttempt = result.kind == AttemptResult::Kind::Permanent || delivery.attempts >= options_.maxAttempts;
  if (lastAttempt || stopToken_.cancelled()) {
    logWarn("webhook delivery failed", {{"destination", host},
                                        {"delivery", delivery.id},
                                        {"attempts", delivery.attempts},
                                        {"result", kindName(result.kind)},
                                        {"error", result.reason}});
    finish(delivery.id, false, "failed");
    return;
  }
  const auto wait = backoffDelay(options_, delivery.attempts, jitter_ ? jitter_() : 0.5);
  logInfo("webhook delivery will be retried", {{"destination", host},
                                               {"delivery", delivery.id},
                                               {"attempts", delivery.attempts},
                                               {"error", result.reason},
                                               {"retry_in_ms", wait.count()}});
  delivery.due = clock_.monotonic() + wait;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      active_.erase(delivery.id);
    } else {
      delivery.seq = nextSeq_++;
      pending_.insert(std::move(delivery));
    }
  }
  cv_.notify_one();
}

void WebhookSender::finish(const std::string& id, bool delivered, const std::string& outcome) {
  {
    std::lock_guard lock(mu_);
    active_.erase(id);
    if (delivered) rememberDelivered(id);
  }
  if (metrics_) metrics_->outcome(outcome);
}

void WebhookSender::rememberDelivered(const std::string& id) {
  if (options_.rememberedIds == 0) return;
  if (!delivered_.insert(id).second) return;
  deliveredOrder_.push_back(id);
  while (deliveredOrder_.size() > options_.rememberedIds) {
    delivered_.erase(deliveredOrder_.front());
    deliveredOrder_.pop_front();
  }
}

}  // namespace modelops::notify
