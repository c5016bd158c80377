// SVG line charts drawn on the server: accuracy over time with a confidence band around each series and
// a horizontal threshold line (the metric's `min`). Pure: the scale and path functions are what the
// unit tests check; renderChart assembles them into an <svg> element (text escaped).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace modelops::plugin::dashboard {

struct ChartPoint {
  double t = 0;      // seconds since the epoch
  double value = 0;
  std::optional<double> lower;  // the confidence band, when known
  std::optional<double> upper;
};

struct ChartSeries {
  std::string label;     // "canary v2"
  std::string cssClass;  // "canary", "stable", "variant"
  std::vector<ChartPoint> points;  // any order; sorted by t when drawn
};

struct ChartSpec {
  std::string title;
  std::string unit;  // "" for a ratio (0..1 shown as 0.000), "/s", "s"
  std::vector<ChartSeries> series;
  std::optional<double> minLine;  // drawn dashed, labelled "min"
  bool ratio = true;              // y in [0,1]: the range is clamped to it
};

// A linear map from [d0,d1] to [r0,r1]; a degenerate domain maps to the middle of the range.
struct LinearScale {
  double d0, d1, r0, r1;
  double operator()(double v) const;
};

struct YRange {
  double lo, hi;
};
// The y range showing every value, bound and the min line with 5% headroom, widened to at least 0.02
// (ratio charts: clamped to [0,1]); an empty chart gives [0,1].
YRange chartYRange(const ChartSpec& spec);

// "M x,y L x,y ..." through the points (sorted by t); empty for no points.
std::string linePath(const std::vector<ChartPoint>& sorted, const LinearScale& x, const LinearScale& y);
// The closed band polygon: along the upper bounds, back along the lower bounds. Points without a band
// break it into separate polygons (each "M ... Z"). Empty when no point has one.
std::string bandPath(const std::vector<ChartPoint>& sorted, const LinearScale& x, const LinearScale& y);

// The whole chart (width x height user units, scaled by CSS), a legend, axes with times in UTC.
// A chart without points says "no data yet".
std::string renderChart(const ChartSpec& spec, int width = 640, int height = 220);

}  // namespace modelops::plugin::dashboard
