// The HTTP WebhookTransport against a loopback receiver: success, retryable and permanent answers, the
// headers and body sent, and a receiver that never answers bounded by the attempt timeout.
#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "fakes/wait.h"
#include "modelops/notify/webhook_sender.h"

namespace modelops::notify {
namespace {

class Receiver {
 public:
  Receiver() {
    server_.Post("/ok/secret", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      lastBody_ = req.body;
      lastAuth_ = req.get_header_value("Authorization");
      lastType_ = req.get_header_value("Content-Type");
      lastQuery_ = req.get_param_value("k");
      res.status = 204;
    });
    server_.Post("/busy", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    server_.Post("/throttled", [](const httplib::Request&, httplib::Response& res) { res.status = 429; });
    server_.Post("/missing", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
    server_.Post("/redirect", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/ok/secret"); });
    server_.Post("/hang", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      ++hanging_;
      cv_.wait(lock, [this] { return released_; });
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  std::mutex mu_;
  std::string lastBody_, lastAuth_, lastType_, lastQuery_;
  int hanging_ = 0;  // requests to /hang received

 private:
  httplib::Server server_;
  std::condition_variable cv_;
  bool released_ = false;
  int port_ = 0;
  std::thread thread_;
};

using std::chrono::milliseconds;

TEST(HttpTransport, ClassifiesAnswersAndSendsHeadersBodyAndQuery) {
  Receiver receiver;
  auto transport = makeHttpTransport();
  CancelToken cancel;
  const WebhookTarget ok{receiver.url("/ok/secret?k=v"), {{"Authorization", "Bearer t0k"}}};
  auto r = transport->post(ok, R"({"a":1})", "application/cloudevents+json", milliseconds(2000), cancel);
  EXPECT_EQ(r.kind, AttemptResult::Kind::Success);
  EXPECT_EQ(r.status, 204);
  {
    std::lock_guard lock(receiver.mu_);
    EXPECT_EQ(receiver.lastBody_, R"({"a":1})");
    EXPECT_EQ(receiver.lastAuth_, "Bearer t0k");
    EXPECT_EQ(receiver.lastType_, "application/cloudevents+json");
    EXPECT_EQ(receiver.lastQuery_, "v");
  }
  EXPECT_EQ(transport->post({receiver.url("/busy"), {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Retryable);
  EXPECT_EQ(transport->post({receiver.url("/throttled"), {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Retryable);
  EXPECT_EQ(transport->post({receiver.url("/missing"), {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Permanent);
  EXPECT_EQ(transport->post({receiver.url("/redirect"), {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Permanent);  // redirects are not followed
  EXPECT_EQ(transport->post({"ftp://x/y", {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Permanent);
  EXPECT_EQ(transport->post({"http://u:p@127.0.0.1:1/y", {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Permanent);
}

TEST(HttpTransport, MetadataAndLinkLocalDestinationsAreRefusedUnsentAndNamesConnectToTheCheckedAddress) {
  Receiver receiver;
  auto transport = makeHttpTransport();
  CancelToken cancel;
  for (const char* url : {"http://169.254.169.254/latest/meta-data", "http://[::ffff:169.254.169.254]/x",
                          "http://0.0.0.0:1/x", "http://[fe80::1]:8080/x"}) {
    auto r = transport->post({url, {}}, "{}", "application/json", milliseconds(2000), cancel);
    EXPECT_EQ(r.kind, AttemptResult::Kind::Permanent) << url;
    EXPECT_EQ(r.reason, "destination denied") << url;
  }
  // A host name is resolved once and the checked address used (Host header and path unchanged).
  const std::string byName = "http://localhost:" + receiver.url("").substr(receiver.url("").rfind(':') + 1) + "/ok/secret";
  auto r = transport->post({byName, {}}, "{}", "application/json", milliseconds(2000), cancel);
  EXPECT_EQ(r.kind, AttemptResult::Kind::Success) << r.reason;
  EXPECT_EQ(transport->post({"http://127.0.0.1:99999/x", {}}, "{}", "application/json", milliseconds(2000), cancel).kind,
            AttemptResult::Kind::Permanent);  // port out of range: invalid url
}

TEST(HttpTransport, AReceiverThatNeverAnswersCostsAtMostTheAttemptTimeout) {
  Receiver receiver;
  auto transport = makeHttpTransport();
  CancelToken cancel;
  const auto start = std::chrono::steady_clock::now();
  auto r = transport->post({receiver.url("/hang"), {}}, "{}", "application/json", milliseconds(300), cancel);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.kind, AttemptResult::Kind::Retryable);
  EXPECT_EQ(r.reason, "timeout");
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, milliseconds(2000));
}

TEST(HttpTransport, CancelStopsAnAttemptInFlight) {
  Receiver receiver;
  auto transport = makeHttpTransport();
  CancelToken cancel;
  std::thread canceller;
  const auto start = std::chrono::steady_clock::now();
  canceller = std::thread([&] {
    // Cancels once the request has reached the receiver.
    testing::waitFor([&] {
      std::lock_guard lock(receiver.mu_);
      return receiver.hanging_ == 1;
    });
    cancel.cancel();
  });
  auto r = transport->post({receiver.url("/hang"), {}}, "{}", "application/json", milliseconds(10000), cancel);
  canceller.join();
  EXPECT_EQ(r.kind, AttemptResult::Kind::Retryable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(3000));
}

}  // namespace
}  // namespace modelops::notify
