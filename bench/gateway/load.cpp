// wrk runs and their summaries; see load.h.
#include "load.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace modelops::gwbench {

using namespace std::chrono_literals;

namespace {

// The script: a POST of the KServe v1 body, think time when asked, and one machine-readable summary
// line with the latency percentiles in microseconds (wrk's own text rounds them to 2 decimals of ms).
std::string writeScript(const std::string& dir, const LoadSpec& spec) {
  std::string path = dir + "/wrk-think" + std::to_string(spec.thinkMs) + ".lua";
  std::ofstream lua(path);
  lua << "wrk.method = \"POST\"\n"
      << "wrk.body = [==[" << spec.body << "]==]\n"
      << "wrk.headers[\"Content-Type\"] = \"application/json\"\n";
  if (spec.thinkMs > 0) lua << "function delay() return " << spec.thinkMs << " end\n";
  lua << "function done(summary, latency, requests)\n"
      << "  local e = summary.errors\n"
      << "  io.write(string.format(\"BENCH requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p90_us=%d "
         "p99_us=%d p999_us=%d max_us=%d mean_us=%.1f\\n\",\n"
      << "    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,\n"
      << "    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),\n"
      << "    latency.max, latency.mean))\n"
      << "end\n";
  if (!lua) throw std::runtime_error("cannot write " + path);
  return path;
}

}  // namespace

std::optional<LoadResult> parseWrkSummary(const std::string& out) {
  auto at = out.find("BENCH ");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream fields(out.substr(at + 6, out.find('\n', at) - at - 6));
  std::map<std::string, double> v;
  for (std::string field; fields >> field;) {
    auto eq = field.find('=');
    if (eq != std::string::npos) v[field.substr(0, eq)] = std::strtod(field.c_str() + eq + 1, nullptr);
  }
  for (const char* k : {"requests", "duration_us", "errors", "non2xx", "p50_us", "p99_us"})
    if (!v.count(k)) return std::nullopt;
  LoadResult r;
  r.ok = true;
  r.requests = static_cast<long>(v["requests"]);
  r.seconds = v["duration_us"] / 1e6;
  r.rate = r.seconds > 0 ? static_cast<double>(r.requests) / r.seconds : 0;
  r.errors = static_cast<long>(v["errors"]);
  r.non2xx = static_cast<long>(v["non2xx"]);
  r.p50Us = v["p50_us"];
  r.p90Us = v["p90_us"];
  r.p99Us = v["p99_us"];
  r.p999Us = v["p999_us"];
  r.maxUs = v["max_us"];
  r.meanUs = v["mean_us"];
  return r;
}

WrkRun::WrkRun(const std::string& wrkBinary, const std::string& dir, const std::string& url, const LoadSpec& spec)
    : seconds_(spec.seconds) {
  std::vector<std::string> argv = {wrkBinary,
                                   "-t", std::to_string(spec.threads),
                                   "-c", std::to_string(spec.connections),
                                   "-d", std::to_string(spec.seconds) + "s",
                                   "--timeout", "5s",
                                   "-s", writeScript(dir, spec),
                                   url};
  process_ = std::make_unique<testing::ChildProcess>(argv);
  if (!process_->started()) throw std::runtime_error("cannot start " + wrkBinary);
}

void WrkRun::waitAtMost(std::chrono::milliseconds timeout) {
  process_->waitForOutput([](const std::string&) { return false; }, timeout, testing::OutputStream::Stdout);
}

LoadResult WrkRun::finish() {
  auto code = process_->wait(std::chrono::seconds(seconds_ + 30), testing::OnTimeout::Kill);
  auto parsed = parseWrkSummary(process_->out());
  if (!code || *code != 0 || !parsed) {
    LoadResult failed;
    failed.error = "wrk failed (exit " + (code ? std::to_string(*code) : std::string("timeout")) +
                   "): " + process_->err() + process_->out();
    return failed;
  }
  return *parsed;
}

LoadResult runWrk(const std::string& wrkBinary, const std::string& dir, const std::string& url, const LoadSpec& spec) {
  WrkRun run(wrkBinary, dir, url, spec);
  return run.finish();
}

}  // namespace modelops::gwbench
