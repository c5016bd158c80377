// The gateway benchmark's output: one Markdown table per round (direct, nginx and modelops-gateway side
// by side), the goals with PASS/FAIL (a goal that could not be measured is FAIL, never skipped),
// the spread over rounds, and the soak series. Pure formatting over the figures; no I/O but the stream.
// Thread-safety: stateless functions.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "load.h"

namespace modelops::gwbench {

struct TargetFigures {
  std::string name;              // "direct", "nginx", "gateway"
  bool measured = false;         // false: not run (note says why)
  std::string note;
  LoadResult fixed;              // at the fixed rate
  LoadResult saturation;
  long rssKiB = 0;               // peak VmRSS sampled during the fixed-rate run (nginx: master + workers)
};

struct RoundFigures {
  TargetFigures direct, nginx, gateway;
  // Prediction ids and counters really on: the X-Prediction-Id of a probe request and the growth of
  // modelops_predictions_total over the gateway's fixed-rate run.
  std::string predictionIdSample;
  double predictionsCounted = -1;  // -1: not scraped
};

struct SoakFigures {
  int intervalSeconds = 10;
  std::vector<std::pair<double, long>> samples;  // (seconds since start, VmRSS KiB)
  LoadResult load;
};

struct BenchSettings {
  int rate = 1000, fixedConnections = 10, thinkMs = 10, fixedSeconds = 10;
  int saturationConnections = 32, saturationSeconds = 10, workers = 1, wrkThreads = 1, upstreamThreads = 1;
};

struct Goal {
  std::string name, measured;
  bool pass = false;
};

// Latency and throughput goals judge the median over rounds (one noisy round does not decide);
// memory the highest round.
std::vector<Goal> goals(const std::vector<RoundFigures>& rounds, const std::optional<SoakFigures>& soak);
void printRound(std::ostream& out, const BenchSettings& s, const RoundFigures& r, int round);
void printGoals(std::ostream& out, const std::vector<Goal>& g);
// Min / max over rounds of the figures the goals rest on.
void printSpread(std::ostream& out, const std::vector<RoundFigures>& rounds);
void printSoak(std::ostream& out, const SoakFigures& soak);
// Soak verdict: RSS growth from the first sample at or after 60 s to the last is under 2 MiB.
bool soakFlat(const SoakFigures& soak, long* growthKiB);

}  // namespace modelops::gwbench
