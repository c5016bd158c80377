// One-shot commands of kubectl-modelops: get, list, promote/abort/retry/pause/resume/retrain, history, undo;
// and the helpers shared with follow.cpp. See commands.h.
// Thread-safety: one command per Session at a time.
#include "commands.h"

#include <cstdio>
#include <ostream>
#include <random>

#include "modelops/api/codec.h"
#include "modelops/api/names.h"
#include "modelops/common/time.h"
#include "render.h"

namespace modelops::plugin {
namespace {

using nlohmann::json;
const kube::Resource& mdResource() { return kube::resources::modelDeployments(); }
const std::string kQualified = "modeldeployment.modelops.dev/";

std::string resourceVersionOf(const json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) return "";
  auto it = obj["metadata"].find("resourceVersion");
  return it != obj["metadata"].end() && it->is_string() ? it->get<std::string>() : "";
}

bool isAbout(const json& event, const std::string& name) {
  auto io = event.find("involvedObject");
  if (io == event.end() || !io->is_object()) return false;
  auto n = io->find("name");
  if (n == io->end() || !n->is_string() || n->get<std::string>() != name) return false;
  auto k = io->find("kind");
  return k == io->end() || !k->is_string() || k->get<std::string>() == api::kKind;
}

// Names of the A/B test's variants, "a, b, c".
std::string variantNames(const api::AbTestStrategy& ab) {
  std::string names;
  for (const auto& v : ab.variants) names += (names.empty() ? "" : ", ") + v.name.value_or("?");
  return names;
}

}  // namespace

std::optional<std::string> refuseAction(const api::ModelDeployment& md, const std::string& action,
                                        const std::string& argument) {
  const std::string name = md.name();
  if (action == api::kActionRetrain) {  // the argument is the reason, for any strategy
    if (!md.spec.retraining) return name + " has no spec.retraining: nothing to start";
    if (md.status.retraining && md.status.retraining->current)
      return "retraining run " + md.status.retraining->current->name.value_or("?") + " of " + name +
             " is in flight (one run at a time)";
    return std::nullopt;
  }
  const bool promote = action == api::kActionPromote || action == api::kActionPromoteFull;
  const auto& strategy = md.spec.strategy;
  if (strategy && strategy->abTest) {
    const auto& ab = *strategy->abTest;
    if (promote && argument.empty())
      return "an A/B test promotes a variant: kubectl modelops promote " + name + " --variant V (one of " +
             variantNames(ab) + ")";
    if (promote) {
      for (const auto& v : ab.variants)
        if (v.name == argument) return std::nullopt;
      return name + " has no variant \"" + argument + "\" (variants: " + variantNames(ab) + ")";
    }
    if (action == api::kActionAbort && !md.status.stable && md.status.observedGeneration)
      return name + " has no stable revision to return to: promote a variant instead";
    return std::nullopt;
  }
  if (!argument.empty())
    return name + " runs a canary, not an A/B test: --variant applies to A/B tests only (use promote " + name +
           " or promote " + name + " --full)";
  // Only when status describes the current spec: right after a spec change the operator has not
  // started the rollout yet, and the request is for that rollout.
  const bool current = md.status.observedGeneration && *md.status.observedGeneration == md.generation();
  if ((promote || action == api::kActionAbort) && current && !md.status.canary)
    return "no rollout in progress for " + name + " (phase " + md.status.phase.value_or("unknown") + "): nothing to " +
           action;
  return std::nullopt;
}

int reportApiError(Session& s, const kube::ApiError& e, const std::string& name) {
  if (e.isNotFound()) {
    s.ctx.err << "Error from server (NotFound): modeldeployments.modelops.dev \"" << name << "\" not found"
              << (s.ns.empty() ? "" : " in namespace \"" + s.ns + "\"") << "\n";
    return kExitNotFound;
  }
  if (e.isTransport())
    s.ctx.err << "error: cannot reach the API server: " << e.describe() << "\n";
  else
    s.ctx.err << "Error from server (" << (e.reason.empty() ? std::to_string(e.code) : e.reason) << "): "
              << e.message << "\n";
  return kExitFailed;
}

std::vector<json> eventsFor(Session& s, const std::string& name) {
  kube::ListOptions opts;
  opts.fieldSelector = "involvedObject.name=" + name;
  auto listed = s.client.list(kube::resources::events(), s.ns, opts);
  if (!listed.ok() && listed.error().code == 400) listed = s.client.list(kube::resources::events(), s.ns, {});
  std::vector<json> out;
  if (!listed.ok()) return out;
  for (auto& e : listed.value().items)
    if (isAbout(e, name)) out.push_back(std::move(e));
  return out;
}

std::string newActionId(const Clock& clock) {
  std::string stamp = formatRfc3339(clock.now());  // 2026-11-25T10:42:00Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", static_cast<unsigned>(rd() & 0xffffffu));
  return compact + "-" + suffix;
}

int cmdGet(Session& s, const std::string& name) {
  auto got = s.client.get(mdResource(), s.ns, name);
  if (!got.ok()) return reportApiError(s, got.error(), name);
  Style style{s.ctx.color};
  s.ctx.out << renderTree(got.value(), eventsFor(s, name), s.ctx.clock.now(), style);
  return kExitOk;
}

int cmdList(Session& s) {
  const std::string ns = s.allNamespaces ? "" : s.ns;
  std::vector<json> items;
  kube::ListOptions opts;
  opts.limit = 500;
  for (int page = 0; page < 10000; ++page) {  // bounded: 5 million objects
    auto listed = s.client.list(mdResource(), ns, opts);
    if (!listed.ok()) return reportApiError(s, listed.error(), "");
    for (auto& i : listed.value().items) items.push_back(std::move(i));
    if (listed.value().continueToken.empty()) break;
    opts.continueToken = listed.value().continueToken;
  }
  if (items.empty()) {
    s.ctx.err << (s.allNamespaces ? std::string("No resources found\n")
                                  : "No resources found in " + s.ns + " namespace.\n");
    return kExitOk;
  }
  s.ctx.out << renderList(items, s.allNamespaces, s.ctx.clock.now());
  return kExitOk;
}

int cmdAction(Session& s, const std::string& name, const std::string& action, const std::string& argument) {
  // Checked against the object before writing: a refusal the operator would only give later as an
  // Event (while the command said "requested" and exited 0) is given here, with a non-zero exit.
  auto got = s.client.get(mdResource(), s.ns, name);
  if (!got.ok()) return reportApiError(s, got.error(), name);
  if (auto decoded = api::decodeModelDeployment(got.value()); decoded.ok()) {
    if (auto refusal = refuseAction(decoded.value(), action, argument)) {
      s.ctx.err << "error: " << *refusal << "\n";
      return kExitFailed;
    }
  }  // an object this version cannot decode: the operator judges the request
  api::ActionRequest request{action, argument, newActionId(s.ctx.clock)};
  // A merge patch of metadata.annotations only: it never touches spec (generation does not change).
  auto patched = s.client.patch(mdResource(), s.ns, name, kube::PatchType::Merge, api::actionRequestPatch(request));
  if (!patched.ok()) return reportApiError(s, patched.error(), name);
  std::string what = action + (argument.empty() ? "" : ":" + argument);
  s.ctx.out << kQualified << name << " " << what << " requested (action-id " << request.id << ")\n";
  return kExitOk;
}

int cmdHistory(Session& s, const std::string& name) {
  auto got = s.client.get(mdResource(), s.ns, name);
  if (!got.ok()) return reportApiError(s, got.error(), name);
  auto decoded = api::decodeModelDeployment(got.value());
  if (decoded.ok() && decoded.value().status.history.empty()) {
    s.ctx.out << "No history for " << name << " yet.\n";
    return kExitOk;
  }
  s.ctx.out << renderHistory(got.value());
  return kExitOk;
}

int cmdUndo(Session& s, const std::string& name, std::optional<std::int64_t> toRevision) {
  auto got = s.client.get(mdResource(), s.ns, name);
  if (!got.ok()) return reportApiError(s, got.error(), name);
  auto decoded = api::decodeModelDeployment(got.value());
  if (!decoded.ok()) {
    s.ctx.err << "error: cannot read " << name << ": " << api::formatFieldErrors(decoded.error()) << "\n";
    return kExitFailed;
  }
  const api::ModelDeployment& md = decoded.value();
  auto target = undoTarget(md, toRevision);
  if (!target.ok()) {
    s.ctx.err << "error: " << target.error().message << "\n";
    return kExitNotFound;
  }
  const api::HistoryEntry& h = target.value();
  const std::string rev = std::to_string(h.revision.value_or(0));
  if (h.version == md.spec.model.version && h.uri == md.spec.model.uri) {
    s.ctx.out << kQualified << name << " skipped rollback (spec.model already matches revision " << rev << ")\n";
    return kExitOk;
  }
  // spec.model back to that revision's version and uri (a uri the revision did not have is removed),
  // conditional on the resourceVersion read above so a concurrent edit is not overwritten.
  json model = {{"version", h.version ? json(*h.version) : json(nullptr)},
                {"uri", h.uri ? json(*h.uri) : json(nullptr)}};
  json body = {{"metadata", {{"resourceVersion", md.resourceVersion()}}}, {"spec", {{"model", model}}}};
  auto patched = s.client.patch(mdResource(), s.ns, name, kube::PatchType::Merge, body);
  if (!patched.ok()) {
    if (patched.error().isConflict()) {
      s.ctx.err << "error: " << name << " changed while undo was preparing its change; nothing was written, "
                << "run the command again\n";
      return kExitFailed;
    }
    return reportApiError(s, patched.error(), name);
  }
  s.ctx.out << kQualified << name << " rolled back to revision " << rev << ": spec.model.version "
            << md.spec.model.version.value_or("-") << " -> " << h.version.value_or("-");
  if (h.uri) s.ctx.out << ", uri " << *h.uri;
  s.ctx.out << "\n";
  return kExitOk;
}

FollowEnd followObject(Session& s, const std::string& name, const CancelToken& stop,
                       const std::function<bool(const json&)>& onObject, std::string* error) {
  std::string rv;
  int failures = 0;
  auto relist = [&]() -> std::optional<FollowEnd> {
    auto got = s.client.get(mdResource(), s.ns, name);
    if (!got.ok()) {
      if (got.error().isNotFound()) return FollowEnd::Deleted;
      if (stop.cancelled()) return FollowEnd::Cancelled;
      *error = got.error().describe();
      return FollowEnd::Error;
    }
    std::string newRv = resourceVersionOf(got.value());
    bool changed = newRv != rv;
    rv = newRv;
    if (changed && !onObject(got.value())) return FollowEnd::Stopped;
    return std::nullopt;
  };
  if (auto end = relist()) return *end;
  while (!stop.cancelled()) {
    kube::WatchOptions opts;
    opts.resourceVersion = rv;
    opts.fieldSelector = "metadata.name=" + name;
    opts.timeoutSeconds = 300;
    bool stopped = false, deleted = false, needRelist = false;
    auto watched = s.client.watch(
        mdResource(), s.ns, opts,
        [&](const kube::WatchEvent& ev) {
          switch (ev.type) {
            case kube::WatchEvent::Type::Bookmark:
              if (auto v = resourceVersionOf(ev.object); !v.empty()) rv = v;
              return true;
            case kube::WatchEvent::Type::Error:
              needRelist = true;  // 410 Expired or another error: start again from a fresh read
              return false;
            case kube::WatchEvent::Type::Deleted:
              deleted = true;
              return false;
            default:
              rv = resourceVersionOf(ev.object);
              if (!onObject(ev.object)) {
                stopped = true;
                return false;
              }
              return true;
          }
        },
        stop);
    if (stopped) return FollowEnd::Stopped;
    if (deleted) return FollowEnd::Deleted;
    if (stop.cancelled()) return FollowEnd::Cancelled;
    if (!watched.ok()) {
      if (++failures > 5) {
        *error = watched.error().describe();
        return FollowEnd::Error;
      }
      stop.waitFor(std::chrono::milliseconds(200 * failures));
      needRelist = true;
    } else {
      failures = 0;
    }
    if (needRelist)
      if (auto end = relist()) return *end;
  }
  return FollowEnd::Cancelled;
}

}  // namespace modelops::plugin
