// The retraining part of the planner (spec.retraining): at most one run in flight per ModelDeployment;
// a run in flight is finished from what the reconciler observed (Job status, the candidate in its
// termination message); triggers (monitoring's degradation or drift, the schedule, a human's request)
// start a run, or wait in status.retraining.pending for the cooldown (counted from the end of the
// previous run); a failed run is retried after the cooldown up to maxAttempts runs per trigger; history
// is bounded by historyLimit. A human request skips the cooldown, never the single flight. With rollout
// Automatic a candidate becomes Plan::automaticModel (the one spec write); with Manual it stays in
// status for people (`kubectl modelops get` prints the change to commit).
// Pure: everything goes into the Pass. Thread-safety: one Pass per call.
#include <algorithm>

#include "modelops/api/cron.h"
#include "modelops/common/bounded_text.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

namespace trigger = api::retraining_trigger;
namespace run_outcome = api::retraining_outcome;

std::string runLabel(const api::RetrainingRun& run) {
  return "retraining run " + run.name.value_or("?") + " (" + run.trigger.value_or("?") + ": " +
         run.reason.value_or("") + ")";
}

RetrainingActionKind actionKind(const api::RetrainingSpec& spec) {
  if (spec.object) return RetrainingActionKind::Object;
  if (spec.webhook) return RetrainingActionKind::Webhook;
  return RetrainingActionKind::Job;
}

// A run about the current stable model (schedule and manual triggers).
api::RetrainingRun runAboutStable(const Pass& p, std::string_view kind, std::string reason) {
  api::RetrainingRun run;
  run.trigger = std::string(kind);
  run.reason = truncateText(reason, kMaxRetrainReason);
  run.attempt = 1;
  if (p.st.stable) {
    run.version = p.st.stable->version;
    run.revision = p.st.stable->revision;
  } else {
    run.version = p.spec.model.version;
  }
  return run;
}

// Moves the run in flight to history (newest first, bounded) and clears it.
void recordFinished(Pass& p, api::RetrainingStatus& rs, api::RetrainingRun run) {
  rs.history.insert(rs.history.begin(), std::move(run));
  const auto limit = static_cast<std::size_t>(p.resolved.retraining->historyLimit);
  if (rs.history.size() > limit) rs.history.resize(limit);
  rs.current.reset();
}

void succeed(Pass& p, api::RetrainingStatus& rs, api::RetrainingRun run, const std::string& message) {
  run.outcome = std::string(run_outcome::kSucceeded);
  run.finishedAt = formatRfc3339(p.in.now);
  std::string what = runLabel(run) + " succeeded";
  if (!message.empty()) {
    auto candidate = parseRetrainingCandidate(message);
    if (candidate) {
      candidate->run = run.name;
      candidate->reportedAt = formatRfc3339(p.in.now);
      run.candidate = *candidate;
      rs.candidate = *candidate;
      std::string next = "commit it: " + candidatePatchCommand(p.in.md.namespace_(), p.name, *candidate);
      if (p.resolved.retraining->automatic) {
        next = "rollout Automatic: spec.model.version set to " + *candidate->version + ", the canary judges it";
        if (p.spec.model.version != candidate->version || p.spec.model.uri != candidate->uri) {
          api::ModelSpec model;
          model.version = candidate->version;
          model.uri = candidate->uri ? candidate->uri : p.spec.model.uri;
          p.out.automaticModel = model;
        }
      }
      p.event(EventType::Normal, "CandidateReady",
              "run " + run.name.value_or("?") + " reported version " + *candidate->version +
                  (candidate->uri ? " (" + *candidate->uri + ")" : std::string()) + ": " + next);
    } else {
      run.message = truncateText("no candidate: " + candidate.error(), text_limits::kStatusMessage);
      what += " but reported no usable candidate: " + candidate.error();
    }
  }
  p.event(EventType::Normal, "RetrainingFinished", what);
  recordFinished(p, rs, std::move(run));
}

void fail(Pass& p, api::RetrainingStatus& rs, api::RetrainingRun run, const std::string& why) {
  run.outcome = std::string(run_outcome::kFailed);
  run.finishedAt = formatRfc3339(p.in.now);
  run.message = truncateText(why, text_limits::kStatusMessage);
  const auto attempt = run.attempt.value_or(1);
  std::string next;
  if (attempt < p.resolved.retraining->maxAttempts) {
    api::RetrainingRun retry = runAboutStable(p, run.trigger.value_or(""), run.reason.value_or(""));
    retry.version = run.version;
    retry.revision = run.revision;
    retry.evidence = run.evidence;
    retry.attempt = attempt + 1;
    rs.pending = retry;
    next = "retried after the cooldown (attempt " + std::to_string(attempt + 1) + " of " +
           std::to_string(p.resolved.retraining->maxAttempts) + ")";
  } else {
    next = "giving up after " + std::to_string(attempt) + " attempts";
  }
  p.event(EventType::Warning, "RetrainingFailed", runLabel(run) + " failed: " + why + "; " + next);
  recordFinished(p, rs, std::move(run));
}

// Finishes the run in flight from what the reconciler observed.
void finishCurrent(Pass& p, api::RetrainingStatus& rs) {
  const auto& run = *rs.current;
  const auto& seen = p.in.retrainingRun;
  if (!seen || seen->name != run.name.value_or("")) return;  // not looked at in this pass
  switch (seen->state) {
    case RetrainingRunState::Running:
      return;
    case RetrainingRunState::Succeeded:
      succeed(p, rs, run, seen->message);
      return;
    case RetrainingRunState::Failed:
      fail(p, rs, run, seen->message.empty() ? "the run failed" : seen->message);
      return;
    case RetrainingRunState::Missing: {
      auto started = p.parseTime(run.startedAt);
      if (started && p.in.now - *started < kRetrainingMissingGrace) return;
      fail(p, rs, run, run.name.value_or("?") + " no longer exists");
      return;
    }
  }
}

// The schedule's trigger when a fire time passed since the last one; the first pass that sees a
// schedule only records the time (creating or editing a spec does not start a run by itself).
std::optional<api::RetrainingRun> scheduleTrigger(Pass& p, api::RetrainingStatus& rs) {
  const auto& schedule = p.resolved.retraining->schedule;
  if (schedule.empty()) {
    rs.lastScheduleTime.reset();
    return std::nullopt;
  }
  auto cron = api::parseCron(schedule);
  if (!cron) return std::nullopt;  // validate() rejects it
  auto last = p.parseTime(rs.lastScheduleTime);
  if (!last || *last > p.in.now) {
    rs.lastScheduleTime = formatRfc3339(p.in.now);
    last = p.in.now;
  }
  auto next = api::nextCronTime(*cron, *last, p.in.cronUtcOffset);
  if (!next) return std::nullopt;
  if (*next > p.in.now) {
    p.requeue(std::chrono::duration_cast<std::chrono::milliseconds>(*next - p.in.now));
    return std::nullopt;
  }
  rs.lastScheduleTime = formatRfc3339(p.in.now);
  if (auto after = api::nextCronTime(*cron, p.in.now, p.in.cronUtcOffset))
    p.requeue(std::chrono::duration_cast<std::chrono::milliseconds>(*after - p.in.now));
  return runAboutStable(p, trigger::kSchedule, "schedule \"" + schedule + "\"");
}

void start(Pass& p, api::RetrainingStatus& rs, api::RetrainingRun run) {
  const auto number = rs.runs.value_or(0) + 1;
  rs.runs = number;
  run.number = number;
  run.name = retrainingRunName(p.name, number);
  run.startedAt = formatRfc3339(p.in.now);
  const auto kind = actionKind(*p.spec.retraining);
  RetrainingLaunch launch{kind, run, retrainingEnv(p.in.md, run)};
  p.out.retraining = launch;
  p.event(EventType::Normal, "RetrainingStarted",
          runLabel(run) + " started for version " + run.version.value_or("?") +
              (run.attempt.value_or(1) > 1 ? " (attempt " + std::to_string(*run.attempt) + ")" : std::string()));
  if (kind == RetrainingActionKind::Webhook) {
    // A webhook run is over once the CloudEvent is handed to the delivery queue (which retries on its own).
    run.outcome = std::string(run_outcome::kDispatched);
    run.finishedAt = run.startedAt;
    p.event(EventType::Normal, "RetrainingFinished", runLabel(run) + ": CloudEvent handed to the webhook sender");
    recordFinished(p, rs, std::move(run));
    return;
  }
  run.outcome = std::string(run_outcome::kRunning);
  rs.current = std::move(run);
}

// When the cooldown after the newest finished run ends (nullopt: no run finished yet).
std::optional<WallTime> cooldownEnd(const Pass& p, const api::RetrainingStatus& rs) {
  if (rs.history.empty()) return std::nullopt;
  auto finished = p.parseTime(rs.history.front().finishedAt ? rs.history.front().finishedAt : rs.history.front().startedAt);
  if (!finished) return std::nullopt;
  return *finished + std::chrono::duration_cast<WallTime::duration>(p.resolved.retraining->cooldown);
}

}  // namespace

std::optional<api::RetrainingRun> degradationTrigger(const Pass& p, const analysis::AnalysisDecision& decision) {
  if (!p.resolved.retraining || !p.st.stable) return std::nullopt;
  const api::Metric* metric = nullptr;
  if (p.spec.analysis)
    for (const auto& m : p.spec.analysis->metrics)
      if (m.name == decision.metric) metric = &m;
  // Drift: a label-free (threshold) metric decided; anything else (an accuracy metric, no single metric) is
  // a degradation.
  const bool labelled = !metric || metric->isAccuracy();
  const bool wanted = labelled ? p.resolved.retraining->onDegraded : p.resolved.retraining->onDrift;
  if (!wanted) return std::nullopt;
  api::RetrainingRun run = runAboutStable(p, labelled ? trigger::kDegraded : trigger::kDrift, decision.reason);
  api::RetrainingEvidence evidence;
  evidence.metric = decision.metric;
  for (const auto& m : decision.progress.metrics) {
    if (m.metric != decision.metric || !m.latest) continue;
    const auto& v = *m.latest;
    evidence.value = v.value;
    evidence.bound = v.upperBound;
    if (v.samples > 0) evidence.samples = v.samples;
    for (const auto& s : v.segments)
      if (s.phase == analysis::VerdictPhase::Fail) {
        evidence.segment = s.segment;
        evidence.value = s.value;
        evidence.bound = s.upperBound;
        evidence.samples = s.samples;
        break;
      }
  }
  run.evidence = evidence;
  return run;
}

void planRetraining(Pass& p) {
  if (!p.resolved.retraining) {
    if (p.retrainRequest)
      p.event(EventType::Warning, "RetrainingNotConfigured", "retrain requested but spec.retraining is not set");
    return;  // status.retraining (history) stays as it was
  }
  api::RetrainingStatus rs = p.st.retraining.value_or(api::RetrainingStatus{});
  if (rs.current) finishCurrent(p, rs);

  std::optional<api::RetrainingRun> wanted = p.retrainTrigger;
  if (auto scheduled = scheduleTrigger(p, rs); scheduled && !wanted) wanted = scheduled;
  if (p.retrainRequest) {
    const auto& arg = p.retrainRequest->argument;
    auto manual = runAboutStable(p, trigger::kManual, arg.empty() ? "requested (id " + p.retrainRequest->id + ")" : arg);
    if (rs.current) {
      p.event(EventType::Warning, "RetrainingNotStarted",
              "retrain requested, but " + runLabel(*rs.current) + " is in flight (one run at a time)");
    } else {
      rs.pending.reset();  // the requested run covers what was waiting
      start(p, rs, std::move(manual));
      wanted.reset();
    }
  }
  if (wanted) {
    if (rs.current || rs.pending) {
      p.event(EventType::Normal, "RetrainingSkipped",
              wanted->trigger.value_or("?") + " trigger (" + wanted->reason.value_or("") + ") not started: " +
                  (rs.current ? runLabel(*rs.current) + " is in flight" : std::string("a run is already waiting")));
    } else {
      rs.pending = std::move(wanted);
    }
  }
  if (!rs.current && rs.pending) {
    auto ready = cooldownEnd(p, rs);
    if (!ready || *ready <= p.in.now) {
      auto run = std::move(*rs.pending);
      rs.pending.reset();
      start(p, rs, std::move(run));
    } else {
      p.requeue(std::chrono::duration_cast<std::chrono::milliseconds>(*ready - p.in.now));
    }
  }
  if (rs.current) p.requeue(kRetrainingPollInterval);
  if (rs == api::RetrainingStatus{} && !p.st.retraining) return;  // nothing to record
  p.st.retraining = std::move(rs);
}

}  // namespace modelops::rollout::detail
