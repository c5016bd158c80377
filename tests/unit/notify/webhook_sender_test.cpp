// WebhookSender with a fake transport and a fake clock: backoff schedule, attempt cap, permanent errors,
// queue bound, dedupe by delivery id, stop() with a hanging attempt, and logs without URL paths or tokens.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <map>
#include <sstream>

#include "fakes/fake_clock.h"
#include "fakes/wait.h"
#include "modelops/common/logging.h"
#include "modelops/notify/webhook_sender.h"

namespace modelops::notify {
namespace {

using std::chrono::milliseconds;
using testing::FakeClock;
using testing::waitFor;

// Answers from a script (the last answer repeats); records when each attempt was made. With hang set,
// an attempt blocks until released or cancelled.
class ScriptedTransport final : public WebhookTransport {
 public:
  ScriptedTransport(const Clock& clock, std::vector<AttemptResult> script) : clock_(clock), script_(std::move(script)) {}

  AttemptResult post(const WebhookTarget& target, const std::string& body, const std::string&, milliseconds,
                     const CancelToken& cancel) override {
    // Cancellation cannot notify cv_ itself; the callback takes mu_ so the wake-up is not lost.
    auto wake = cancel.scopedOnCancel([this] {
      std::lock_guard lock(mu_);
      cv_.notify_all();
    });
    std::unique_lock lock(mu_);
    attempts_.push_back(clock_.monotonic());
    bodies_.push_back(body);
    targets_.push_back(target.url);
    cv_.notify_all();
    cv_.wait(lock, [&] { return !hang_ || cancel.cancelled(); });
    if (cancel.cancelled() && hang_) return {AttemptResult::Kind::Retryable, 0, "cancelled"};
    const auto i = std::min(attempts_.size() - 1, script_.size() - 1);
    return script_[i];
  }
  std::size_t attempts() const {
    std::lock_guard lock(mu_);
    return attempts_.size();
  }
  Clock::MonoTime attemptAt(std::size_t i) const {
    std::lock_guard lock(mu_);
    return attempts_.at(i);
  }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  void hang(bool on) {
    {
      std::lock_guard lock(mu_);
      hang_ = on;
    }
    cv_.notify_all();
  }

 private:
  const Clock& clock_;
  std::vector<AttemptResult> script_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Clock::MonoTime> attempts_;
  std::vector<std::string> bodies_, targets_;
  bool hang_ = false;
};

class CountingMetrics final : public NotificationMetrics {
 public:
  void outcome(const std::string& o) override {
    std::lock_guard lock(mu_);
    ++outcomes_[o];
  }
  void attempt(AttemptResult::Kind) override {}
  void queueDepth(std::size_t d) override {
    std::lock_guard lock(mu_);
    depth_ = d;
  }
  int count(const std::string& o) const {
    std::lock_guard lock(mu_);
    auto it = outcomes_.find(o);
    return it == outcomes_.end() ? 0 : it->second;
  }
  std::size_t depth() const {
    std::lock_guard lock(mu_);
    return depth_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> outcomes_;
  std::size_t depth_ = 0;
};

const AttemptResult kFail{AttemptResult::Kind::Retryable, 503, "HTTP 503"};
const AttemptResult kOk{AttemptResult::Kind::Success, 200, "HTTP 200"};
const AttemptResult kGone{AttemptResult::Kind::Permanent, 404, "HTTP 404"};

WebhookSenderOptions options(std::size_t workers = 1) {
  WebhookSenderOptions o;
  o.workers = workers;
  o.initialBackoff = milliseconds(1000);
  o.maxBackoff = milliseconds(8000);
  o.maxAttempts = 4;
  return o;
}

const WebhookTarget kTarget{"http://receiver.example:8080/hooks/SECRET-PATH?token=q", {{"Authorization", "Bearer TOKEN-123"}}};

TEST(Backoff, DoublesUpToTheCapAndJitterStaysWithinHalfToFull) {
  const auto o = options();
  EXPECT_EQ(backoffDelay(o, 1, 1.0), milliseconds(1000));
  EXPECT_EQ(backoffDelay(o, 2, 1.0), milliseconds(2000));
  EXPECT_EQ(backoffDelay(o, 3, 1.0), milliseconds(4000));
  EXPECT_EQ(backoffDelay(o, 5, 1.0), milliseconds(8000));   // capped
  EXPECT_EQ(backoffDelay(o, 40, 1.0), milliseconds(8000));  // no overflow far out
  EXPECT_EQ(backoffDelay(o, 2, 0.0), milliseconds(1000));   // half at the low end
  EXPECT_EQ(backoffDelay(o, 2, 0.5), milliseconds(1500));
}

TEST(WebhookSender, RetriesOnTheBackoffScheduleAndDeliversExactlyOnce) {
  FakeClock clock;
  auto transport = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kFail, kFail, kOk});
  CountingMetrics metrics;
  const double jitter = 0.25;
  WebhookSender sender(options(), transport, &metrics, clock, clock, [jitter] { return jitter; });
  ASSERT_TRUE(sender.enqueue(kTarget, "{}", "application/json", "uid/Promoted/1/t"));
  for (int failed = 1; failed <= 2; ++failed) {
    ASSERT_TRUE(waitFor([&] { return transport->attempts() == static_cast<std::size_t>(failed) && sender.nextDue(); }));
    // The retry is due exactly one backoff after the failed attempt, not earlier.
    EXPECT_EQ(*sender.nextDue() - transport->attemptAt(failed - 1), backoffDelay(options(), failed, jitter));
    clock.advance(backoffDelay(options(), failed, jitter) - milliseconds(1));
    EXPECT_EQ(transport->attempts(), static_cast<std::size_t>(failed));
    clock.advance(milliseconds(1));
  }
  ASSERT_TRUE(waitFor([&] { return metrics.count("delivered") == 1; }));
  EXPECT_EQ(transport->attempts(), 3u);
  // The same event again (a re-planned reconcile, a caller's retry) is not sent a second time.
  EXPECT_TRUE(sender.enqueue(kTarget, "{}", "application/json", "uid/Promoted/1/t"));
  EXPECT_EQ(metrics.count("duplicate"), 1);
  EXPECT_TRUE(sender.idle(milliseconds(2000)));
  EXPECT_EQ(transport->attempts(), 3u);
  EXPECT_EQ(metrics.depth(), 0u);
}

TEST(WebhookSender, GivesUpAfterMaxAttemptsAndNeverRetriesAPermanentError) {
  FakeClock clock;
  auto failing = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kFail});
  CountingMetrics metrics;
  {
    WebhookSender sender(options(), failing, &metrics, clock, clock, [] { return 0.0; });
    ASSERT_TRUE(sender.enqueue(kTarget, "{}", "application/json", "a"));
    ASSERT_TRUE(waitFor([&] {
      if (auto due = sender.nextDue()) clock.advanceTo(*due);
      return metrics.count("failed") == 1;
    }));
    EXPECT_EQ(failing->attempts(), 4u);
  }
  auto gone = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kGone, kOk});
  WebhookSender sender(options(), gone, &metrics, clock, clock, [] { return 0.0; });
  ASSERT_TRUE(sender.enqueue(kTarget, "{}", "application/json", "b"));
  ASSERT_TRUE(waitFor([&] { return metrics.count("failed") == 2; }));
  EXPECT_TRUE(sender.idle(milliseconds(2000)));
  EXPECT_EQ(gone->attempts(), 1u);
}

TEST(WebhookSender, QueueIsBoundedAndEnqueueNeverBlocksOnAHangingReceiver) {
  FakeClock clock;
  auto transport = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kOk});
  transport->hang(true);
  CountingMetrics metrics;
  auto o = options();
  o.queueCapacity = 3;
  WebhookSender sender(o, transport, &metrics, clock, clock, [] { return 0.5; });
  ASSERT_TRUE(sender.enqueue(kTarget, "1", "application/json", "d1"));
  ASSERT_TRUE(waitFor([&] { return transport->attempts() == 1; }));  // in flight, hanging
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(sender.enqueue(kTarget, "2", "application/json", "d2"));
  EXPECT_TRUE(sender.enqueue(kTarget, "3", "application/json", "d3"));
  EXPECT_FALSE(sender.enqueue(kTarget, "4", "application/json", "d4"));  // full: dropped, counted
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  EXPECT_EQ(metrics.count("dropped"), 1);
  EXPECT_EQ(sender.queueDepth(), 3u);
  EXPECT_EQ(metrics.depth(), 3u);
  // A body over the bound is refused too.
  EXPECT_FALSE(sender.enqueue(kTarget, std::string(o.maxBodyBytes + 1, 'x'), "application/json", "big"));
  transport->hang(false);
  ASSERT_TRUE(waitFor([&] { return metrics.count("delivered") == 3; }));
  EXPECT_EQ(transport->bodies(), (std::vector<std::string>{"1", "2", "3"}));
}

TEST(WebhookSender, StopCancelsAHangingAttempt) {
  FakeClock clock;
  auto transport = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kOk});
  transport->hang(true);
  CountingMetrics metrics;
  auto sender = std::make_unique<WebhookSender>(options(), transport, &metrics, clock, clock, [] { return 0.5; });
  ASSERT_TRUE(sender->enqueue(kTarget, "1", "application/json", "s1"));
  ASSERT_TRUE(sender->enqueue(kTarget, "2", "application/json", "s2"));
  ASSERT_TRUE(waitFor([&] { return transport->attempts() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  sender->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_EQ(metrics.count("failed"), 2);  // the queued one and the cancelled one
  EXPECT_FALSE(sender->enqueue(kTarget, "3", "application/json", "s3"));
}

TEST(WebhookSender, LogsNameTheHostButNeverThePathQueryOrHeaders) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  ASSERT_TRUE(configureLogging("debug", LogFormat::Json, sink));
  FakeClock clock;
  auto transport = std::make_shared<ScriptedTransport>(clock, std::vector<AttemptResult>{kFail, kGone});
  CountingMetrics metrics;
  auto o = options();
  o.queueCapacity = 1;
  {
    WebhookSender sender(o, transport, &metrics, clock, clock, [] { return 0.5; });
    transport->hang(true);
    ASSERT_TRUE(sender.enqueue(kTarget, "{}", "application/json", "l1"));
    ASSERT_TRUE(waitFor([&] { return transport->attempts() == 1; }));
    EXPECT_FALSE(sender.enqueue(kTarget, "{}", "application/json", "l2"));  // dropped: logged
    transport->hang(false);
    ASSERT_TRUE(waitFor([&] {
      if (auto due = sender.nextDue()) clock.advanceTo(*due);
      return metrics.count("failed") == 1;
    }));
  }
  ASSERT_TRUE(configureLogging("info", LogFormat::Text));
  const std::string logs = out.str();
  EXPECT_NE(logs.find("http://receiver.example:8080"), std::string::npos) << logs;  // retried, dropped, failed
  for (const char* secret : {"SECRET-PATH", "token=q", "TOKEN-123", "hooks/"}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in:\n" << logs;
  }
}

}  // namespace
}  // namespace modelops::notify
