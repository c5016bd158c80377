// Shared helpers of a planning pass; see pass.h.
#include "pass.h"

#include <algorithm>
#include <cstdio>

#include "modelops/api/revision.h"
#include "modelops/common/bounded_text.h"

namespace modelops::rollout::detail {

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

Pass::Pass(const PlanInput& input)
    : in(input), spec(input.md.spec), resolved(api::resolve(input.md.spec)), st(input.md.status),
      name(input.md.name()) {
  replicas = resolved.replicas;
  phaseBefore = st.phase.value_or("");
}

void Pass::event(EventType type, std::string_view reason, std::string message) {
  out.events.push_back({type, std::string(reason), truncateText(message, text_limits::kEventMessage)});
}

void Pass::requeue(std::chrono::milliseconds after) {
  if (after < std::chrono::milliseconds(1000)) after = std::chrono::milliseconds(1000);
  if (!out.requeueAfter || after < *out.requeueAfter) out.requeueAfter = after;
}

void Pass::setPhase(std::string_view phase, std::string message) {
  st.phase = std::string(phase);
  st.message = truncateText(message, text_limits::kStatusMessage);
}

void Pass::setCondition(std::string_view type, std::string_view status, std::string_view reason,
                        std::string message) {
  auto it = std::find_if(st.conditions.begin(), st.conditions.end(),
                         [&](const api::Condition& c) { return c.type == type; });
  if (it == st.conditions.end()) {
    st.conditions.push_back({});
    it = std::prev(st.conditions.end());
    it->type = std::string(type);
  }
  if (it->status != status) it->lastTransitionTime = formatRfc3339(in.now);
  it->status = std::string(status);
  it->reason = std::string(reason);
  it->message = truncateText(message, text_limits::kStatusMessage);
  it->observedGeneration = in.md.generation();
}

void Pass::addHistory(const api::TrackStatus& track, std::string_view outcome, std::string reason) {
  api::HistoryEntry h;
  h.revision = track.revision;
  h.version = track.version;
  h.hash = track.hash;
  if (spec.model.uri && track.hash == api::computeRevisionHash(spec)) h.uri = spec.model.uri;
  h.outcome = std::string(outcome);
  if (!reason.empty()) h.reason = truncateText(reason, text_limits::kStatusMessage);
  h.at = formatRfc3339(in.now);
  st.history.insert(st.history.begin(), std::move(h));  // newest first
  // Bounded: history is for people and for "do not retry this hash"; 20 entries suffice for both.
  if (st.history.size() > 20) st.history.resize(20);
}

namespace {
std::int64_t highestRecordedRevision(const api::ModelDeploymentStatus& st) {
  std::int64_t top = 0;
  for (const auto& h : st.history) top = std::max(top, h.revision.value_or(0));
  if (st.stable) top = std::max(top, st.stable->revision.value_or(0));
  if (st.canary) top = std::max(top, st.canary->revision.value_or(0));
  if (st.lastGoodRevision) top = std::max(top, *st.lastGoodRevision);
  for (const auto& v : st.variants) top = std::max(top, v.revision.value_or(0));
  return top;
}
}  // namespace

std::int64_t Pass::nextRevision() const {
  // Observed labels count too: a number is never given to two hashes, even one status forgot.
  std::int64_t top = highestRecordedRevision(st);
  for (const auto& d : in.observed.deployments) top = std::max(top, d.revision);
  return top + 1;
}

std::optional<std::int64_t> Pass::unrecordedRevision(const std::string& hash) const {
  const auto* d = in.observed.find(hash);
  if (!d || d->revision <= highestRecordedRevision(st)) return std::nullopt;
  for (const auto& other : in.observed.deployments)
    if (other.hash != hash && other.revision == d->revision) return std::nullopt;  // a hand-edited label
  return d->revision;
}

std::int64_t Pass::revisionFor(const std::string& hash) const {
  return unrecordedRevision(hash).value_or(nextRevision());
}

std::int64_t Pass::available(const std::string& hash) const {
  const auto* d = in.observed.find(hash);
  return d ? d->availableReplicas : 0;
}

std::optional<WallTime> Pass::parseTime(const std::optional<std::string>& text) const {
  if (!text) return std::nullopt;
  return parseRfc3339(*text);
}

std::string Pass::stepLabel(std::int64_t index) const {
  std::size_t total = spec.strategy && spec.strategy->canary ? spec.strategy->canary->steps.size() : 0;
  return "step " + std::to_string(index + 1) + "/" + std::to_string(total);
}

bool Pass::replicaRatio() const {
  const auto& s = spec.strategy;
  const std::optional<api::TrafficRouting>* routing = nullptr;
  if (s && s->canary) routing = &s->canary->trafficRouting;
  if (s && s->abTest) routing = &s->abTest->trafficRouting;
  return !routing || !routing->has_value() || (!(*routing)->gatewayAPI && !(*routing)->istio && !(*routing)->gateway);
}

bool Pass::userPaused() const {
  if (resolved.paused) return true;
  for (const auto& c : st.conditions)
    if (c.type == "Paused" && c.status == api::condition::kTrue) return true;
  return false;
}

}  // namespace modelops::rollout::detail

namespace modelops::rollout {

const ObservedDeployment* Observed::find(const std::string& hash) const {
  for (const auto& d : deployments)
    if (d.hash == hash) return &d;
  return nullptr;
}

std::int64_t canaryReplicasFor(std::int64_t replicas, std::int64_t weight) {
  if (weight <= 0 || replicas <= 0) return 0;
  if (weight >= 100) return replicas;
  // ceil(replicas * weight / 100) in integers, at least 1.
  return std::max<std::int64_t>(1, (replicas * weight + 99) / 100);
}

}  // namespace modelops::rollout
