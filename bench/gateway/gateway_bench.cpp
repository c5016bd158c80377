// gateway_bench (issue 16, performance): the added latency, throughput and memory of modelops-gateway
// against calling the upstream directly and against nginx as a keep-alive reverse proxy, side by side
// in one run, with the issue's goals printed PASS/FAIL.
//
//   bench/gateway/run.sh                     (builds what it needs, then runs this program)
//   build/bench/gateway/gateway_bench [--rounds 2] [--soak-seconds 600] [--workers 1] ...
//
// Set-up, all on 127.0.0.1 with ports chosen at run time, everything stopped at the end:
//  - bench-upstream: a fixed-response KServe v1 server (epoll, `{"predictions":[3]}`);
//  - nginx -p TMP (Debian nginx-light), worker_processes = --workers, upstream keepalive 64;
//  - modelops-devserver holding one ModelDeployment whose status routes 100% to stable, and the key
//    Secret; modelops-gateway (--io-threads = --workers) watching it, its stable Service overridden to
//    the upstream with --service-address, prediction ids and counters on (its defaults).
// Each round measures, for direct, nginx and the gateway in turn: a fixed-rate run (wrk, --rate as
// connections x think time, see load.h) with the proxy's VmRSS sampled every 250 ms, then a saturation
// run (--saturation-connections, no think time). --soak-seconds N then puts the fixed rate through the
// gateway for N s, sampling its RSS every 10 s. Before the first round every target is warmed (2 s).
// Exit code: 0 when every run completed (goals may still FAIL: they are printed, never hidden), 1 when a
// run or the set-up failed, 2 on a usage error.
// --nice N sets this process' priority first (every child inherits it): on a machine shared with
// compilers, a negative value (root) keeps the measured processes from queueing behind them.
// Thread-safety: one thread drives everything (RSS is read from /proc between waits on wrk's output).
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <thread>

#include <httplib.h>

#include "load.h"
#include "processes.h"  // bench/scale: DevServerProcess, MetricsSnapshot, binaryDir()
#include "report.h"
#include "targets.h"

using namespace modelops::gwbench;
using namespace std::chrono_literals;

namespace {

struct Options {
  BenchSettings settings;
  int rounds = 1;
  int soakSeconds = 0;
  int nice = 0;  // setpriority() of this process (inherited by every child) before anything starts
  bool runGateway = true;
  bool keepDir = false;
  std::string upstream, gateway, devserver, nginx = "/usr/sbin/nginx", wrk = "/usr/bin/wrk";
  std::vector<std::string> gatewayArgs;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "gateway_bench: " << why << "\n"
            << "usage: gateway_bench [--rate 1000] [--think-ms 10] [--seconds 10] [--saturation-seconds 10]\n"
            << "  [--saturation-connections 32] [--workers 1] [--wrk-threads 1] [--upstream-threads 1] [--rounds 1]\n"
            << "  [--soak-seconds 0] [--nice N] [--no-gateway] [--keep-dir] [--gateway-arg ARG]... [--gateway PATH]\n"
            << "  [--devserver PATH] [--upstream PATH] [--nginx PATH] [--wrk PATH]\n";
  std::exit(2);
}

int intFlag(const std::string& name, const char* value, int lo, int hi) {
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  if (!*value || *end || v < lo || v > hi)
    usage(name + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got \"" + value + "\"");
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  const std::string bin = modelops::scale::binaryDir();
  o.upstream = bin + "/bench/gateway/bench-upstream";
  o.gateway = bin + "/bin/modelops-gateway";
  o.devserver = bin + "/bin/modelops-devserver";
  auto& s = o.settings;
  const std::map<std::string, std::pair<int*, std::pair<int, int>>> ints = {
      {"--rate", {&s.rate, {1, 1000000}}},
      {"--think-ms", {&s.thinkMs, {1, 1000}}},
      {"--seconds", {&s.fixedSeconds, {1, 3600}}},
      {"--saturation-seconds", {&s.saturationSeconds, {1, 3600}}},
      {"--saturation-connections", {&s.saturationConnections, {1, 10000}}},
      {"--workers", {&s.workers, {1, 64}}},
      {"--wrk-threads", {&s.wrkThreads, {1, 64}}},
      {"--upstream-threads", {&s.upstreamThreads, {1, 64}}},
      {"--rounds", {&o.rounds, {1, 100}}},
      {"--soak-seconds", {&o.soakSeconds, {0, 86400}}},
      {"--nice", {&o.nice, {-20, 19}}},
  };
  const std::map<std::string, std::string*> strings = {{"--gateway", &o.gateway}, {"--devserver", &o.devserver},
                                                       {"--upstream", &o.upstream}, {"--nginx", &o.nginx},
                                                       {"--wrk", &o.wrk}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--no-gateway") o.runGateway = false;
    else if (a == "--keep-dir") o.keepDir = true;
    else if (i + 1 >= argc) usage(a + ": unknown flag or missing value");
    else if (auto n = ints.find(a); n != ints.end()) *n->second.first = intFlag(a, argv[++i], n->second.second.first, n->second.second.second);
    else if (auto p = strings.find(a); p != strings.end()) *p->second = argv[++i];
    else if (a == "--gateway-arg") o.gatewayArgs.push_back(argv[++i]);
    else usage("unknown flag " + a);
  }
  // C connections with T ms of think time give about C * 1000 / (T + L) requests per second, where L (the
  // latency plus wrk's timer lateness) is about 1 ms on loopback: C = rate * (T + 1) / 1000, rounded up.
  // The rate achieved is measured and printed.
  s.fixedConnections = std::max(1, (s.rate * (s.thinkMs + 1) + 999) / 1000);
  if (s.wrkThreads > s.fixedConnections || s.wrkThreads > s.saturationConnections)
    usage("--wrk-threads must not exceed the connections of either run");
  return o;
}

// One target under load: its URL and how to read its memory (nullptr: not measured, i.e. direct).
struct Target {
  TargetFigures* figures;
  std::string url;
  std::function<long()> rss;
};

// A fixed-rate run with the target's RSS sampled every 250 ms (peak kept).
void measureFixed(const Options& o, const std::string& dir, Target& t) {
  WrkRun run(o.wrk, dir, t.url, LoadSpec::of(o.settings.fixedConnections, o.settings.wrkThreads, o.settings.fixedSeconds, o.settings.thinkMs));
  long peak = 0;
  while (run.running()) {
    if (t.rss) peak = std::max(peak, t.rss());
    run.waitAtMost(250ms);
  }
  t.figures->fixed = run.finish();
  t.figures->rssKiB = peak;
}

void measureSaturation(const Options& o, const std::string& dir, Target& t) {
  t.figures->saturation = runWrk(
      o.wrk, dir, t.url, LoadSpec::of(o.settings.saturationConnections, o.settings.wrkThreads, o.settings.saturationSeconds, 0));
}

std::string probePredictionId(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(5);
  auto res = c.Post(path, R"({"instances":[[6.3,3.3,6.0,2.5]]})", "application/json");
  return res && res->status == 200 ? res->get_header_value("X-Prediction-Id") : "";
}

SoakFigures soak(const Options& o, const std::string& dir, const std::string& url, pid_t gateway) {
  SoakFigures figures;
  const auto start = std::chrono::steady_clock::now();
  WrkRun run(o.wrk, dir, url, LoadSpec::of(o.settings.fixedConnections, o.settings.wrkThreads, o.soakSeconds, o.settings.thinkMs));
  auto next = start;
  while (run.running()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next) {
      figures.samples.emplace_back(std::chrono::duration<double>(now - start).count(), rssKiB(gateway));
      std::cerr << "soak: " << static_cast<int>(figures.samples.back().first) << " s, RSS "
                << figures.samples.back().second / 1024.0 << " MiB\n";
      next += std::chrono::seconds(figures.intervalSeconds);
    }
    run.waitAtMost(std::chrono::duration_cast<std::chrono::milliseconds>(next - now));
  }
  figures.samples.emplace_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                               rssKiB(gateway));
  figures.load = run.finish();
  return figures;
}

// One round: every target at the fixed rate, then every target at saturation (warmed first in round 0).
// Returns false when a run failed.
bool measureRound(const Options& o, const std::string& dir, int round, std::vector<Target>& targets,
                  const GatewayProcess* gateway, const std::string& path, RoundFigures& r) {
  const auto& s = o.settings;
  r.direct.name = "direct";
  r.nginx.name = "nginx";
  r.gateway.name = "gateway";
  for (auto& t : targets) {
    t.figures->measured = true;
    if (round == 0) runWrk(o.wrk, dir, t.url, LoadSpec::of(s.saturationConnections, s.wrkThreads, 2, 0));  // warm-up
  }
  double before = 0;
  if (gateway) {
    r.predictionIdSample = probePredictionId(gateway->port(), path);
    before = modelops::scale::MetricsSnapshot(gateway->metrics()).sum("modelops_predictions_total");
  }
  for (auto& t : targets) {
    std::cerr << "round " << round + 1 << ": " << t.figures->name << " at " << s.rate << " req/s\n";
    measureFixed(o, dir, t);
    if (gateway && t.figures == &r.gateway) {
      auto text = gateway->metrics();
      if (!text.empty())
        r.predictionsCounted = modelops::scale::MetricsSnapshot(text).sum("modelops_predictions_total") - before;
    }
  }
  bool ok = true;
  for (auto& t : targets) {
    std::cerr << "round " << round + 1 << ": " << t.figures->name << " at saturation\n";
    measureSaturation(o, dir, t);
    ok = ok && t.figures->fixed.ok && t.figures->saturation.ok;
  }
  return ok;
}

int runBench(const Options& o, const std::string& dir) {
  const auto& s = o.settings;
  std::cout << "# modelops-gateway benchmark\n\nrate " << s.rate << " req/s (" << s.fixedConnections
            << " connections x " << s.thinkMs << " ms think time) for " << s.fixedSeconds << " s; saturation "
            << s.saturationConnections << " connections for " << s.saturationSeconds << " s; wrk threads "
            << s.wrkThreads << "; proxy workers " << s.workers << " (nginx worker_processes = gateway io threads); "
            << "upstream threads " << s.upstreamThreads << "; nice " << getpriority(PRIO_PROCESS, 0) << "; nproc " << std::thread::hardware_concurrency() << "\n";
  UpstreamProcess upstream(o.upstream, s.upstreamThreads);
  NginxProcess nginx(o.nginx, dir + "/nginx", upstream.port(), s.workers);
  std::optional<modelops::scale::DevServerProcess> devserver;
  std::optional<GatewayProcess> gateway;
  GatewayFixture fixture;
  std::string gatewayNote = "--no-gateway";
  if (o.runGateway) {
    if (!std::filesystem::exists(o.gateway)) {
      gatewayNote = "no binary at " + o.gateway;
    } else {
      devserver.emplace(dir);
      fixture.apply(devserver->url());
      gateway.emplace(o.gateway, devserver->kubeconfig(), fixture, upstream.port(), s.workers, o.gatewayArgs);
    }
  }
  const std::string path = fixture.predictPath();
  std::vector<RoundFigures> rounds(static_cast<std::size_t>(o.rounds));
  bool failed = false;
  for (int round = 0; round < o.rounds; ++round) {
    RoundFigures& r = rounds[static_cast<std::size_t>(round)];
    r.gateway.note = gatewayNote;
    std::vector<Target> targets = {
        {&r.direct, "http://127.0.0.1:" + std::to_string(upstream.port()) + path, nullptr},
        {&r.nginx, "http://127.0.0.1:" + std::to_string(nginx.port()) + path, [&] { return nginx.rssKiB(); }}};
    if (gateway)
      targets.push_back({&r.gateway, "http://127.0.0.1:" + std::to_string(gateway->port()) + path,
                         [&] { return rssKiB(gateway->pid()); }});
    failed = !measureRound(o, dir, round, targets, gateway ? &*gateway : nullptr, path, r) || failed;
    printRound(std::cout, s, r, round + 1);
  }
  std::optional<SoakFigures> soaked;
  if (o.soakSeconds > 0 && gateway) {
    soaked = soak(o, dir, "http://127.0.0.1:" + std::to_string(gateway->port()) + path, gateway->pid());
    printSoak(std::cout, *soaked);
    failed = failed || !soaked->load.ok;
  }
  std::cout << "\n## Goals (median of " << o.rounds << (o.rounds == 1 ? " round" : " rounds") << ")\n";
  printGoals(std::cout, goals(rounds, soaked));
  printSpread(std::cout, rounds);
  if (gateway && !gateway->metrics().empty() && failed) std::cerr << "gateway log tail:\n" << gateway->logTail() << "\n";
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  for (const auto* tool : {&o.upstream, &o.nginx, &o.wrk})
    if (!std::filesystem::exists(*tool)) {
      std::cerr << "gateway_bench: " << *tool << " not found (see bench/gateway/run.sh)\n";
      return 1;
    }
  // On a machine shared with other work (compilers), a negative nice (root) keeps the measured
  // processes from waiting behind it; the value is printed with the figures.
  if (o.nice != 0 && setpriority(PRIO_PROCESS, 0, o.nice) != 0) {
    std::cerr << "gateway_bench: --nice " << o.nice << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  char templ[] = "/tmp/gateway-bench-XXXXXX";
  if (!mkdtemp(templ)) {
    std::cerr << "gateway_bench: cannot create a temporary directory\n";
    return 1;
  }
  const std::string dir = templ;
  int code = 1;
  try {
    code = runBench(o, dir);
  } catch (const std::exception& e) {
    std::cerr << "gateway_bench: " << e.what() << "\n";
  }
  if (o.keepDir) std::cerr << "kept " << dir << "\n";
  else std::filesystem::remove_all(dir);
  return code;
}
