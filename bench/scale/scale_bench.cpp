// scale_bench: the real modelops-operator against a modelops-devserver process holding N
// ModelDeployments with their children, for each N of --sizes (default 100, 1,000, 10,000).
//
//   build/bench/scale/scale_bench --sizes 100,1000,10000 --write-docs
//
// For each N, in a fresh dev server (a child process on 127.0.0.1, port chosen at run time):
//  1. Load: N ModelDeployments are created through the API (bounded concurrency, one client per
//     thread); then a first operator process (unlimited client QPS, 8 workers, no resync) creates
//     their children exactly as it does in a cluster (Deployments, Services, status) until every
//     ModelDeployment reports phase Healthy for its generation and the operator is idle; it is
//     stopped with SIGTERM. The cluster is now converged: nothing is left to do.
//  2. Measure: the dev server's audit is cleared and a second operator process starts with its
//     defaults (client QPS 20 / burst 30, 2 workers) and --resync-period (default 45 s):
//     - time to first full sync: from spawning the process until its metrics show
//       modelops_reconcile_total >= N with modelops_workqueue_depth 0 (the controller starts after
//       the caches sync, with every ModelDeployment queued once, so every one has been reconciled);
//     - writes during it (audit, requests with the operator's user agent "modelops/...");
//     - the no-op resync: from just before the resync fires until N more reconciles ran and the
//       queue is empty: reconciles, API requests and writes (must be 0);
//     - the steady state: a --steady-seconds window after the resync (ending before the next one):
//       API requests per second (audit), reconciles, CPU (utime + stime from /proc/PID/stat) and,
//       at its end, RSS (VmRSS; VmHWM is the peak over the run) of the operator process;
//     - reconcile latency p50/p99 from the operator's modelops_reconcile_duration_seconds
//       histogram (linear interpolation within buckets, as histogram_quantile).
// Prints one Markdown table (a column per N, with growth rows) and the verdict on the targets;
// --write-docs also rewrites the section between <!-- BEGIN scale --> and <!-- END scale --> of
// docs/benchmarks.md (--docs PATH) with the machine, date and command. Exit code 1 when a run failed.
// Thread-safety: the main thread drives everything; loading uses --create-concurrency threads.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "modelops/common/clock.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/config.h"
#include "processes.h"
#include "report.h"
#include "fakes/wait.h"

using namespace modelops;
using namespace modelops::scale;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

const std::string kNs = "scale";

struct Options {
  std::vector<int> sizes{100, 1000, 10000};
  bool writeDocs = false;
  std::string docs;
  int resyncSeconds = 45;
  int steadySeconds = 10;
  int createConcurrency = 8;
  std::string command;
};

double since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

Json modelDeployment(const std::string& name) {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", kNs}, {"labels", {{"team", "scale"}}}}},
          {"spec",
           {{"replicas", 2},
            {"model", {{"version", "1.0.0"}, {"uri", "s3://models/" + name + "/1.0.0"}}},
            {"template",
             {{"spec",
               {{"containers",
                 {{{"name", "server"},
                   {"image", "registry.example/model-server:1.3"},
                   {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}}}}}}}},
            {"strategy",
             {{"canary",
               {{"steps", {{{"setWeight", 10}}, {{"pause", {{"duration", "2m"}}}}, {{"setWeight", 50}}, {{"pause", Json::object()}}}}}}}}}}};
}

std::unique_ptr<kube::KubeClient> benchClient(const std::string& kubeconfig, Clock& clock) {
  kube::LoadOptions load;
  load.kubeconfigPath = kubeconfig;
  auto config = kube::loadClientConfig(load);
  if (!config) throw std::runtime_error("kubeconfig: " + config.error().message);
  config->qps = 0;
  config->userAgent = "modelops-scale-bench/1";  // told apart from the operator's "modelops/..." in the audit
  auto client = kube::makeKubeClient(*config, clock);
  if (!client) throw std::runtime_error("client: " + client.error().message);
  return std::move(*client);
}

// Objects of a resource in the namespace (paged), reduced by `visit`.
template <class Visit>
void listAll(kube::KubeClient& client, const kube::Resource& r, const std::string& selector, Visit visit) {
  kube::ListOptions opts;
  opts.limit = 500;
  opts.labelSelector = selector;
  for (int pages = 0; pages < 100000; ++pages) {
    auto page = client.list(r, kNs, opts);
    if (!page) throw std::runtime_error("list " + r.plural + ": " + page.error().message);
    for (const auto& item : page->items) visit(item);
    if (page->continueToken.empty()) return;
    opts.continueToken = page->continueToken;
  }
}

void createModelDeployments(const std::string& kubeconfig, int n, int concurrency, Clock& clock) {
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::string firstError;
  std::mutex errorMu;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<kube::KubeClient> client;
      try {
        client = benchClient(kubeconfig, clock);
      } catch (const std::exception& e) {
        failed = true;
        std::lock_guard lock(errorMu);
        if (firstError.empty()) firstError = e.what();
        return;
      }
      for (int i = next++; i < n && !failed; i = next++) {
        auto created = client->create(kube::resources::modelDeployments(), kNs, modelDeployment("md-" + std::to_string(i)));
        if (!created && !created.error().isAlreadyExists()) {
          failed = true;
          std::lock_guard lock(errorMu);
          if (firstError.empty()) firstError = created.error().message;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error("creating ModelDeployments: " + firstError);
}

int countConverged(kube::KubeClient& client) {
  int converged = 0;
  listAll(client, kube::resources::modelDeployments(), "", [&](const Json& md) {
    auto status = md.value("status", Json::object());
    auto generation = md["metadata"].value("generation", std::int64_t{-1});
    if (status.value("phase", "") == "Healthy" && status.value("observedGeneration", std::int64_t{-2}) == generation)
      ++converged;
  });
  return converged;
}

// Waits until the operator's queue is empty and its reconcile count stands still for `quiet`.
bool waitIdle(OperatorProcess& op, std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  double last = -1;
  auto stableSince = Steady::now();
  return modelops::testing::waitFor([&] {
    auto m = op.scrape();
    if (m.empty()) return false;
    double total = m.sum("modelops_reconcile_total");
    if (total != last || m.sum("modelops_workqueue_depth") != 0) {
      last = total;
      stableSince = Steady::now();
      return false;
    }
    return Steady::now() - stableSince >= quiet;
  }, timeout, 200ms);
}

struct AuditCount {
  long requests = 0, writes = 0;
  std::uint64_t lastSeq = 0;
};

AuditCount countOperator(const DevServerProcess& server, std::uint64_t afterSeq) {
  AuditCount c;
  for (const auto& e : server.audit()) {
    c.lastSeq = std::max(c.lastSeq, e.seq);
    if (e.seq <= afterSeq || !e.operatorRequest()) continue;
    ++c.requests;
    if (e.write()) ++c.writes;
  }
  return c;
}

void load(RunResult& r, DevServerProcess& server, const Options& o, Clock& clock) {
  auto start = Steady::now();
  auto client = benchClient(server.kubeconfig(), clock);
  auto ns = client->create(kube::resources::namespaces(), "",
                           {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNs}}}});
  if (!ns) throw std::runtime_error("create namespace: " + ns.error().message);
  createModelDeployments(server.kubeconfig(), r.n, o.createConcurrency, clock);
  std::fprintf(stderr, "N=%d: %d ModelDeployments created in %.1f s; converging with a seeding operator\n", r.n, r.n,
               since(start));
  {
    OperatorProcess seeder(server.kubeconfig(), {"--kube-api-qps", "0", "--workers", "8", "--resync-period", "0"});
    // Cheap check first (the seeder's queue empty and its reconcile count standing still since the
    // previous poll), then the list that proves every ModelDeployment converged.
    int converged = 0;
    double lastTotal = -1;
    auto timeout = std::chrono::milliseconds(180000 + 60LL * r.n);
    bool done = modelops::testing::waitFor([&] {
      auto m = seeder.scrape();
      double total = m.sum("modelops_reconcile_total");
      bool idle = !m.empty() && m.sum("modelops_workqueue_depth") == 0 && total == lastTotal;
      lastTotal = total;
      if (!idle) return false;
      converged = countConverged(*client);
      return converged == r.n;
    }, timeout, 1000ms);
    if (!done)
      throw std::runtime_error("seeding: " + std::to_string(converged) + " of " + std::to_string(r.n) +
                               " ModelDeployments Healthy after " + std::to_string(timeout.count() / 1000) + " s");
    if (!waitIdle(seeder, 2000ms, 120s)) throw std::runtime_error("seeding operator did not go idle");
    if (seeder.stop(15s) != 0) throw std::runtime_error("seeding operator did not stop cleanly");
  }
  listAll(*client, kube::resources::deployments(), "modelops.dev/name", [&](const Json&) { ++r.deployments; });
  listAll(*client, kube::resources::services(), "modelops.dev/name", [&](const Json&) { ++r.services; });
  r.loadSeconds = since(start);
  std::fprintf(stderr, "N=%d: loaded and converged in %.1f s (%ld Deployments, %ld Services)\n", r.n, r.loadSeconds,
               r.deployments, r.services);
}

void measure(RunResult& r, DevServerProcess& server, const Options& o) {
  const auto resync = std::chrono::seconds(o.resyncSeconds);
  server.clearAudit();
  auto t0 = Steady::now();
  OperatorProcess op(server.kubeconfig(), {"--resync-period", std::to_string(o.resyncSeconds) + "s"});
  const auto n = static_cast<double>(r.n);

  // First full sync.
  MetricsSnapshot syncSnap;
  bool ready = false;
  bool synced = modelops::testing::waitFor([&] {
    if (!ready && op.ready()) {
      ready = true;
      r.cachesSyncedSeconds = since(t0);
    }
    auto m = op.scrape();
    if (m.empty() || m.sum("modelops_reconcile_total") < n || m.sum("modelops_workqueue_depth") != 0) return false;
    syncSnap = m;
    return true;
  }, std::chrono::seconds(o.resyncSeconds) + 180s, 50ms);
  r.firstSyncSeconds = since(t0);
  if (!synced) throw std::runtime_error("first sync did not complete:\n" + op.logTail());
  r.syncCpuSeconds = sampleProc(op.pid()).cpuSeconds;
  r.syncReconciles = static_cast<long>(syncSnap.sum("modelops_reconcile_total"));
  auto syncAudit = countOperator(server, 0);
  r.syncWrites = syncAudit.writes;
  r.syncP50 = histogramQuantile({}, syncSnap.buckets("modelops_reconcile_duration_seconds"), 0.5);
  r.syncP99 = histogramQuantile({}, syncSnap.buckets("modelops_reconcile_duration_seconds"), 0.99);
  std::fprintf(stderr, "N=%d: first full sync in %.2f s\n", r.n, r.firstSyncSeconds);

  // The no-op resync: snapshot just before the next one fires (the resync timer starts when the
  // informer does, just after t0, and repeats every period), then wait for N more reconciles and an
  // empty queue. A first sync longer than the period overlapped one resync: the next is measured.
  auto nextResync = [&] {
    auto k = std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - t0 + 300ms) / resync + 1;
    return t0 + k * resync;
  };
  r.resyncOverlapped = Steady::now() >= t0 + resync - 300ms;
  auto due = nextResync();
  modelops::testing::waitFor([&] { return Steady::now() >= due - 300ms; }, resync + 1s, 20ms);
  auto before = op.scrape();
  auto beforeAudit = countOperator(server, 0);
  MetricsSnapshot after;
  bool resynced = modelops::testing::waitFor([&] {
    auto m = op.scrape();
    if (m.empty() || m.sum("modelops_reconcile_total") < before.sum("modelops_reconcile_total") + n ||
        m.sum("modelops_workqueue_depth") != 0)
      return false;
    after = m;
    return true;
  }, 180s, 50ms);
  if (!resynced) throw std::runtime_error("the resync did not reconcile every ModelDeployment:\n" + op.logTail());
  r.resyncReconciles = static_cast<long>(after.sum("modelops_reconcile_total") - before.sum("modelops_reconcile_total"));
  auto resyncAudit = countOperator(server, beforeAudit.lastSeq);
  r.resyncRequests = resyncAudit.requests;
  r.resyncWrites = resyncAudit.writes;
  auto b = before.buckets("modelops_reconcile_duration_seconds");
  auto a = after.buckets("modelops_reconcile_duration_seconds");
  r.resyncP50 = histogramQuantile(b, a, 0.5);
  r.resyncP99 = histogramQuantile(b, a, 0.99);
  std::fprintf(stderr, "N=%d: no-op resync: %ld reconciles, %ld writes\n", r.n, r.resyncReconciles, r.resyncWrites);

  // Steady state: a window after the resync, ending a second before the next one. When the next
  // resync comes too soon for a full window (a first sync longer than the period), let it run and
  // start the window after it.
  for (int round = 0; round < 3 && nextResync() - 1s < Steady::now() + std::chrono::seconds(o.steadySeconds); ++round) {
    auto later = nextResync();
    modelops::testing::waitFor([&] { return Steady::now() >= later; }, resync + 1s, 50ms);
    double base = op.scrape().sum("modelops_reconcile_total");
    modelops::testing::waitFor([&] {
      auto m = op.scrape();
      return !m.empty() && m.sum("modelops_reconcile_total") >= base + n && m.sum("modelops_workqueue_depth") == 0;
    }, 180s, 50ms);
  }
  auto windowStart = Steady::now();
  auto windowEnd = std::min(windowStart + std::chrono::seconds(o.steadySeconds), nextResync() - 1s);
  auto procStart = sampleProc(op.pid());
  auto metricsStart = op.scrape();
  auto auditStart = countOperator(server, 0);
  bool alive = true;
  modelops::testing::waitFor([&] { return !(alive = op.running()) || Steady::now() >= windowEnd; },
                   std::chrono::seconds(o.steadySeconds) + 1s, 100ms);
  if (!alive) throw std::runtime_error("operator exited during the steady-state window:\n" + op.logTail());
  auto procEnd = sampleProc(op.pid());
  auto metricsEnd = op.scrape();
  r.steadySeconds = since(windowStart);
  auto steadyAudit = countOperator(server, auditStart.lastSeq);
  r.steadyRequests = steadyAudit.requests;
  r.steadyReconciles = static_cast<long>(metricsEnd.sum("modelops_reconcile_total") -
                                         metricsStart.sum("modelops_reconcile_total"));
  r.steadyCpuPercent = 100.0 * (procEnd.cpuSeconds - procStart.cpuSeconds) / r.steadySeconds;
  r.rssKiB = procEnd.rssKiB;
  r.hwmKiB = procEnd.hwmKiB;
  auto code = op.stop(10s);
  r.exitCode = code ? *code : -1;
}

RunResult runOne(int n, const Options& o) {
  RunResult r;
  r.n = n;
  char tmpl[] = "/tmp/modelops-scale-XXXXXX";
  if (!mkdtemp(tmpl)) {
    r.error = "mkdtemp failed";
    return r;
  }
  std::string dir = tmpl;
  try {
    SystemClock clock;
    DevServerProcess server(dir);
    load(r, server, o, clock);
    measure(r, server, o);
    server.stop();
    r.ok = true;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

bool parseSizes(const std::string& text, std::vector<int>& out) {
  out.clear();
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 1000000) return false;
    out.push_back(static_cast<int>(v));
  }
  return !out.empty();
}

int usage() {
  std::fprintf(stderr,
               "usage: scale_bench [--sizes 100,1000,10000] [--write-docs] [--docs PATH] [--resync-period SECONDS]\n"
               "                   [--steady-seconds SECONDS] [--create-concurrency N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options o;
  o.docs = sourceDir() + "/docs/benchmarks.md";
  o.command = "build/bench/scale/scale_bench";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--write-docs") {
      o.writeDocs = true;
    } else if (a == "--sizes") {
      if (!(v = value()) || !parseSizes(v, o.sizes)) return usage();
    } else if (a == "--docs") {
      if (!(v = value())) return usage();
      o.docs = v;
      continue;  // where the section goes is not part of the recorded command
    } else if (a == "--resync-period") {
      if (!(v = value()) || (o.resyncSeconds = std::atoi(v)) < 5) return usage();
    } else if (a == "--steady-seconds") {
      if (!(v = value()) || (o.steadySeconds = std::atoi(v)) < 1) return usage();
    } else if (a == "--create-concurrency") {
      if (!(v = value()) || (o.createConcurrency = std::atoi(v)) < 1 || o.createConcurrency > 64) return usage();
    } else {
      return usage();
    }
    o.command += " " + a + (v ? std::string(" ") + v : "");
  }
  if (o.steadySeconds >= o.resyncSeconds - 2) {
    std::fprintf(stderr, "--steady-seconds must be shorter than --resync-period minus 2 s\n");
    return 2;
  }

  std::string machine = machineDescription();
  double loadStart = loadAverage();
  std::string date = utcNow();
  std::vector<RunResult> runs;
  for (int n : o.sizes) {
    std::fprintf(stderr, "N=%d: starting\n", n);
    runs.push_back(runOne(n, o));
    if (!runs.back().ok) std::fprintf(stderr, "N=%d: failed: %s\n", n, runs.back().error.c_str());
  }
  double loadEnd = loadAverage();
  Targets targets;
  std::string table = renderTable(runs, targets);
  std::string verdicts = renderVerdicts(runs, targets);
  std::printf("%s\n%s", table.c_str(), verdicts.c_str());

  if (o.writeDocs) {
    std::ostringstream body;
    body << "## Scale: the operator with 100 to 10,000 ModelDeployments (issue 8)\n\n"
         << "Date: " << date << ". Command: `" << o.command << "`. Machine: " << machine
         << ". Load average (1 min) " << loadStart << " at the start, " << loadEnd << " at the end"
         << (loadStart > 1.0 ? ": the machine was busy with other work, so times and CPU figures are noisy.\n\n"
                             : " (the benchmark's own processes; nothing else ran).\n\n")
         << "Each N runs in a fresh `modelops-devserver` process (`--ready-delay-ms 200`). Loading: N ModelDeployments are created\n"
         << "through the API (" << o.createConcurrency << " concurrent clients), then a first operator process creates their\n"
         << "children (Deployments, Services, status) and is stopped once every one is Healthy. The figures are\n"
         << "those of a second operator process started on that converged cluster with its default flags\n"
         << "(client QPS 20, burst 30, 2 workers) and `--resync-period " << o.resyncSeconds << "s`. First full sync: from spawning\n"
         << "the process until `modelops_reconcile_total` >= N with `modelops_workqueue_depth` 0. Requests and\n"
         << "writes: the dev server's audit (the operator's user agent). Steady state: a " << o.steadySeconds
         << " s window after\nthe no-op resync; RSS (VmRSS) at its end, CPU from /proc/PID/stat. Latencies: the\n"
         << "`modelops_reconcile_duration_seconds` histogram, interpolated within buckets.\n\n"
         << table << "\n" << verdicts;
    auto err = writeDocsSection(o.docs, body.str());
    if (!err.empty()) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    std::fprintf(stderr, "wrote the scale section of %s\n", o.docs.c_str());
  }
  for (const auto& r : runs)
    if (!r.ok) return 1;
  return 0;
}
