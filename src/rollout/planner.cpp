// plan(): the entry point of the planner; see include/modelops/rollout/planner.h.
// Order: an invalid spec holds everything; otherwise a human action is read, the step logic decides
// (A/B test; or first deploy, steady, or a canary rollout), then old revisions, Services and traffic
// follow from it.
#include "modelops/rollout/planner.h"

#include "modelops/api/actions.h"
#include "modelops/api/revision.h"
#include "pass.h"

#include <utility>

namespace modelops::rollout {
namespace {

using detail::Pass;

Plan holdInvalid(Pass& p) {
  auto message = api::formatFieldErrors(p.in.invalid);
  bool changed = true;
  for (const auto& c : p.st.conditions)
    if (c.type == api::condition::kInvalidSpec && c.status == api::condition::kTrue && c.message == message)
      changed = false;
  p.setCondition(api::condition::kInvalidSpec, api::condition::kTrue, "InvalidSpec", message);
  p.setPhase(api::phase::kInvalid, "invalid spec (running workloads are left as they are): " + message);
  if (changed) p.event(EventType::Warning, "InvalidSpec", message);
  p.out.hold = true;
  p.out.status = p.st;
  return std::move(p.out);
}

// The action requested through annotations, if it is new; marks it handled in status.
std::optional<api::ActionRequest> takeAction(Pass& p) {
  auto request = api::parseActionRequest(p.in.md.metadata);
  if (!request || !api::isNewActionRequest(*request, p.st)) return std::nullopt;
  p.st.lastHandledActionId = request->id;
  if (request->action == api::kActionPause || request->action == api::kActionResume) {
    bool pause = request->action == api::kActionPause;
    p.setCondition("Paused", pause ? api::condition::kTrue : api::condition::kFalse,
                   pause ? "PausedByRequest" : "ResumedByRequest", pause ? "paused by request" : "resumed by request");
    p.event(EventType::Normal, pause ? "Paused" : "Resumed", pause ? "rollout paused by request" : "rollout resumed by request");
    if (!pause && p.st.phase == api::phase::kPaused) p.st.stepStartedAt = formatRfc3339Micro(p.in.now);
    return std::nullopt;
  }
  p.event(EventType::Normal, "ActionRequested",
          "action " + request->action + (request->argument.empty() ? "" : ":" + request->argument) +
              " requested (id " + request->id + ")");
  return request;
}

Plan planBounded(const PlanInput& input);

}  // namespace

Plan plan(const PlanInput& input) {
  // What a provider said is bounded before anything is built from it (status, conditions, Events copy
  // verdict texts): a 1 MiB error text must not become five copies in the object.
  if (input.measurement)
    if (auto bounded = detail::boundedMeasurement(*input.measurement)) {
      PlanInput copy = input;
      copy.measurement = std::move(bounded);
      return planBounded(copy);
    }
  return planBounded(input);
}

namespace {

Plan planBounded(const PlanInput& input) {
  Pass p(input);
  p.st.observedGeneration = input.md.generation();
  if (!input.invalid.empty()) return holdInvalid(p);
  p.setCondition(api::condition::kInvalidSpec, api::condition::kFalse, "Valid", "spec is valid");

  auto hash = api::computeRevisionHash(input.md.spec);
  p.action = takeAction(p);
  if (p.actionIs(api::kActionRetrain)) p.retrainRequest = std::exchange(p.action, std::nullopt);  // not a step action
  if (input.md.spec.strategy && input.md.spec.strategy->abTest) {
    detail::planAbTest(p);  // plans children and traffic itself
    detail::planOldRevisions(p);
    detail::planRetraining(p);
    p.out.status = p.st;
    return std::move(p.out);
  }
  p.st.variantsAvailableAt.reset();  // the clock of an A/B test, which this spec no longer declares
  std::optional<std::string> action;
  if (p.action) action = p.action->action;
  if (!p.st.stable) {
    detail::planFirstDeploy(p, hash);
  } else if (p.st.stable->hash == hash) {
    detail::planSteady(p);
  } else {
    detail::planRollout(p, hash, action);
  }
  if (!p.st.canary) p.st.pendingAction.reset();  // a pending promote belongs to a canary in flight
  detail::planTraffic(p);
  detail::planOldRevisions(p);
  detail::planRetraining(p);
  p.out.status = p.st;
  return std::move(p.out);
}

}  // namespace
}  // namespace modelops::rollout
