// Process helpers of the scale benchmark; see processes.h.
#include "processes.h"

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <httplib.h>

#include "fakes/wait.h"

namespace modelops::scale {

using namespace std::chrono_literals;

std::string sourceDir() {
  const char* env = std::getenv("MODELOPS_SOURCE_DIR");
  return env && *env ? env : MODELOPS_DEFAULT_SOURCE_DIR;
}

std::string binaryDir() {
  const char* env = std::getenv("MODELOPS_BINARY_DIR");
  return env && *env ? env : MODELOPS_DEFAULT_BINARY_DIR;
}

ProcSample sampleProc(pid_t pid) {
  ProcSample s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rssKiB = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwmKiB = std::stol(line.substr(6));
  }
  std::ifstream statFile("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the command name may hold spaces: fields count from after it
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string x; fields >> x && f.size() < 13;) f.push_back(x);
    if (f.size() >= 13) {  // f[0] is field 3 (state): utime is field 14, stime 15
      double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
      s.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    }
  }
  return s;
}

bool AuditEntry::write() const {
  return !dryRun && (verb == "create" || verb == "update" || verb == "patch" || verb == "delete" ||
                     verb == "deletecollection");
}

// ---------------------------------------------------------------- DevServerProcess

DevServerProcess::DevServerProcess(const std::string& dir) : kubeconfig_(dir + "/devserver.kubeconfig") {
  // --ready-delay-ms 200: the Deployment simulation wakes every half ready delay (at least every 5 ms)
  // and walks every Deployment; 200 ms keeps that to 10 passes a second so that the server's own
  // background work does not compete with the operator being measured.
  std::vector<std::string> argv = {binaryDir() + "/bin/modelops-devserver", "--port", "0", "--bind", "127.0.0.1",
                                   "--kubeconfig-out", kubeconfig_, "--preload", sourceDir() + "/crds",
                                   "--ready-delay-ms", "200", "--log-level", "warn"};
  process_ = std::make_unique<itest::ChildProcess>(argv);
  if (!process_->started()) throw std::runtime_error("cannot start " + argv[0]);
  const std::string marker = "modelops-devserver ready url=";
  bool ready = process_->waitForOutput([&](const std::string& s) { return s.find(marker) != std::string::npos; }, 30s);
  if (!ready) throw std::runtime_error("modelops-devserver did not start:\n" + process_->err());
  auto out = process_->out();
  auto at = out.find(marker) + marker.size();
  url_ = out.substr(at, out.find(' ', at) - at);
  auto colon = url_.rfind(':');
  auto slashes = url_.find("://");
  host_ = url_.substr(slashes + 3, colon - slashes - 3);
  port_ = std::stoi(url_.substr(colon + 1));
}

DevServerProcess::~DevServerProcess() {
  if (process_ && process_->running()) process_->kill();
}

std::vector<AuditEntry> DevServerProcess::audit() const {
  httplib::Client c(host_, port_);
  c.set_connection_timeout(5);
  c.set_read_timeout(60);
  auto res = c.Get("/admin/audit");
  if (!res || res->status != 200) throw std::runtime_error("GET /admin/audit failed");
  auto body = Json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.contains("items")) throw std::runtime_error("GET /admin/audit: not a list");
  std::vector<AuditEntry> out;
  out.reserve(body["items"].size());
  for (const auto& r : body["items"]) {
    AuditEntry e;
    e.seq = r.value("seq", std::uint64_t{0});
    e.userAgent = r.value("userAgent", "");
    e.verb = r.value("verb", "");
    e.resource = r.value("resource", "");
    e.subresource = r.value("subresource", "");
    e.dryRun = r.value("dryRun", false);
    out.push_back(std::move(e));
  }
  return out;
}

void DevServerProcess::clearAudit() const {
  httplib::Client c(host_, port_);
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  auto res = c.Delete("/admin/audit");
  if (!res || res->status != 200) throw std::runtime_error("DELETE /admin/audit failed");
}

void DevServerProcess::stop() {
  if (!process_ || !process_->running()) return;
  process_->signal(SIGTERM);
  if (!process_->wait(30s)) process_->kill();
}

// ---------------------------------------------------------------- metrics

MetricsSnapshot::MetricsSnapshot(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    double v = std::strtod(line.c_str() + space + 1, nullptr);
    samples_.emplace_back(line.substr(0, space), v);
  }
}

namespace {
// "name" or "name{...}" matches `name` exactly (not a longer name with that prefix).
bool sampleOf(const std::string& sample, const std::string& name) {
  return sample.rfind(name, 0) == 0 && (sample.size() == name.size() || sample[name.size()] == '{');
}
}  // namespace

double MetricsSnapshot::sum(const std::string& name) const {
  double total = 0;
  for (const auto& [s, v] : samples_)
    if (sampleOf(s, name)) total += v;
  return total;
}

std::map<double, double> MetricsSnapshot::buckets(const std::string& name) const {
  std::map<double, double> out;
  const std::string bucket = name + "_bucket";
  for (const auto& [s, v] : samples_) {
    if (!sampleOf(s, bucket)) continue;
    auto le = s.find("le=\"");
    if (le == std::string::npos) continue;
    auto value = s.substr(le + 4, s.find('"', le + 4) - le - 4);
    double bound = value == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(value.c_str(), nullptr);
    out[bound] += v;
  }
  return out;
}

double histogramQuantile(const std::map<double, double>& before, const std::map<double, double>& after, double q) {
  std::vector<std::pair<double, double>> cumulative;  // (upper bound, count) of the observations in between
  for (const auto& [le, count] : after) {
    auto b = before.find(le);
    cumulative.emplace_back(le, count - (b == before.end() ? 0 : b->second));
  }
  if (cumulative.empty() || cumulative.back().second <= 0) return std::nan("");
  double rank = q * cumulative.back().second;
  double lower = 0, below = 0;
  for (const auto& [le, count] : cumulative) {
    if (count >= rank) {
      if (std::isinf(le)) return lower;  // in the overflow bucket: the highest finite bound
      double inBucket = count - below;
      return inBucket <= 0 ? le : lower + (le - lower) * (rank - below) / inBucket;
    }
    lower = le;
    below = count;
  }
  return lower;
}

// ---------------------------------------------------------------- OperatorProcess

OperatorProcess::OperatorProcess(const std::string& kubeconfig, const std::vector<std::string>& extraArgs) {
  std::vector<std::string> argv = {binaryDir() + "/bin/modelops-operator", "--kubeconfig", kubeconfig,
                                   "--metrics-bind-address", "127.0.0.1:0", "--health-probe-bind-address",
                                   "127.0.0.1:0", "--log-format", "json",
                                   "--webhook-bind-address=0"};  // no ValidatingWebhookConfiguration here
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<itest::ChildProcess>(argv);
  if (!process_->started()) throw std::runtime_error("cannot start " + argv[0]);
  const std::string serving = "\"msg\":\"serving\"";
  if (!process_->waitForOutput([&](const std::string& s) { return s.find(serving) != std::string::npos; }, 30s))
    throw std::runtime_error("modelops-operator did not log \"serving\":\n" + logTail());
  std::istringstream lines(process_->out() + process_->err());
  for (std::string line; std::getline(lines, line);) {
    if (line.find(serving) == std::string::npos) continue;
    auto j = Json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.contains("port") && j["port"].is_number_integer()) port_ = j["port"].get<int>();
  }
  if (port_ <= 0) throw std::runtime_error("no port in the operator's \"serving\" line:\n" + logTail());
}

OperatorProcess::~OperatorProcess() {
  if (process_ && process_->running()) process_->kill();
}

MetricsSnapshot OperatorProcess::scrape() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  auto res = c.Get("/metrics");
  return MetricsSnapshot(res && res->status == 200 ? res->body : "");
}

bool OperatorProcess::ready() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  auto res = c.Get("/readyz");
  return res && res->status == 200;
}

std::string OperatorProcess::logTail(std::size_t bytes) const {
  auto all = process_->out() + process_->err();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

std::optional<int> OperatorProcess::stop(std::chrono::milliseconds timeout) {
  if (!process_->running()) return process_->wait(0ms);
  process_->signal(SIGTERM);
  auto code = process_->wait(timeout);
  if (!code) process_->kill();
  return code;
}

}  // namespace modelops::scale
