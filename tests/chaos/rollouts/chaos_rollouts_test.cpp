// chaos.rollouts: many rollouts of mixed scenarios run by the real modelops-operator binary against the
// in-process dev API server, while the operator is SIGKILLed at random moments and restarted and the
// server answers 10% of requests with errors, ends every watch after a few seconds, forces 410 Expired on
// re-watches (history compaction) and has one outage. Accuracy comes from the fake Prometheus (fixed
// counts per model version: the verdict is deterministic, so a wrong outcome is the operator's).
//
// Scenarios (cycled by index): canary success (2.0.0 at 0.95, promoted), canary accuracy failure
// (2.0.0-bad at 0.50, RolledBack), A/B (control 1.0.0 at 0.80 vs treatment 1.1.0 at 0.95, treatment
// promoted), progress deadline (2.0.0-stuck whose pod template carries the dev server's
// devserver.modelops.dev/never-ready annotation, progressDeadlineSeconds 5: RolledBack; included when the
// dev server honours the annotation on the pod template, which the suite probes first). Canary rollouts
// alternate between a Gateway API HTTPRoute and an Istio VirtualService.
//
// Checks at the end (see chaos_checks.h): the phase each scenario implies; per ModelDeployment no duplicate
// or orphaned Deployment/Service, old revisions within revisionHistoryLimit, one routing object with the
// stable backend at 100; no history entry lost or duplicated; no weight raised for a canary after its
// failure was recorded (from a watch of the routing objects, ordered by resourceVersion); the operator's
// RSS flat over the run; the operator never crashed on its own and never wrote a ModelDeployment spec.
//
// Environment: MODELOPS_CHAOS_ROLLOUTS (default 12), MODELOPS_CHAOS_SEED (default 20261125),
// MODELOPS_CHAOS_CONCURRENCY (rollouts in flight, default 6), MODELOPS_CHAOS_AB_DURATION_S (A/B test
// duration, default 8), MODELOPS_CHAOS_REPORT (write the summary as JSON to this file).
#include <signal.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "chaos/rollouts/chaos_checks.h"
#include "operator/operator_fixture.h"

namespace modelops::itest {
namespace {

using chaos::Recorded;
using Clock = std::chrono::steady_clock;

std::int64_t envInt(const char* name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long long x = std::strtoll(v, &end, 10);
  if (!end || *end || x < lo || x > hi) throw std::runtime_error(std::string(name) + " must be an integer in [" +
                                                                 std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

std::int64_t rvOf(const Json& object) {
  try {
    return std::stoll(object["metadata"].value("resourceVersion", "0"));
  } catch (const std::exception&) {
    return 0;
  }
}

// Every version of the objects of one resource in a namespace, with resourceVersions, from a list and then
// watches (re-watching from the last version; a 410 relists, which may skip versions: counted in gaps()).
class Recorder {
 public:
  Recorder(kube::KubeClient& client, const kube::Resource& resource, const std::string& ns)
      : client_(client), resource_(resource), ns_(ns) {
    thread_ = std::thread([this] { run(); });
  }
  ~Recorder() { stop(); }
  void stop() {
    cancel_.cancel();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Recorded> versions(const std::string& name) const {
    std::lock_guard lock(mu_);
    std::vector<Recorded> out;
    for (const auto& r : seen_)
      if (r.name == name) out.push_back(r);
    return out;
  }
  int gaps() const { return gaps_.load(); }
  bool synced() const { return synced_.load(); }

 private:
  void record(const Json& object) {
    std::lock_guard lock(mu_);
    seen_.push_back({rvOf(object), object["metadata"].value("name", ""), object});
  }
  void run() {
    std::string rv;
    while (!cancel_.cancelled()) {
      if (rv.empty()) {
        auto listed = client_.list(resource_, ns_);
        if (!listed) {
          cancel_.waitFor(std::chrono::milliseconds(100));
          continue;
        }
        for (const auto& item : listed->items) record(item);
        rv = listed->resourceVersion;
        synced_ = true;
      }
      kube::WatchOptions opts;
      opts.resourceVersion = rv;
      opts.timeoutSeconds = 60;
      auto r = client_.watch(resource_, ns_, opts, [&](const kube::WatchEvent& e) {
        if (e.type == kube::WatchEvent::Type::Error) {
          rv.clear();  // 410 Expired: relist; versions in between may be missed
          ++gaps_;
          return false;
        }
        rv = e.object["metadata"].value("resourceVersion", rv);
        if (e.type == kube::WatchEvent::Type::Added || e.type == kube::WatchEvent::Type::Modified) record(e.object);
        return !cancel_.cancelled();
      }, cancel_);
      if (!r && !cancel_.cancelled()) {
        if (r.error().isGone()) {
          rv.clear();
          ++gaps_;
        }
        cancel_.waitFor(std::chrono::milliseconds(100));
      }
    }
  }

  kube::KubeClient& client_;
  kube::Resource resource_;
  std::string ns_;
  mutable std::mutex mu_;
  std::vector<Recorded> seen_;
  std::atomic<int> gaps_{0};
  std::atomic<bool> synced_{false};
  CancelToken cancel_;
  std::thread thread_;
};

// RSS (VmRSS, KiB) of a process from /proc; 0 when it is gone.
std::int64_t rssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::strtoll(line.c_str() + 6, nullptr, 10);
  return 0;
}

enum class Scenario { Success, AccuracyFailure, AbTest, ProgressDeadline };
const char* scenarioName(Scenario s) {
  switch (s) {
    case Scenario::Success: return "success";
    case Scenario::AccuracyFailure: return "accuracy-failure";
    case Scenario::AbTest: return "ab-test";
    case Scenario::ProgressDeadline: return "progress-deadline";
  }
  return "?";
}

struct Rollout {
  int index = 0;
  Scenario scenario = Scenario::Success;
  std::string name;
  bool istio = false;
  enum class State { Pending, Running, Done } state = State::Pending;
  double startedAt = 0, doneAt = 0;
  std::string outcome;  // what it ended as: "Healthy 2.0.0", "RolledBack", "timeout: ..."
  bool asExpected = false;

  bool failing() const { return scenario == Scenario::AccuracyFailure || scenario == Scenario::ProgressDeadline; }
  std::string targetVersion() const {
    return scenario == Scenario::AccuracyFailure ? "2.0.0-bad" : scenario == Scenario::ProgressDeadline ? "2.0.0-stuck" : "2.0.0";
  }
  std::string expectedStable() const { return scenario == Scenario::AbTest ? "1.1.0" : scenario == Scenario::Success ? "2.0.0" : "1.0.0"; }
  std::string expectedPhase() const { return failing() ? "RolledBack" : "Healthy"; }
  std::string routeBackendStable() const { return name + "-stable"; }
};

class ChaosRollouts : public OperatorTest {
 protected:
  ClusterOptions options() override {
    ClusterOptions o;
    o.readyDelay = 20ms;
    return o;
  }

  double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  // Reads that survive injected errors and the outage: retried for up to 20 s.
  std::optional<Json> read(const kube::Resource& r, const std::string& name) {
    std::optional<Json> out;
    waitFor([&] {
      auto got = cluster().client().get(r, kNs, name);
      if (got) out = *got;
      else if (got.error().isNotFound()) out = Json();
      return out.has_value();
    }, 20s, 100ms);
    return out;
  }
  std::optional<std::vector<Json>> readList(const kube::Resource& r, const std::string& selector = "") {
    std::optional<std::vector<Json>> out;
    kube::ListOptions o;
    o.labelSelector = selector;
    waitFor([&] {
      auto got = cluster().client().list(r, kNs, o);
      if (got) out = std::move(got->items);
      return out.has_value();
    }, 20s, 100ms);
    return out;
  }
  void createRetry(const kube::Resource& r, const Json& object) {
    std::string last;
    bool made = waitFor([&] {
      auto got = cluster().client().create(r, kNs, object);
      if (got || got.error().isAlreadyExists()) return true;
      last = got.error().describe();
      return false;
    }, 20s, 100ms);
    if (made) return;
    throw std::runtime_error("create " + r.plural + " " + object["metadata"].value("name", "") + ": " + last);
  }
  void patchRetry(const kube::Resource& r, const std::string& name, const Json& patch) {
    std::string last;
    if (waitFor([&] { return (last = cluster().mergePatch(r, kNs, name, patch)).empty(); }, 20s, 100ms)) return;
    throw std::runtime_error("patch " + r.plural + " " + name + ": " + last);
  }

  Json strategyFor(const Rollout& r) {
    if (r.scenario == Scenario::AbTest) {
      Json s = Json::parse(R"({"abTest": {
          "variants": [
            {"name": "control", "weight": 50},
            {"name": "treatment", "weight": 50, "model": {"version": "1.1.0", "uri": "s3://models/ab/1.1.0"},
             "match": [{"header": {"name": "X-Model-Variant", "value": "treatment"}}]}],
          "winnerSelection": "Auto"}})");
      s["abTest"]["duration"] = std::to_string(abDurationS_) + "s";
      s["abTest"]["trafficRouting"] = gatewayRouting(r.name);
      return s;
    }
    auto steps = Json::parse(R"([{"setWeight": 20}, {"pause": {"duration": "1s"}}, {"analysis": {}},
                                 {"setWeight": 60}, {"pause": {"duration": "1s"}}])");
    return canaryStrategy(steps, r.istio ? istioRouting(r.name) : gatewayRouting(r.name));
  }

  Json manifestFor(const Rollout& r) {
    double min = r.scenario == Scenario::AbTest ? 0.7 : 0.9;
    Json md = modelDeployment(r.name, "1.0.0", 2, strategyFor(r), accuracyAnalysis(prometheus_.url(), min, 100));
    md["spec"]["revisionHistoryLimit"] = 1;
    if (r.scenario == Scenario::ProgressDeadline) md["spec"]["progressDeadlineSeconds"] = 5;
    return md;
  }

  // Every ModelDeployment starts Healthy at 1.0.0 with a canary strategy. A canary rollout changes
  // spec.model.version; an A/B rollout replaces the strategy with an A/B test whose control is the stable
  // 1.0.0 and whose treatment is 1.1.0 (a declared variant not judged since the stable's promotion).
  void startRollout(Rollout& r) {
    if (r.scenario == Scenario::AbTest) {
      Json strategy = strategyFor(r);
      strategy["canary"] = nullptr;  // merge patch: remove the canary strategy
      patchRetry(res::modelDeployments(), r.name, {{"spec", {{"strategy", strategy}}}});
    } else {
      Json spec = {{"model", {{"version", r.targetVersion()}, {"uri", "s3://models/" + r.name + "/" + r.targetVersion()}}}};
      if (r.scenario == Scenario::ProgressDeadline)  // this revision's pods never become ready
        spec["template"] = {{"metadata", {{"annotations", {{"devserver.modelops.dev/never-ready", "true"}}}}}};
      patchRetry(res::modelDeployments(), r.name, {{"spec", spec}});
    }
    r.state = Rollout::State::Running;
    r.startedAt = now();
  }

  // Classifies a ModelDeployment's status for a running rollout; true when it reached an end state.
  bool finished(Rollout& r, const Json& st) {
    auto phase = st.value("phase", "");
    auto stable = st.contains("stable") ? st["stable"].value("version", "") : "";
    bool canary = st.contains("canary");
    bool settled = (phase == "Healthy" && !canary && stable != "1.0.0") || phase == "RolledBack" || phase == "Paused" ||
                   phase == "Degraded" || phase == "Failed" || phase == "Invalid";
    if (!settled) return false;
    r.outcome = phase + (phase == "Healthy" ? " " + stable : "");
    r.asExpected = phase == r.expectedPhase() && stable == r.expectedStable();
    if (!r.asExpected) r.outcome += " (" + st.value("message", "") + ")";
    return true;
  }

  // The operator's log lines about one ModelDeployment, over every process of the run (the last `max`):
  // what a rollout that ended unexpectedly went through.
  std::string operatorLinesAbout(const std::string& name, std::size_t max) const {
    const std::string all = pastLogs_ + (op_ ? op_->logs() : std::string());
    const std::string key = "\"name\":\"" + name + "\"";
    std::vector<std::string> lines;
    std::istringstream in(all);
    for (std::string line; std::getline(in, line);)
      if (line.find(key) != std::string::npos) lines.push_back(line);
    std::string out;
    for (std::size_t i = lines.size() > max ? lines.size() - max : 0; i < lines.size(); ++i) out += "      " + lines[i] + "\n";
    return out.empty() ? "      (no operator log line names it)\n" : out;
  }

  void startOperatorRetry() {
    if (op_) pastLogs_ += op_->logs();  // the process being replaced: its log stays readable
    std::string last;
    for (int attempt = 0; attempt < 4; ++attempt) {
      try {
        startOperator();
        pid_ = op().process().pid();
        ++starts_;
        return;
      } catch (const std::exception& e) {
        last = e.what();
      }
    }
    throw std::runtime_error("the operator did not start in 4 attempts: " + last);
  }

  // True when the dev server keeps a Deployment whose pod template carries the never-ready annotation at
  // 0 available replicas (while an identical Deployment without it becomes available).
  bool devServerHonoursTemplateNeverReady() {
    auto deployment = [](const std::string& name, bool neverReady) {
      Json d = {{"apiVersion", "apps/v1"},
                {"kind", "Deployment"},
                {"metadata", {{"name", name}, {"namespace", kNs}}},
                {"spec",
                 {{"replicas", 1},
                  {"selector", {{"matchLabels", {{"probe", name}}}}},
                  {"template", {{"metadata", {{"labels", {{"probe", name}}}}}, {"spec", podTemplate()["spec"]}}}}}};
      if (neverReady) d["spec"]["template"]["metadata"]["annotations"] = {{"devserver.modelops.dev/never-ready", "true"}};
      return d;
    };
    createRetry(res::deployments(), deployment("probe-ready", false));
    createRetry(res::deployments(), deployment("probe-never-ready", true));
    auto available = [&](const std::string& name) {
      auto d = read(res::deployments(), name);
      return d && d->is_object() && d->value("status", Json::object()).value("availableReplicas", std::int64_t{0}) > 0;
    };
    bool controlReady = waitFor([&] { return available("probe-ready"); }, 10s);
    bool supported = controlReady && !available("probe-never-ready");
    for (const auto* name : {"probe-ready", "probe-never-ready"})
      if (auto del = cluster().client().remove(res::deployments(), kNs, name); !del)
        ADD_FAILURE() << "delete probe Deployment " << name << ": " << del.error().describe();
    return supported;
  }

  Clock::time_point t0_ = Clock::now();
  std::int64_t abDurationS_ = 8;
  std::atomic<pid_t> pid_{0};
  int starts_ = 0;
  std::string pastLogs_;  // logs of the operator processes already replaced
};

TEST_F(ChaosRollouts, MixedRolloutsSurviveKillsAndApiFaults) {
  const auto total = static_cast<int>(envInt("MODELOPS_CHAOS_ROLLOUTS", 12, 1, 500));
  const auto seed = static_cast<std::uint64_t>(envInt("MODELOPS_CHAOS_SEED", 20261125, 0, INT64_MAX));
  const auto concurrency = static_cast<int>(envInt("MODELOPS_CHAOS_CONCURRENCY", 6, 1, 100));
  abDurationS_ = envInt("MODELOPS_CHAOS_AB_DURATION_S", 8, 1, 600);
  std::printf("chaos.rollouts: rollouts=%d seed=%" PRIu64 " concurrency=%d (replay: MODELOPS_CHAOS_SEED=%" PRIu64 ")\n",
              total, seed, concurrency, seed);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  auto uniformMs = [&](int lo, int hi) { return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng)); };

  prometheus_.set("1.0.0", 800, 1000);      // stable / A/B control: 0.80
  prometheus_.set("1.1.0", 950, 1000);      // A/B treatment: 0.95
  prometheus_.set("2.0.0", 950, 1000);      // good canary: 0.95
  prometheus_.set("2.0.0-bad", 500, 1000);  // bad canary: 0.50
  prometheus_.set("2.0.0-stuck", 950, 1000);  // accurate, but its pods never become ready

  std::vector<Scenario> cycle = {Scenario::Success, Scenario::AccuracyFailure, Scenario::AbTest};
  const bool deadlineScenario = devServerHonoursTemplateNeverReady();
  if (deadlineScenario)
    cycle.push_back(Scenario::ProgressDeadline);
  else
    std::printf("chaos.rollouts: the dev server does not keep a Deployment with a never-ready pod template unready: "
                "no progress-deadline rollouts in this run\n");
  std::vector<Rollout> rollouts(total);
  for (int i = 0; i < total; ++i) {
    auto& r = rollouts[i];
    r.index = i;
    r.scenario = cycle[static_cast<std::size_t>(i) % cycle.size()];
    r.name = "chaos-" + std::to_string(i);
    r.istio = r.scenario != Scenario::AbTest && (i / static_cast<int>(cycle.size())) % 2 == 1;
  }

  // RSS sampler: every 200 ms, the operator process running at the time.
  std::mutex rssMu;
  std::vector<chaos::RssSample> rss;
  CancelToken stopSampler;
  std::thread sampler([&] {
    while (!stopSampler.cancelled()) {
      if (pid_t p = pid_.load(); p > 0)
        if (auto kib = rssKiB(p); kib > 0) {
          std::lock_guard lock(rssMu);
          rss.push_back({now(), p, kib});
        }
      stopSampler.waitFor(200ms);
    }
  });
  // Waits until the sampler has taken n samples of pid p after `since` (seconds of the run).
  auto waitForSamples = [&](pid_t p, double since, int n) {
    return waitFor([&] {
      std::lock_guard lock(rssMu);
      return std::count_if(rss.begin(), rss.end(), [&](const chaos::RssSample& s) { return s.pid == p && s.seconds >= since; }) >= n;
    }, 10s);
  };
  auto latestRss = [&](pid_t p, int n) {  // median of the last n samples of pid p
    std::lock_guard lock(rssMu);
    std::vector<std::int64_t> v;
    for (auto it = rss.rbegin(); it != rss.rend() && static_cast<int>(v.size()) < n; ++it)
      if (it->pid == p) v.push_back(it->kib);
    if (v.empty()) return std::int64_t{0};
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };

  Recorder mdRecorder(cluster().client(), res::modelDeployments(), kNs);
  Recorder routeRecorder(cluster().client(), res::httpRoutes(), kNs);
  Recorder vsRecorder(cluster().client(), res::virtualServices(), kNs);
  ASSERT_TRUE(waitFor([&] { return mdRecorder.synced() && routeRecorder.synced() && vsRecorder.synced(); }, 20s));

  // Setup without faults: every ModelDeployment Healthy at 1.0.0, then the baseline RSS.
  startOperatorRetry();
  for (const auto& r : rollouts) {
    if (r.istio)
      createRetry(res::virtualServices(), virtualService(r.name, r.name));
    else
      createRetry(res::httpRoutes(), httpRoute(r.name, r.name));
    Json md = manifestFor(r);
    if (r.scenario == Scenario::AbTest) md["spec"]["strategy"] = canaryStrategy(Json::parse(R"([{"setWeight": 50}])"), gatewayRouting(r.name));
    createRetry(res::modelDeployments(), md);
  }
  ASSERT_TRUE(waitFor([&] {
    auto mds = readList(res::modelDeployments());
    if (!mds) return false;
    int healthy = 0;
    for (const auto& m : *mds) {
      auto st = m.value("status", Json::object());
      if (st.value("phase", "") == "Healthy" && st.contains("stable") && st["stable"].value("version", "") == "1.0.0") ++healthy;
    }
    return healthy == total;
  }, 120s)) << logTail();
  ASSERT_TRUE(waitOperatorQuiet(2s, 30s));
  ASSERT_TRUE(waitForSamples(pid_.load(), now(), 5));
  const std::int64_t baselineKiB = latestRss(pid_.load(), 5);
  const std::uint64_t faultsFromSeq = lastSeq(cluster().server().audit());
  std::printf("chaos.rollouts: %d ModelDeployments Healthy at 1.0.0 after %.1f s; operator RSS %" PRId64 " KiB\n", total,
              now(), baselineKiB);
  std::fflush(stdout);

  // Faults: 10% errors (a code per verb, so every kind occurs), watches closed every 5 s, forced compaction
  // (410 on re-watch) at random moments, one outage of 3 s halfway.
  auto& faults = cluster().server().faults();
  faults.reseed(seed);
  const std::map<std::string, int> codes = {{"get", 503}, {"list", 500}, {"watch", 500}, {"create", 429},
                                            {"update", 503}, {"patch", 500}, {"delete", 503}};
  for (const auto& [verb, code] : codes) faults.setErrorRate(verb, {0.10, code, 1});
  faults.setWatchCloseInterval(5s);

  int kills = 0, crashes = 0, compactions = 0;
  std::vector<std::string> violations;
  bool outageDone = false;
  std::uint64_t outageFromSeq = 0, outageToSeq = 0;
  double outageAt = 0;
  auto nextKill = Clock::now() + uniformMs(2000, 8000);
  auto nextCompaction = Clock::now() + uniformMs(1000, 5000);
  auto outageEnds = Clock::time_point::max();
  const double runStart = now();
  const auto runDeadline = Clock::now() + std::chrono::seconds(60 + 25 * total);
  int done = 0, next = 0;
  std::vector<std::string> killLog;

  while (done < total && Clock::now() < runDeadline) {
    while (next < total && next - done < concurrency) startRollout(rollouts[next++]);

    if (!op().process().running()) {  // exited without being killed: a crash
      ++crashes;
      violations.push_back("the operator exited on its own at " + std::to_string(now()) + " s; log tail:\n" + logTail());
      startOperatorRetry();
    }
    if (Clock::now() >= nextKill && done < total * 7 / 10) {
      op().process().kill();
      ++kills;
      killLog.push_back(std::to_string(now()));
      startOperatorRetry();
      nextKill = Clock::now() + uniformMs(2000, 8000);
    }
    if (Clock::now() >= nextCompaction) {
      faults.forceCompaction();
      ++compactions;
      nextCompaction = Clock::now() + uniformMs(1000, 5000);
    }
    if (!outageDone && done >= total / 3) {
      outageFromSeq = lastSeq(cluster().server().audit());
      faults.startOutage(3s);
      outageAt = now();
      outageEnds = Clock::now() + 3s;
      outageDone = true;
    }
    if (outageToSeq == 0 && Clock::now() >= outageEnds) outageToSeq = lastSeq(cluster().server().audit());

    if (auto mds = cluster().client().list(res::modelDeployments(), kNs); mds) {
      std::map<std::string, Json> byName;
      for (const auto& m : mds->items) byName[m["metadata"].value("name", "")] = m;
      for (auto& r : rollouts) {
        if (r.state != Rollout::State::Running) continue;
        if (finished(r, byName[r.name].value("status", Json::object()))) {
          r.state = Rollout::State::Done;
          r.doneAt = now();
          ++done;
        } else if (now() - r.startedAt > 180) {
          r.state = Rollout::State::Done;
          r.doneAt = now();
          r.outcome = "timeout after 180 s in phase " + byName[r.name]["status"].value("phase", "?");
          ++done;
        }
      }
    }
    std::this_thread::sleep_for(100ms);  // poll interval of the control loop
  }
  if (outageToSeq == 0) outageToSeq = lastSeq(cluster().server().audit());
  const double runSeconds = now() - runStart;
  faults.reset();
  for (const auto& r : rollouts)
    if (r.state != Rollout::State::Done) violations.push_back(r.name + ": not finished within the run deadline");

  // Settle: every ModelDeployment keeps one Deployment with replicas (scaleDownDelaySeconds is 1).
  auto settledChildren = [&] {
    auto deployments = readList(res::deployments());
    if (!deployments) return false;
    std::map<std::string, int> scaled;
    for (const auto& d : *deployments)
      if (replicasOf(d) > 0) ++scaled[d["metadata"]["labels"].value("modelops.dev/name", "")];
    for (const auto& r : rollouts)
      if (scaled[r.name] != 1) return false;
    return true;
  };
  bool settled = waitFor(settledChildren, 60s);
  if (!settled) violations.push_back("children did not settle (one scaled Deployment per ModelDeployment) within 60 s");
  waitOperatorQuiet(3s, 30s);
  if (!waitForSamples(pid_.load(), now(), 5)) violations.push_back("no RSS samples of the operator at the end");
  const pid_t lastPid = pid_.load();
  const std::int64_t finalKiB = latestRss(lastPid, 5);
  stopSampler.cancel();
  sampler.join();
  mdRecorder.stop();
  routeRecorder.stop();
  vsRecorder.stop();

  // ---- checks per ModelDeployment
  auto deployments = readList(res::deployments()).value_or(std::vector<Json>{});
  auto services = readList(res::services()).value_or(std::vector<Json>{});
  auto routes = readList(res::httpRoutes()).value_or(std::vector<Json>{});
  auto vss = readList(res::virtualServices()).value_or(std::vector<Json>{});
  std::map<std::string, int> outcomes;
  int historyEntries = 0, revisionMismatches = 0;
  for (const auto& r : rollouts) {
    auto bad = [&](const std::string& what) { violations.push_back(r.name + " (" + scenarioName(r.scenario) + "): " + what); };
    ++outcomes[std::string(scenarioName(r.scenario)) + " -> " + r.outcome];
    auto mdNow = read(res::modelDeployments(), r.name);
    if (!mdNow || mdNow->is_null()) {
      bad("cannot read the ModelDeployment");
      continue;
    }
    const Json st = mdNow->value("status", Json::object());
    const std::string uid = (*mdNow)["metadata"].value("uid", "");
    if (!r.asExpected)
      bad("ended as \"" + r.outcome + "\", expected " + r.expectedPhase() + " at " + r.expectedStable() +
          "; the operator's last log lines about it:\n" + operatorLinesAbout(r.name, 60));
    if (st.value("phase", "") != r.expectedPhase()) bad("final phase " + st.value("phase", "") + ", expected " + r.expectedPhase());

    // Children: owned by this ModelDeployment, one Deployment per revision hash, old ones within the limit.
    auto ownedByMd = [&](const Json& o) {
      int controllers = 0;
      bool mine = false;
      for (const auto& ref : o["metadata"].value("ownerReferences", Json::array()))
        if (ref.value("controller", false)) {
          ++controllers;
          mine = ref.value("uid", "") == uid && ref.value("kind", "") == "ModelDeployment";
        }
      return controllers == 1 && mine;
    };
    std::set<std::string> hashes;
    int count = 0, scaled = 0;
    for (const auto& d : deployments) {
      const auto& labels = d["metadata"].value("labels", Json::object());
      if (labels.value("modelops.dev/name", "") != r.name) continue;
      ++count;
      auto dname = d["metadata"].value("name", "");
      if (!ownedByMd(d)) bad("Deployment " + dname + " is not controlled by the ModelDeployment (orphan)");
      auto hash = labels.value("modelops.dev/revision-hash", "");
      if (!hashes.insert(hash).second) bad("two Deployments for revision hash " + hash);
      if (replicasOf(d) > 0) {
        ++scaled;
        std::string version;
        for (const auto& c : d["spec"]["template"]["spec"].value("containers", Json::array()))
          for (const auto& e : c.value("env", Json::array()))
            if (e.value("name", "") == "MODEL_VERSION") version = e.value("value", "");
        if (version != r.expectedStable()) bad("scaled Deployment " + dname + " runs " + version + ", expected " + r.expectedStable());
        const Json stable = st.value("stable", Json::object());
        auto rev = std::to_string(stable.value("revision", std::int64_t{0}));
        if (version == stable.value("version", "") && labels.value("modelops.dev/revision", "") != rev) {
          ++revisionMismatches;
          bad("status.stable.revision " + rev + " but the serving Deployment " + dname + " is labelled revision " +
              labels.value("modelops.dev/revision", "?"));
        }
      }
    }
    const std::int64_t limit = 1;  // spec.revisionHistoryLimit of every object here
    // The stable revision, plus at most `limit` old ones; A/B keeps the losing variant's revision too.
    const std::int64_t allowed = 1 + limit + (r.scenario == Scenario::AbTest ? 1 : 0);
    if (count > allowed) bad(std::to_string(count) + " Deployments, at most " + std::to_string(allowed) + " expected");
    if (scaled != 1) bad(std::to_string(scaled) + " Deployments with replicas, expected 1");
    for (const auto& s : services) {
      if (s["metadata"].value("labels", Json::object()).value("modelops.dev/name", "") != r.name) continue;
      auto sname = s["metadata"].value("name", "");
      if (!ownedByMd(s)) bad("Service " + sname + " is not controlled by the ModelDeployment (orphan)");
      auto hash = s["spec"].value("selector", Json::object()).value("modelops.dev/revision-hash", "");
      if (!hash.empty() && !hashes.contains(hash)) bad("Service " + sname + " selects revision hash " + hash + " with no Deployment");
    }
    // Routing: the user's object only, the stable backend at 100.
    const auto& routing = r.istio ? vss : routes;
    int routeObjects = 0;
    Json route;
    for (const auto& o : routing)
      if (o["metadata"].value("name", "") == r.name) {
        ++routeObjects;
        route = o;
      }
    if (routeObjects != 1) bad(std::to_string(routeObjects) + " routing objects named " + r.name);
    if (chaos::backendWeight(route, r.routeBackendStable()).value_or(-1) != 100)
      bad("stable backend weight is not 100: " + route.dump());
    // History: nothing lost, nothing twice, the scenario's entry present.
    auto mdVersions = mdRecorder.versions(r.name);
    for (const auto& lost : chaos::lostHistory(mdVersions, st)) bad("history entry lost: " + lost);
    for (const auto& dup : chaos::duplicateHistory(st)) bad("history entry recorded twice: " + dup);
    historyEntries += static_cast<int>(st.value("history", Json::array()).size());
    const std::string expectOutcome = r.failing() ? "RolledBack" : "Promoted";
    const std::string expectVersion = r.failing() ? r.targetVersion() : r.expectedStable();
    const Json* expected = findHistory(st, expectVersion, expectOutcome);
    if (!expected) bad("no history entry " + expectVersion + " " + expectOutcome);
    if (expected && r.scenario == Scenario::ProgressDeadline &&
        expected->value("reason", "").find("progressDeadlineSeconds") == std::string::npos)
      bad("rolled back for another reason than the progress deadline: " + expected->value("reason", ""));
    // No weight raised for the canary after its failure was recorded.
    if (r.failing()) {
      auto failedAt = chaos::failureRecordedAt(mdVersions, r.targetVersion());
      if (!failedAt) {
        std::int64_t lastRv = mdVersions.empty() ? 0 : mdVersions.back().resourceVersion;
        bad("the failure was never seen in a recorded version (" + std::to_string(mdVersions.size()) +
            " versions recorded, the last at resourceVersion " + std::to_string(lastRv) + "; final resourceVersion " +
            std::to_string(rvOf(*mdNow)) + ")");
      } else {
        auto routeVersions = (r.istio ? vsRecorder : routeRecorder).versions(r.name);
        for (const auto& v : chaos::weightRaisedAfter(routeVersions, r.name + "-canary", *failedAt)) bad(v);
      }
    }
  }
  if (auto spec = operatorSpecWrites(cluster().server().audit()); !spec.empty())
    violations.push_back("the operator wrote ModelDeployments outside /status:\n" + describe(spec));

  // ---- memory
  std::vector<chaos::RssSample> samples;
  {
    std::lock_guard lock(rssMu);
    samples = rss;
  }
  auto memory = chaos::memoryFlat(samples, baselineKiB, finalKiB, 0.30, 16 * 1024);
  for (const auto& v : memory.violations) violations.push_back("memory: " + v);
  double lastStart = 0;
  for (const auto& s : samples)
    if (s.pid == lastPid) {
      lastStart = s.seconds;
      break;
    }

  // ---- injected faults, from the audit (every request the server answered)
  std::map<std::string, int> injected;
  int outage503 = 0, operatorRequests = 0, watchRequests = 0;
  for (const auto& a : cluster().server().audit().records()) {
    if (a.seq <= faultsFromSeq) continue;
    if (isOperatorRequest(a)) ++operatorRequests;
    if (isOperatorRequest(a) && a.verb == "watch") ++watchRequests;
    if (a.code == 503 && a.seq > outageFromSeq && a.seq <= outageToSeq) {
      ++outage503;
      continue;
    }
    if (a.code == 429 || a.code == 500 || a.code == 503) ++injected[a.verb + " " + std::to_string(a.code)];
  }

  std::ostringstream report;
  std::map<std::string, int> byScenario;
  for (const auto& r : rollouts) ++byScenario[scenarioName(r.scenario)];
  report << "chaos.rollouts summary\n  seed " << seed << ", rollouts " << total << ", concurrency " << concurrency
         << ", run " << static_cast<int>(runSeconds) << " s (setup " << static_cast<int>(runStart) << " s)\n  scenarios:";
  for (const auto& [k, n] : byScenario) report << " " << k << "=" << n;
  report << "\n  outcomes:";
  for (const auto& [k, n] : outcomes) report << "\n    " << n << " x " << k;
  report << "\n  operator: " << kills << " SIGKILLs, " << crashes << " crashes, " << starts_ << " starts\n  faults:";
  int injectedTotal = 0;
  for (const auto& [k, n] : injected) {
    report << " " << k << "=" << n;
    injectedTotal += n;
  }
  report << " (total " << injectedTotal << " of " << operatorRequests << " operator requests and the test's own)\n"
         << "  outage: 3 s at " << static_cast<int>(outageAt) << " s, " << outage503 << " requests answered 503\n"
         << "  watches: closed every 5 s; " << watchRequests << " operator watch requests; " << compactions
         << " forced compactions (410 on re-watch); recorder relists " << mdRecorder.gaps() + routeRecorder.gaps() + vsRecorder.gaps()
         << "\n  history entries checked: " << historyEntries << "; stable revision label mismatches: " << revisionMismatches << "\n  memory: baseline " << memory.baselineKiB / 1024
         << " MiB, final " << memory.finalKiB / 1024 << " MiB (last process up since " << static_cast<int>(lastStart)
         << " s), peak " << memory.peakKiB / 1024 << " MiB, bound " << memory.boundKiB / 1024 << " MiB, peak bound "
         << memory.peakBoundKiB / 1024 << " MiB\n  violations: " << violations.size() << "\n";
  std::printf("%s", report.str().c_str());
  std::fflush(stdout);
  if (const char* path = std::getenv("MODELOPS_CHAOS_REPORT"); path && *path) {
    Json j = {{"seed", seed}, {"rollouts", total}, {"concurrency", concurrency}, {"runSeconds", runSeconds},
              {"setupSeconds", runStart}, {"scenarios", byScenario}, {"outcomes", outcomes}, {"kills", kills},
              {"crashes", crashes}, {"operatorStarts", starts_}, {"injectedErrors", injected},
              {"operatorRequests", operatorRequests}, {"outage503", outage503}, {"watchRequests", watchRequests},
              {"compactions", compactions}, {"historyEntries", historyEntries},
              {"memoryKiB", {{"baseline", memory.baselineKiB}, {"final", memory.finalKiB}, {"peak", memory.peakKiB},
                             {"bound", memory.boundKiB}, {"peakBound", memory.peakBoundKiB}}},
              {"violations", violations}};
    std::ofstream(path) << j.dump(2) << "\n";
  }
  std::string all;
  for (const auto& v : violations) all += "  - " + v + "\n";
  EXPECT_TRUE(violations.empty()) << violations.size() << " violations (replay with MODELOPS_CHAOS_SEED=" << seed
                                  << "):\n" << all;
}

}  // namespace
}  // namespace modelops::itest
