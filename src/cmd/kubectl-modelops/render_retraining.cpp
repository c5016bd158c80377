// The `get` tree's retraining section; see render_retraining.h.
// Thread-safety: pure functions.
#include "render_retraining.h"

#include <sstream>

#include "modelops/rollout/retraining.h"

namespace modelops::plugin {
namespace {

std::string retrainingAction(const api::RetrainingSpec& r) {
  if (r.job) return "Job";
  if (r.object) return r.object->kind.value_or("object") + " (" + r.object->apiVersion.value_or("?") + ")";
  if (r.webhook) return "webhook (CloudEvent)";
  return "-";
}

std::string retrainingTriggers(const api::RetrainingSpec& r) {
  std::string out;
  auto add = [&](const std::string& t) { out += (out.empty() ? "" : ", ") + t; };
  const auto t = r.triggers.value_or(api::RetrainingTriggers{});
  if (t.onDegraded.value_or(true)) add("degraded");
  if (t.onDrift.value_or(false)) add("drift");
  if (t.schedule) add("schedule \"" + *t.schedule + "\"");
  add("manual");
  return out;
}

std::string runLine(const api::RetrainingRun& run, WallTime now) {
  std::string line = run.name.value_or("(waiting)") + "  " + run.outcome.value_or("Pending") + "  " +
                     run.trigger.value_or("?");
  if (run.attempt.value_or(1) > 1) line += " (attempt " + std::to_string(*run.attempt) + ")";
  const auto& when = run.finishedAt ? run.finishedAt : run.startedAt;
  if (when) line += "  " + formatAge(*when, now) + " ago";
  if (run.reason && !run.reason->empty()) line += "  " + *run.reason;
  if (run.message && !run.message->empty()) line += "  [" + *run.message + "]";
  return line;
}

}  // namespace

std::string renderRetraining(const api::ModelDeployment& md, WallTime now, const Style& st) {
  const auto& spec = md.spec.retraining;
  const auto& status = md.status.retraining;
  if (!spec && !status) return "";
  std::ostringstream out;
  out << st.bold("Retraining:") << "  ";
  if (spec) {
    out << retrainingAction(*spec) << "; triggers: " << retrainingTriggers(*spec)
        << "; cooldown " << (spec->cooldown ? spec->cooldown->text : std::string("1h")) << "; rollout "
        << spec->rollout.value_or("Manual") << "\n";
  } else {
    out << "not configured (status from earlier runs)\n";
  }
  if (!status) return out.str();
  if (status->current) out << "  in flight:  " << runLine(*status->current, now) << "\n";
  if (status->pending) out << "  waiting:    " << runLine(*status->pending, now) << " (starts after the cooldown)\n";
  const std::size_t shown = std::min<std::size_t>(status->history.size(), 5);
  for (std::size_t i = 0; i < shown; ++i)
    out << (i == 0 ? "  finished:   " : "              ") << runLine(status->history[i], now) << "\n";
  if (status->history.size() > shown)
    out << "              (" << status->history.size() - shown << " older runs in status.retraining.history)\n";
  if (status->candidate && status->candidate->version) {
    const auto& c = *status->candidate;
    out << "  " << st.bold("Candidate:") << " version " << *c.version << (c.uri ? " (" + *c.uri + ")" : "")
        << " from " << c.run.value_or("?") << "\n";
    if (md.spec.model.version == c.version) {
      out << "    spec.model.version is the candidate's: the usual rollout judges it\n";
    } else if (spec && spec->rollout == api::kRetrainingRolloutAutomatic) {
      out << "    rollout Automatic: the operator sets spec.model to it\n";
    } else {
      out << "    to roll it out, apply this change (or commit it where the spec lives):\n"
          << "      " << rollout::candidatePatchCommand(md.namespace_(), md.name(), c) << "\n"
          << "    spec:\n      model:\n        version: \"" << *c.version << "\"\n";
      if (c.uri) out << "        uri: \"" << *c.uri << "\"\n";
    }
  }
  return out.str();
}

}  // namespace modelops::plugin
