// Small helpers shared by the benchmark programs: resident memory, percentiles, a stopwatch, and a
// ModelDeployment document to create in bulk. Benchmarks print figures; they assert nothing.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::bench {

// VmRSS of this process in KiB (0 when /proc is unavailable).
inline long rssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

inline double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline nlohmann::json modelDeployment(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "modelops.dev/v1alpha1"},
          {"kind", "ModelDeployment"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"team", "bench"}}}}},
          {"spec",
           {{"replicas", 4},
            {"model", {{"version", "1.0.0"}, {"uri", "s3://models/" + name + "/1.0.0"}}},
            {"template", {{"spec", {{"containers", {{{"name", "server"}, {"image", "registry.example/server:1"}}}}}}}},
            {"strategy", {{"canary", {{"steps", {{{"setWeight", 10}}, {{"pause", {{"duration", "2m"}}}}, {{"setWeight", 50}}}}}}}}}}};
}

}  // namespace modelops::bench
