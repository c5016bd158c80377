// Validating admission webhook calls; see admission.h.
// Thread-safety: admit() reads the store (its own lock) and makes calls with per-call clients.
#include "admission.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>

#include <httplib.h>

#include "modelops/apimachinery/label_selector.h"
#include "modelops/common/certificates.h"
#include "modelops/common/logging.h"
#include "store.h"

namespace modelops::devserver {

namespace {

constexpr const char* kWebhookConfigurationsKey = "admissionregistration.k8s.io/validatingwebhookconfigurations";
constexpr int kDefaultTimeoutSeconds = 10;
constexpr int kMaxTimeoutSeconds = 30;
constexpr std::size_t kMaxResponseBytes = 4 << 20;

bool ruleListHas(const Json& list, const std::string& value) {
  if (!list.is_array()) return false;
  return std::any_of(list.begin(), list.end(),
                     [&](const Json& v) { return v.is_string() && (v == "*" || v == value); });
}

bool resourceMatches(const Json& resources, const std::string& resource, const std::string& subresource) {
  if (!resources.is_array()) return false;
  for (const auto& r : resources) {
    if (!r.is_string()) continue;
    std::string want = r.get<std::string>();
    auto slash = want.find('/');
    std::string res = want.substr(0, slash);
    std::string sub = slash == std::string::npos ? "" : want.substr(slash + 1);
    bool resOk = res == "*" || res == resource;
    // "res" and "*" name no subresource; "res/sub", "res/*" and "*/*" name them.
    bool subOk = slash == std::string::npos ? subresource.empty() : (sub == "*" || sub == subresource);
    if (resOk && subOk) return true;
  }
  return false;
}

bool ruleMatches(const Json& rule, const AdmissionAttributes& a) {
  if (!rule.is_object()) return false;
  std::string scope = rule.contains("scope") && rule["scope"].is_string() ? rule["scope"].get<std::string>() : "*";
  if (scope == "Cluster" && a.namespaced) return false;
  if (scope == "Namespaced" && !a.namespaced) return false;
  return ruleListHas(rule.value("operations", Json()), a.operation) && ruleListHas(rule.value("apiGroups", Json()), a.group) &&
         ruleListHas(rule.value("apiVersions", Json()), a.version) &&
         resourceMatches(rule.value("resources", Json()), a.resource, a.subresource);
}

// An absent selector matches everything; one that does not parse matches nothing (fail closed: the
// API server would have refused to store it).
bool selectorMatches(const Json& webhook, const char* key, const Json& labels) {
  if (!webhook.contains(key) || webhook[key].is_null()) return true;
  auto selector = apimachinery::labelSelectorFromJson(webhook[key]);
  return selector.ok() && selector->matches(labels.is_object() ? labels : Json::object());
}

Json hookLabels(const Json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return Json::object();
  const Json& meta = object["metadata"];
  return meta.contains("labels") && meta["labels"].is_object() ? meta["labels"] : Json::object();
}

std::string hookString(const Json& obj, const char* key, const std::string& fallback = "") {
  return obj.is_object() && obj.contains(key) && obj[key].is_string() ? obj[key].get<std::string>() : fallback;
}

struct WebhookTarget {
  std::string host;         // the name the certificate is verified against
  int port = 443;
  std::string connectHost;  // where the connection goes
  int connectPort = 443;
  std::string path;
  std::string url;          // for messages
};

std::optional<std::pair<std::string, int>> splitWebhookHostPort(const std::string& text, int defaultPort) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    std::string host = text.substr(1, close - 1);
    if (close + 1 == text.size()) return std::make_pair(host, defaultPort);
    if (text[close + 1] != ':') return std::nullopt;
    return std::make_pair(host, std::atoi(text.c_str() + close + 2));
  }
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::make_pair(text, defaultPort);
  int port = std::atoi(text.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return std::nullopt;
  return std::make_pair(text.substr(0, colon), port);
}

Result<WebhookTarget> webhookTarget(const Json& clientConfig, const std::map<std::string, std::string>& serviceAddresses,
                            int timeoutSeconds) {
  WebhookTarget t;
  std::string query = "?timeout=" + std::to_string(timeoutSeconds) + "s";
  if (clientConfig.contains("url")) {
    std::string url = hookString(clientConfig, "url");
    if (url.rfind("https://", 0) != 0) return Error{"InvalidInput", "webhook url \"" + url + "\" is not https"};
    auto slash = url.find('/', 8);
    auto hostPort = splitWebhookHostPort(url.substr(8, slash == std::string::npos ? std::string::npos : slash - 8), 443);
    if (!hostPort) return Error{"InvalidInput", "webhook url \"" + url + "\" has no valid host"};
    t.host = t.connectHost = hostPort->first;
    t.port = t.connectPort = hostPort->second;
    t.path = (slash == std::string::npos ? "/" : url.substr(slash)) + query;
    t.url = url + query;
    return t;
  }
  const Json service = clientConfig.value("service", Json());
  std::string ns = hookString(service, "namespace"), name = hookString(service, "name");
  if (ns.empty() || name.empty()) return Error{"InvalidInput", "clientConfig needs url or service {namespace, name}"};
  t.host = name + "." + ns + ".svc";
  t.port = service.contains("port") && service["port"].is_number_integer() ? service["port"].get<int>() : 443;
  t.path = hookString(service, "path", "/") + query;
  t.url = "https://" + t.host + ":" + std::to_string(t.port) + t.path;
  auto address = serviceAddresses.find(ns + "/" + name);
  if (address == serviceAddresses.end())
    return Error{"Unresolvable", "Post \"" + t.url + "\": service " + ns + "/" + name +
                                     " has no address in the dev server (--webhook-service " + ns + "/" + name +
                                     "=HOST:PORT)"};
  auto hostPort = splitWebhookHostPort(address->second, 443);
  if (!hostPort) return Error{"InvalidInput", "bad webhook service address " + address->second};
  t.connectHost = hostPort->first;
  t.connectPort = hostPort->second;
  return t;
}

// A private file with the CA bundle (httplib 0.11.4's CA store setter would also trust the system CAs).
class WebhookCaFile {
 public:
  explicit WebhookCaFile(const std::string& pem) {
    char tmpl[] = "/tmp/modelops-devserver-webhook-ca-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) return;
    bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
    ::close(fd);
    path_ = tmpl;
    ok_ = ok;
  }
  ~WebhookCaFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool ok_ = false;
};

std::string newReviewUid() {
  static std::atomic<std::uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[40];
  std::uint64_t a = rng(), b = rng() ^ counter.fetch_add(1);
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a & 0xffff), static_cast<unsigned>((a >> 16) & 0xfff),
                static_cast<unsigned>(b & 0xfff), static_cast<unsigned long long>(b >> 16 & 0xffffffffffffULL));
  return buf;
}

int hookTimeoutSeconds(const Json& webhook) {
  if (!webhook.contains("timeoutSeconds") || !webhook["timeoutSeconds"].is_number_integer()) return kDefaultTimeoutSeconds;
  return std::clamp(webhook["timeoutSeconds"].get<int>(), 1, kMaxTimeoutSeconds);
}

std::string describeCallError(httplib::Error error, std::chrono::steady_clock::duration elapsed, int timeoutSeconds) {
  // httplib reports a timed-out read or TLS handshake as a plain read/connection error: the clock tells.
  if (error == httplib::Error::ConnectionTimeout ||
      elapsed + std::chrono::milliseconds(100) >= std::chrono::seconds(timeoutSeconds))
    return "context deadline exceeded";
  if (error == httplib::Error::Connection) return "dial tcp: connect: connection refused";
  if (error == httplib::Error::SSLServerVerification) return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
  return httplib::to_string(error);
}

}  // namespace

bool webhookMatches(const Json& webhook, const AdmissionAttributes& a) {
  if (!webhook.is_object()) return false;
  const Json rules = webhook.value("rules", Json::array());
  bool ruleHit = rules.is_array() && std::any_of(rules.begin(), rules.end(), [&](const Json& r) { return ruleMatches(r, a); });
  if (!ruleHit) return false;
  if (a.namespaced && !selectorMatches(webhook, "namespaceSelector", a.namespaceLabels)) return false;
  return selectorMatches(webhook, "objectSelector", hookLabels(a.object)) ||
         (!a.oldObject.is_null() && selectorMatches(webhook, "objectSelector", hookLabels(a.oldObject)));
}

std::optional<std::string> parseServiceAddress(const std::string& text, std::map<std::string, std::string>& out) {
  auto eq = text.find('=');
  auto slash = text.find('/');
  if (eq == std::string::npos || slash == std::string::npos || slash > eq || slash == 0 || slash + 1 == eq)
    return "--webhook-service: expected NAMESPACE/NAME=HOST:PORT, got \"" + text + "\"";
  std::string address = text.substr(eq + 1);
  if (!splitWebhookHostPort(address, 443) || address.find(':') == std::string::npos)
    return "--webhook-service: bad HOST:PORT in \"" + text + "\"";
  out[text.substr(0, eq)] = address;
  return std::nullopt;
}

std::optional<ApiStatus> ValidatingWebhooks::admitWrite(const ResourceType& type, const std::string& operation,
                                                        const std::string& subresource, const std::string& ns,
                                                        const Json& object, const Json* old,
                                                        const WriteOptions& opts) const {
  AdmissionAttributes a{type.group, type.version, type.plural, subresource, operation, type.namespaced, object,
                        old ? ApiCore::forVersion(type, *old) : Json(), Json::object()};
  if (type.namespaced) a.namespaceLabels = hookLabels(store_.get("/namespaces", "", ns).value_or(Json()));
  return admit(a, type.kind, type.namespaced ? ns : "", hookString(object.value("metadata", Json()), "name"), opts.dryRun,
               opts.warnings);
}

std::optional<ApiStatus> ValidatingWebhooks::admit(const AdmissionAttributes& a, const std::string& kind,
                                                   const std::string& ns, const std::string& name, bool dryRun,
                                                   std::vector<std::string>* warnings) const {
  auto configurations = store_.all(kWebhookConfigurationsKey);
  if (configurations.empty()) return std::nullopt;
  Json review = {
      {"apiVersion", "admission.k8s.io/v1"},
      {"kind", "AdmissionReview"},
      {"request",
       {{"kind", {{"group", a.group}, {"version", a.version}, {"kind", kind}}},
        {"resource", {{"group", a.group}, {"version", a.version}, {"resource", a.resource}}},
        {"requestKind", {{"group", a.group}, {"version", a.version}, {"kind", kind}}},
        {"requestResource", {{"group", a.group}, {"version", a.version}, {"resource", a.resource}}},
        {"name", name},
        {"operation", a.operation},
        {"userInfo", {{"username", "devserver-user"}, {"groups", {"system:authenticated"}}}},
        {"object", a.object},
        {"oldObject", a.oldObject},
        {"dryRun", dryRun},
        {"options", {{"apiVersion", "meta.k8s.io/v1"}, {"kind", a.operation == "CREATE" ? "CreateOptions" : "UpdateOptions"}}}}}};
  if (!a.subresource.empty()) review["request"]["subResource"] = a.subresource;
  if (a.namespaced) review["request"]["namespace"] = ns;
  for (const auto& configuration : configurations) {
    const Json webhooks = configuration.value("webhooks", Json::array());
    if (!webhooks.is_array()) continue;
    for (const auto& webhook : webhooks) {
      if (!webhookMatches(webhook, a)) continue;
      review["request"]["uid"] = newReviewUid();
      if (auto refused = call(webhook, review, warnings)) return refused;
    }
  }
  return std::nullopt;
}

namespace {

// The webhook's verdict from its HTTP answer: nullopt when allowed, else the refusal; an error
// string when the answer is not a usable AdmissionReview.
Result<std::optional<ApiStatus>> verdictOf(const std::string& webhookName, const std::string& body,
                                           const std::string& uid, std::vector<std::string>* warnings) {
  Json answer = Json::parse(body, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("response") || !answer["response"].is_object())
    return Error{"BadResponse", "received invalid webhook response: the body is not an AdmissionReview"};
  const Json& response = answer["response"];
  if (hookString(answer, "apiVersion") != "admission.k8s.io/v1" || hookString(answer, "kind") != "AdmissionReview")
    return Error{"BadResponse", "received invalid webhook response: expected admission.k8s.io/v1 AdmissionReview"};
  if (hookString(response, "uid") != uid)
    return Error{"BadResponse", "received invalid webhook response: expected response.uid=\"" + uid + "\", got \"" +
                                    hookString(response, "uid").substr(0, 100) + "\""};
  if (!response.contains("allowed") || !response["allowed"].is_boolean())
    return Error{"BadResponse", "received invalid webhook response: response.allowed is not a boolean"};
  if (warnings && response.contains("warnings") && response["warnings"].is_array())
    for (const auto& w : response["warnings"])
      if (w.is_string() && warnings->size() < 50) warnings->push_back(w.get<std::string>().substr(0, 1024));
  if (response["allowed"].get<bool>()) return std::optional<ApiStatus>();
  // kube-apiserver's ToStatusErr: the webhook's Status, code >= 400, message prefixed.
  const Json status = response.value("status", Json::object());
  ApiStatus refusal;
  int code = status.contains("code") && status["code"].is_number_integer() ? status["code"].get<int>() : 0;
  refusal.code = code < 400 || code > 599 ? 400 : code;
  refusal.reason = hookString(status, "reason");
  std::string deniedBy = "admission webhook \"" + webhookName + "\" denied the request";
  std::string message = hookString(status, "message");
  refusal.message = !message.empty() ? deniedBy + ": " + message
                    : !refusal.reason.empty() ? deniedBy + ": " + refusal.reason
                                              : deniedBy + " without explanation";
  const Json details = status.value("details", Json());
  if (details.is_object()) {
    refusal.name = hookString(details, "name");
    refusal.group = hookString(details, "group");
    refusal.kind = hookString(details, "kind");
    const Json causes = details.value("causes", Json());
    if (causes.is_array())
      for (const auto& c : causes)
        if (c.is_object() && refusal.causes.size() < 100)
          refusal.causes.push_back({hookString(c, "type"), hookString(c, "message"), hookString(c, "field")});
  }
  return std::optional<ApiStatus>(refusal);
}

}  // namespace

std::optional<ApiStatus> ValidatingWebhooks::call(const Json& webhook, const Json& review,
                                                  std::vector<std::string>* warnings) const {
  const std::string name = hookString(webhook, "name", "(unnamed)");
  const bool failOpen = hookString(webhook, "failurePolicy", "Fail") == "Ignore";
  const int timeout = hookTimeoutSeconds(webhook);
  auto failed = [&](const std::string& reason) -> std::optional<ApiStatus> {
    std::string message = "failed calling webhook \"" + name + "\": " + reason;
    if (failOpen) {
      logWarn("admission webhook failed; admitted under failurePolicy Ignore", {{"webhook", name}, {"err", message}});
      return std::nullopt;
    }
    return internalError(message);
  };
  const Json clientConfig = webhook.value("clientConfig", Json::object());
  auto target = webhookTarget(clientConfig, serviceAddresses_, timeout);
  if (!target) return failed("failed to call webhook: " + target.error().message);
  std::string caPem;
  if (clientConfig.contains("caBundle") && clientConfig["caBundle"].is_string()) {
    auto decoded = certs::base64Decode(clientConfig["caBundle"].get<std::string>());
    if (!decoded) return failed("failed to call webhook: clientConfig.caBundle: " + decoded.error().message);
    caPem = std::move(decoded).value();
  }
  WebhookCaFile caFile(caPem);
  httplib::SSLClient client(target->host, target->connectPort);
  if (target->connectHost != target->host) client.set_hostname_addr_map({{target->host, target->connectHost}});
  client.enable_server_certificate_verification(true);
  if (!caPem.empty()) {
    if (!caFile.ok()) return failed("failed to call webhook: cannot store the CA bundle");
    client.set_ca_cert_path(caFile.path().c_str());
  }
  client.set_connection_timeout(timeout, 0);
  client.set_read_timeout(timeout, 0);
  client.set_write_timeout(timeout, 0);
  auto started = std::chrono::steady_clock::now();
  auto result = client.Post(
      target->path, httplib::Headers{{"Accept", "application/json"}}, review.dump(), "application/json");
  if (!result) {
    return failed("failed to call webhook: Post \"" + target->url +
                  "\": " + describeCallError(result.error(), std::chrono::steady_clock::now() - started, timeout));
  }
  if (result->body.size() > kMaxResponseBytes) return failed("failed to call webhook: the response is larger than 4 MiB");
  if (result->status != 200)
    return failed("failed to call webhook: the server responded with status code " + std::to_string(result->status));
  auto verdict = verdictOf(name, result->body, hookString(review["request"], "uid"), warnings);
  if (!verdict) return failed(verdict.error().message);
  return *verdict;
}

}  // namespace modelops::devserver
