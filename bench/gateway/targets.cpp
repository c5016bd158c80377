// The benchmark's processes and fixtures; see targets.h.
#include "targets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <httplib.h>

#include "fakes/wait.h"

namespace modelops::gwbench {

using namespace std::chrono_literals;

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

std::string tail(const testing::ChildProcess& p, std::size_t bytes) {
  auto all = p.out() + p.err();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out += alphabet[(v >> s) & 63];
  }
  if (std::size_t left = bytes.size() - i; left > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// POST (or PUT) `body` to the dev server; throws with the answer unless 2xx.
Json send(httplib::Client& c, const std::string& method, const std::string& path, const Json& body) {
  auto res = method == "PUT" ? c.Put(path, body.dump(), "application/json") : c.Post(path, body.dump(), "application/json");
  if (!res) throw std::runtime_error(method + " " + path + ": no answer from the dev server");
  if (res->status / 100 != 2) throw std::runtime_error(method + " " + path + ": HTTP " + std::to_string(res->status) + " " + res->body);
  return Json::parse(res->body, nullptr, false);
}

}  // namespace

int freeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool acceptsConnections(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = loopback(port);
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

long rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// ---------------------------------------------------------------- upstream

UpstreamProcess::UpstreamProcess(const std::string& binary, int threads) {
  process_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{binary, "--port", "0", "--threads", std::to_string(threads)});
  const std::string marker = "bench-upstream ready port=";
  if (!process_->started() ||
      !process_->waitForOutput([&](const std::string& s) { return s.find(marker) != std::string::npos; }, 10s))
    throw std::runtime_error("bench-upstream did not start (" + binary + "):\n" + tail(*process_, 2000));
  auto out = process_->out();
  port_ = std::stoi(out.substr(out.find(marker) + marker.size()));
}

// ---------------------------------------------------------------- nginx

NginxProcess::NginxProcess(const std::string& binary, const std::string& dir, int upstreamPort, int workers) {
  std::filesystem::create_directories(dir + "/tmp");
  port_ = freeLoopbackPort();
  std::ofstream conf(dir + "/nginx.conf");
  // As root, nginx's workers would switch to "nobody" and lose access to DIR; stay the invoking user.
  if (geteuid() == 0) conf << "user root;\n";
  conf << "worker_processes " << workers << ";\n"
       << "pid " << dir << "/nginx.pid;\nerror_log " << dir << "/error.log warn;\n"
       << "events { worker_connections 4096; }\n"
       << "http {\n  access_log off;\n"
       << "  client_body_temp_path " << dir << "/tmp/body;\n  proxy_temp_path " << dir << "/tmp/proxy;\n"
       << "  fastcgi_temp_path " << dir << "/tmp/fastcgi;\n  uwsgi_temp_path " << dir << "/tmp/uwsgi;\n"
       << "  scgi_temp_path " << dir << "/tmp/scgi;\n"
       // keepalive_requests: the 1.22 default (1000) would reconnect every 1000 requests, which the
       // gateway does not do; the baseline keeps its connections like the gateway.
       << "  keepalive_requests 1000000;\n"
       << "  upstream model {\n    server 127.0.0.1:" << upstreamPort << ";\n    keepalive 64;\n"
       << "    keepalive_requests 1000000;\n  }\n"
       << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    location / {\n      proxy_pass http://model;\n"
       << "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }\n  }\n}\n";
  conf.close();
  testing::ChildProcessOptions options;
  options.ownProcessGroup = true;  // the workers are stopped with the master
  options.terminateGrace = 5000ms;
  process_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{binary, "-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"}, options);
  if (!process_->started() || !modelops::testing::waitFor([&] { return acceptsConnections(port_); }, 10s))
    throw std::runtime_error("nginx did not start:\n" + tail(*process_, 2000));
}

NginxProcess::~NginxProcess() {
  if (process_ && process_->running()) process_->terminate(5000ms);
}

long NginxProcess::rssKiB() const {
  long total = gwbench::rssKiB(process_->pid());
  DIR* proc = opendir("/proc");
  if (!proc) return total;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::ifstream statFile(std::string("/proc/") + e->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    if (fields >> state >> parent && parent == process_->pid()) total += gwbench::rssKiB(std::atoi(e->d_name));
  }
  closedir(proc);
  return total;
}

// ---------------------------------------------------------------- gateway fixture

void GatewayFixture::apply(const std::string& devserverUrl) const {
  httplib::Client c(devserverUrl);
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  send(c, "POST", "/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  std::random_device entropy;
  std::string key(32, '\0');
  for (auto& ch : key) ch = static_cast<char>(entropy() & 0xff);
  send(c, "POST", "/api/v1/namespaces/" + ns + "/secrets",
       {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", keySecret}, {"namespace", ns}}},
        {"type", "Opaque"}, {"data", {{"current", base64(key)}}}});
  Json md = {
      {"apiVersion", "modelops.dev/v1alpha1"},
      {"kind", "ModelDeployment"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"replicas", 1},
        {"model", {{"version", "1.0.0"}, {"uri", "s3://models/" + name + "/1.0.0"}}},
        {"template",
         {{"spec", {{"containers", {{{"name", "server"}, {"image", "registry.example/model-server:1.0"},
                                     {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}}}}}}}},
        {"service", {{"port", 80}, {"targetPort", 8080}}},
        {"strategy", {{"canary", {{"steps", {{{"setWeight", 10}}}}, {"trafficRouting", {{"gateway", Json::object()}}}}}}}}}};
  const std::string base = "/apis/modelops.dev/v1alpha1/namespaces/" + ns + "/modeldeployments";
  Json created = send(c, "POST", base, md);
  created["status"] = {{"phase", "Healthy"},
                       {"observedGeneration", 1},
                       {"stable", {{"revision", 1}, {"version", "1.0.0"}, {"hash", "bench1"}, {"weight", 100}}}};
  send(c, "PUT", base + "/" + name + "/status", created);
}

// ---------------------------------------------------------------- gateway

GatewayProcess::GatewayProcess(const std::string& binary, const std::string& kubeconfig, const GatewayFixture& fixture,
                               int upstreamPort, int ioThreads, const std::vector<std::string>& extraArgs) {
  port_ = freeLoopbackPort();
  std::vector<std::string> argv = {binary,
                                   "--kubeconfig", kubeconfig,
                                   "--listen-address", "127.0.0.1:" + std::to_string(port_),
                                   "--namespace", fixture.ns,
                                   "--service-address",
                                   fixture.ns + "/" + fixture.stableService() + "=127.0.0.1:" + std::to_string(upstreamPort),
                                   "--key-secret", fixture.keySecret,
                                   "--io-threads", std::to_string(ioThreads),
                                   "--log-level", "warn"};  // flags after these (extraArgs) win
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  process_ = std::make_unique<testing::ChildProcess>(argv);
  if (!process_->started()) throw std::runtime_error("cannot start " + binary);
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(1);
  c.set_read_timeout(5);
  auto answers = [&](const std::string& method, const std::string& path) {
    auto res = method == "GET" ? c.Get(path) : c.Post(path, R"({"instances":[[1.0,2.0]]})", "application/json");
    return res && res->status == 200;
  };
  bool routed = modelops::testing::waitFor(
      [&] { return process_->running() && answers("GET", "/readyz") && answers("POST", fixture.predictPath()); }, 30s,
      100ms);
  if (!routed) throw std::runtime_error("modelops-gateway did not become ready and route " + fixture.predictPath() +
                                        ":\n" + logTail());
}

GatewayProcess::~GatewayProcess() {
  if (process_ && process_->running()) process_->terminate(10000ms);
}

std::string GatewayProcess::metrics() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(2);
  c.set_read_timeout(5);
  auto res = c.Get("/metrics");
  return res && res->status == 200 ? res->body : "";
}

std::string GatewayProcess::logTail(std::size_t bytes) const { return tail(*process_, bytes); }

}  // namespace modelops::gwbench
