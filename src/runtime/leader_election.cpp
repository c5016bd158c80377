// LeaderElector implementation. See leader_election.h for the protocol and its safety argument.
// Thread-safety: the run loop and the deadline watchdog share state under mu_; step-downs are
// serialised by stepMu_ (once per term).
#include "modelops/runtime/leader_election.h"

#include <cmath>

#include "modelops/common/logging.h"
#include "modelops/common/time.h"
#include "modelops/runtime/metrics.h"

namespace modelops::runtime {

using kube::Json;

const kube::Resource& leaseResource() {
  static const kube::Resource r{"coordination.k8s.io", "v1", "leases", "Lease", true};
  return r;
}

Status validateLeaderElectionConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return Error{"InvalidInput", "leader election: identity must be set"};
  if (c.leaseName.empty()) return Error{"InvalidInput", "leader election: lease name must be set"};
  if (c.retryPeriod.count() <= 0) return Error{"InvalidInput", "leader election: retry period must be positive"};
  if (c.leaseDuration <= c.renewDeadline) {
    return Error{"InvalidInput", "leader election: lease duration must be greater than the renew deadline"};
  }
  if (c.renewDeadline.count() <= static_cast<double>(c.retryPeriod.count()) * (1.0 + c.jitter)) {
    return Error{"InvalidInput", "leader election: renew deadline must be greater than retry period * (1 + jitter)"};
  }
  return {};
}

LeaderElector::LeaderElector(kube::KubeClient& leaseClient, Clock& clock, Sleeper& sleeper,
                             LeaderElectionConfig config, LeaderCallbacks callbacks, RuntimeMetrics* metrics)
    : client_(leaseClient),
      clock_(clock),
      sleeper_(sleeper),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      metrics_(metrics),
      rng_(config_.seed ? config_.seed : std::random_device{}()) {
  if (metrics_) metrics_->setLeader(false);
  termToken_.cancel();  // not leading yet
}

LeaderElector::~LeaderElector() { stop(); }

bool LeaderElector::holdsLease() const {
  std::lock_guard lock(mu_);
  return leading_ && clock_.monotonic() < lastRenewSent_ + config_.renewDeadline;
}

CancelToken LeaderElector::termToken() const {
  std::lock_guard lock(mu_);
  return termToken_;
}

void LeaderElector::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(cancel_); });
}

void LeaderElector::stop() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return observedHolder_;
}

bool LeaderElector::healthy() const {
  std::lock_guard lock(mu_);
  // A lease request that has not returned for longer than the lease itself: the loop is stuck.
  return !attemptStartedAt_ || clock_.monotonic() - *attemptStartedAt_ <= config_.leaseDuration;
}

Clock::MonoTime LeaderElector::jittered(Clock::MonoTime from) {
  double factor = 1.0 + config_.jitter * std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  return from + std::chrono::duration_cast<Clock::MonoTime::duration>(config_.retryPeriod * factor);
}

bool LeaderElector::attempt() {
  {
    std::lock_guard lock(mu_);
    attemptStartedAt_ = clock_.monotonic();
  }
  bool ok = tryAcquireOrRenew();
  std::lock_guard lock(mu_);
  attemptStartedAt_.reset();
  return ok;
}

void LeaderElector::run(const CancelToken& cancel) {
  CancelToken watchdogStop;
  std::thread watchdog([this, watchdogStop] { watchdogLoop(watchdogStop); });
  while (!cancel.cancelled()) {
    // Campaign.
    while (!cancel.cancelled()) {
      if (attempt()) break;
      if (!sleeper_.sleepUntil(jittered(clock_.monotonic()), cancel)) break;
    }
    if (cancel.cancelled()) break;
    std::uint64_t term = becomeLeader();
    // Lead: renew every retryPeriod; give up when renewDeadline passed without success. The
    // watchdog thread enforces the same deadline while this thread is stuck in a request.
    for (;;) {
      auto deadline = renewDeadline();
      auto next = std::min(clock_.monotonic() + config_.retryPeriod, deadline);
      if (!sleeper_.sleepUntil(next, cancel)) break;
      if (!isLeader()) break;  // the watchdog stepped down
      if (clock_.monotonic() >= renewDeadline()) break;
      if (attempt() && isLeader()) continue;
      if (!isLeader() || clock_.monotonic() >= renewDeadline()) break;
    }
    stepDown(term, cancel.cancelled() ? "shutting down" : "renew deadline passed");
    if (cancel.cancelled()) {
      release();
      break;
    }
  }
  watchdogStop.cancel();
  {
    std::lock_guard lock(mu_);
    watchdogCv_.notify_all();
  }
  watchdog.join();
}

Clock::MonoTime LeaderElector::renewDeadline() const {
  std::lock_guard lock(mu_);
  return lastRenewSent_ + config_.renewDeadline;
}

void LeaderElector::watchdogLoop(const CancelToken& stop) {
  for (;;) {
    std::uint64_t term;
    Clock::MonoTime deadline;
    {
      std::unique_lock lock(mu_);
      watchdogCv_.wait(lock, [&] { return stop.cancelled() || (leading_ && term_ != watchedTerm_); });
      if (stop.cancelled()) return;
      term = term_;
      deadline = lastRenewSent_ + config_.renewDeadline;
    }
    // Sleep to the deadline, re-arming while renewals move it.
    for (;;) {
      if (!sleeper_.sleepUntil(deadline, stop)) return;
      std::lock_guard lock(mu_);
      if (term_ != term || !leading_) break;
      auto current = lastRenewSent_ + config_.renewDeadline;
      if (clock_.monotonic() >= current) break;
      deadline = current;
    }
    {
      std::lock_guard lock(mu_);
      watchedTerm_ = term;
    }
    stepDown(term, "renew deadline passed while a lease request was outstanding");
  }
}

std::uint64_t LeaderElector::becomeLeader() {
  std::uint64_t term;
  {
    std::lock_guard lock(mu_);
    term = ++term_;
    leading_ = true;
    termToken_ = CancelToken();
    watchdogCv_.notify_all();
  }
  if (metrics_) metrics_->setLeader(true);
  logInfo("leader election: acquired lease", {{"lease", config_.leaseName}, {"identity", config_.identity}});
  if (callbacks_.onStartedLeading) callbacks_.onStartedLeading();
  return term;
}

void LeaderElector::stepDown(std::uint64_t term, const char* why) {
  std::lock_guard step(stepMu_);  // the run loop and the watchdog may both try: once per term
  {
    std::lock_guard lock(mu_);
    if (term_ != term || !leading_) return;
  }
  CancelToken ended;
  {
    std::lock_guard lock(mu_);
    ended = termToken_;
  }
  ended.cancel();  // first: writes of this term stop (and in-flight ones abort) before anything else
  logWarn("leader election: stepping down", {{"lease", config_.leaseName}, {"identity", config_.identity}, {"why", why}});
  // Callback first and synchronously: reconciling must have stopped before anything else happens.
  if (callbacks_.onStoppedLeading) callbacks_.onStoppedLeading();
  {
    std::lock_guard lock(mu_);
    leading_ = false;
    watchedTerm_ = term;
  }
  if (metrics_) metrics_->setLeader(false);
}

void LeaderElector::observe(const Json& lease) {
  std::string holder, renew;
  auto spec = lease.find("spec");
  if (spec != lease.end() && spec->is_object()) {
    if (spec->contains("holderIdentity") && (*spec)["holderIdentity"].is_string()) holder = (*spec)["holderIdentity"];
    if (spec->contains("renewTime") && (*spec)["renewTime"].is_string()) renew = (*spec)["renewTime"];
  }
  bool newLeader = false;
  {
    std::lock_guard lock(mu_);
    lease_ = lease;
    if (holder != observedHolder_ || renew != observedRenewTime_) {
      newLeader = holder != observedHolder_;
      observedHolder_ = holder;
      observedRenewTime_ = renew;
      observedAt_ = clock_.monotonic();
    }
  }
  if (newLeader && callbacks_.onNewLeader) callbacks_.onNewLeader(holder);
}

bool LeaderElector::tryAcquireOrRenew() {
  auto sent = clock_.monotonic();
  std::string now = formatRfc3339Micro(clock_.now());
  int durationSeconds = static_cast<int>(std::ceil(config_.leaseDuration.count() / 1000.0));
  std::optional<Json> current;
  {
    std::lock_guard lock(mu_);
    // As leader, write on top of what we wrote last; a conflict makes the next attempt re-read.
    if (leading_ && lease_) current = lease_;
  }
  if (!current) {
    auto got = client_.get(leaseResource(), config_.leaseNamespace, config_.leaseName);
    if (!got) {
      if (!got.error().isNotFound()) {
        logWarn("leader election: reading lease failed", {{"err", got.error().message}, {"code", got.error().code}});
        return false;
      }
      Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                    {"kind", "Lease"},
                    {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
                    {"spec",
                     {{"holderIdentity", config_.identity},
                      {"leaseDurationSeconds", durationSeconds},
                      {"acquireTime", now},
                      {"renewTime", now},
                      {"leaseTransitions", 0}}}};
      auto created = client_.create(leaseResource(), config_.leaseNamespace, lease);
      if (!created) return false;  // AlreadyExists: someone was faster; re-read next time
      observe(*created);
      std::lock_guard lock(mu_);
      lastRenewSent_ = sent;
      return true;
    }
    observe(*got);
    current = *got;
  }
  Json lease = *current;
  Json& spec = lease["spec"];
  if (!spec.is_object()) spec = Json::object();
  std::string holder = spec.value("holderIdentity", "");
  if (!holder.empty() && holder != config_.identity) {
    auto seenDuration = std::chrono::seconds(spec.value("leaseDurationSeconds", durationSeconds));
    std::lock_guard lock(mu_);
    if (clock_.monotonic() < observedAt_ + seenDuration) return false;  // held and not expired
  }
  if (holder == config_.identity) {
    if (!spec.contains("acquireTime")) spec["acquireTime"] = now;
  } else {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = config_.identity;
  spec["leaseDurationSeconds"] = durationSeconds;
  spec["renewTime"] = now;
  if (!spec.contains("leaseTransitions")) spec["leaseTransitions"] = 0;
  auto updated = client_.update(leaseResource(), config_.leaseNamespace, lease);
  if (!updated) {
    if (updated.error().isConflict()) {
      std::lock_guard lock(mu_);
      lease_.reset();  // re-read next time
    }
    logInfo("leader election: lease update failed", {{"code", updated.error().code}, {"reason", updated.error().reason}});
    return false;
  }
  observe(*updated);
  std::lock_guard lock(mu_);
  lastRenewSent_ = sent;
  return true;
}

void LeaderElector::release() {
  std::optional<Json> lease;
  {
    std::lock_guard lock(mu_);
    lease = lease_;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!lease) {
      auto got = client_.get(leaseResource(), config_.leaseNamespace, config_.leaseName);
      if (!got) return;
      lease = *got;
    }
    if ((*lease)["spec"].value("holderIdentity", "") != config_.identity) return;  // not ours any more
    Json released = *lease;
    std::string now = formatRfc3339Micro(clock_.now());
    released["spec"]["holderIdentity"] = "";
    released["spec"]["leaseDurationSeconds"] = 1;
    released["spec"]["acquireTime"] = now;
    released["spec"]["renewTime"] = now;
    auto updated = client_.update(leaseResource(), config_.leaseNamespace, released);
    if (updated) {
      observe(*updated);
      logInfo("leader election: released lease", {{"lease", config_.leaseName}, {"identity", config_.identity}});
      return;
    }
    lease.reset();  // conflict or error: re-read once
  }
}

}  // namespace modelops::runtime
