// WriteLog: replays Plans as the reconciler writes them, in the order planner.h prescribes (grow
// Deployments, write Services, write traffic, then shrink and delete Deployments), one write at a time,
// and records each write. It keeps the route and the Service selectors as last written, so a test can
// observe ordering that the World (which applies a whole plan at once) hides: a Deployment scaled to
// zero or deleted while the route, as written so far, still sends it traffic is a violation.
// Planner tests only; no I/O. Thread-safety: none (one test thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "world.h"

namespace modelops::rollout::testing {

class WriteLog {
 public:
  // Starts from the route and Services a plan left behind (the pass before the one under test).
  void startFrom(const Plan& previous) {
    selectorOf_.clear();
    routeWeight_.clear();
    writeServices(previous);
    writeRoute(previous);
    writes_.clear();
  }

  // Writes `plan` in the reconciler's order; `before` is what the cache showed when it was planned.
  void replay(const Plan& plan, const Observed& before) {
    if (plan.hold) return;
    for (const auto& d : plan.deployments) {
      const auto* seen = before.find(d.hash);
      if (!seen || d.replicas > seen->replicas) record("grow " + d.name + " to " + std::to_string(d.replicas));
    }
    writeServices(plan);
    writeRoute(plan);
    for (const auto& d : plan.deployments) {
      const auto* seen = before.find(d.hash);
      if (seen && d.replicas < seen->replicas) shrink(d.name, d.hash, d.replicas);
    }
    for (const auto& name : plan.deleteDeployments)
      for (const auto& o : before.deployments)
        if (o.name == name) shrink(name, o.hash, -1);
  }

  const std::vector<std::string>& writes() const { return writes_; }
  const std::vector<std::string>& violations() const { return violations_; }
  std::string text() const {
    std::string out;
    for (const auto& w : writes_) out += "  " + w + "\n";
    return out;
  }

 private:
  void record(std::string write) { writes_.push_back(std::move(write)); }

  void writeServices(const Plan& plan) {
    for (const auto& s : plan.services)
      if (!s.selectorHash.empty()) selectorOf_[s.name] = s.selectorHash;
  }

  void writeRoute(const Plan& plan) {
    if (!plan.traffic) return;
    std::string text = "route";
    routeWeight_.clear();
    for (const auto& b : plan.traffic->backends) {
      routeWeight_[b.service] = b.weight;
      text += " " + b.track + "=" + std::to_string(b.weight);
    }
    record(text);
  }

  // Weight the route currently sends to the pods of revision `hash` (through the Services selecting it).
  std::int64_t weightTo(const std::string& hash) const {
    std::int64_t total = 0;
    for (const auto& [service, weight] : routeWeight_) {
      auto it = selectorOf_.find(service);
      if (it != selectorOf_.end() && it->second == hash) total += weight;
    }
    return total;
  }

  // replicas -1: delete.
  void shrink(const std::string& name, const std::string& hash, std::int64_t replicas) {
    record(replicas < 0 ? "delete " + name : "shrink " + name + " to " + std::to_string(replicas));
    if (replicas <= 0 && weightTo(hash) > 0)
      violations_.push_back(writes_.back() + " while the route sends it " + std::to_string(weightTo(hash)) + "%");
  }

  std::map<std::string, std::string> selectorOf_;     // Service name -> revision hash it selects
  std::map<std::string, std::int64_t> routeWeight_;   // Service name -> weight, as last written
  std::vector<std::string> writes_;
  std::vector<std::string> violations_;
};

}  // namespace modelops::rollout::testing
