// integration.operator.measurements: what metric providers answer, and where they are, with the real
// operator against the dev server and listeners this test runs on loopback (issue 12 rows 3, 4, 5).
//   Row 3: an "internal page" (non-2xx HTML, a 200 that is not JSON, a JSON string where a number is
//          expected) never reaches the ModelDeployment or its Events - only the error class and the HTTP
//          status do; metadata addresses (also IPv4-mapped IPv6) and --provider-deny ranges are refused
//          as DestinationDenied without a request reaching the listener.
//   Row 4: a 1 MiB and a 4 MiB Prometheus error text stay out of the object, whose status stays under
//          the 64 KiB budget, and a ModelDeployment in another namespace is still reconciled promptly.
//   Row 5: the listener records the Authorization header: an unlabelled Secret's token never arrives,
//          an opted-in Secret's bearer token and basic credentials do.
// Thread-safety: test thread only; ScriptedEndpoint serves on its own threads (see its comment).
#include <httplib.h>
#include <signal.h>

#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "operator_fixture.h"

// A namespace of its own: the unity build compiles this file with the suite's other files, whose
// file-local helpers have generic names.
namespace modelops::itest::provider_answers {
namespace {

// A canned HTTP answer.
struct CannedAnswer {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
};

// ScriptedEndpoint: an HTTP server on `host` (a loopback address, port chosen by the kernel) that
// answers every GET and POST whose path starts with a registered prefix with that prefix's canned
// answer (404 otherwise), and records each request's path and headers.
// Thread-safety: answer() before the operator starts; requests()/requestsTo() from any thread.
class ScriptedEndpoint {
 public:
  struct Seen {
    std::string path;
    std::string authorization;
    std::string allHeaders;  // "name: value\n" for every header, to look for a token anywhere
  };

  explicit ScriptedEndpoint(const std::string& host = "127.0.0.1") : host_(host) {
    ::signal(SIGPIPE, SIG_IGN);
    server_.set_payload_max_length(1 << 20);
    auto handler = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    port_ = server_.bind_to_any_port(host_);
    if (port_ <= 0) throw std::runtime_error("ScriptedEndpoint: cannot bind " + host_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it, so the destructor always ends it.
    if (!waitFor([&] { return server_.is_running(); }, 5s, 1ms)) throw std::runtime_error("ScriptedEndpoint: not running");
  }
  ~ScriptedEndpoint() {
    server_.stop();
    thread_.join();
  }
  ScriptedEndpoint(const ScriptedEndpoint&) = delete;
  ScriptedEndpoint& operator=(const ScriptedEndpoint&) = delete;

  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  int port() const { return port_; }
  void answer(const std::string& pathPrefix, CannedAnswer a) {
    std::lock_guard lock(mu_);
    answers_.emplace_back(pathPrefix, std::move(a));
  }
  std::vector<Seen> requests() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::vector<Seen> requestsTo(const std::string& pathPrefix) const {
    std::vector<Seen> out;
    for (auto& s : requests())
      if (s.path.rfind(pathPrefix, 0) == 0) out.push_back(s);
    return out;
  }

 private:
  void serve(const httplib::Request& req, httplib::Response& res) {
    Seen seen{req.path, req.get_header_value("Authorization"), ""};
    for (const auto& [name, value] : req.headers) seen.allHeaders += name + ": " + value + "\n";
    std::lock_guard lock(mu_);
    seen_.push_back(std::move(seen));
    for (const auto& [prefix, a] : answers_)
      if (req.path.rfind(prefix, 0) == 0) {
        res.status = a.status;
        res.set_content(a.body, a.contentType.c_str());
        return;
      }
    res.status = 404;
  }

  std::string host_;
  int port_ = 0;
  httplib::Server server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, CannedAnswer>> answers_;
  std::vector<Seen> seen_;
};

// A Prometheus instant-vector answer to the operator's combined query: part 0 (successes) and part 1
// (trials), each a JSON value as given (a number as a string, as Prometheus sends it, or anything else).
std::string vectorAnswer(const Json& successes, const Json& trials) {
  Json result = Json::array();
  result.push_back({{"metric", {{"modelops_part", "0"}}}, {"value", Json::array({1700000000.0, successes})}});
  result.push_back({{"metric", {{"modelops_part", "1"}}}, {"value", Json::array({1700000000.0, trials})}});
  return Json{{"status", "success"}, {"data", {{"resultType", "vector"}, {"result", result}}}}.dump();
}

Json prometheusMetric(const std::string& address, std::int64_t errorLimit) {
  return {{"name", "accuracy"},
          {"provider", {{"prometheus", {{"address", address}, {"timeout", "5s"}}}}},
          {"successes", "sum(correct{version=\"{{version}}\"})"},
          {"trials", "sum(labeled{version=\"{{version}}\"})"},
          {"accuracy", {{"min", 0.9}, {"minSamples", 100}}},
          {"consecutiveErrorLimit", errorLimit}};
}

Json webMetric(const std::string& url, std::int64_t errorLimit) {
  return {{"name", "accuracy"},
          {"provider", {{"web", {{"url", url}, {"timeout", "5s"}}}}},
          {"successes", "$.correct"},
          {"trials", "$.labeled"},
          {"accuracy", {{"min", 0.9}, {"minSamples", 100}}},
          {"consecutiveErrorLimit", errorLimit}};
}

// A canary whose second step is an analysis of `metric` every second; 1.0.0 (no analysis) is created.
Json canaryJudgedBy(const std::string& name, const std::string& ns, const Json& metric) {
  auto steps = Json::parse(R"([{"setWeight": 20}, {"analysis": {}}, {"setWeight": 50}])");
  auto md = modelDeployment(name, "1.0.0", 1, canaryStrategy(steps), {{"interval", "1s"}, {"metrics", {metric}}});
  md["metadata"]["namespace"] = ns;
  return md;
}

class ProviderAnswers : public OperatorTest {
 protected:
  Json mdIn(const std::string& ns, const std::string& name) { return cluster().get(res::modelDeployments(), ns, name); }
  std::string phaseOf(const std::string& ns, const std::string& name) {
    auto m = mdIn(ns, name);
    return m.is_object() ? m.value("status", Json::object()).value("phase", "") : "";
  }
  std::string statusText(const std::string& ns, const std::string& name) {
    auto m = mdIn(ns, name);
    return m.is_object() ? m.value("status", Json::object()).dump() : "";
  }
  // The stored object and every Event about it, as one text to search.
  std::string objectAndEvents(const std::string& ns, const std::string& name) {
    std::string out = mdIn(ns, name).dump();
    for (const auto& e : cluster().eventsFor(ns, name)) out += "\n" + e.dump();
    return out;
  }
  void createNamespace(const std::string& ns) {
    if (ns != kNs)
      cluster().create(res::namespaces(), "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  }
  // Waits until each of `names` (in `ns`) is Healthy at 1.0.0, then moves it to 2.0.0 (its canary).
  ::testing::AssertionResult startCanaries(const std::string& ns, const std::vector<std::string>& names) {
    for (const auto& name : names) {
      auto healthy = [&] {
        auto m = mdIn(ns, name);
        auto st = m.is_object() ? m.value("status", Json::object()) : Json::object();
        return st.value("phase", "") == "Healthy" && st.contains("stable") && st["stable"].value("version", "") == "1.0.0";
      };
      if (!waitFor(healthy, 30s))
        return ::testing::AssertionFailure() << name << " not Healthy at 1.0.0: " << statusText(ns, name) << "\n" << logTail();
      auto err = cluster().mergePatch(res::modelDeployments(), ns, name,
                                      {{"spec", {{"model", {{"version", "2.0.0"}, {"uri", "s3://models/" + name + "/2.0.0"}}}}}});
      if (!err.empty()) return ::testing::AssertionFailure() << err;
    }
    return ::testing::AssertionSuccess();
  }
};

const std::string kMarker = "INTERNAL-PAGE-7f3a9c";  // what no status, condition or Event may carry

// Row 3: each answer's content stays out; the class and HTTP status are what the author sees.
TEST_F(ProviderAnswers, AnInternalPageNeverReachesStatusConditionsOrEvents) {
  ScriptedEndpoint internal;
  const std::string page = "<html><body><h1>Admin console</h1><p>" + kMarker + " db-password=hunter2</p></body></html>";
  internal.answer("/prom-html", {503, "text/html", page});
  internal.answer("/prom-text", {200, "text/plain", kMarker + " root:x:0:0:root:/root:/bin/bash"});
  internal.answer("/prom-string", {200, "application/json", vectorAnswer(kMarker, kMarker)});
  internal.answer("/web-html", {500, "text/html", page});
  internal.answer("/web-string", {200, "application/json", Json{{"correct", kMarker}, {"labeled", 1000}}.dump()});
  struct Case {
    std::string name;
    Json metric;
    std::vector<std::string> expected;  // in the status text once the analysis is aborted
  };
  const std::vector<Case> cases = {
      {"prom-html", prometheusMetric(internal.url() + "/prom-html", 2), {"HttpStatus", "HTTP 503"}},
      {"prom-text", prometheusMetric(internal.url() + "/prom-text", 2), {"BadResponse", "HTTP 200"}},
      {"prom-string", prometheusMetric(internal.url() + "/prom-string", 2), {"BadResponse"}},
      {"web-html", webMetric(internal.url() + "/web-html", 2), {"HttpStatus", "HTTP 500"}},
      {"web-string", webMetric(internal.url() + "/web-string", 2), {"BadResponse"}},
  };
  std::vector<std::string> names;
  for (const auto& c : cases) {
    cluster().create(res::modelDeployments(), kNs, canaryJudgedBy(c.name, kNs, c.metric));
    names.push_back(c.name);
  }
  startOperator();
  ASSERT_TRUE(startCanaries(kNs, names));
  for (const auto& c : cases) {
    // Two errors in a row abort the analysis: the canary is rolled back with the error as the reason.
    EXPECT_TRUE(waitFor([&] { return phase(c.name) == "RolledBack"; }, 30s))
        << c.name << ": " << status(c.name).dump(1) << "\n" << logTail();
    EXPECT_GE(internal.requestsTo("/" + c.name).size(), 2u) << c.name;
    const auto text = status(c.name).dump();
    for (const auto& want : c.expected) EXPECT_NE(text.find(want), std::string::npos) << c.name << " lacks " << want << ": " << text;
    const auto everything = objectAndEvents(kNs, c.name);
    EXPECT_EQ(everything.find(kMarker), std::string::npos) << c.name << " carries the page's content:\n" << everything;
    EXPECT_EQ(everything.find("hunter2"), std::string::npos) << c.name;
    EXPECT_EQ(everything.find("root:x:0"), std::string::npos) << c.name;
  }
  // The answers go to the debug log only; at the default level the log (which repeats Events) has none.
  EXPECT_EQ(op().logs().find(kMarker), std::string::npos) << logTail();
}

// Row 3: metadata addresses, literal and IPv4-mapped, and an operator --provider-deny range on a loopback
// alias this test listens on: DestinationDenied, and nothing reaches the listener. A provider on
// 127.0.0.1, not denied, is reached (the flag denies what it names, not every loopback address).
TEST_F(ProviderAnswers, DeniedDestinationsAreNeverContacted) {
  ScriptedEndpoint alias("127.0.0.2");
  alias.answer("/", {200, "application/json", vectorAnswer("990", "1000")});
  ScriptedEndpoint allowed("127.0.0.1");
  allowed.answer("/", {200, "application/json", vectorAnswer("990", "1000")});
  const std::string aliasPort = std::to_string(alias.port());
  const std::vector<std::pair<std::string, Json>> denied = {
      {"metadata", prometheusMetric("http://169.254.169.254/latest/meta-data", 2)},
      {"metadata-mapped", webMetric("http://[::ffff:169.254.169.254]/latest/meta-data/iam/security-credentials", 2)},
      {"metadata-mapped-hex", prometheusMetric("http://[::ffff:a9fe:a9fe]:80", 2)},
      {"alias", prometheusMetric(alias.url(), 2)},
      {"alias-mapped", webMetric("http://[::ffff:127.0.0.2]:" + aliasPort + "/v", 2)},
  };
  std::vector<std::string> names;
  for (const auto& [name, metric] : denied) {
    cluster().create(res::modelDeployments(), kNs, canaryJudgedBy(name, kNs, metric));
    names.push_back(name);
  }
  cluster().create(res::modelDeployments(), kNs, canaryJudgedBy("reached", kNs, prometheusMetric(allowed.url(), 2)));
  names.push_back("reached");
  startOperator({"--provider-deny=127.0.0.2/32"});
  ASSERT_TRUE(startCanaries(kNs, names));
  for (const auto& [name, metric] : denied) {
    EXPECT_TRUE(waitFor([&] { return phase(name) == "RolledBack"; }, 30s)) << name << ": " << status(name).dump(1);
    const auto text = status(name).dump();
    EXPECT_NE(text.find("DestinationDenied"), std::string::npos) << name << ": " << text;
  }
  // The message names the range that denied it (the operator's flag), not what is behind the address.
  EXPECT_NE(statusText(kNs, "alias").find("denied range 127.0.0.2/32"), std::string::npos) << statusText(kNs, "alias");
  EXPECT_TRUE(alias.requests().empty()) << alias.requests().size() << " requests reached the denied listener";
  // The allowed provider answers 0.99 of 1000: promoted to 2.0.0, so the operator did measure.
  EXPECT_TRUE(waitHealthyAt("reached", "2.0.0"));
  EXPECT_FALSE(allowed.requests().empty());
}

// A Prometheus error answer whose text is `bytes` long, made of a marker repeated (every 40-character
// excerpt of it contains the marker).
std::string hugePrometheusError(std::size_t bytes, const std::string& marker) {
  std::string text;
  text.reserve(bytes + marker.size());
  while (text.size() < bytes) text += marker;
  return Json{{"status", "error"}, {"errorType", "bad_data"}, {"error", text}}.dump();
}

// Row 4: huge error texts stay out of the object; the operator's watch keeps serving every namespace.
class HugeProviderErrors : public ProviderAnswers {
 protected:
  const std::string hugeNs_ = "team-huge", otherNs_ = "team-other", marker_ = "BACKEND-ERROR-TEXT-";

  // Two ModelDeployments whose canary analysis gets a 1 MiB and a 4 MiB Prometheus error text, a
  // bystander in another namespace; the operator runs with `args`. `fourMiBClass` is the error class the
  // 4 MiB answer must give (it depends on --provider-max-response-bytes).
  void run(const std::vector<std::string>& args, const std::string& fourMiBClass) {
    createNamespace(hugeNs_);
    createNamespace(otherNs_);
    ScriptedEndpoint backend;
    backend.answer("/one-mib", {400, "application/json", hugePrometheusError(1 << 20, marker_)});
    backend.answer("/four-mib", {400, "application/json", hugePrometheusError(4 << 20, marker_)});
    // The errors never end the analysis: the operator keeps writing status while the bystander changes.
    for (const std::string name : {"one-mib", "four-mib"})
      cluster().create(res::modelDeployments(), hugeNs_, canaryJudgedBy(name, hugeNs_, prometheusMetric(backend.url() + "/" + name, 1000)));
    auto bystander = modelDeployment("bystander", "1.0.0", 1,
                                     canaryStrategy(Json::parse(R"([{"setWeight": 20}, {"pause": {"duration": "1h"}}])")));
    bystander["metadata"]["namespace"] = otherNs_;
    cluster().create(res::modelDeployments(), otherNs_, bystander);
    startOperator(args);
    ASSERT_TRUE(startCanaries(hugeNs_, {"one-mib", "four-mib"}));
    const std::vector<std::pair<std::string, std::string>> expected = {{"one-mib", "QueryError: bad_data (HTTP 400"},
                                                                       {"four-mib", fourMiBClass}};
    // Two answers each, so the operator has written such a verdict and then reconciled again after it.
    for (const auto& [name, want] : expected)
      ASSERT_TRUE(waitFor([&] {
        return statusText(hugeNs_, name).find(want) != std::string::npos && backend.requestsTo("/" + name).size() >= 2;
      }, 30s)) << name << ": " << statusText(hugeNs_, name) << "\n" << logTail();
    expectBystanderReconciledPromptly();
    for (const auto& [name, want] : expected) {
      const auto stored = mdIn(hugeNs_, name);
      const auto statusBytes = stored.value("status", Json::object()).dump().size();
      EXPECT_LE(statusBytes, 64u * 1024) << name << "'s status is " << statusBytes << " bytes";
      EXPECT_LT(stored.dump().size(), 128u * 1024) << name << " is " << stored.dump().size() << " bytes";
      EXPECT_EQ(objectAndEvents(hugeNs_, name).find(marker_), std::string::npos) << name << " carries the backend's error text";
    }
    EXPECT_EQ(op().logs().find(marker_), std::string::npos) << "the error text is in the operator's info log";
  }

  // The bystander's version change gets its canary Deployment within 5 s.
  void expectBystanderReconciledPromptly() {
    ASSERT_TRUE(waitFor([&] { return phaseOf(otherNs_, "bystander") == "Healthy"; }, 30s)) << statusText(otherNs_, "bystander");
    auto changed = std::chrono::steady_clock::now();
    ASSERT_EQ(cluster().mergePatch(res::modelDeployments(), otherNs_, "bystander",
                                   {{"spec", {{"model", {{"version", "2.0.0"}, {"uri", "s3://models/bystander/2.0.0"}}}}}}),
              "");
    auto canaryCreated = [&] {
      for (const auto& d : cluster().list(res::deployments(), otherNs_, "modelops.dev/name=bystander"))
        for (const auto& c : d["spec"]["template"]["spec"].value("containers", Json::array()))
          for (const auto& e : c.value("env", Json::array()))
            if (e.value("name", "") == "MODEL_VERSION" && e.value("value", "") == "2.0.0") return true;
      return false;
    };
    EXPECT_TRUE(waitFor(canaryCreated, 5s, 20ms)) << "the bystander's canary Deployment was not created within 5 s\n"
                                                    << logTail();
    RecordProperty("bystanderCanaryMs", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                             std::chrono::steady_clock::now() - changed).count()));
  }
};

// Default limits: 1 MiB is a QueryError; 4 MiB plus the JSON around it is over the 4 MiB response limit.
TEST_F(HugeProviderErrors, WithTheDefaultResponseLimit) { run({}, "ResponseTooLarge"); }

// An operator allowed to read 16 MiB answers parses the 4 MiB text too (the issue's 21 MB object): still
// only the error type and the HTTP status are kept.
TEST_F(HugeProviderErrors, WithALargerResponseLimitTheTextIsParsedAndStillNotKept) {
  run({"--provider-max-response-bytes=16777216"}, "QueryError: bad_data (HTTP 400");
}

// A Secret with `data` (values base64, as stored; the dev server does not turn stringData into data).
Json credentialSecret(const std::string& name, const Json& data, bool optIn) {
  Json s = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}, {"namespace", kNs}}},
            {"type", "Opaque"}, {"data", data}};
  if (optIn) s["metadata"]["labels"]["modelops.dev/provider-credentials"] = "true";
  return s;
}

// Monitoring of the stable version every second against `address`, with `auth` (a provider auth object).
Json monitoredWithAuth(const std::string& name, const std::string& address, const Json& auth) {
  auto metric = prometheusMetric(address, 1000);
  metric["provider"]["prometheus"]["auth"] = auth;
  auto md = modelDeployment(name, "1.0.0", 1, canaryStrategy(Json::parse(R"([{"setWeight": 50}])")),
                            {{"interval", "1s"}, {"metrics", {metric}}});
  md["spec"]["monitoring"] = {{"enabled", true}, {"onDegraded", "Alert"}};
  return md;
}

// Row 5: what arrives at the author's URL. Only opted-in Secrets are sent.
TEST_F(ProviderAnswers, OnlyOptedInCredentialsReachTheProvider) {
  ScriptedEndpoint listener;
  listener.answer("/", {200, "application/json", vectorAnswer("990", "1000")});
  cluster().create(res::secrets(), kNs, credentialSecret("app-token", {{"token", "dW5sYWJlbGxlZC10b2tlbi00YzFk"}}, false));
  cluster().create(res::secrets(), kNs, credentialSecret("metrics-token", {{"token", "b3B0ZWQtaW4tdG9rZW4tOWUyYg=="}}, true));
  cluster().create(res::secrets(), kNs, credentialSecret("metrics-basic", {{"username", "bW9kZWxvcHM="}, {"password", "cHctNWE3"}}, true));
  cluster().create(res::modelDeployments(), kNs,
                   monitoredWithAuth("steals", listener.url() + "/unlabelled", {{"bearerTokenSecretRef", {{"name", "app-token"}}}}));
  cluster().create(res::modelDeployments(), kNs,
                   monitoredWithAuth("bearer", listener.url() + "/bearer", {{"bearerTokenSecretRef", {{"name", "metrics-token"}}}}));
  cluster().create(res::modelDeployments(), kNs,
                   monitoredWithAuth("basic", listener.url() + "/basic", {{"basicAuthSecretRef", {{"name", "metrics-basic"}}}}));
  startOperator();

  auto carries = [&](const std::string& path, const std::string& authorization) {
    for (const auto& s : listener.requestsTo(path))
      if (s.authorization == authorization) return true;
    return false;
  };
  EXPECT_TRUE(waitFor([&] { return carries("/bearer", "Bearer opted-in-token-9e2b"); }, 30s)) << logTail();
  EXPECT_TRUE(waitFor([&] { return carries("/basic", "Basic bW9kZWxvcHM6cHctNWE3"); }, 30s))
      << logTail();
  // Several measurements of the unlabelled one have been refused by now (an Error each, monitoring goes on).
  EXPECT_TRUE(waitFor([&] {
    auto st = status("steals");
    return st.contains("analysis") && st["analysis"].value("consecutiveErrors", std::int64_t{0}) >= 3;
  }, 30s)) << status("steals").dump(1);
  EXPECT_NE(status("steals").dump().find("not usable"), std::string::npos) << status("steals").dump(1);
  for (const auto& s : listener.requests())
    EXPECT_EQ(s.allHeaders.find("unlabelled-token-4c1d"), std::string::npos) << s.path << " received the unlabelled token";
  for (const auto& s : listener.requestsTo("/unlabelled"))
    EXPECT_TRUE(s.authorization.empty()) << "/unlabelled received Authorization: " << s.authorization;
}

}  // namespace
}  // namespace modelops::itest::provider_answers
