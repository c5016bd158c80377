// The A/B test state machine (spec.strategy.abTest): start a test when the spec declares variants that
// were not judged yet, split traffic by weight (a variant's share moves to it only once its replicas are
// available; header/cookie matches go with it), measure every variant, and after `duration` promote the
// winner (Auto: abtest_decide.cpp; Manual or no confident winner: hold for `promote:<variant>`).
// The winner being promoted is kept in status.canary until its Deployment has every replica available.
// planAbTest runs stages that each return what the next needs (see its body); the Deployments, Services
// and weights of the arms are planned by planAbTraffic (traffic.cpp).
// Pure: everything goes into the Pass. Thread-safety: one Pass per call.
#include <algorithm>

#include "abtest.h"
#include "modelops/api/revision.h"
#include "pass.h"

namespace modelops::rollout::detail {
namespace {

using std::chrono::milliseconds;
namespace phase = api::phase;
namespace cond = api::condition;

const api::AbTestStrategy& strategy(const Pass& p) { return *p.spec.strategy->abTest; }

std::vector<Arm> armsOf(const Pass& p) {
  std::vector<Arm> arms;
  auto next = p.nextRevision();
  for (const auto& v : strategy(p).variants) {
    Arm a;
    a.name = v.name.value_or("");
    a.hash = api::computeVariantHash(p.spec, v);
    a.model = api::effectiveModel(p.spec, v);
    a.weight = v.weight.value_or(0);
    a.match = v.match;
    for (const auto& s : p.st.variants)
      if (s.hash == a.hash) a.revision = s.revision.value_or(0);
    if (!a.revision && p.stableHash() == a.hash) a.revision = p.st.stable->revision.value_or(0);
    for (const auto& other : arms)
      if (!a.revision && other.hash == a.hash) a.revision = other.revision;
    if (!a.revision)  // created by a pass whose status write never happened: keep its number
      a.revision = p.unrecordedRevision(a.hash).value_or(0);
    if (!a.revision) a.revision = next++;
    arms.push_back(std::move(a));
  }
  return arms;
}

std::string listArms(const std::vector<Arm>& arms) {
  std::string out;
  for (const auto& a : arms)
    out += (out.empty() ? "" : ", ") + a.name + " (" + a.model.version.value_or("?") + ") " + std::to_string(a.weight) + "%";
  return out;
}

enum class Need { Start, Concluded, HeldFailed };

// Whether the declared variants still need a test: every variant other than the stable one has a
// history entry at least as new as the stable's promotion (the test that promoted it recorded them),
// and none of those says it failed.
Need testNeeded(const Pass& p, const std::vector<Arm>& arms, std::string& failedWhy) {
  std::optional<WallTime> promotedAt;
  if (p.st.stable)
    for (const auto& h : p.st.history)
      if (h.hash == p.st.stable->hash && h.outcome == api::outcome::kPromoted) {
        promotedAt = p.parseTime(h.at);
        break;
      }
  bool fresh = false, failed = false;
  for (const auto& a : arms) {
    if (a.hash == p.stableHash()) continue;
    const auto* e = newestEntry(p.st, a.hash);
    bool newer = e && (!promotedAt || p.parseTime(e->at) >= promotedAt);
    if (!newer) {
      fresh = true;
    } else if (isFailedOutcome(e->outcome.value_or(""))) {
      failed = true;
      failedWhy += (failedWhy.empty() ? "" : "; ") + a.name + " " + e->outcome.value_or("") +
                   (e->reason ? ": " + *e->reason : "");
    }
  }
  if (failed) return Need::HeldFailed;
  if (fresh || !p.st.stable) return Need::Start;
  return Need::Concluded;
}

void clearTest(Pass& p) {
  p.st.variants.clear();
  clearCanary(p.st);  // the winner being promoted
  p.st.rolloutStartedAt.reset();
  p.st.variantsAvailableAt.reset();
  resetAnalysis(p.st);
}

void startTest(Pass& p, std::vector<Arm>& arms) {
  clearTest(p);
  for (const auto& a : arms) {
    api::VariantStatus v;
    v.name = a.name;
    v.revision = a.revision;
    v.version = a.model.version;
    v.hash = a.hash;
    v.weight = 0;
    p.st.variants.push_back(std::move(v));
  }
  p.st.rolloutStartedAt = formatRfc3339Micro(p.in.now);
  const auto& d = strategy(p).duration;
  p.event(EventType::Normal, "AbTestStarted",
          "A/B test started: " + listArms(arms) + (d ? " for " + d->text : std::string(" until a variant is promoted")));
}

// No test runs: serve the stable revision (canary-mode steady state) and say why no test runs.
void steady(Pass& p, Need need, const std::string& failedWhy) {
  if (!p.st.stable) {  // every declared variant failed before and nothing else was ever promoted
    p.setPhase(phase::kDegraded, "every A/B variant failed before (" + failedWhy + ") and there is no stable "
                                 "revision: `kubectl modelops retry " + p.name + "` runs the test again");
    return;
  }
  if (need == Need::HeldFailed) {
    p.stableReplicas = p.replicas;
    p.setPhase(heldPhase(p.st), "A/B test not run again: " + failedWhy + "; stable " + p.st.stable->version.value_or("?") +
                       " serves 100% (change the spec or run `kubectl modelops retry " + p.name + "`)");
  } else {
    planSteady(p);
  }
  planTraffic(p);
}

// Ends a running test with traffic back to the stable revision (which must exist).
void endTest(Pass& p, const std::vector<Arm>& arms, std::string_view outcome, const std::string& reason) {
  for (const auto& a : arms)
    if (a.hash != p.stableHash() && !a.failed) p.addHistory(a.track(), outcome, reason);
  clearTest(p);
  p.st.stable->weight = 100;
  p.stableReplicas = p.replicas;
  p.setPhase(phase::kRolledBack, "A/B test ended, stable " + p.st.stable->version.value_or("?") +
                                     " serves 100%: " + reason);
  p.setCondition(cond::kProgressing, cond::kFalse, "AbTestEnded", reason);
  p.event(EventType::Warning, outcome == api::outcome::kAborted ? "RolloutAborted" : "AbTestFailed",
          "A/B test ended: " + reason);
  planTraffic(p);
}

// A variant is taken out of the test: history, event; its share goes back to the stable.
void failArm(Pass& p, Arm& a, const std::string& reason) {
  p.addHistory(a.track(), api::outcome::kRolledBack, reason);
  p.event(EventType::Warning, "VariantRolledBack", "variant " + a.name + " (" + a.model.version.value_or("?") + ") taken out of the A/B test: " + reason);
  a.failed = true;
}

bool failedInThisTest(const Pass& p, const Arm& a) {
  if (a.hash == p.stableHash()) return false;
  const auto* e = newestEntry(p.st, a.hash);
  auto started = p.parseTime(p.st.rolloutStartedAt);
  return e && e->outcome == api::outcome::kRolledBack && started && p.parseTime(e->at) >= started;
}

// Folds this pass's verdicts into each variant's progress; a variant whose analysis fails is taken out
// (only when a stable revision can take its share).
void foldMeasurements(Pass& p, std::vector<Arm>& arms) {
  const auto& m = p.in.measurement;
  if (!m || !p.spec.analysis) return;
  auto progress = loadVariantProgress(p.st);
  auto policy = policyFor(*p.spec.analysis);
  policy.maxDuration.reset();  // the test's duration governs, not the analysis' maxDuration
  bool measured = false;
  for (auto& a : arms) {
    if (a.failed) continue;
    const Measurement* mine = nullptr;
    for (const auto& v : m->variants)
      if (v.hash == a.hash) mine = &v;
    if (!mine && m->variants.empty() && m->hash == a.hash) mine = &*m;
    if (!mine) continue;
    measured = true;
    auto& prog = progress[a.name];
    // A pass (or an inconclusive pause) is not terminal during a test: later intervals still count.
    if (prog.outcome == analysis::AnalysisOutcome::Passed || prog.outcome == analysis::AnalysisOutcome::Paused)
      prog.outcome = analysis::AnalysisOutcome::Running;
    auto decision = analysis::decide(prog, mine->verdicts, policy, p.in.now);
    reportMeasurement(p, prog, decision.progress, mine->verdicts, "A/B test variant " + a.name,
                      "weights unchanged; consecutiveErrorLimit errors in a row take the variant out",
                      p.resolved.analysis->interval);
    prog = decision.progress;
    bool bad = decision.outcome == analysis::AnalysisOutcome::Failed ||
               decision.outcome == analysis::AnalysisOutcome::Aborted;
    if (bad && p.st.stable && a.hash != p.stableHash()) failArm(p, a, decision.reason);
  }
  if (measured) storeVariantProgress(p.st, progress, p.in.now);
}

std::string armSummary(const Pass& p, const std::vector<Arm>& arms) {
  auto progress = loadVariantProgress(p.st);
  std::string out;
  for (const auto& a : arms) {
    out += (out.empty() ? "" : "; ") + a.name + " " + std::to_string(a.carried) + "%";
    if (a.failed) out += " (rolled back)";
    else if (!a.ready) out += " (waiting for replicas: " + std::to_string(p.available(a.hash)) + "/" + std::to_string(canaryReplicasFor(p.replicas, a.weight)) + ")";
    else if (auto it = progress.find(a.name); it != progress.end()) out += " " + summarizeVerdicts(it->second);
  }
  return out;
}

// The winner has every replica available: it becomes stable at 100%, the others are Superseded.
void promoteWinner(Pass& p, std::vector<Arm>& arms, const Arm& winner, const std::string& reason) {
  for (const auto& a : arms)
    if (a.hash != winner.hash && !a.failed)
      p.addHistory(a.track(), api::outcome::kSuperseded, std::string(kLostAbTest) + winner.name);
  auto track = winner.track();
  track.weight = 100;
  p.addHistory(track, api::outcome::kPromoted, "A/B winner " + winner.name + ": " + reason);
  if (p.st.stable && p.st.stable->hash != winner.hash) p.st.lastGoodRevision = p.st.stable->revision;
  p.st.stable = track;
  clearTest(p);
  p.stableReplicas = p.replicas;
  p.canaryWeight = 0;
  p.setPhase(phase::kHealthy, "variant " + winner.name + ": version " + winner.model.version.value_or("?") +
                                  " (revision " + std::to_string(winner.revision) + ") promoted: " + reason);
  p.setCondition(cond::kProgressing, cond::kTrue, "RolloutCompleted", "A/B winner " + winner.name + " promoted");
  p.event(EventType::Normal, "Promoted", "A/B winner " + winner.name + " (" + winner.model.version.value_or("?") +
                                    ") is stable at 100%: " + reason);
  planTraffic(p);
}

// The evidence of every arm for the decision; the control is the arm serving the stable revision
// (else the first).
WinnerChoice judge(const Pass& p, const std::vector<Arm>& arms) {
  if (!p.spec.analysis) return {std::nullopt, "no spec.analysis to judge the variants"};
  std::vector<ArmEvidence> evidence;
  auto progress = loadVariantProgress(p.st);
  bool anyStable = std::any_of(arms.begin(), arms.end(), [&](const Arm& a) { return a.hash == p.stableHash(); });
  for (std::size_t i = 0; i < arms.size(); ++i)
    evidence.push_back({arms[i].name, arms[i].hash == p.stableHash() || (!anyStable && i == 0), arms[i].failed,
                        progress.count(arms[i].name) ? progress.at(arms[i].name) : analysis::AnalysisProgress{}});
  return chooseWinner(evidence, *p.spec.analysis);
}

// The declared variants differ from the running test's: the ones no longer declared are Superseded and
// the test starts again. True when the running test goes on.
bool sameTestRuns(Pass& p, const std::vector<Arm>& arms) {
  if (p.st.variants.empty()) return false;
  bool same = p.st.variants.size() == arms.size();
  for (const auto& a : arms)
    same = same && std::any_of(p.st.variants.begin(), p.st.variants.end(),
                               [&](const api::VariantStatus& v) { return v.hash == a.hash; });
  if (same) return true;
  auto declared = [&](const api::VariantStatus& v) {
    return std::any_of(arms.begin(), arms.end(), [&](const Arm& a) { return a.hash == v.hash; });
  };
  for (const auto& v : p.st.variants)
    if (v.hash != p.stableHash() && !declared(v))
      p.addHistory({v.revision, v.version, v.hash, v.weight, api::Json::object()}, api::outcome::kSuperseded,
                   "the A/B variants changed before the test ended");
  p.event(EventType::Normal, "AbTestRestarted", "the declared variants changed: the A/B test starts again");
  clearTest(p);
  return false;
}

// Whether a test runs in this pass: the running one, or a new one when the variants were not judged yet
// (or `retry` asks again). When none runs, steady() has planned the pass.
bool testRuns(Pass& p, std::vector<Arm>& arms) {
  if (sameTestRuns(p, arms)) return true;
  std::string failedWhy;
  auto need = testNeeded(p, arms, failedWhy);
  if (need == Need::HeldFailed && p.actionIs(api::kActionRetry)) need = Need::Start;
  if (need != Need::Start) {
    steady(p, need, failedWhy);
    return false;
  }
  startTest(p, arms);
  return true;
}

struct Requests {
  bool ended = false;           // abort: the test ended in this pass (endTest planned it)
  const Arm* winner = nullptr;  // the variant being promoted (asked for now or in an earlier pass)
};

// Abort and promote requests, and a promotion already under way (status.canary holds the winner).
Requests takeRequests(Pass& p, const std::vector<Arm>& arms) {
  Requests r;
  if (p.actionIs(api::kActionAbort)) {
    if (p.st.stable) {
      endTest(p, arms, api::outcome::kAborted, "aborted by request");
      r.ended = true;
      return r;
    }
    p.event(EventType::Warning, "AbortRejected", "no stable revision to return to: promote a variant instead");
  }
  if (p.st.canary)
    for (const auto& a : arms)
      if (a.hash == p.st.canary->hash && !a.failed) r.winner = &a;
  if (!r.winner) p.st.canary.reset();
  if (!p.actionIs(api::kActionPromote) && !p.actionIs(api::kActionPromoteFull)) return r;
  const auto& arg = p.action->argument;
  auto it = std::find_if(arms.begin(), arms.end(), [&](const Arm& a) { return a.name == arg && !a.failed; });
  if (arg.empty() || it == arms.end()) {
    std::string names;
    for (const auto& a : arms) names += (names.empty() ? "" : ", ") + a.name;
    p.event(EventType::Warning, "PromoteRejected",
            (arg.empty() ? std::string("an A/B test promotes a variant") : "no variant \"" + arg + "\" in the test") +
                ": kubectl modelops promote " + p.name + " --variant V (one of " + names + ")");
    return r;
  }
  r.winner = &*it;
  p.event(EventType::Normal, "WinnerSelected", "variant " + r.winner->name + " promoted by request");
  return r;
}

// Availability deadline: a new variant that cannot come up is taken out (its share stays on stable).
// Returns the deadline (progressDeadlineSeconds after the test started).
WallTime takeOutUnavailable(Pass& p, std::vector<Arm>& arms) {
  auto started = p.parseTime(p.st.rolloutStartedAt).value_or(p.in.now);
  auto deadline = started + p.resolved.progressDeadline;
  for (auto& a : arms) {
    auto need = canaryReplicasFor(p.replicas, a.weight);
    if (a.failed || a.hash == p.stableHash() || !p.st.stable || need == 0 || p.available(a.hash) >= need) continue;
    if (p.in.now >= deadline)
      failArm(p, a, "not available within progressDeadlineSeconds (" + std::to_string(p.available(a.hash)) + "/" +
                        std::to_string(need) + " replicas)");
    else
      p.requeue(std::chrono::duration_cast<milliseconds>(deadline - p.in.now));
  }
  return deadline;
}

// The test's measurement window.
struct Window {
  std::optional<WallTime> end;       // unknown until every variant is available (or no duration)
  std::optional<WallTime> graceEnd;  // set while a variant without a measured value may still get one
  std::string unmeasured;            // those variants
  bool over(WallTime now) const { return end && now >= *end && !graceEnd; }
};

// `duration` counts from the first pass in which every live variant has its share of replicas available,
// so pod start-up (and an operator down before it) does not eat into the window in which the variants are
// measured. Recorded in status, so a restarted operator keeps the same window. A new variant that never
// comes up is taken out at the progress deadline (takeOutUnavailable); the stable revision's pods are not
// the test's to take out, so past that deadline the clock starts without them rather than never.
// `judging`: the end decision may be made in this pass (not paused, no winner yet); only then is the grace
// (pass.h) considered.
Window testWindow(Pass& p, const std::vector<Arm>& arms, WallTime deadline, bool judging) {
  if (!p.st.variantsAvailableAt && std::all_of(arms.begin(), arms.end(), [&](const Arm& a) {
        return a.failed || p.available(a.hash) >= canaryReplicasFor(p.replicas, a.weight) ||
               (a.hash == p.stableHash() && p.in.now >= deadline);
      }))
    p.st.variantsAvailableAt = formatRfc3339Micro(p.in.now);
  Window w;
  const auto& duration = strategy(p).duration;
  const auto clockStart = p.parseTime(p.st.variantsAvailableAt);
  if (duration && duration->value && clockStart) w.end = *clockStart + *duration->value;
  if (!w.end || p.in.now < *w.end || !p.spec.analysis || !judging) return w;
  auto progress = loadVariantProgress(p.st);
  for (const auto& a : arms)
    if (!a.failed && !measuredInTest(progress, a.name, *p.spec.analysis))
      w.unmeasured += (w.unmeasured.empty() ? "" : ", ") + a.name;
  auto graceEnd = *w.end + kAbTestGraceIntervals * p.resolved.analysis->interval;
  if (!w.unmeasured.empty() && p.in.now < graceEnd) w.graceEnd = graceEnd;
  return w;
}

struct Decision {
  const Arm* winner = nullptr;
  std::string holdWhy;  // the test ended without a winner: why (a human decides)
};

// At the end of the window: the winner by the rule (Auto), or why a human must choose.
Decision decideAtEnd(Pass& p, const std::vector<Arm>& arms, const Requests& requests, bool ended) {
  if (requests.winner || !ended) return {requests.winner, ""};
  if (p.resolved.winnerSelection == api::kWinnerManual) return {nullptr, "winnerSelection is Manual"};
  auto choice = judge(p, arms);
  if (!choice.winner) return {nullptr, "no confident winner: " + choice.reason};
  const Arm* winner = &arms[*choice.winner];
  p.event(EventType::Normal, "WinnerSelected", "variant " + winner->name + " selected: " + choice.reason);
  return {winner, ""};
}

// Why `winner` is promoted, as history and the phase say it: the rule's reason, or a request's.
std::string promotionReason(const Pass& p, const std::vector<Arm>& arms, const Arm& winner) {
  auto choice = judge(p, arms);
  bool chosenByRule = p.resolved.winnerSelection != api::kWinnerManual && choice.winner &&
                      arms[*choice.winner].hash == winner.hash;
  return (chosenByRule ? "" : "promoted by request; ") + choice.reason;
}

// Phase, Events and requeue of a test still running (or waiting for a decision or for its winner's pods).
void reportTest(Pass& p, const std::vector<Arm>& arms, const Decision& d, bool paused, const Window& w) {
  auto summary = armSummary(p, arms);
  if (d.winner) {
    p.setPhase(phase::kProgressing, "promoting variant " + d.winner->name + ": waiting for its replicas (" +
                                        std::to_string(p.available(d.winner->hash)) + "/" +
                                        std::to_string(p.replicas) + " available); " + summary);
    return;
  }
  if (paused) {
    p.setPhase(phase::kPaused,
               "A/B test paused by " + std::string(p.pausedBy()) + " (kubectl modelops resume): " + summary);
    return;
  }
  if (!d.holdWhy.empty()) {
    if (p.phaseBefore != phase::kPaused)
      p.event(EventType::Warning, "AbTestNeedsDecision", "A/B test ended: " + d.holdWhy);
    p.setPhase(phase::kPaused, "A/B test ended, " + d.holdWhy + "; choose with `kubectl modelops promote " + p.name +
                                   " --variant V`: " + summary);
    return;
  }
  std::string left;
  const auto& duration = strategy(p).duration;
  if (w.graceEnd) {
    p.requeue(std::chrono::duration_cast<milliseconds>(*w.graceEnd - p.in.now));
    left = " (duration over; waiting up to " + roundedUp(*w.graceEnd - p.in.now) + " for a first measurement of " +
           w.unmeasured + ")";
  } else if (w.end) {
    auto rest = std::chrono::duration_cast<milliseconds>(*w.end - p.in.now);
    p.requeue(rest);
    left = " (" + roundedUp(rest) + " left)";
  } else if (duration && duration->value) {
    left = " (waiting for every variant's replicas; the " + duration->text + " counts from then)";
  }
  if (p.resolved.analysis) p.requeue(p.resolved.analysis->interval);
  p.setPhase(phase::kProgressing, "A/B test" + left + ": " + summary);
}

}  // namespace

// The stages in order; each returns what the next needs.
void planAbTest(Pass& p) {
  auto arms = armsOf(p);
  if (!testRuns(p, arms)) return;
  for (auto& a : arms) a.failed = failedInThisTest(p, a);
  p.setCondition(cond::kProgressing, cond::kTrue, "AbTestRunning", "A/B test: " + listArms(arms));
  const auto requests = takeRequests(p, arms);
  if (requests.ended) return;
  const bool paused = p.userPaused();
  if (!paused && !requests.winner) foldMeasurements(p, arms);
  const auto deadline = takeOutUnavailable(p, arms);
  auto outOfTest = [&](const Arm& a) { return a.failed || a.hash == p.stableHash(); };
  if (p.st.stable && std::all_of(arms.begin(), arms.end(), outOfTest))
    return endTest(p, arms, api::outcome::kRolledBack, "every new variant was rolled back");
  const auto window = testWindow(p, arms, deadline, !paused && !requests.winner);
  const auto decision = decideAtEnd(p, arms, requests, window.over(p.in.now) && !paused);
  if (decision.winner) {
    p.st.canary = decision.winner->track();
    if (p.available(decision.winner->hash) >= p.replicas)
      return promoteWinner(p, arms, *decision.winner, promotionReason(p, arms, *decision.winner));
  }
  planAbTraffic(p, arms, decision.winner);
  if (decision.winner) p.st.canary->weight = decision.winner->carried;
  reportTest(p, arms, decision, paused, window);
}

}  // namespace modelops::rollout::detail
