// Notifications end to end (issue 17 item 2): the real operator against the dev server with local webhook
// receivers. Each event reaches each notification once through retries (a receiver failing twice sees
// exactly one success per event), the operator-wide ConfigMap works next to a bad entry (logged by field),
// no URL path, query or token reaches a log line, and a hanging receiver never slows reconciles.
#include <gtest/gtest.h>

#include "modelops/common/certificates.h"
#include "operator/operator_fixture.h"
#include "webhook_receiver.h"

namespace modelops::itest {
namespace {

using certs::base64Encode;

// A Secret the operator may read (the provider-credentials label, as required by default).
Json hookSecret(const std::string& name, const std::string& url, const std::string& token = "") {
  Json data = {{"url", base64Encode(url)}};
  if (!token.empty()) data["token"] = base64Encode(token);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}, {"namespace", kNs}, {"labels", {{"modelops.dev/provider-credentials", "true"}}}}},
          {"data", data}};
}

// A canary without analysis (two replicas, one 50% step) notifying `notifications`.
Json notifiedModel(const std::string& name, const Json& notifications) {
  Json md = modelDeployment(name, "v1", 2, canaryStrategy(Json::array({{{"setWeight", 50}}})));
  md["spec"]["notifications"] = notifications;
  return md;
}

Json notification(const std::string& name, const std::string& secret, const Json& events, bool token = false) {
  Json n = {{"name", name}, {"events", events}, {"urlSecretRef", {{"name", secret}}}};
  if (token) n["tokenSecretRef"] = {{"name", secret}};
  return n;
}

bool isCloudEvent(const Json& body, const std::string& event) {
  return body.value("specversion", "") == "1.0" && body.value("type", "") == "dev.modelops.notification." + event;
}

class NotificationsTest : public OperatorTest {
 protected:
  double metricValue(const std::string& series) { return op().metric(series); }
  // Mean reconcile duration (seconds) between two scrapes of the histogram's sum and count.
  struct Histogram {
    double sum = 0, count = 0;
  };
  Histogram reconcileHistogram() {
    return {metricValue("modelops_reconcile_duration_seconds_sum"), metricValue("modelops_reconcile_duration_seconds_count")};
  }
};

TEST_F(NotificationsTest, EachEventIsDeliveredOnceThroughRetriesAndNoSecretReachesALog) {
  WebhookReceiver receiver;
  receiver.failFirst(2);
  const std::string hookUrl = receiver.url("/hooks/SECRET-PATH-7f3a?sig=QUERY-SECRET-51");
  const std::string token = "TOKEN-9b2c44";
  cluster().create(res::secrets(), kNs, hookSecret("hook", hookUrl, token));
  cluster().create(res::secrets(), kNs, hookSecret("chat-hook", receiver.url("/chat/CHAT-SECRET-0d1e")));
  // Operator-wide: a Slack notification, and an entry with an unknown event (left out, logged by field).
  cluster().create(res::configMaps(), kNs,
                   {{"apiVersion", "v1"},
                    {"kind", "ConfigMap"},
                    {"metadata", {{"name", "modelops-notifications"}, {"namespace", kNs}}},
                    {"data", {{"notifications", "- name: chat\n  events: [Promoted]\n  format: Slack\n"
                                                "  urlSecretRef: {name: chat-hook}\n"
                                                "- name: broken\n  events: [Exploded]\n  urlSecretRef: {name: chat-hook}\n"}}}});
  startOperator({"--notification-backoff=100ms", "--log-level=debug",
                 "--notifications-configmap=" + kNs + "/modelops-notifications"});
  ASSERT_TRUE(op().waitForLog("operator-wide notifications loaded", 10s)) << logTail();
  EXPECT_TRUE(op().logContains("notifications[1].events[0]")) << logTail();

  cluster().create(res::modelDeployments(), kNs,
                   notifiedModel("fraud", Json::array({notification("ops", "hook", {"RolloutStarted", "Promoted"}, true)})));
  ASSERT_TRUE(waitHealthyAt("fraud", "v1"));
  ASSERT_EQ(setVersion("fraud", "v2"), "");
  ASSERT_TRUE(waitHealthyAt("fraud", "v2"));

  auto started = [](const WebhookReceiver::Request& r, const Json& b) {
    return r.path == "/hooks/SECRET-PATH-7f3a" && isCloudEvent(b, "RolloutStarted");
  };
  auto promoted = [](const WebhookReceiver::Request& r, const Json& b) {
    return r.path == "/hooks/SECRET-PATH-7f3a" && isCloudEvent(b, "Promoted");
  };
  auto slack = [](const WebhookReceiver::Request& r, const Json& b) {
    return r.path == "/chat/CHAT-SECRET-0d1e" && b.contains("blocks") && b.contains("text");
  };
  ASSERT_TRUE(waitFor([&] {
    return receiver.successes(started) >= 1 && receiver.successes(promoted) >= 1 && receiver.successes(slack) >= 1 &&
           metricValue("modelops_notification_queue_depth") == 0;
  }, 20s)) << logTail();

  // Exactly once each, although the first two requests failed; retries kept the event's id.
  EXPECT_EQ(receiver.successes(started), 1);
  EXPECT_EQ(receiver.successes(promoted), 1);
  EXPECT_EQ(receiver.successes(slack), 1);
  const auto requests = receiver.requests();
  EXPECT_EQ(requests.size(), 5u);
  std::map<std::string, int> attemptsById;
  for (const auto& r : requests) {
    auto body = Json::parse(r.body, nullptr, false);
    if (r.path.starts_with("/hooks/")) {
      EXPECT_EQ(r.authorization, "Bearer " + token);
      EXPECT_EQ(r.contentType.rfind("application/cloudevents+json", 0), 0u) << r.contentType;
      EXPECT_EQ(body.value("subject", ""), kNs + "/fraud");
      ++attemptsById[body.value("id", "")];
    } else {
      EXPECT_EQ(r.authorization, "");
      EXPECT_EQ(r.contentType, "application/json");
    }
  }
  EXPECT_EQ(attemptsById.size(), 2u);  // two events, whatever their attempts
  for (const auto& r : requests) {
    auto body = Json::parse(r.body, nullptr, false);
    if (isCloudEvent(body, "Promoted")) {
      EXPECT_EQ(body["data"].value("version", ""), "v2");
    }
  }
  EXPECT_EQ(metricValue("modelops_notifications_total{outcome=\"delivered\"}"), 3);
  EXPECT_EQ(metricValue("modelops_notification_attempts_total{result=\"retryable\"}"), 2);
  EXPECT_TRUE(op().logContains("webhook delivery will be retried")) << logTail();
  EXPECT_TRUE(op().logContains(receiver.url(""))) << "the destination host is logged";

  // The ConfigMap is watched: unreadable content keeps the list (the log names the line), deletion clears it.
  ASSERT_EQ(cluster().mergePatch(res::configMaps(), kNs, "modelops-notifications",
                                 {{"data", {{"notifications", "- name: chat\n  events: [Promoted\n"}}}}),
            "");
  ASSERT_TRUE(op().waitForLog("operator-wide notifications unchanged", 10s)) << logTail();
  EXPECT_TRUE(op().logContains("data.notifications:")) << logTail();
  ASSERT_TRUE(cluster().client().remove(res::configMaps(), kNs, "modelops-notifications").ok());
  ASSERT_TRUE(op().waitForLog("operator-wide notifications cleared", 10s)) << logTail();

  const std::string logs = op().logs();
  const std::vector<std::string> secrets = {"SECRET-PATH-7f3a", "QUERY-SECRET-51", token, "CHAT-SECRET-0d1e",
                                           base64Encode(hookUrl), base64Encode(token)};
  for (const auto& secret : secrets) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "\"" << secret << "\" in the operator's log";
  }
}

TEST_F(NotificationsTest, AHangingReceiverNeverSlowsReconciles) {
  WebhookReceiver healthy, hanging;
  hanging.hang();
  cluster().create(res::secrets(), kNs, hookSecret("fast-hook", healthy.url("/fast")));
  cluster().create(res::secrets(), kNs, hookSecret("slow-hook", hanging.url("/slow")));
  // A blocked reconcile would show: each attempt may take 20 s.
  startOperator({"--notification-attempt-timeout=20s", "--notification-max-attempts=1"});
  const Json events = {"RolloutStarted", "Promoted"};
  cluster().create(res::modelDeployments(), kNs, notifiedModel("fast", Json::array({notification("n", "fast-hook", events)})));
  cluster().create(res::modelDeployments(), kNs, notifiedModel("slow", Json::array({notification("n", "slow-hook", events)})));
  ASSERT_TRUE(waitHealthyAt("fast", "v1"));
  ASSERT_TRUE(waitHealthyAt("slow", "v1"));

  // A rollout notifying the healthy receiver.
  auto before = reconcileHistogram();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(setVersion("fast", "v2"), "");
  ASSERT_TRUE(waitHealthyAt("fast", "v2"));
  const auto healthyElapsed = std::chrono::steady_clock::now() - t0;
  auto middle = reconcileHistogram();
  ASSERT_TRUE(waitFor([&] { return healthy.requests().size() == 2; }, 10s));

  // The same rollout notifying a receiver that holds every request.
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(setVersion("slow", "v2"), "");
  ASSERT_TRUE(waitHealthyAt("slow", "v2"));
  const auto hangingElapsed = std::chrono::steady_clock::now() - t0;
  auto after = reconcileHistogram();
  ASSERT_TRUE(waitFor([&] { return !hanging.requests().empty(); }, 10s));
  for (const auto& r : hanging.requests()) EXPECT_EQ(r.answered, 0) << "still held while the rollout finished";
  EXPECT_GE(metricValue("modelops_notification_queue_depth"), 1);

  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  EXPECT_LT(duration_cast<milliseconds>(hangingElapsed).count(), duration_cast<milliseconds>(healthyElapsed).count() + 3000)
      << "rollout with a healthy receiver " << duration_cast<milliseconds>(healthyElapsed).count() << " ms, with a hanging one "
      << duration_cast<milliseconds>(hangingElapsed).count() << " ms";
  ASSERT_GT(middle.count, before.count);
  ASSERT_GT(after.count, middle.count);
  const double healthyMean = (middle.sum - before.sum) / (middle.count - before.count);
  const double hangingMean = (after.sum - middle.sum) / (after.count - middle.count);
  EXPECT_LT(hangingMean, healthyMean + 0.25) << "mean reconcile " << healthyMean << " s vs " << hangingMean << " s";
}

}  // namespace
}  // namespace modelops::itest
