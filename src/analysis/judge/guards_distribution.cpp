// The class-distribution guard (guards.h): bounds on the Jensen-Shannon distance between the canary's and
// stable's predicted-class distributions from always-valid per-class confidence sequences.
//
// Each class share p_k (canary) and q_k (stable) gets a two-sided time-uniform confidence sequence: the
// normal-mixture boundary (sequential.h) with the Bernoulli's sub-Gaussian variance bound 1/4, exact for
// any p (Hoeffding), at error a = alpha / (4K) per side, K classes, two arms: all 2K intervals hold at once,
// at every look, with probability >= 1 - alpha (Bonferroni). While they hold, the divergence
// JS(P, Q) = sum_k f(p_k, q_k), f(p, q) = [p log2(2p/(p+q)) + q log2(2q/(p+q))] / 2, lies between
//   lower = sum_k min over the box [pL, pU] x [qL, qU] of f  (f is jointly convex and zero on p = q, so
//           the minimum is 0 when the intervals overlap, else at the two nearest ends), and
//   upper = sum_k max over the box's four corners (a convex function's maximum over a box),
// both relaxations of the simplex constraint, hence valid. The distance is sqrt(JS), in [0, 1].
// Fail when sqrt(lower) > maxDistance, pass when sqrt(upper) <= maxDistance: both errors <= alpha over all
// looks, and a shift smaller than maxDistance passes once n is large (the effect-size floor).
// Thread-safety: pure functions.
#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "judge_parts.h"
#include "modelops/analysis/guards.h"
#include "modelops/analysis/sequential.h"

namespace modelops::analysis {
namespace {

using judge_parts::count;
using judge_parts::num;

// The mixture is tuned to be tightest at this many times minSamples (as the accuracy floor's).
constexpr double kClassMixtureTunedAt = 10.0;
// A Bernoulli indicator is sub-Gaussian with variance proxy 1/4 whatever its mean.
constexpr double kBernoulliVarianceBound = 0.25;
// Classes listed in the verdict (largest contribution first): status stays bounded.
constexpr std::size_t kMaxClassesShown = 20;

double jsTerm(double p, double q) {
  auto part = [](double a, double b) { return a > 0 ? a * std::log2(2.0 * a / (a + b)) : 0.0; };
  return std::max(0.0, 0.5 * (part(p, q) + part(q, p)));
}

struct ClassBounds {
  std::string name;
  double canaryCount = 0;
  double p = 0, pLow = 0, pHigh = 1;  // canary share and its confidence sequence
  double q = 0, qLow = 0, qHigh = 1;  // stable's
  double lowerTerm = 0, upperTerm = 0, pointTerm = 0;
};

struct ArmCounts {
  std::map<std::string, double> byClass;
  double total = 0;
  std::string problem;  // non-empty: unusable
  bool invalid = false;
};

ArmCounts checkArm(const std::map<std::string, double>& counts, const std::string& arm) {
  ArmCounts out;
  for (const auto& [name, c] : counts) {
    if (!std::isfinite(c)) {
      out.problem = arm + ": no data (class " + name + " is NaN or Inf)";
      return out;
    }
    if (c < 0) {
      out.problem = arm + ": negative count for class " + name;
      out.invalid = true;
      return out;
    }
    out.byClass[name] = std::round(c);
    out.total += std::round(c);
  }
  if (out.total <= 0) out.problem = arm + ": no data (no predictions)";
  return out;
}

ClassBounds boundClass(const std::string& name, const ArmCounts& canary, const ArmCounts& stable, double halfP,
                       double halfQ) {
  ClassBounds b;
  b.name = name;
  auto at = [&](const ArmCounts& a) {
    auto it = a.byClass.find(name);
    return it == a.byClass.end() ? 0.0 : it->second;
  };
  b.canaryCount = at(canary);
  b.p = b.canaryCount / canary.total;
  b.q = at(stable) / stable.total;
  b.pLow = std::max(0.0, b.p - halfP);
  b.pHigh = std::min(1.0, b.p + halfP);
  b.qLow = std::max(0.0, b.q - halfQ);
  b.qHigh = std::min(1.0, b.q + halfQ);
  b.pointTerm = jsTerm(b.p, b.q);
  if (b.pHigh < b.qLow) b.lowerTerm = jsTerm(b.pHigh, b.qLow);
  else if (b.qHigh < b.pLow) b.lowerTerm = jsTerm(b.pLow, b.qHigh);
  b.upperTerm = std::max({jsTerm(b.pLow, b.qLow), jsTerm(b.pLow, b.qHigh), jsTerm(b.pHigh, b.qLow),
                          jsTerm(b.pHigh, b.qHigh)});
  return b;
}

// Further canary predictions until the bound on the undecided side crosses maxDistance, assuming the
// widths shrink like 1/sqrt(n) (the logarithmic factor is ignored: a projection, not a promise).
std::optional<double> predictionsToDecide(double point, double lower, double upper, double maxDistance, double n) {
  const double width = point > maxDistance ? point - lower : upper - point;
  const double gap = std::abs(point - maxDistance);
  if (gap <= 1e-9 || width <= 0) return std::nullopt;
  const double total = n * (width / gap) * (width / gap);
  if (!std::isfinite(total) || total > 1e9) return std::nullopt;
  return std::max(0.0, total - n);
}

SegmentVerdict classVerdict(const ClassBounds& b, bool failed) {
  SegmentVerdict s;
  s.segment = "class=" + b.name;
  s.value = b.p;
  s.lowerBound = b.pLow;
  s.upperBound = b.pHigh;
  s.samples = b.canaryCount;
  const bool shifted = b.lowerTerm > 0;
  s.phase = shifted && failed ? VerdictPhase::Fail : shifted ? VerdictPhase::Inconclusive : VerdictPhase::Pass;
  s.reason = "canary share " + num(b.p) + " [" + num(b.pLow) + ", " + num(b.pHigh) + "] vs stable " + num(b.q) +
             " [" + num(b.qLow) + ", " + num(b.qHigh) + "]" + (shifted ? ": confidently shifted" : "");
  return s;
}

}  // namespace

double jensenShannonDivergence(const std::map<std::string, double>& p, const std::map<std::string, double>& q) {
  double sp = 0, sq = 0;
  std::set<std::string> names;
  for (const auto& [k, v] : p) sp += v, names.insert(k);
  for (const auto& [k, v] : q) sq += v, names.insert(k);
  if (sp <= 0 || sq <= 0) return 0;
  double js = 0;
  for (const auto& k : names) {
    const double a = p.count(k) ? p.at(k) / sp : 0.0, b = q.count(k) ? q.at(k) / sq : 0.0;
    js += jsTerm(a, b);
  }
  return std::min(1.0, js);
}

namespace {

// Every class's confidence sequences and the distance's bounds (see the file comment).
struct DistanceBounds {
  int classes = 0;
  std::vector<ClassBounds> byClass;
  double lower = 0, upper = 1, point = 0;  // Jensen-Shannon distances
};

DistanceBounds boundDistance(const ClassDistributionCriteria& criteria, const ArmCounts& c, const ArmCounts& s) {
  std::set<std::string> names;
  for (const auto& [k, n] : c.byClass) names.insert(k);
  for (const auto& [k, n] : s.byClass) names.insert(k);
  DistanceBounds out;
  out.classes = std::max({criteria.expectedClasses, static_cast<int>(names.size()), 2});
  const double a = criteria.common.alpha / (4.0 * out.classes);
  const double tau = mixtureScaleFor(kBernoulliVarianceBound, a, kClassMixtureTunedAt * criteria.common.minSamples);
  const double halfP = alwaysValidHalfWidth(kBernoulliVarianceBound / c.total, a, tau);
  const double halfQ = alwaysValidHalfWidth(kBernoulliVarianceBound / s.total, a, tau);
  double lower = 0, upper = 0, point = 0;
  for (const auto& name : names) {
    out.byClass.push_back(boundClass(name, c, s, halfP, halfQ));
    lower += out.byClass.back().lowerTerm;
    upper += out.byClass.back().upperTerm;
    point += out.byClass.back().pointTerm;
  }
  out.lower = std::sqrt(std::min(1.0, lower));
  out.upper = std::sqrt(std::min(1.0, upper));
  out.point = std::sqrt(std::min(1.0, point));
  return out;
}

}  // namespace

Verdict judgeClassDistribution(const ClassDistributionCriteria& criteria, const std::map<std::string, double>& canary,
                               const std::map<std::string, double>& stable) {
  Verdict v;
  v.metric = kGuardClassDistribution;
  const ArmCounts c = checkArm(canary, "canary"), s = checkArm(stable, "stable");
  for (const ArmCounts* arm : {&c, &s}) {
    if (arm->problem.empty()) continue;
    v.phase = arm->invalid ? VerdictPhase::Error : VerdictPhase::Inconclusive;
    v.reason = "class distribution: " + arm->problem;
    return v;
  }
  DistanceBounds d = boundDistance(criteria, c, s);
  auto& bounds = d.byClass;
  const double dLower = d.lower, dUpper = d.upper, dPoint = d.point;
  const int classes = d.classes;
  v.value = dPoint;
  v.lowerBound = dLower;
  v.upperBound = dUpper;
  v.samples = c.total;
  const double max = criteria.maxDistance;
  const std::string n = ", n=" + count(c.total) + "/" + count(s.total) + ", " + std::to_string(classes) + " classes";
  if (c.total < criteria.common.minSamples || s.total < criteria.common.minSamples) {
    v.warmUp = true;
    const double more = criteria.common.minSamples - c.total;
    if (more > 0) v.labelsNeeded = more;
    v.reason = "class distribution: fewer than minSamples " + count(criteria.common.minSamples) +
               " predictions (canary " + count(c.total) + ", stable " + count(s.total) + "); waiting for " +
               (more > 0 ? "about " + count(more) + " more canary predictions" : "stable's predictions");
  } else if (dLower > max) {
    v.phase = VerdictPhase::Fail;
    v.reason = "class distribution: Jensen-Shannon distance " + num(dPoint) + ", lower bound " + num(dLower) + " > " +
               num(max) + n;
  } else if (dUpper <= max) {
    v.phase = VerdictPhase::Pass;
    v.reason = "class distribution: Jensen-Shannon distance " + num(dPoint) + ", upper bound " + num(dUpper) +
               " <= " + num(max) + n;
  } else {
    v.labelsNeeded = predictionsToDecide(dPoint, dLower, dUpper, max, c.total);
    v.reason = "class distribution: Jensen-Shannon distance " + num(dPoint) + ", bounds [" + num(dLower) + ", " +
               num(dUpper) + "] straddle " + num(max) + n +
               (v.labelsNeeded ? "; waiting for about " + count(std::max(1.0, *v.labelsNeeded)) + " more canary predictions"
                               : "");
  }
  // The classes that moved most first; the largest contribution names the segment people look at.
  std::stable_sort(bounds.begin(), bounds.end(), [](const ClassBounds& x, const ClassBounds& y) {
    return x.pointTerm > y.pointTerm;
  });
  if (bounds.size() > kMaxClassesShown) bounds.resize(kMaxClassesShown);
  for (const auto& b : bounds) v.segments.push_back(classVerdict(b, v.phase == VerdictPhase::Fail));
  if (!bounds.empty() && !v.warmUp && v.phase != VerdictPhase::Pass)
    v.reason += "; most shifted class " + bounds.front().name + " (" + num(bounds.front().p) + " vs " +
                num(bounds.front().q) + ")";
  return v;
}

}  // namespace modelops::analysis
