// reaction_bench: the operator's reaction times, end to end, with a real prometheus.
//
// Setup: the in-process dev API server (tests/integration/support Cluster), the real modelops-operator,
// two modelops-model-sim servers (stable 1.0.0 and canary 2.0.0, 1000 predictions/s each, every one
// labelled, accuracy 0.95) and /usr/bin/prometheus scraping both and the operator's /metrics every
// --scrape-ms. Each run creates a fresh ModelDeployment at 1.0.0 (HTTPRoute routing) whose canary steps
// are [setWeight 50, analysis] with `interval: 5s` (--interval) and two metrics: accuracy (min 0.9, at
// least 500 labels in a 5 s window) and a threshold metric whose query has no data, which is Inconclusive
// every interval (never a pass, inconclusiveLimit 1000000), so the canary stays under analysis until its
// accuracy fails.
//
// (a) rollback: once the analysis has measured the canary as passing, after a random delay in
//     [0, interval) (seeded: the moment of the drop relative to the operator's measurement tick), the
//     canary sim's accuracy is switched to 0.20 at t0; t1 is when a watch of the HTTPRoute sees the
//     canary backend at weight 0. Reaction = t1 - t0. Also reported: when prometheus first shows the
//     window accuracy below the threshold (polled every 100 ms): the data delay.
// (b) first weight: t0 just before the spec.model.version patch, t1 when the watch sees the canary backend
//     with a weight above 0 (includes creating the canary Deployment and its readiness in the dev server's
//     simulation, one replica every 20 ms).
// Target: (a) p99 <= interval + 1 s.
//
// Usage: reaction_bench [--runs N (1..100, default 20)] [--interval-s S (1..60, default 5)]
//                       [--scrape-ms MS (100..5000, default 500)] [--seed N] [--write-docs]
// MODELOPS_SOURCE_DIR / MODELOPS_BINARY_DIR override the compiled-in paths. Exit code 1 when a run fails
// (no rollback within 60 s, a component does not start); the target is reported, not enforced.
// Thread-safety: the main thread drives; one watcher thread records routing events.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>

#include <httplib.h>

#include "support/cluster.h"
#include "fakes/wait.h"

using namespace modelops::itest;
using namespace std::chrono_literals;
namespace res = modelops::kube::resources;
using SteadyClock = std::chrono::steady_clock;

namespace {

// The 1-minute load average, recorded with the figures (how busy the machine was).
double loadAverage1() {
  std::ifstream f("/proc/loadavg");
  double load = 0;
  f >> load;
  return load;
}


const std::string kNs = "default";

struct Options {
  int runs = 20;
  int intervalS = 5;
  int scrapeMs = 500;
  std::uint64_t seed = 0;
  bool seedGiven = false;
  bool writeDocs = false;
  std::string commandLine;
};

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr, "reaction_bench: %s\nusage: reaction_bench [--runs N] [--interval-s S] [--scrape-ms MS] [--seed N] [--write-docs]\n",
               error.c_str());
  std::exit(2);
}

long parseInt(const std::string& flag, const char* value, long lo, long hi) {
  if (!value) usage(flag + " needs a value");
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  if (!end || *end || v < lo || v > hi) usage(flag + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  o.commandLine = "build/bench/reaction/reaction_bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    o.commandLine += " " + a;
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      o.commandLine += std::string(" ") + argv[i + 1];
      return argv[++i];
    };
    if (a == "--runs") o.runs = static_cast<int>(parseInt(a, next(), 1, 100));
    else if (a == "--interval-s") o.intervalS = static_cast<int>(parseInt(a, next(), 1, 60));
    else if (a == "--scrape-ms") o.scrapeMs = static_cast<int>(parseInt(a, next(), 100, 5000));
    else if (a == "--seed") {
      o.seed = static_cast<std::uint64_t>(parseInt(a, next(), 0, 2147483647));
      o.seedGiven = true;
    } else if (a == "--write-docs") o.writeDocs = true;
    else usage("unknown argument " + a);
  }
  return o;
}

double secondsSince(SteadyClock::time_point t0, SteadyClock::time_point t1) { return std::chrono::duration<double>(t1 - t0).count(); }

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// A model-sim server for one version.
struct Sim {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
};

Sim startSim(const std::string& version, std::uint64_t seed) {
  Sim s;
  s.process = std::make_unique<ChildProcess>(std::vector<std::string>{
      binaryDir() + "/bin/modelops-model-sim", "--model", "react", "--version", version, "--port", "0", "--accuracy", "0.95",
      "--rate", "1000", "--label-ratio", "1", "--seed", std::to_string(seed), "--log-level", "warn"});
  std::smatch m;
  static const std::regex portRe(R"(listening .*port=(\d+))");
  bool ok = s.process->waitForOutput([&](const std::string& out) { return std::regex_search(out, m, portRe); }, 10s);
  if (!ok) throw std::runtime_error("modelops-model-sim " + version + " did not start: " + s.process->err());
  std::string out = s.process->out() + s.process->err();
  std::regex_search(out, m, portRe);
  s.port = std::stoi(m[1]);
  return s;
}

bool setSimAccuracy(const Sim& sim, double accuracy) {
  httplib::Client cli("127.0.0.1", sim.port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(2, 0);
  auto r = cli.Post("/admin/accuracy", nlohmann::json{{"accuracy", accuracy}}.dump(), "application/json");
  return r && r->status == 200;
}

// An instant query's single value; nullopt without data or on error.
std::optional<double> promValue(int port, const std::string& query) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(2, 0);
  cli.set_read_timeout(5, 0);
  auto r = cli.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
  if (!r || r->status != 200) return std::nullopt;
  auto j = Json::parse(r->body, nullptr, false);
  if (j.is_discarded() || !j.contains("data") || j["data"]["result"].empty()) return std::nullopt;
  try {
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

const std::string kWindow = "5s";
std::string correctQuery(const std::string& version) {
  return "sum(increase(model_feedback_correct_total{model=\"react\",version=\"" + version + "\"}[" + kWindow + "]))";
}
std::string labeledQuery(const std::string& version) {
  return "sum(increase(model_feedback_labeled_total{model=\"react\",version=\"" + version + "\"}[" + kWindow + "]))";
}

Json modelDeployment(const std::string& name, const std::string& promUrl, int intervalS) {
  Json analysis = {
      {"interval", std::to_string(intervalS) + "s"},
      {"metrics",
       {{{"name", "accuracy"},
         {"provider", {{"prometheus", {{"address", promUrl}}}}},
         {"successes", "sum(increase(model_feedback_correct_total{model=\"react\",version=\"{{version}}\"}[" + kWindow + "]))"},
         {"trials", "sum(increase(model_feedback_labeled_total{model=\"react\",version=\"{{version}}\"}[" + kWindow + "]))"},
         {"accuracy", {{"min", 0.9}, {"minSamples", 500}}},
         {"failureLimit", 0}},
        {{"name", "hold"},
         {"provider", {{"prometheus", {{"address", promUrl}}}}},
         {"query", "sum(reaction_bench_never_exported{version=\"{{version}}\"})"},
         {"threshold", {{"min", 0}}},
         {"inconclusiveLimit", 1000000}}}}};
  Json steps = Json::parse(R"([{"setWeight": 50}, {"analysis": {}}])");
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", kNs}}},
          {"spec",
           {{"replicas", 2},
            {"model", {{"version", "1.0.0"}, {"uri", "s3://models/react/1.0.0"}}},
            {"template", Json::parse(R"({"spec": {"containers": [{"name": "server", "image": "model-server:1",
                                        "ports": [{"name": "http", "containerPort": 8080}]}]}})")},
            {"strategy", {{"canary", {{"steps", steps}, {"scaleDownDelaySeconds", 1},
                                      {"trafficRouting", {{"gatewayAPI", {{"httpRoute", name}}}}}}}}},
            {"analysis", analysis}}}};
}

Json httpRoute(const std::string& name) {
  Json route = Json::parse(R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"namespace": "default"}, "spec": {"parentRefs": [{"name": "gw"}], "rules": [{}]}})");
  route["metadata"]["name"] = name;
  route["spec"]["rules"][0]["backendRefs"] = Json::array({{{"name", name + "-stable"}, {"port", 80}, {"weight", 100}}});
  return route;
}

std::optional<std::int64_t> canaryWeight(const Json& route, const std::string& name) {
  for (const auto& r : route["spec"].value("rules", Json::array())) {
    if (r.value("name", "").starts_with("modelops-match-")) continue;
    for (const auto& b : r.value("backendRefs", Json::array()))
      if (b.value("name", "") == name + "-canary") return b.value("weight", std::int64_t{1});
    return std::nullopt;
  }
  return std::nullopt;
}

// Records, for every HTTPRoute event, when it arrived and the canary weight it carried.
class RouteWatcher {
 public:
  struct Event {
    SteadyClock::time_point at;
    std::string name;
    std::optional<std::int64_t> canary;
  };
  explicit RouteWatcher(modelops::kube::KubeClient& client) : client_(client) {
    thread_ = std::thread([this] { run(); });
  }
  ~RouteWatcher() {
    cancel_.cancel();
    if (thread_.joinable()) thread_.join();
  }
  // The first event for `name` after `after` matching pred, waiting up to `timeout`.
  template <class Pred>
  std::optional<SteadyClock::time_point> waitFor(const std::string& name, SteadyClock::time_point after, Pred pred,
                                                 std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    std::optional<SteadyClock::time_point> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& e : events_)
        if (e.name == name && e.at >= after && pred(e.canary)) {
          found = e.at;
          return true;
        }
      return false;
    });
    return found;
  }
  bool synced() const { return synced_.load(); }

 private:
  void run() {
    std::string rv;
    while (!cancel_.cancelled()) {
      if (rv.empty()) {
        auto listed = client_.list(res::httpRoutes(), kNs);
        if (!listed) {
          cancel_.waitFor(100ms);
          continue;
        }
        rv = listed->resourceVersion;
        synced_ = true;
      }
      modelops::kube::WatchOptions opts;
      opts.resourceVersion = rv;
      opts.timeoutSeconds = 300;
      auto r = client_.watch(res::httpRoutes(), kNs, opts, [&](const modelops::kube::WatchEvent& e) {
        auto at = SteadyClock::now();
        if (e.type == modelops::kube::WatchEvent::Type::Error) {
          rv.clear();
          return false;
        }
        rv = e.object["metadata"].value("resourceVersion", rv);
        if (e.type == modelops::kube::WatchEvent::Type::Added || e.type == modelops::kube::WatchEvent::Type::Modified) {
          std::lock_guard lock(mu_);
          events_.push_back({at, e.object["metadata"].value("name", ""), canaryWeight(e.object, e.object["metadata"].value("name", ""))});
          cv_.notify_all();
        }
        return !cancel_.cancelled();
      }, cancel_);
      if (!r && !cancel_.cancelled()) cancel_.waitFor(100ms);
    }
  }

  modelops::kube::KubeClient& client_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::atomic<bool> synced_{false};
  modelops::CancelToken cancel_;
  std::thread thread_;
};

// Nearest-rank percentile.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::string machine() {
  std::string cpu = "unknown CPU";
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("model name")) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  long memKiB = 0;
  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);)
    if (line.starts_with("MemTotal:")) memKiB = std::strtol(line.c_str() + 9, nullptr, 10);
  utsname u{};
  ::uname(&u);
  std::ostringstream o;
  o << cpu << ", " << ::sysconf(_SC_NPROCESSORS_ONLN) << " cores, " << memKiB / 1024 / 1024 << " GiB, " << u.sysname << " "
    << u.release;
  return o.str();
}

std::string utcNow() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

std::string fmt(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

bool writeDocs(const std::string& section) {
  const std::string path = sourceDir() + "/docs/benchmarks.md";
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const std::string begin = "<!-- BEGIN reaction -->", end = "<!-- END reaction -->";
  auto b = doc.find(begin), e = doc.find(end);
  std::string block = begin + "\n" + section + end;
  if (b != std::string::npos && e != std::string::npos && e > b) {
    doc.replace(b, e + end.size() - b, block);
  } else {
    if (!doc.empty() && doc.back() != '\n') doc += "\n";
    doc += "\n" + block + "\n";
  }
  std::ofstream out(path + ".tmp");
  out << doc;
  out.close();
  if (!out) return false;
  std::filesystem::rename(path + ".tmp", path);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options o = parseArgs(argc, argv);
  setenv("MODELOPS_SOURCE_DIR", MODELOPS_DEFAULT_SOURCE_DIR, 0);
  setenv("MODELOPS_BINARY_DIR", MODELOPS_DEFAULT_BINARY_DIR, 0);
  if (!o.seedGiven) o.seed = static_cast<std::uint64_t>(std::random_device{}()) & 0x7fffffff;
  std::printf("reaction_bench: runs=%d interval=%ds scrape=%dms seed=%" PRIu64 " (replay with --seed %" PRIu64 ")\n", o.runs,
              o.intervalS, o.scrapeMs, o.seed, o.seed);
  std::fflush(stdout);
  if (!std::filesystem::exists("/usr/bin/prometheus")) {
    std::fprintf(stderr, "reaction_bench: /usr/bin/prometheus is not installed (Debian package prometheus)\n");
    return 1;
  }
  std::mt19937_64 rng(o.seed);

  try {
    Cluster cluster;
    OperatorProcess op(cluster);
    Sim stable = startSim("1.0.0", o.seed + 1), canary = startSim("2.0.0", o.seed + 2);

    // prometheus on a free port (chosen now; retried if another program takes it first).
    TempDir promDir;
    std::ofstream(promDir.file("prometheus.yml"))
        << "global:\n  scrape_interval: " << o.scrapeMs << "ms\n  evaluation_interval: " << o.scrapeMs << "ms\n"
        << "scrape_configs:\n"
        << "  - job_name: model-sim\n    static_configs:\n      - targets: ['127.0.0.1:" << stable.port << "', '127.0.0.1:"
        << canary.port << "']\n"
        << "  - job_name: modelops-operator\n    static_configs:\n      - targets: ['127.0.0.1:" << op.port() << "']\n";
    std::unique_ptr<ChildProcess> prometheus;
    int promPort = 0;
    for (int attempt = 0; attempt < 3 && !prometheus; ++attempt) {
      promPort = freePort();
      auto p = std::make_unique<ChildProcess>(std::vector<std::string>{
          "/usr/bin/prometheus", "--config.file=" + promDir.file("prometheus.yml"), "--storage.tsdb.path=" + promDir.file("data"),
          "--web.listen-address=127.0.0.1:" + std::to_string(promPort), "--log.level=warn"});
      bool ready = waitFor([&] {
        if (!p->running()) return true;
        httplib::Client cli("127.0.0.1", promPort);
        auto r = cli.Get("/-/ready");
        return r && r->status == 200;
      }, 30s) && p->running();
      if (ready) prometheus = std::move(p);
    }
    if (!prometheus) throw std::runtime_error("prometheus did not start");
    const std::string promUrl = "http://127.0.0.1:" + std::to_string(promPort);
    if (!waitFor([&] { return promValue(promPort, labeledQuery("2.0.0")).value_or(0) > 1000; }, 60s))
      throw std::runtime_error("prometheus has no labelled counts for the canary sim");

    RouteWatcher watcher(cluster.client());
    if (!waitFor([&] { return watcher.synced(); }, 10s)) throw std::runtime_error("route watch did not start");

    std::vector<double> reaction, dataDelay, firstWeight;
    int failures = 0;
    for (int i = 0; i < o.runs; ++i) {
      const std::string name = "react-" + std::to_string(i);
      cluster.create(res::httpRoutes(), kNs, httpRoute(name));
      cluster.create(res::modelDeployments(), kNs, modelDeployment(name, promUrl, o.intervalS));
      auto status = [&] { return cluster.get(res::modelDeployments(), kNs, name).value("status", Json::object()); };
      if (!waitFor([&] {
            auto st = status();
            return st.value("phase", "") == "Healthy" && st.contains("stable") && st["stable"].value("version", "") == "1.0.0";
          }, 30s))
        throw std::runtime_error(name + " not Healthy at 1.0.0: " + status().dump());
      // The canary sim accurate again, as prometheus sees it over the whole window.
      if (!setSimAccuracy(canary, 0.95)) throw std::runtime_error("cannot set the sim's accuracy");
      if (!waitFor([&] {
            auto c = promValue(promPort, correctQuery("2.0.0")), l = promValue(promPort, labeledQuery("2.0.0"));
            return c && l && *l > 500 && *c / *l > 0.93;
          }, 30s))
        throw std::runtime_error("the canary's accuracy did not recover in prometheus");

      // (b) version change -> first canary weight.
      auto t0 = SteadyClock::now();
      if (auto err = cluster.mergePatch(res::modelDeployments(), kNs, name,
                                        {{"spec", {{"model", {{"version", "2.0.0"}, {"uri", "s3://models/react/2.0.0"}}}}}});
          !err.empty())
        throw std::runtime_error("patch " + name + ": " + err);
      auto weighted = watcher.waitFor(name, t0, [](std::optional<std::int64_t> w) { return w.value_or(0) > 0; }, 30s);
      if (!weighted) {
        std::fprintf(stderr, "run %d: no canary weight within 30 s: %s\n", i, status().dump().c_str());
        ++failures;
        continue;
      }
      firstWeight.push_back(secondsSince(t0, *weighted));

      // The analysis measured the canary as passing (the step holds on the no-data metric).
      if (!waitFor([&] {
            for (const auto& r : status().value("analysis", Json::object()).value("runs", Json::array()))
              if (r.value("metric", "") == "accuracy" && r.value("phase", "") == "Successful") return true;
            return false;
          }, std::chrono::seconds(4 * o.intervalS + 10))) {
        std::fprintf(stderr, "run %d: the accuracy was never measured as passing: %s\n", i, status().dump().c_str());
        ++failures;
        continue;
      }
      // The drop happens at a random moment relative to the operator's measurement tick (an input of the
      // experiment, not a synchronisation).
      std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, o.intervalS * 1000 - 1)(rng)));
      auto drop = SteadyClock::now();
      if (!setSimAccuracy(canary, 0.20)) throw std::runtime_error("cannot set the sim's accuracy");
      std::optional<SteadyClock::time_point> visible;
      auto zero = watcher.waitFor(name, drop, [](std::optional<std::int64_t> w) { return w.value_or(0) == 0; }, 0ms);
      const auto deadline = drop + 60s;
      while (!zero && SteadyClock::now() < deadline) {
        if (!visible) {
          auto c = promValue(promPort, correctQuery("2.0.0")), l = promValue(promPort, labeledQuery("2.0.0"));
          if (c && l && *l > 0 && *c / *l < 0.9) visible = SteadyClock::now();
        }
        zero = watcher.waitFor(name, drop, [](std::optional<std::int64_t> w) { return w.value_or(0) == 0; }, 100ms);
      }
      if (!zero) {
        std::fprintf(stderr, "run %d: canary weight not 0 within 60 s of the drop: %s\n", i, status().dump().c_str());
        ++failures;
        continue;
      }
      reaction.push_back(secondsSince(drop, *zero));
      if (visible) dataDelay.push_back(secondsSince(drop, *visible));
      std::printf("run %2d: first canary weight %.2f s, rollback %.2f s (prometheus showed the drop after %s)\n", i,
                  firstWeight.back(), reaction.back(), visible ? fmt(secondsSince(drop, *visible)).c_str() : "n/a");
      std::fflush(stdout);
      waitFor([&] { return status().value("phase", "") == "RolledBack"; }, 30s);
      // Clean up (the next run uses a fresh object); a failed delete only leaves an idle object behind.
      if (auto d = cluster.client().remove(res::modelDeployments(), kNs, name); !d)
        std::fprintf(stderr, "run %d: delete %s: %s\n", i, name.c_str(), d.error().describe().c_str());
      if (auto d = cluster.client().remove(res::httpRoutes(), kNs, name); !d)
        std::fprintf(stderr, "run %d: delete route %s: %s\n", i, name.c_str(), d.error().describe().c_str());
    }

    const double target = o.intervalS + 1.0;
    const double p99 = percentile(reaction, 99);
    const bool met = !reaction.empty() && p99 <= target;
    std::ostringstream t;
    t << "## Reaction time (issue: proof under load and faults)\n\n"
      << "Command: `" << o.commandLine << "` (seed " << o.seed << ")  \n"
      << "Machine: " << machine() << "  \n"
      << "Date: " << utcNow() << "\n\n"
      << "Real `prometheus` (scrape interval " << o.scrapeMs << " ms) scraping two `modelops-model-sim` servers (1000 "
      << "labelled predictions/s each) and the operator; the real operator against the dev API server; analysis "
      << "`interval: " << o.intervalS << "s`, accuracy over `increase(...[" << kWindow << "])`, min 0.9. Times from a watch "
      << "of the HTTPRoute.\n\n"
      << "| figure | runs | p50 | p99 | max |\n| --- | --- | --- | --- | --- |\n"
      << "| (a) canary accuracy 0.95 -> 0.20 until canary weight 0 | " << reaction.size() << " | " << fmt(percentile(reaction, 50))
      << " | " << fmt(p99) << " | " << fmt(percentile(reaction, 100)) << " |\n"
      << "| (a, part) same drop until prometheus shows the window accuracy < 0.9 (polled every 100 ms) | " << dataDelay.size() << " | "
      << fmt(percentile(dataDelay, 50)) << " | " << fmt(percentile(dataDelay, 99)) << " | " << fmt(percentile(dataDelay, 100)) << " |\n"
      << "| (b) spec.model.version change until first canary weight | " << firstWeight.size() << " | "
      << fmt(percentile(firstWeight, 50)) << " | " << fmt(percentile(firstWeight, 99)) << " | "
      << fmt(percentile(firstWeight, 100)) << " |\n\n"
      << "Target: rollback within one analysis interval plus 1 s (" << fmt(target) << ") at p99: **"
      << (met ? "met" : "missed") << "**. Failed runs: " << failures << ".\n\n"
      << "Notes: the reaction is bounded by (time until the drop is visible in prometheus: scrape interval plus the part "
      << "of the " << kWindow << " window that must hold bad data before the Wilson upper bound falls below 0.9) + (time "
      << "until the operator's next measurement, uniform in [0, interval) because the drop happens at a random moment) "
      << "+ (the rollback's route write). The first two alone can exceed interval + 1 s when the data delay is over "
      << "1 s; a drop just after a measurement waits a whole interval. Percentiles are nearest-rank (with 20 runs the "
      << "p99 is the maximum). Load average (1 min) when the table was written: " << loadAverage1()
      << " (above 1 on 2 cores means other work shared the machine and figures are noisier).\n";
    std::printf("\n%s", t.str().c_str());
    if (o.writeDocs) {
      if (!writeDocs(t.str())) {
        std::fprintf(stderr, "reaction_bench: cannot update docs/benchmarks.md\n");
        return 1;
      }
      std::printf("docs/benchmarks.md: reaction section updated\n");
    }
    prometheus->signal(SIGTERM);
    prometheus->wait(10s);
    return failures == 0 && !reaction.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reaction_bench: %s\n", e.what());
    return 1;
  }
}
