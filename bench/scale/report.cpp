// Tables, machine description and the docs rewrite of the scale benchmark; see report.h.
#include "report.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>

namespace modelops::scale {

namespace {

std::string format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

std::string ms(double seconds) {
  if (std::isnan(seconds)) return "-";
  return format(seconds < 0.01 ? "%.2f" : "%.1f", seconds * 1000);
}

std::string mib(long kib) { return format("%.1f MiB", static_cast<double>(kib) / 1024.0); }

const RunResult* runWith(const std::vector<RunResult>& runs, int n) {
  for (const auto& r : runs)
    if (r.n == n) return &r;
  return nullptr;
}

}  // namespace

std::string machineDescription() {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  std::string model = "unknown CPU";
  long memKiB = 0;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);)
    if (line.rfind("MemTotal:", 0) == 0) memKiB = std::stol(line.substr(9));
  std::ostringstream out;
  out << cores << " CPUs (nproc), " << format("%.1f", static_cast<double>(memKiB) / 1024.0 / 1024.0)
      << " GiB memory, " << model;
  return out.str();
}

double loadAverage() {
  std::ifstream f("/proc/loadavg");
  double one = 0;
  f >> one;
  return one;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string renderTable(const std::vector<RunResult>& runs, const Targets& targets) {
  std::ostringstream out;
  out << "| figure |";
  for (const auto& r : runs) out << " N = " << r.n << " |";
  out << " target |\n| --- |";
  for (std::size_t i = 0; i < runs.size(); ++i) out << " ---: |";
  out << " --- |\n";
  auto row = [&](const std::string& name, const std::function<std::string(const RunResult&)>& cell,
                 const std::string& target = "") {
    out << "| " << name << " |";
    for (const auto& r : runs) out << " " << (r.ok || !r.error.empty() ? cell(r) : "-") << " |";
    out << " " << target << " |\n";
  };
  auto num = [](long v) { return std::to_string(v); };
  const std::string atN = " at N = " + std::to_string(targets.n);
  row("children loaded (Deployments / Services)", [&](auto& r) { return num(r.deployments) + " / " + num(r.services); });
  row("loading: create + converge with the operator (seeding run)", [&](auto& r) { return format("%.1f s", r.loadSeconds); });
  row("informer caches synced (operator start -> /readyz 200)", [&](auto& r) { return format("%.2f s", r.cachesSyncedSeconds); });
  row("**time to first full sync** (start -> every ModelDeployment reconciled, queue empty)",
      [&](auto& r) { return format("%.2f s", r.firstSyncSeconds); }, format("< %.0f s", targets.firstSyncSeconds) + atN);
  row("operator CPU time until first sync", [&](auto& r) { return format("%.2f s", r.syncCpuSeconds); });
  row("reconciles / operator writes in the first sync",
      [&](auto& r) { return num(r.syncReconciles) + " / " + num(r.syncWrites); }, "0 writes");
  row("reconcile latency p50 / p99, first sync (ms)", [&](auto& r) { return ms(r.syncP50) + " / " + ms(r.syncP99); });
  row("**steady-state RSS**", [&](auto& r) { return mib(r.rssKiB); }, format("< %.0f MiB", targets.rssMiB) + atN);
  row("peak RSS (VmHWM)", [&](auto& r) { return mib(r.hwmKiB); });
  row("steady-state window (after the no-op resync)", [&](auto& r) { return format("%.1f s", r.steadySeconds); });
  row("steady-state CPU (% of one core)", [&](auto& r) { return format("%.2f %%", r.steadyCpuPercent); });
  row("**API requests/s at steady state** (audit, operator's user agent)",
      [&](auto& r) { return r.steadySeconds > 0 ? format("%.2f", double(r.steadyRequests) / r.steadySeconds) : "-"; },
      "~0");
  row("reconciles in the steady-state window", [&](auto& r) { return num(r.steadyReconciles); });
  row("no-op resync: reconciles / API requests", [&](auto& r) {
    return num(r.resyncReconciles) + " / " + num(r.resyncRequests) + (r.resyncOverlapped ? " (first sync outlasted the period: the next resync)" : "");
  });
  row("**writes per no-op resync**", [&](auto& r) { return num(r.resyncWrites); }, "0");
  row("reconcile latency p50 / p99, no-op resync (ms)", [&](auto& r) { return ms(r.resyncP50) + " / " + ms(r.resyncP99); });
  row("exit code after SIGTERM", [&](auto& r) { return std::to_string(r.exitCode); });
  // Growth between consecutive sizes.
  row("growth: RSS per added ModelDeployment (vs previous N)", [&](auto& r) {
    const RunResult* prev = nullptr;
    for (const auto& p : runs)
      if (p.n < r.n && p.ok && (!prev || p.n > prev->n)) prev = &p;
    if (!prev || !r.ok) return std::string("-");
    return format("%.2f KiB", double(r.rssKiB - prev->rssKiB) / double(r.n - prev->n));
  });
  row("growth: first sync per 1,000 added ModelDeployments (vs previous N)", [&](auto& r) {
    const RunResult* prev = nullptr;
    for (const auto& p : runs)
      if (p.n < r.n && p.ok && (!prev || p.n > prev->n)) prev = &p;
    if (!prev || !r.ok) return std::string("-");
    return format("%.2f s", (r.firstSyncSeconds - prev->firstSyncSeconds) * 1000.0 / double(r.n - prev->n));
  });
  for (const auto& r : runs)
    if (!r.error.empty()) out << "\nN = " << r.n << ": run stopped early: " << r.error << "\n";
  return out.str();
}

std::string renderVerdicts(const std::vector<RunResult>& runs, const Targets& targets) {
  const RunResult* r = runWith(runs, targets.n);
  if (!r) return "";
  std::ostringstream out;
  auto verdict = [&](const std::string& what, bool met, const std::string& measured) {
    out << "- " << what << ": **" << (met ? "met" : "NOT met") << "** (" << measured << ")\n";
  };
  if (!r->ok) {
    out << "- N = " << targets.n << " did not complete: " << r->error << "\n";
    return out.str();
  }
  double rssMiB = double(r->rssKiB) / 1024.0;
  verdict(format("RSS under %.0f MiB", targets.rssMiB) + " at N = " + std::to_string(targets.n),
          rssMiB < targets.rssMiB, format("%.1f MiB", rssMiB));
  verdict(format("first sync under %.0f s", targets.firstSyncSeconds), r->firstSyncSeconds < targets.firstSyncSeconds,
          format("%.2f s", r->firstSyncSeconds));
  verdict("zero writes when nothing changes (first sync of a converged cluster, no-op resync, steady state)",
          r->syncWrites == 0 && r->resyncWrites == 0 && r->resyncReconciles > 0,
          std::to_string(r->syncWrites) + " + " + std::to_string(r->resyncWrites) + " writes");
  return out.str();
}

std::string writeDocsSection(const std::string& path, const std::string& body) {
  const std::string begin = "<!-- BEGIN scale -->", end = "<!-- END scale -->";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::string section = begin + "\n" + body + (body.empty() || body.back() == '\n' ? "" : "\n") + end;
  auto b = text.find(begin);
  auto e = text.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + end.size() - b, section);
  } else if (b == std::string::npos && e == std::string::npos) {
    if (!text.empty() && text.back() != '\n') text += "\n";
    text += "\n" + section + "\n";
  } else {
    return path + ": unmatched scale markers; not rewritten";
  }
  std::string tmp = path + ".scale.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return "cannot write " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot replace " + path;
  return "";
}

}  // namespace modelops::scale
