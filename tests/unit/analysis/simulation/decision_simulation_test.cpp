// The decision simulation suite (issue 15, item 8): every row of the table re-measured through
// the real judge (and, where the row says so, the real limits), with fixed seeds. Each test prints its
// figure and asserts the row's "should be" within Monte Carlo tolerance (three standard errors of the
// target rate at the number of runs). At the end the whole table is printed as Markdown, as in
// docs/statistics.md. Short form by default; MODELOPS_SIMULATION=long runs 10x more rollouts.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "modelops/analysis/change_detection.h"
#include "rollout_simulation.h"

namespace modelops::analysis::simulation {
namespace {

bool longForm() {
  const char* mode = std::getenv("MODELOPS_SIMULATION");
  return mode && std::string(mode) == "long";
}
int runs(int shortForm) { return longForm() ? shortForm * 10 : shortForm; }

struct Row {
  std::string situation, measured, shouldBe;
};
std::vector<Row>& table() {
  static std::vector<Row> rows;  // filled by the tests, printed by the environment at the end
  return rows;
}

class PrintTable : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("\n| situation | measured | should be |\n|---|---|---|\n");
    for (const auto& r : table()) std::printf("| %s | %s | %s |\n", r.situation.c_str(), r.measured.c_str(), r.shouldBe.c_str());
  }
};
const auto* const kPrintTable = ::testing::AddGlobalTestEnvironment(new PrintTable);

std::string percent(int count, int total) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%% (%d/%d)", 100.0 * count / total, count, total);
  return buf;
}

// The Monte Carlo allowance around a target rate: three standard errors at n runs.
double tolerance(double target, int n) { return 3.0 * std::sqrt(target * (1.0 - target) / n); }

void expectAtMost(const char* what, int count, int total, double target) {
  EXPECT_LE(static_cast<double>(count) / total, target + tolerance(target, total))
      << what << ": " << percent(count, total) << ", should be at most " << target * 100 << "%";
}
void expectAtLeast(const char* what, int count, int total, double target) {
  EXPECT_GE(static_cast<double>(count) / total, target - tolerance(target, total))
      << what << ": " << percent(count, total) << ", should be at least " << target * 100 << "%";
}

void record(std::string situation, std::string measured, std::string shouldBe) {
  std::printf("%s: %s (should be %s)\n", situation.c_str(), measured.c_str(), shouldBe.c_str());
  table().push_back({std::move(situation), std::move(measured), std::move(shouldBe)});
}

// The common settings: confidence 0.95, min 0.92, 50 labels per arm per interval, 100 looks.
AccuracyCriteria floorOnly(double minSamples) {
  AccuracyCriteria c;
  c.min = 0.92;
  c.confidence = 0.95;
  c.minSamples = minSamples;
  return c;
}
Scenario floorScenario(double accuracy, double minSamples) {
  Scenario s;
  s.criteria = floorOnly(minSamples);
  s.canary = uniformPopulation(accuracy);
  return s;
}

TEST(DecisionSimulation, CanaryExactlyAtMinIsRarelyRolledBack) {
  const int n = runs(400);
  const Tally a = simulate(floorScenario(0.92, 500), n, 101);
  const Tally b = simulate(floorScenario(0.92, 100), n, 102);
  record("canary exactly at `min`, looks until a verdict, minSamples 500 / 100",
         "rolled back " + percent(a.failed, n) + " / " + percent(b.failed, n), "at most 5%");
  expectAtMost("minSamples 500", a.failed, n, 0.05);
  expectAtMost("minSamples 100", b.failed, n, 0.05);
}

TEST(DecisionSimulation, CanaryOnePointAboveMinPassesAndIsRarelyRolledBack) {
  const int n = runs(400);
  const Tally a = simulate(floorScenario(0.93, 500), n, 201);
  const Tally b = simulate(floorScenario(0.93, 100), n, 202);
  record("canary 1 point above `min` (0.93), minSamples 500 / 100",
         "rolled back " + percent(a.failed, n) + " / " + percent(b.failed, n) + "; passed " + percent(a.passed, n) +
             " / " + percent(b.passed, n) + " within 100 looks",
         "under 5%, and passing");
  expectAtMost("rolled back, minSamples 500", a.failed, n, 0.05);
  expectAtMost("rolled back, minSamples 100", b.failed, n, 0.05);
  // "Passing": 5,000 labels resolve a 1-point margin in most runs (docs/statistics.md, power).
  expectAtLeast("passed, minSamples 500", a.passed, n, 0.5);
  expectAtLeast("passed, minSamples 100", b.passed, n, 0.5);
}

TEST(DecisionSimulation, CanaryBelowMinIsRarelyPromoted) {
  const int n = runs(400);
  const Tally a = simulate(floorScenario(0.915, 500), n, 301);
  const Tally b = simulate(floorScenario(0.915, 100), n, 302);
  record("canary below `min` (0.915), minSamples 500 / 100",
         "promoted " + percent(a.passed, n) + " / " + percent(b.passed, n), "at most 5%");
  expectAtMost("minSamples 500", a.passed, n, 0.05);
  expectAtMost("minSamples 100", b.passed, n, 0.05);
}

// Canary at 0.95 (equal to stable), min 0.92, through the real limits with the defaults
// (inconclusiveLimit 10, failureLimit 0) and minSamples 500: the floor alone, as in the row; then
// with the comparison with stable (maxDropVsStable 0.02) declared too, which needs about 2,600 labels per
// arm at equal accuracy: looks before the comparison can tell equal from the margin do not spend the
// budget (docs/statistics.md section 8). Before that rule the second figure was 75%.
TEST(DecisionSimulation, GoodCanaryWithDefaultLimitsPasses) {
  const int n = runs(400);
  Scenario s = floorScenario(0.95, 500);
  s.stable = uniformPopulation(0.95);
  s.limits = MetricLimits{};
  s.maxLooks = 200;
  const Tally floor = simulate(s, n, 401);
  s.criteria.maxDropVsStable = 0.02;
  const Tally both = simulate(s, n, 402);
  record("canary 0.95, defaults (inconclusiveLimit 10, minSamples 500); with maxDropVsStable 0.02 and stable "
         "equal at 0.95 too",
         "passed " + percent(floor.passed, n) + " (paused " + percent(floor.paused, n) + "); passed " +
             percent(both.passed, n) + " (paused " + percent(both.paused, n) + ")",
         "passes (at least 95%)");
  expectAtLeast("passed, floor", floor.passed, n, 0.95);
  expectAtLeast("passed, floor and comparison", both.passed, n, 0.95);
  EXPECT_EQ(both.failed, 0) << "an equal canary must never be rolled back here";
}

// The other side of that rule: a canary exactly at the margin (0.93 vs 0.95, margin 0.02) must not be
// promoted, and with the defaults it pauses (saying how many labels it needs) rather than run forever.
TEST(DecisionSimulation, CanaryAtTheMarginWithDefaultLimitsPausesNotPasses) {
  const int n = runs(400);
  Scenario s = floorScenario(0.93, 500);
  s.criteria.min = 0.80;
  s.criteria.maxDropVsStable = 0.02;
  s.stable = uniformPopulation(0.95);
  s.limits = MetricLimits{};
  s.maxLooks = 200;
  const Tally t = simulate(s, n, 403);
  record("canary exactly `maxDropVsStable` (0.02) below stable (0.93 vs 0.95), defaults, 200 looks",
         "passed " + percent(t.passed, n) + ", paused " + percent(t.paused, n) + ", rolled back " + percent(t.failed, n),
         "passed at most 5%; pauses");
  expectAtMost("passed", t.passed, n, 0.05);
  expectAtLeast("paused", t.paused, n, 0.9);
}

// Four segments, each equal to stable at 0.93; floor 0.92 overall and per segment; the comparison
// with stable overall and per segment (margin 0.02) declared too.
TEST(DecisionSimulation, EqualSegmentsAreRarelyRolledBack) {
  const int n = runs(400);
  Scenario s = floorScenario(0.93, 500);
  s.criteria.maxDropVsStable = 0.02;
  s.canary = uniformPopulation(0.93, 4);
  s.stable = uniformPopulation(0.93, 4);
  SegmentCriteria seg;
  seg.by = "region";
  seg.min = 0.92;
  seg.minSamples = 100;
  seg.maxDropVsStable = 0.02;
  s.segments = seg;
  const Tally t = simulate(s, n, 501);
  record("four segments all equal to stable at 0.93, floor 0.92", "rolled back " + percent(t.failed, n),
         "at most 5% in all");
  expectAtMost("rolled back", t.failed, n, 0.05);
}

// Every declared test at its null boundary at once: canary at the floor overall and in every segment,
// and exactly maxDropVsStable below stable; 2,000 labels per arm at one look, then 100 looks.
TEST(DecisionSimulation, FloorSegmentsAndStableShareOneBudget) {
  const int n = runs(400);
  Scenario s = floorScenario(0.92, 100);
  s.criteria.maxDropVsStable = 0.02;
  s.canary = uniformPopulation(0.92, 4);
  s.stable = uniformPopulation(0.94, 4);
  SegmentCriteria seg;
  seg.by = "region";
  seg.min = 0.92;
  seg.minSamples = 100;
  seg.maxDropVsStable = 0.02;
  s.segments = seg;
  Scenario oneLook = s;
  oneLook.labelsPerLook = 2000;
  oneLook.maxLooks = 1;
  const Tally one = simulate(oneLook, n, 601);
  const Tally many = simulate(s, n, 602);
  record("floor, segments and vs-stable, each at its boundary, one look / 100 looks",
         "rolled back " + percent(one.failed, n) + " / " + percent(many.failed, n), "one budget: at most 5%");
  expectAtMost("one look", one.failed, n, 0.05);
  expectAtMost("100 looks", many.failed, n, 0.05);
}

// The same boundary case, but each look's answer leaves out each segment's series with probability 0.3
// (a flaky exporter): the segment count is fixed by the looks so far (as the operator passes
// MetricProgress::segmentsSeen back), not by whatever series this answer returned; without that, a look
// with fewer series splits the budget fewer ways, and a look missing a segment could pass it unjudged.
TEST(DecisionSimulation, SegmentCountIsFixedByTheFirstLookNotByTheAnswer) {
  const int n = runs(400);
  Scenario s = floorScenario(0.92, 100);
  s.criteria.maxDropVsStable = 0.02;
  s.canary = uniformPopulation(0.92, 4);
  s.stable = uniformPopulation(0.94, 4);
  SegmentCriteria seg;
  seg.by = "region";
  seg.min = 0.92;
  seg.minSamples = 100;
  seg.maxDropVsStable = 0.02;
  s.segments = seg;
  s.seriesMissing = 0.3;
  const Tally fixed = simulate(s, n, 651);
  s.fixSegmentCount = false;
  const Tally loose = simulate(s, n, 651);
  record("segments at their boundary, each series missing from 30% of answers, 100 looks: count fixed by the "
         "first look / by each answer (reported)",
         "rolled back " + percent(fixed.failed, n) + " / " + percent(loose.failed, n), "at most 5%");
  expectAtMost("segment count fixed", fixed.failed, n, 0.05);
}

// One segment (10% of traffic) 25 points worse than stable's same segment (0.70 vs 0.95) but above the
// segment floor 0.65; the overall floor (0.85) and overall comparison (margin 0.05) pass.
TEST(DecisionSimulation, ASegmentMuchWorseThanStableIsRolledBack) {
  const int n = runs(400);
  Scenario s = floorScenario(0.95, 100);
  s.criteria.min = 0.85;
  s.criteria.maxDropVsStable = 0.05;
  s.canary = Population{{0.1, 0.3, 0.3, 0.3}, {0.70, 0.95, 0.95, 0.95}};
  s.stable = Population{{0.1, 0.3, 0.3, 0.3}, {0.95, 0.95, 0.95, 0.95}};
  SegmentCriteria seg;
  seg.by = "region";
  seg.min = 0.65;
  seg.minSamples = 50;
  seg.maxDropVsStable = 0.05;
  s.segments = seg;
  const Tally t = simulate(s, n, 701);
  record("a segment 25 points worse than stable, segment floor 0.65",
         "rolled back " + percent(t.failed, n) + ", promoted " + percent(t.passed, n), "rolled back (at least 95%)");
  expectAtLeast("rolled back", t.failed, n, 0.95);
}

// Canary exactly maxDropVsStable (0.02) below stable (0.92 vs 0.94), the floor met (min 0.80).
Scenario atTheMargin(int looks, int windowLooks) {
  Scenario s = floorScenario(0.92, 100);
  s.criteria.min = 0.80;
  s.criteria.maxDropVsStable = 0.02;
  s.stable = uniformPopulation(0.94);
  s.maxLooks = looks;
  s.windowLooks = windowLooks;
  return s;
}

TEST(DecisionSimulation, VersusStableOnCountsSinceTheStart) {
  const int n100 = runs(400), n1000 = runs(100);
  const Tally a = simulate(atTheMargin(100, 0), n100, 801);
  const Tally b = simulate(atTheMargin(1000, 0), n1000, 802);
  record("vs-stable at the margin on counts since the start (`increase(...[{{analysis.elapsed}}])`), 100 / 1,000 looks",
         "false 'worse' " + percent(a.failed, n100) + " / " + percent(b.failed, n1000), "at most 5%");
  expectAtMost("100 looks", a.failed, n100, 0.05);
  expectAtMost("1000 looks", b.failed, n1000, 0.05);
}

// increase(...[10m]) at a 1-minute interval: every look sees the last ten intervals only, so the looks
// are overlapping samples and no test over them is valid at every look. Reported, not asserted: the
// remedy is the previous row's input, increase(...[{{analysis.elapsed}}]), which every example uses and
// which the admission webhook asks for when a spec uses a fixed range with a comparison or monitoring.
TEST(DecisionSimulation, VersusStableOnSlidingWindowsIsReported) {
  const int n100 = runs(400), n1000 = runs(100);
  const Tally a = simulate(atTheMargin(100, 10), n100, 901);
  const Tally b = simulate(atTheMargin(1000, 10), n1000, 902);
  record("`increase(...[10m])` windows with the vs-stable test, 100 / 1,000 looks (reported: warned at admission; "
         "use the row above)",
         "false 'worse' " + percent(a.failed, n100) + " / " + percent(b.failed, n1000), "at most 5%");
  EXPECT_EQ(a.runs, n100);
}

// Monitoring after promotion as the operator runs it (src/rollout/monitoring.cpp): the change detector
// with its threshold from the declared expected time to a false alarm (default a year) at the interval;
// min 0.90, 12 looks an hour, 50 labels per look, counts since monitoring started. Returns the look of the first
// alarm, or -1. `dropAt`: the look from which accuracy is `after` instead of `before`.
int firstAlarm(LabelSource& source, const ChangeDetectorConfig& config, int looks, double before, double after,
               int dropAt) {
  ChangeDetectorState state;
  Counts sinceStart;
  const Population healthy = uniformPopulation(before), dropped = uniformPopulation(after);
  for (int look = 0; look < looks; ++look) {
    std::vector<Counts> now(1);
    source.draw(look >= dropAt ? dropped : healthy, 50, now);
    sinceStart.successes += now[0].successes;
    sinceStart.trials += now[0].trials;
    const ChangeStep step = updateChangeDetector(state, sinceStart, config);
    state = step.state;
    if (step.alarm) return look;
  }
  return -1;
}

// api::defaults::kExpectedTimeToFalseAlarm (a year) over a 5-minute interval: h = ln(2 * 105,120) = 12.26.
constexpr double kDefaultLooksToFalseAlarm = 365.0 * 24 * 12;

TEST(DecisionSimulation, MonitoringChangeDetectorFalseAlarmsAndDelay) {
  const ChangeDetectorConfig config = changeDetectorForLooks(0.90, kDefaultLooksToFalseAlarm);
  const int n = runs(200);
  const int month = 30 * 24 * 12;
  LabelSource quiet(1001);
  int falseAlarms = 0;
  for (int r = 0; r < n; ++r) falseAlarms += firstAlarm(quiet, config, month, 0.91, 0.91, month) >= 0 ? 1 : 0;
  // A 5-point drop (0.91 -> 0.86) after a day of healthy service: labels from the drop to the alarm.
  LabelSource drop(1002);
  const int day = 24 * 12;
  int caught = 0, early = 0;
  for (int r = 0; r < n; ++r) {
    const int look = firstAlarm(drop, config, day + 100, 0.91, 0.86, day);
    if (look >= 0 && look < day) ++early;
    if (look >= day && (look - day + 1) * 50 <= 2000) ++caught;
  }
  record("monitoring (1 h window advice replaced by the change detector, default expected time to a false alarm "
         "a year, 5 min interval): stable at `min` + 1 point for 30 days; 5-point drop",
         "flagged " + percent(falseAlarms, n) + "; drop caught within 2,000 labels " + percent(caught, n),
         "under 5%; at least 95%");
  expectAtMost("false alarms in 30 days", falseAlarms, n, 0.05);
  expectAtLeast("5-point drop caught within 2,000 labels", caught, n, 0.95);
  EXPECT_EQ(early, 0) << "alarms before the drop";
}

}  // namespace
}  // namespace modelops::analysis::simulation
