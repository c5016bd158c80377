// Notifier (planner Events -> deliveries) with a recording transport, and the operator-wide ConfigMap
// parser: routing by event, per-object and operator-wide targets, Secrets (label, key, base64, token),
// stable delivery ids, and ConfigMap errors naming the line or the field.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/wait.h"
#include "modelops/kube/config.h"
#include "modelops/notify/notifier.h"
#include "modelops/notify/operator_config.h"

namespace modelops::notify {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class RecordingTransport final : public WebhookTransport {
 public:
  struct Call {
    WebhookTarget target;
    std::string body, contentType;
  };
  AttemptResult post(const WebhookTarget& target, const std::string& body, const std::string& contentType,
                     milliseconds, const CancelToken&) override {
    std::lock_guard lock(mu_);
    calls_.push_back({target, body, contentType});
    return {AttemptResult::Kind::Success, 200, "HTTP 200"};
  }
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Call> calls_;
};

std::string b64(const std::string& s) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < s.size() ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < s.size() ? abc[v & 63] : '=';
  }
  return out;
}

json secret(const std::string& ns, const std::string& name, const json& data, bool labelled = true) {
  json d = json::object();
  for (auto it = data.begin(); it != data.end(); ++it) d[it.key()] = b64(it.value().get<std::string>());
  json meta = {{"name", name}, {"namespace", ns}};
  if (labelled) meta["labels"] = {{"modelops.dev/provider-credentials", "true"}};
  return {{"metadata", meta}, {"data", d}};
}

api::ModelDeployment model(const json& notifications) {
  json md = {{"apiVersion", "modelops.dev/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", "fraud"}, {"namespace", "ml"}, {"uid", "u-1"}, {"generation", 3}}},
             {"spec", {{"model", {{"version", "v2"}}}, {"notifications", notifications}}}};
  auto decoded = api::decodeModelDeployment(md);
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? decoded.value() : api::ModelDeployment{};
}

struct World {
  testing::FakeClock clock;
  std::shared_ptr<RecordingTransport> transport = std::make_shared<RecordingTransport>();
  std::map<std::string, json> secrets;  // "ns/name"
  WebhookSender sender{WebhookSenderOptions{}, transport, nullptr, clock, clock, [] { return 0.5; }};
  Notifier notifier{sender,
                    [this](const std::string& ns, const std::string& name) -> std::optional<json> {
                      auto it = secrets.find(ns + "/" + name);
                      if (it == secrets.end()) return std::nullopt;
                      return it->second;
                    },
                    NotifierOptions{100, "modelops.dev/provider-credentials"}};
  void add(const json& s) { secrets[s["metadata"]["namespace"].get<std::string>() + "/" + s["metadata"]["name"].get<std::string>()] = s; }
  bool settle() { return notifier.drained(milliseconds(5000)) && sender.idle(milliseconds(5000)); }
};

const auto kAt = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + std::chrono::hours{10};

TEST(Notifier, SendsOnlyTheEventsEachNotificationAskedForWithItsSecrets) {
  World w;
  w.add(secret("ml", "hook", {{"url", "https://hooks.example/T/B/x\n"}, {"token", "tok-1"}}));
  w.add(secret("ml", "chat", {{"endpoint", "http://chat.example/in"}}));
  const auto md = model(json::array({{{"name", "ops"}, {"events", {"Promoted", "RolledBack"}},
                                      {"urlSecretRef", {{"name", "hook"}}}, {"tokenSecretRef", {{"name", "hook"}}}},
                                     {{"name", "chat"}, {"events", {"RolledBack"}}, {"format", "Slack"},
                                      {"urlSecretRef", {{"name", "chat"}, {"key", "endpoint"}}}}}));
  w.notifier.eventRecorded(md, EventType::Normal, "WeightChanged", "50%", kAt);  // not a notification event
  w.notifier.eventRecorded(md, EventType::Normal, "Promoted", "v2 promoted", kAt);
  w.notifier.eventRecorded(md, EventType::Warning, "RolledBackToLastGood", "back to v1", kAt);
  ASSERT_TRUE(w.settle());
  const auto calls = w.transport->calls();
  ASSERT_EQ(calls.size(), 3u);
  int cloudEvents = 0, slack = 0;
  for (const auto& c : calls) {
    const auto body = json::parse(c.body);
    if (c.target.url == "https://hooks.example/T/B/x") {  // the trailing newline of the Secret is dropped
      ++cloudEvents;
      EXPECT_EQ(c.contentType, kCloudEventContentType);
      ASSERT_EQ(c.target.headers.size(), 1u);
      EXPECT_EQ(c.target.headers[0], (std::pair<std::string, std::string>{"Authorization", "Bearer tok-1"}));
      EXPECT_EQ(body["data"]["generation"], 3);
      EXPECT_EQ(body["data"]["version"], "v2");
    } else {
      ++slack;
      EXPECT_EQ(c.target.url, "http://chat.example/in");
      EXPECT_EQ(body["blocks"][0]["text"]["text"], "RolledBack: ml/fraud");
    }
  }
  EXPECT_EQ(cloudEvents, 2);
  EXPECT_EQ(slack, 1);
}

TEST(Notifier, TheSameEventTwiceIsSentOnceAndOperatorWideTargetsUseTheirOwnNamespace) {
  World w;
  w.add(secret("modelops-system", "all-hook", {{"url", "http://ops.example/all"}}));
  w.notifier.setOperatorWide(api::resolveNotifications(api::decodeSpec(json{{"model", {{"version", "x"}}},
      {"notifications", json::array({{{"name", "all"}, {"events", {"Degraded"}}, {"urlSecretRef", {{"name", "all-hook"}}}}})}})
      .value().notifications), "modelops-system");
  const auto md = model(json::array());
  w.notifier.eventRecorded(md, EventType::Warning, "Degraded", "accuracy fell", kAt);
  w.notifier.eventRecorded(md, EventType::Warning, "Degraded", "accuracy fell", kAt);  // a repeat of one event
  ASSERT_TRUE(w.settle());
  ASSERT_EQ(w.transport->calls().size(), 1u);
  EXPECT_EQ(w.transport->calls()[0].target.url, "http://ops.example/all");
  // A later occurrence is a new event.
  w.notifier.eventRecorded(md, EventType::Warning, "Degraded", "accuracy fell", kAt + std::chrono::minutes(5));
  ASSERT_TRUE(w.settle());
  EXPECT_EQ(w.transport->calls().size(), 2u);
}

TEST(Notifier, UnusableSecretsSendNothing) {
  World w;
  w.add(secret("ml", "unlabelled", {{"url", "http://x.example/a"}}, /*labelled=*/false));
  w.add(secret("ml", "nokey", {{"other", "http://x.example/a"}}));
  w.add(secret("ml", "notaurl", {{"url", "file:///etc/passwd"}}));
  w.add(secret("ml", "hook", {{"url", "http://x.example/a"}}));
  const auto md = model(json::array({{{"name", "a"}, {"events", {"Promoted"}}, {"urlSecretRef", {{"name", "unlabelled"}}}},
                                     {{"name", "b"}, {"events", {"Promoted"}}, {"urlSecretRef", {{"name", "nokey"}}}},
                                     {{"name", "c"}, {"events", {"Promoted"}}, {"urlSecretRef", {{"name", "notaurl"}}}},
                                     {{"name", "d"}, {"events", {"Promoted"}}, {"urlSecretRef", {{"name", "missing"}}}},
                                     {{"name", "e"}, {"events", {"Promoted"}}, {"urlSecretRef", {{"name", "hook"}}},
                                      {"tokenSecretRef", {{"name", "missing"}}}}}));
  w.notifier.eventRecorded(md, EventType::Normal, "Promoted", "v2", kAt);
  ASSERT_TRUE(w.settle());
  EXPECT_TRUE(w.transport->calls().empty());
}

TEST(OperatorConfig, ValidEntriesApplyAndErrorsNameTheFieldOrLine) {
  auto cm = [](const std::string& text) { return json{{"data", {{"notifications", text}}}}; };
  auto parsed = parseOperatorNotifications(cm(
      "- name: ok\n  events: [Promoted]\n  urlSecretRef: {name: hook}\n"
      "- name: bad\n  events: [Promoted]\n  format: Teams\n  urlSecretRef: {name: hook}\n"
      "- name: ok\n  events: [Degraded]\n  urlSecretRef: {name: hook}\n"
      "- name: typo\n  event: [Promoted]\n  urlSecretRef: {name: hook}\n"
      "- name: extra\n  events: [RolledBack]\n  urlSecretRef: {name: hook, keyy: u}\n"));
  ASSERT_TRUE(parsed.usable);
  ASSERT_EQ(parsed.notifications.size(), 2u);
  EXPECT_EQ(parsed.notifications[0].name, "ok");
  EXPECT_EQ(parsed.notifications[1].name, "extra");
  auto mentions = [&](const std::string& text) {
    return std::any_of(parsed.problems.begin(), parsed.problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(mentions("notifications[1].format")) << ::testing::PrintToString(parsed.problems);
  EXPECT_TRUE(mentions("notifications[2].name: duplicate"));
  EXPECT_TRUE(mentions("notifications[3].events"));
  EXPECT_TRUE(mentions("notifications[4].urlSecretRef.keyy: unknown field"));

  auto broken = parseOperatorNotifications(cm("- name: a\n  events: [Promoted\n"));
  EXPECT_FALSE(broken.usable);
  ASSERT_EQ(broken.problems.size(), 1u);
  EXPECT_EQ(broken.problems[0].rfind("data.notifications:3:", 0), 0u) << broken.problems[0];  // line 3

  EXPECT_FALSE(parseOperatorNotifications(cm("name: not-a-list\n")).usable);
  EXPECT_TRUE(parseOperatorNotifications(json{{"data", json::object()}}).usable);  // no key: an empty list
  EXPECT_TRUE(parseOperatorNotifications(cm("")).usable);
  EXPECT_FALSE(parseOperatorNotifications(cm(std::string(300 * 1024, '#'))).usable);

  EXPECT_TRUE(parseConfigMapRef("modelops-system/notifications").ok());
  EXPECT_FALSE(parseConfigMapRef("notifications").ok());
  EXPECT_FALSE(parseConfigMapRef("a/b/c").ok());
}

}  // namespace
}  // namespace modelops::notify
