// Cluster, OperatorProcess, audit helpers and WatchRecorder; see cluster.h.
#include "cluster.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "modelops/kube/factory.h"
#include "fakes/wait.h"

namespace modelops::itest {

using namespace std::chrono_literals;

std::string sourceDir() {
  const char* s = std::getenv("MODELOPS_SOURCE_DIR");
  return s ? s : ".";
}

std::string binaryDir() {
  const char* s = std::getenv("MODELOPS_BINARY_DIR");
  return s ? s : ".";
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "modelops-itest-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

// ---------------------------------------------------------------- Cluster

Cluster::Cluster(ClusterOptions options) {
  devserver::DevServerOptions o;
  o.port = 0;
  o.readyDelay = options.readyDelay;
  o.threads = 64;
  o.preload = {sourceDir() + "/crds/modelops.dev_modeldeployments.yaml", sourceDir() + "/crds/testing"};
  auto started = devserver::DevServer::start(o);
  if (!started) throw std::runtime_error("dev server: " + started.error().message);
  server_ = std::move(started).value();
  kubeconfig_ = dir_.file("kubeconfig");
  if (auto w = server_->writeKubeconfig(kubeconfig_); !w) throw std::runtime_error("kubeconfig: " + w.error().message);
  kube::ClientConfig cfg;
  cfg.server = server_->url();
  cfg.qps = 0;
  cfg.userAgent = "modelops-itest/1";
  cfg.maxAttempts = 3;
  auto client = kube::makeKubeClient(cfg, clock_);
  if (!client) throw std::runtime_error("client: " + client.error().message);
  client_ = std::move(client).value();
  bool served = waitFor([&] {
    return client_->list(kube::resources::modelDeployments(), "default").ok() &&
           client_->list(kube::resources::httpRoutes(), "default").ok() &&
           client_->list(kube::resources::virtualServices(), "default").ok();
  }, 10s);
  if (!served) throw std::runtime_error("the preloaded CRDs were not served");
}

Cluster::~Cluster() {
  client_.reset();
  if (server_) server_->stop();
}

Json Cluster::get(const kube::Resource& r, const std::string& ns, const std::string& name) {
  auto got = client_->get(r, ns, name);
  return got ? *got : Json();
}

std::vector<Json> Cluster::list(const kube::Resource& r, const std::string& ns, const std::string& labelSelector) {
  kube::ListOptions opts;
  opts.labelSelector = labelSelector;
  auto got = client_->list(r, ns, opts);
  return got ? got->items : std::vector<Json>{};
}

Json Cluster::create(const kube::Resource& r, const std::string& ns, const Json& object) {
  auto created = client_->create(r, ns, object);
  if (!created) throw std::runtime_error("create " + r.plural + ": " + created.error().describe());
  return *created;
}

std::string Cluster::mergePatch(const kube::Resource& r, const std::string& ns, const std::string& name,
                                const Json& patch) {
  auto done = client_->patch(r, ns, name, kube::PatchType::Merge, patch);
  return done ? "" : done.error().describe();
}

std::vector<Json> Cluster::eventsFor(const std::string& ns, const std::string& name) {
  kube::ListOptions opts;
  opts.fieldSelector = "involvedObject.name=" + name;
  auto got = client_->list(kube::resources::events(), ns, opts);
  return got ? got->items : std::vector<Json>{};
}

// ---------------------------------------------------------------- OperatorProcess

OperatorProcess::OperatorProcess(const Cluster& cluster, const std::vector<std::string>& extraArgs) {
  std::vector<std::string> argv = {binaryDir() + "/bin/modelops-operator", "--kubeconfig", cluster.kubeconfig(),
                                   "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address",
                                   "127.0.0.1:0", "--log-format", "json",
                                   "--webhook-bind-address=0"};  // the webhook's own tests turn it on
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<ChildProcess>(argv);
  if (!process_->started()) throw std::runtime_error("cannot start " + argv[0]);
  bool serving = process_->waitForOutput([](const std::string& s) { return s.find("\"msg\":\"serving\"") != std::string::npos; }, 15s);
  if (!serving) throw std::runtime_error("modelops-operator did not log \"serving\":\n" + logs());
  std::istringstream lines(logs());
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"msg\":\"serving\"") == std::string::npos) continue;
    auto j = Json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("port") && j["port"].is_number_integer()) port_ = j["port"].get<int>();
  }
  if (port_ <= 0) throw std::runtime_error("no port in the operator's \"serving\" line:\n" + logs());
}

bool OperatorProcess::logContains(const std::string& text) const { return logs().find(text) != std::string::npos; }

bool OperatorProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) {
  return process_->waitForOutput([&](const std::string& s) { return s.find(text) != std::string::npos; }, timeout);
}

std::string OperatorProcess::scrapeMetrics() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(2);
  auto res = c.Get("/metrics");
  return res && res->status == 200 ? res->body : "";
}

double OperatorProcess::metric(const std::string& name) const {
  std::istringstream lines(scrapeMetrics());
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || !line.starts_with(name)) continue;
    auto rest = line.substr(name.size());
    if (!rest.empty() && rest[0] != '{' && rest[0] != ' ') continue;  // a longer name with this prefix
    auto space = line.rfind(' ');
    try {
      sum += std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  return sum;
}

// ---------------------------------------------------------------- audit

bool isOperatorRequest(const devserver::AuditRecord& r) { return r.userAgent.starts_with("modelops/"); }

bool isWrite(const devserver::AuditRecord& r) {
  return !r.dryRun && (r.verb == "create" || r.verb == "update" || r.verb == "patch" || r.verb == "delete" ||
                       r.verb == "deletecollection");
}

std::vector<devserver::AuditRecord> operatorWrites(const devserver::AuditLog& audit, std::uint64_t afterSeq) {
  std::vector<devserver::AuditRecord> out;
  for (auto& r : audit.records())
    if (r.seq > afterSeq && isOperatorRequest(r) && isWrite(r)) out.push_back(r);
  return out;
}

std::uint64_t lastSeq(const devserver::AuditLog& audit) {
  auto records = audit.records();
  return records.empty() ? 0 : records.back().seq;
}

std::string describe(const std::vector<devserver::AuditRecord>& records) {
  std::string out;
  for (const auto& r : records)
    out += "  #" + std::to_string(r.seq) + " " + r.userAgent + " " + r.verb + " " + r.resource +
           (r.subresource.empty() ? "" : "/" + r.subresource) + " " + r.ns + "/" + r.name + " -> " +
           std::to_string(r.code) + (r.changed ? " changed" : "") + (r.specChanged ? " specChanged" : "") + "\n";
  return out;
}

std::vector<devserver::AuditRecord> operatorSpecWrites(const devserver::AuditLog& audit) {
  std::vector<devserver::AuditRecord> out;
  for (auto& r : audit.records())
    if (isOperatorRequest(r) && isWrite(r) && r.resource == "modeldeployments" && r.subresource != "status")
      out.push_back(r);
  return out;
}

// ---------------------------------------------------------------- WatchRecorder

WatchRecorder::WatchRecorder(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns) {
  // Lists once here, on the caller's thread, so the starting point is fixed before the constructor returns.
  auto listFrom = [this, &client, resource, ns]() -> std::string {
    auto listed = client.list(resource, ns);
    if (!listed) {
      std::lock_guard lock(mu_);
      lastError_ = "list: " + listed.error().describe();
      return "";
    }
    std::lock_guard lock(mu_);
    for (const auto& item : listed->items) seen_.emplace_back(item["metadata"].value("name", ""), item);
    return listed->resourceVersion;
  };
  std::string rv = listFrom();
  thread_ = std::thread([this, &client, resource, ns, rv, listFrom]() mutable {
    while (!cancel_.cancelled()) {
      if (rv.empty()) {  // no starting point (expired or the list failed): list again, a possible gap
        rv = listFrom();
        if (rv.empty()) {
          cancel_.waitFor(100ms);
          continue;
        }
      }
      kube::WatchOptions opts;
      opts.resourceVersion = rv;
      opts.timeoutSeconds = 60;
      auto r = client.watch(resource, ns, opts, [&](const kube::WatchEvent& e) {
        if (e.type == kube::WatchEvent::Type::Error) {
          std::lock_guard lock(mu_);
          ++gaps_;
          lastError_ = "watch: " + (e.object.is_object() ? e.object.value("message", std::string("error event")) : e.object.dump());
          rv.clear();
          return false;
        }
        const auto& meta = e.object.value("metadata", Json::object());
        rv = meta.value("resourceVersion", rv);
        if (e.type == kube::WatchEvent::Type::Added || e.type == kube::WatchEvent::Type::Modified) {
          std::lock_guard lock(mu_);
          seen_.emplace_back(meta.value("name", ""), e.object);
        }
        return !cancel_.cancelled();
      }, cancel_);
      if (!r && !cancel_.cancelled()) {
        {
          std::lock_guard lock(mu_);
          lastError_ = "watch: " + r.error().describe();
        }
        cancel_.waitFor(100ms);
      }
    }
  });
}

WatchRecorder::~WatchRecorder() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

bool WatchRecorder::waitForVersion(const std::string& name, const std::string& resourceVersion,
                                   std::chrono::milliseconds timeout) const {
  return waitFor([&] {
    std::lock_guard lock(mu_);
    for (const auto& [n, o] : seen_)
      if (n == name && o["metadata"].value("resourceVersion", "") == resourceVersion) return true;
    return false;
  }, timeout, 10ms);
}

int WatchRecorder::gaps() const {
  std::lock_guard lock(mu_);
  return gaps_;
}

std::string WatchRecorder::lastError() const {
  std::lock_guard lock(mu_);
  return lastError_;
}

std::vector<Json> WatchRecorder::versions(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  for (const auto& [n, o] : seen_)
    if (n == name) out.push_back(o);
  return out;
}

}  // namespace modelops::itest
