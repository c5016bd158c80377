// The commands of kubectl-modelops, each returning an ExitCode (plugin.h). plugin.cpp parses the
// command line and calls one of these with a connected client; render.h does the formatting.
// commands.cpp: get (one snapshot), list, the action requests, history, undo.
// follow.cpp: the watch-driven ones, get --watch and status [--wait].
// Thread-safety: one command per Session at a time; Session::ctx.cancel may fire from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/actions.h"
#include "modelops/kube/client.h"
#include "plugin.h"

namespace modelops::plugin {

struct Session {
  kube::KubeClient& client;
  std::string ns;             // the namespace to work in
  bool allNamespaces = false; // list -A
  PluginContext& ctx;
};

int cmdGet(Session& s, const std::string& name);
int cmdGetWatch(Session& s, const std::string& name);
int cmdList(Session& s);
// Why the operator would refuse `action` (with `argument`) on `md`, or nullopt: a variant the A/B test
// does not have, --variant on a canary, promote without a variant in an A/B test, promote/abort when
// status (for the current generation) shows no rollout in progress, abort with no stable revision.
std::optional<std::string> refuseAction(const api::ModelDeployment& md, const std::string& action,
                                        const std::string& argument);
// Reads the object, refuses (kExitFailed, a message on stderr) what refuseAction refuses, else writes
// the action annotations with a fresh id (merge patch on metadata only).
int cmdAction(Session& s, const std::string& name, const std::string& action, const std::string& argument);
int cmdHistory(Session& s, const std::string& name);
int cmdUndo(Session& s, const std::string& name, std::optional<std::int64_t> toRevision);
// wait == false: judge the current state once (in progress -> kExitTimeout).
int cmdStatus(Session& s, const std::string& name, bool wait, std::chrono::milliseconds timeout);

// Shared helpers (commands.cpp).
// Prints an API error the way kubectl does and returns its exit code (404 -> kExitNotFound).
int reportApiError(Session& s, const kube::ApiError& e, const std::string& name);
// The core/v1 Events whose involvedObject is the ModelDeployment `name` (field selector, or a
// client-side filter when the server refuses it). Errors yield an empty list.
std::vector<nlohmann::json> eventsFor(Session& s, const std::string& name);
// A fresh action id: UTC timestamp plus a random suffix ("20261125T104200Z-3f9a1c").
std::string newActionId(const Clock& clock);

// How followObject ended.
enum class FollowEnd { Stopped, Deleted, Cancelled, Error };
// Calls onObject with the current object and then after every change (watch with a name field
// selector, resumed from the last resourceVersion; relists after 410 Gone), until onObject returns
// false, the object is deleted, `stop` fires, or the API keeps failing (error text in *error).
FollowEnd followObject(Session& s, const std::string& name, const CancelToken& stop,
                       const std::function<bool(const nlohmann::json&)>& onObject, std::string* error);

}  // namespace modelops::plugin
