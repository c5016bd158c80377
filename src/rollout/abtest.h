// Internal to the planner: the A/B test's variants as planned (Arm; abtest.cpp builds them, traffic.cpp
// turns them into Deployments, Services and weights) and winner selection (abtest_decide.cpp), separate
// from the state machine (abtest.cpp) so the statistics can be read and tested on their own. Not a
// public header.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modelops/analysis/limits.h"
#include "modelops/api/model_deployment.h"
#include "pass.h"

namespace modelops::rollout::detail {

// One variant of the spec as planned in this pass.
struct Arm {
  std::string name;
  std::string hash;
  std::int64_t revision = 0;
  api::ModelSpec model;
  std::int64_t weight = 0;  // from the spec
  std::vector<api::MatchRule> match;
  bool failed = false;      // rolled back during this test
  std::int64_t replicas = 0;
  std::int64_t carried = 0;  // the weight it carries in this pass
  bool ready = false;

  api::TrackStatus track() const {
    api::TrackStatus t;
    t.revision = revision;
    t.version = model.version;
    t.hash = hash;
    t.weight = carried;
    return t;
  }
};

// Replicas, readiness and carried weight of every arm; Deployments, Services, backends and status
// (traffic.cpp). `winner`: the variant being promoted (sized to full replicas), if any.
void planAbTraffic(Pass& p, std::vector<Arm>& arms, const Arm* winner);

// What the decision knows about one variant at the end of the test.
struct ArmEvidence {
  std::string name;
  bool control = false;  // the variant serving the stable revision (else the first variant)
  bool failed = false;   // rolled back during the test: cannot win, is not compared
  analysis::AnalysisProgress progress;  // its analysis (latest verdict per metric)
};

struct WinnerChoice {
  std::optional<std::size_t> winner;  // index into the arms; nullopt: no confident winner
  std::string reason;                 // the measured values and why (or why not)
};

// The rule (see docs/rollout.md):
//  - the primary metric is the first accuracy metric of spec.analysis (none: no automatic winner);
//  - a candidate is a variant, not failed, whose latest verdict of EVERY metric passed;
//  - the best candidate is the one with the highest accuracy lower bound;
//  - it wins only when it is confidently better than every other variant that is not failed: against
//    the control, when the verdict carries the versus-control comparison (the always-valid confidence
//    sequence of the difference), its lower bound is above 0; otherwise the two one-sided Wilson bounds
//    do not overlap (best lower bound > other's upper bound; each holds with probability >= confidence,
//    so a wrong pick has probability <= 2 * (1 - confidence)). A variant without a measurement is never
//    beaten confidently.
WinnerChoice chooseWinner(const std::vector<ArmEvidence>& arms, const api::AnalysisSpec& spec);

}  // namespace modelops::rollout::detail
