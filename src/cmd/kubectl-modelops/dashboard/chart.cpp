// See chart.h.
#include "chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>

#include "html.h"

namespace modelops::plugin::dashboard {
namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::vector<ChartPoint> sortedFinite(const std::vector<ChartPoint>& in) {
  std::vector<ChartPoint> out;
  for (const auto& p : in)
    if (std::isfinite(p.t) && std::isfinite(p.value)) out.push_back(p);
  std::stable_sort(out.begin(), out.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.t < b.t; });
  return out;
}

std::string clockLabel(double t) {
  std::time_t secs = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

// One dot with its figures as a tooltip (<title>): series, time, value and band, so a reader (and the
// e2e test) can read the exact number behind a point. Escaped: the label comes from the cluster.
std::string dot(const ChartPoint& p, const std::string& label, const std::string& unit, const std::string& cls,
                const LinearScale& x, const LinearScale& y) {
  std::string tip = label + " · " + clockLabel(p.t) + " UTC · " + number3(p.value) + unit;
  if (p.lower && p.upper) tip += " [" + number3(*p.lower) + ", " + number3(*p.upper) + "]";
  return "<circle class=\"dot " + cls + "\" cx=\"" + fmt(x(p.t)) + "\" cy=\"" + fmt(y(p.value)) +
         "\" r=\"2.5\"><title>" + escapeHtml(tip) + "</title></circle>";
}

std::string axisValue(double v, const std::string& unit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, std::fabs(v) >= 100 ? "%.0f" : "%.3f", v);
  return std::string(buf) + unit;
}

// Grid and axis labels: 4 horizontal lines with their values, the two ends of the time axis.
std::string axes(const std::string& unit, const YRange& yr, const LinearScale& x, const LinearScale& y, int height) {
  std::string svg;
  for (int i = 0; i <= 4; ++i) {
    double v = yr.lo + (yr.hi - yr.lo) * i / 4.0;
    svg += "<line class=\"grid\" x1=\"" + fmt(x.r0) + "\" x2=\"" + fmt(x.r1) + "\" y1=\"" + fmt(y(v)) + "\" y2=\"" +
           fmt(y(v)) + "\"/>";
    svg += "<text class=\"axis\" x=\"" + fmt(x.r0 - 4) + "\" y=\"" + fmt(y(v) + 4) + "\" text-anchor=\"end\">" +
           escapeHtml(axisValue(v, unit)) + "</text>";
  }
  svg += "<text class=\"axis\" x=\"" + fmt(x.r0) + "\" y=\"" + fmt(height - 6.0) + "\">" + clockLabel(x.d0) + "</text>";
  svg += "<text class=\"axis\" x=\"" + fmt(x.r1) + "\" y=\"" + fmt(height - 6.0) + "\" text-anchor=\"end\">" +
         clockLabel(x.d1) + " UTC</text>";
  return svg;
}

// One swatch and label per series, from `lx` (right of the title).
std::string legend(const ChartSpec& spec, double lx) {
  std::string svg;
  for (const auto& s : spec.series) {
    svg += "<rect class=\"swatch " + escapeHtml(s.cssClass) + "\" x=\"" + fmt(lx) + "\" y=\"8\" width=\"10\" height=\"10\"/>";
    svg += "<text class=\"legend\" x=\"" + fmt(lx + 14) + "\" y=\"17\">" + escapeHtml(s.label) + "</text>";
    lx += 24 + 7.0 * static_cast<double>(s.label.size());
  }
  return svg;
}

}  // namespace

double LinearScale::operator()(double v) const {
  if (!(d1 > d0)) return (r0 + r1) / 2;
  return r0 + (v - d0) / (d1 - d0) * (r1 - r0);
}

YRange chartYRange(const ChartSpec& spec) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  auto take = [&](double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (const auto& s : spec.series)
    for (const auto& p : s.points) {
      take(p.value);
      if (p.lower) take(*p.lower);
      if (p.upper) take(*p.upper);
    }
  if (spec.minLine) take(*spec.minLine);
  if (!(hi >= lo)) return {0, 1};
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  if (hi - lo < 0.02) {
    double mid = (hi + lo) / 2;
    lo = mid - 0.01;
    hi = mid + 0.01;
  }
  if (spec.ratio) {
    lo = std::max(0.0, lo);
    hi = std::min(1.0, hi);
    if (hi - lo < 0.02) {  // pinned at an end of [0,1]
      if (lo <= 0.0) hi = 0.02;
      else lo = 0.98;
    }
  }
  return {lo, hi};
}

std::string linePath(const std::vector<ChartPoint>& sorted, const LinearScale& x, const LinearScale& y) {
  std::string d;
  for (const auto& p : sorted) d += (d.empty() ? "M" : " L") + fmt(x(p.t)) + "," + fmt(y(p.value));
  return d;
}

std::string bandPath(const std::vector<ChartPoint>& sorted, const LinearScale& x, const LinearScale& y) {
  std::string d;
  std::size_t i = 0;
  while (i < sorted.size()) {
    if (!sorted[i].lower || !sorted[i].upper) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < sorted.size() && sorted[j].lower && sorted[j].upper) ++j;
    // One run [i, j): up along the upper bounds, back along the lower ones.
    std::string run;
    for (std::size_t k = i; k < j; ++k) run += (run.empty() ? "M" : " L") + fmt(x(sorted[k].t)) + "," + fmt(y(*sorted[k].upper));
    for (std::size_t k = j; k-- > i;) run += " L" + fmt(x(sorted[k].t)) + "," + fmt(y(*sorted[k].lower));
    d += (d.empty() ? "" : " ") + run + " Z";
    i = j;
  }
  return d;
}

std::string renderChart(const ChartSpec& spec, int width, int height) {
  const double left = 56, right = 12, top = 26, bottom = 24;
  std::vector<std::vector<ChartPoint>> sorted;
  double t0 = std::numeric_limits<double>::infinity(), t1 = -t0;
  for (const auto& s : spec.series) {
    sorted.push_back(sortedFinite(s.points));
    for (const auto& p : sorted.back()) {
      t0 = std::min(t0, p.t);
      t1 = std::max(t1, p.t);
    }
  }
  std::string svg = "<svg class=\"chart\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                    "\" role=\"img\" aria-label=\"" + escapeHtml(spec.title) + "\">";
  svg += "<text class=\"title\" x=\"" + fmt(left) + "\" y=\"16\">" + escapeHtml(spec.title) + "</text>";
  if (!(t1 >= t0)) {
    svg += "<text class=\"empty\" x=\"" + fmt(width / 2.0) + "\" y=\"" + fmt(height / 2.0) +
           "\" text-anchor=\"middle\">no data yet</text></svg>";
    return svg;
  }
  if (t1 == t0) {  // one instant: give it a minute of width so the point sits in the middle
    t0 -= 30;
    t1 += 30;
  }
  YRange yr = chartYRange(spec);
  LinearScale x{t0, t1, left, width - right};
  LinearScale y{yr.lo, yr.hi, height - bottom, top};
  svg += axes(spec.unit, yr, x, y, height);
  for (std::size_t i = 0; i < spec.series.size(); ++i) {
    const std::string cls = escapeHtml(spec.series[i].cssClass);
    if (auto band = bandPath(sorted[i], x, y); !band.empty())
      svg += "<path class=\"band " + cls + "\" d=\"" + band + "\"/>";
    svg += "<path class=\"line " + cls + "\" d=\"" + linePath(sorted[i], x, y) + "\"/>";
    for (const auto& p : sorted[i]) svg += dot(p, spec.series[i].label, spec.unit, cls, x, y);
  }
  if (spec.minLine) {
    double my = y(*spec.minLine);
    svg += "<line class=\"min\" x1=\"" + fmt(left) + "\" x2=\"" + fmt(width - right) + "\" y1=\"" + fmt(my) +
           "\" y2=\"" + fmt(my) + "\"/><text class=\"min-label\" x=\"" + fmt(width - right - 2) + "\" y=\"" +
           fmt(my - 3) + "\" text-anchor=\"end\">min " + escapeHtml(number3(*spec.minLine)) + "</text>";
  }
  svg += legend(spec, left + 8.0 * static_cast<double>(spec.title.size()) + 16) + "</svg>";
  return svg;
}

}  // namespace modelops::plugin::dashboard
