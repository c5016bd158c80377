// Internal to the planner: winner selection of an A/B test (abtest_decide.cpp), separate from the
// state machine (abtest.cpp) so the statistics can be read and tested on their own. Not a public header.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "modelops/analysis/limits.h"
#include "modelops/api/model_deployment.h"

namespace modelops::rollout::detail {

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
