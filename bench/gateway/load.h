// Load through one target with wrk (Debian 4.1.0), and what it measured.
// Why wrk for both modes: its latencies are recorded in microseconds (hey's CSV rounds to 0.1 ms, too
// coarse for a 0.5 ms goal) and it costs a fraction of hey's CPU, which matters when the load generator,
// the proxy and the upstream share two cores. wrk has no fixed-rate mode (wrk2 is not packaged), so the
// "1,000 req/s" run is closed-loop with think time: C connections, each waiting `thinkMs` after every
// answer (a Lua delay()), i.e. about C * 1000 / (thinkMs + latency) requests per second; the achieved rate
// is measured and printed. Latency is measured from the request's first byte to the answer (think time
// excluded). Saturation is C connections without think time.
// Thread-safety: runWrk blocks its caller; WrkRun may be polled by its owner thread only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "support/process.h"

namespace modelops::gwbench {

struct LoadSpec {
  int connections = 10;
  int threads = 1;
  int seconds = 10;
  int thinkMs = 0;  // 0: saturation
  std::string body = R"({"instances":[[6.3,3.3,6.0,2.5]]})";
  static LoadSpec of(int connections, int threads, int seconds, int thinkMs) {
    LoadSpec s;
    s.connections = connections;
    s.threads = threads;
    s.seconds = seconds;
    s.thinkMs = thinkMs;
    return s;
  }
};

struct LoadResult {
  bool ok = false;          // wrk ran and printed its summary
  std::string error;        // why not, or wrk's stderr
  long requests = 0;
  double seconds = 0;
  double rate = 0;          // requests per second achieved
  long errors = 0;          // connect + read + write + timeout
  long non2xx = 0;
  double p50Us = 0, p90Us = 0, p99Us = 0, p999Us = 0, maxUs = 0, meanUs = 0;
};

// wrk as a child process; the summary is parsed when it ends.
class WrkRun {
 public:
  WrkRun(const std::string& wrkBinary, const std::string& dir, const std::string& url, const LoadSpec& spec);
  bool running() { return process_->running(); }
  // Waits for the end (up to the run's length + 30 s) and parses the summary.
  LoadResult finish();
  // Returns after `timeout` or as soon as wrk's output ends, whichever is first.
  void waitAtMost(std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<testing::ChildProcess> process_;
  int seconds_;
};

LoadResult runWrk(const std::string& wrkBinary, const std::string& dir, const std::string& url, const LoadSpec& spec);

// Parses the "BENCH ..." line the Lua done() hook prints (exposed for checking the parser by hand).
std::optional<LoadResult> parseWrkSummary(const std::string& out);

}  // namespace modelops::gwbench
