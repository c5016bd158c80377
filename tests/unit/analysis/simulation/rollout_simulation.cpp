// Simulated rollouts (see rollout_simulation.h).
// Thread-safety: see the header.
#include "rollout_simulation.h"

#include <algorithm>
#include <chrono>
#include <deque>

namespace modelops::analysis::simulation {
namespace {

std::string segmentKey(std::size_t i) { return "s" + std::to_string(i); }

// One revision's labels per interval, kept per segment so that a window can be summed.
class Arm {
 public:
  explicit Arm(const Population& population) : population_(population) {}
  void look(LabelSource& source, int labels, int windowLooks) {
    std::vector<Counts> now(population_.shares.size());
    source.draw(population_, labels, now);
    history_.push_back(std::move(now));
    if (windowLooks > 0 && static_cast<int>(history_.size()) > windowLooks) history_.pop_front();
  }
  std::vector<Counts> perSegment() const {
    std::vector<Counts> sum(population_.shares.size());
    for (const auto& interval : history_)
      for (std::size_t i = 0; i < sum.size(); ++i) {
        sum[i].successes += interval[i].successes;
        sum[i].trials += interval[i].trials;
      }
    return sum;
  }

 private:
  Population population_;
  std::deque<std::vector<Counts>> history_;  // cumulative: every interval; windowed: the last k
};

Counts overall(const std::vector<Counts>& parts) {
  Counts c;
  for (const auto& p : parts) {
    c.successes += p.successes;
    c.trials += p.trials;
  }
  return c;
}

// One answer: with seriesMissing, each segment's series (canary's and stable's) may be left out of it,
// from the segment list and from the totals alike.
AccuracyObservation observe(const Scenario& s, const Arm& canary, const std::optional<Arm>& stable,
                            LabelSource& source) {
  AccuracyObservation obs;
  auto canaryParts = canary.perSegment();
  std::vector<bool> present(canaryParts.size(), true);
  if (s.seriesMissing > 0)
    for (std::size_t i = 0; i < present.size(); ++i) present[i] = source.uniform() >= s.seriesMissing;
  auto keep = [&](std::vector<Counts> parts) {
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (!present[i]) parts[i] = Counts{};
    return parts;
  };
  canaryParts = keep(canaryParts);
  obs.canary = overall(canaryParts);
  if (s.segments)
    for (std::size_t i = 0; i < canaryParts.size(); ++i)
      if (present[i]) obs.canarySegments[segmentKey(i)] = canaryParts[i];
  if (stable) {
    const auto stableParts = keep(stable->perSegment());
    obs.stable = overall(stableParts);
    if (s.segments)
      for (std::size_t i = 0; i < stableParts.size(); ++i)
        if (present[i]) obs.stableSegments[segmentKey(i)] = stableParts[i];
  }
  return obs;
}

enum class Ending { Failed, Passed, Paused, Undecided };

Ending runOnce(const Scenario& s, LabelSource& source) {
  Arm canary(s.canary);
  std::optional<Arm> stable;
  if (s.stable) stable.emplace(*s.stable);
  AnalysisPolicy policy;
  if (s.limits) policy.metrics.push_back({"accuracy", *s.limits});
  AnalysisProgress progress;
  WallTime now{};
  int segmentsSeen = 0;  // as MetricProgress::segmentsSeen keeps it
  for (int look = 0; look < s.maxLooks; ++look) {
    canary.look(source, s.labelsPerLook, s.windowLooks);
    if (stable) stable->look(source, s.labelsPerLook, s.windowLooks);
    std::optional<SegmentCriteria> segments = s.segments;
    if (segments && s.fixSegmentCount && segmentsSeen > 0) segments->expectedSegments = segmentsSeen;
    const Verdict v = judgeAccuracy("accuracy", s.criteria, segments, observe(s, canary, stable, source));
    segmentsSeen = std::max(segmentsSeen, static_cast<int>(v.segments.size()));
    if (!s.limits) {
      if (v.phase == VerdictPhase::Fail) return Ending::Failed;
      if (v.phase == VerdictPhase::Pass) return Ending::Passed;
      continue;
    }
    now += std::chrono::minutes(5);
    const AnalysisDecision d = decide(progress, {v}, policy, now);
    progress = d.progress;
    switch (d.outcome) {
      case AnalysisOutcome::Failed: return Ending::Failed;
      case AnalysisOutcome::Passed: return Ending::Passed;
      case AnalysisOutcome::Paused:
      case AnalysisOutcome::Aborted: return Ending::Paused;
      case AnalysisOutcome::Running: break;
    }
  }
  return Ending::Undecided;
}

}  // namespace

Population uniformPopulation(double accuracy, int segments) {
  Population p;
  p.shares.assign(static_cast<std::size_t>(segments), 1.0 / segments);
  p.accuracy.assign(static_cast<std::size_t>(segments), accuracy);
  return p;
}

void LabelSource::draw(const Population& population, int labels, std::vector<Counts>& perSegment) {
  for (int i = 0; i < labels; ++i) {
    double u = uniform();
    std::size_t segment = 0;
    while (segment + 1 < population.shares.size() && u >= population.shares[segment]) {
      u -= population.shares[segment];
      ++segment;
    }
    perSegment[segment].trials += 1;
    if (uniform() < population.accuracy[segment]) perSegment[segment].successes += 1;
  }
}

Tally simulate(const Scenario& scenario, int runs, std::uint64_t seed) {
  LabelSource source(seed);
  Tally t;
  for (int r = 0; r < runs; ++r) {
    ++t.runs;
    switch (runOnce(scenario, source)) {
      case Ending::Failed: ++t.failed; break;
      case Ending::Passed: ++t.passed; break;
      case Ending::Paused: ++t.paused; break;
      case Ending::Undecided: ++t.undecided; break;
    }
  }
  return t;
}

}  // namespace modelops::analysis::simulation
