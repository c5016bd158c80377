// Command-line parsing, connection and dispatch of kubectl-modelops; see plugin.h.
// Flags may come before or after the command (kubectl passes `kubectl modelops get x -n ml` on as
// `get x -n ml`): a first pass with every flag finds the command, a second pass with the global flags
// plus that command's own flags reports flags the command does not take.
// Thread-safety: one runPlugin call per PluginContext.
#include "plugin.h"

#include <ostream>
#include <sstream>

#include "commands.h"
#include "dashboard/dashboard.h"
#include "modelops/api/names.h"
#include "modelops/common/flags.h"
#include "modelops/kube/factory.h"
#include "modelops/version.h"

namespace modelops::plugin {
namespace {

struct Options {
  std::string kubeconfig, context, ns;
  bool allNamespaces = false;
  bool watch = false;
  bool full = false;
  std::string variant;
  std::int64_t toRevision = 0;
  bool wait = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::string reason;  // retrain --reason
  DashboardOptions dashboard;
};

struct CommandInfo {
  const char* name;
  const char* args;     // "NAME" or ""
  const char* summary;
};

const CommandInfo kCommands[] = {
    {"get", "NAME", "Show a rollout as a tree: phase, stable/canary, steps, analysis verdicts, history, events. "
                    "--watch redraws on every change."},
    {"list", "", "List ModelDeployments: NAME PHASE STABLE CANARY WEIGHT ACCURACY AGE (-A: all namespaces)."},
    {"promote", "NAME", "Ask the operator to go to the next step (--full: straight to 100%; --variant V: pick the "
                        "winner of an A/B test)."},
    {"abort", "NAME", "Ask the operator to abort the rollout and send all traffic back to stable."},
    {"retry", "NAME", "Ask the operator to retry an aborted or rolled-back rollout."},
    {"pause", "NAME", "Ask the operator to hold the rollout where it is."},
    {"resume", "NAME", "Ask the operator to continue a paused rollout."},
    {"retrain", "NAME", "Ask the operator to start a retraining run now (spec.retraining; --reason R is passed "
                        "to the run as MODELOPS_REASON)."},
    {"history", "NAME", "List the revisions of the model and their outcomes, newest first."},
    {"undo", "NAME", "Set spec.model back to a previous revision (default: the previous promoted one; "
                     "--to-revision N)."},
    {"status", "NAME", "Print whether the rollout is complete; --wait blocks until Healthy (exit 0) or failed "
                       "(exit 1), --timeout (exit 4)."},
    {"version", "", "Print the plugin's version."},
    {"dashboard", "", "Serve a local web UI (list, charts, actions) on --address:--port (default 127.0.0.1:3100); "
                      "-A: all namespaces."},
};

const CommandInfo* findCommand(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

void addGlobalFlags(FlagSet& f, Options& o) {
  f.addString("kubeconfig", &o.kubeconfig, "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).",
              "PATH");
  f.addString("context", &o.context, "The kubeconfig context to use.", "NAME");
  f.addString("namespace", &o.ns, "Namespace (default: the context's namespace, else \"default\").", "NAME");
  f.addAlias('n', "namespace");
}

void addCommandFlags(FlagSet& f, Options& o, const std::string& command) {
  const bool all = command.empty();
  if (all || command == "list") {
    f.addBool("all-namespaces", &o.allNamespaces, "List across all namespaces.");
    f.addAlias('A', "all-namespaces");
  }
  if (all || command == "get") {
    f.addBool("watch", &o.watch, "Redraw after every change of the ModelDeployment (Ctrl-C to stop).");
    f.addAlias('w', "watch");
  }
  if (all || command == "promote") {
    f.addBool("full", &o.full, "Promote to 100% at once, skipping the remaining steps.");
    f.addString("variant", &o.variant, "A/B test: the variant to promote.", "NAME");
  }
  if (all || command == "retrain")
    f.addString("reason", &o.reason, "Why retrain: passed to the run (MODELOPS_REASON), at most 256 characters.",
                "TEXT");
  if (command == "dashboard") {
    f.addBool("all-namespaces", &o.allNamespaces, "Show every namespace.");
    f.addAlias('A', "all-namespaces");
  }
  if (all || command == "dashboard") {
    f.addInt("port", &o.dashboard.port, "Dashboard: the port to listen on (0: any free port).");
    f.addString("address", &o.dashboard.address, "Dashboard: the address to listen on (not loopback: a warning).",
                "ADDRESS");
  }
  if (all || command == "undo")
    f.addInt("to-revision", &o.toRevision, "The history revision to go back to (0: the previous promoted one).");
  if (all || command == "status") {
    f.addBool("wait", &o.wait, "Wait until the rollout completes or fails.");
    f.addDuration("timeout", &o.timeout, "With --wait: give up after this long (exit 4).");
  }
}

std::string exitCodesText() {
  return "Exit codes:\n"
         "  0  success; status: the rollout is complete (Healthy, observed, no canary)\n"
         "  1  the operation failed (API error, conflict); status: the rollout failed (RolledBack, Failed,\n"
         "     Degraded, Invalid) or the wait was interrupted\n"
         "  2  usage error (unknown command or flag, missing NAME)\n"
         "  3  not found (the ModelDeployment, or the history revision given to undo)\n"
         "  4  status: not complete before --timeout (without --wait: not complete yet)\n";
}

int usageError(PluginContext& ctx, const std::string& message) {
  ctx.err << "error: " << message << "\nRun 'kubectl modelops --help' for usage.\n";
  return kExitUsage;
}

}  // namespace

std::string pluginHelp() {
  std::ostringstream out;
  out << "kubectl modelops: inspect and drive ModelDeployment rollouts (modelops.dev/v1alpha1).\n\n"
      << "Usage: kubectl modelops COMMAND [NAME] [flags]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    std::string head = std::string(c.name) + (*c.args ? std::string(" ") + c.args : "");
    out << "  " << head << std::string(head.size() < 16 ? 16 - head.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\nGlobal flags:\n"
      << "  --kubeconfig PATH    kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)\n"
      << "  --context NAME       kubeconfig context\n"
      << "  -n, --namespace NS   namespace (default: the context's namespace, else \"default\")\n"
      << "  -A, --all-namespaces list, dashboard: every namespace\n\n"
      << "Colour is used on a terminal unless NO_COLOR is set. `kubectl modelops COMMAND --help` shows a\n"
      << "command's flags.\n\n"
      << exitCodesText();
  return out.str();
}

int runPlugin(const std::vector<std::string>& args, PluginContext& ctx) {
  // Pass 1: every flag, to find the command wherever the flags are.
  Options scratch;
  FlagSet any("kubectl modelops", "");
  addGlobalFlags(any, scratch);
  addCommandFlags(any, scratch, "");
  if (auto st = any.parse(args); !st) return usageError(ctx, st.error().message);
  if (any.positional().empty()) {
    if (any.helpRequested()) {
      ctx.out << pluginHelp();
      return kExitOk;
    }
    return usageError(ctx, "no command given");
  }
  const std::string command = any.positional().front();
  const CommandInfo* info = findCommand(command);
  if (!info) return usageError(ctx, "unknown command \"" + command + "\"");

  // Pass 2: the global flags and this command's.
  Options o;
  FlagSet flags(std::string("kubectl modelops ") + command + (*info->args ? std::string(" ") + info->args : ""),
                info->summary);
  addGlobalFlags(flags, o);
  addCommandFlags(flags, o, command);
  if (auto st = flags.parse(args); !st) return usageError(ctx, st.error().message);
  if (flags.helpRequested()) {
    ctx.out << flags.usage() << "\n" << exitCodesText();
    return kExitOk;
  }
  std::vector<std::string> rest(flags.positional().begin() + 1, flags.positional().end());
  const std::size_t wanted = *info->args ? 1 : 0;
  if (rest.size() != wanted)
    return usageError(ctx, wanted ? command + " needs exactly one NAME" : command + " takes no NAME");
  const std::string name = wanted ? rest.front() : "";
  if (o.full && !o.variant.empty()) return usageError(ctx, "--full and --variant cannot be used together");
  if (o.toRevision < 0) return usageError(ctx, "--to-revision must be a positive revision number");
  if (o.reason.size() > 256) return usageError(ctx, "--reason is longer than 256 characters");
  if (o.dashboard.port < 0 || o.dashboard.port > 65535) return usageError(ctx, "--port must be between 0 and 65535");

  if (command == "version") {
    ctx.out << "kubectl-modelops " << kVersion << "\n";
    return kExitOk;
  }

  kube::LoadOptions load;
  load.kubeconfigPath = o.kubeconfig;
  load.context = o.context;
  load.env = ctx.env ? ctx.env : kube::processEnvironment();
  auto config = kube::loadClientConfig(load);
  if (!config.ok()) {
    ctx.err << "error: " << config.error().message << "\n";
    return kExitFailed;
  }
  kube::ClientConfig cfg = config.value();
  cfg.maxAttempts = 3;  // a person is waiting: fail within seconds when the server is unreachable
  cfg.maxRetryTotal = std::chrono::seconds(10);
  cfg.connectTimeout = std::chrono::seconds(5);
  cfg.userAgent = std::string("kubectl-modelops/") + kVersion;
  auto client = kube::makeKubeClient(cfg, ctx.clock);
  if (!client.ok()) {
    ctx.err << "error: " << client.error().message << "\n";
    return kExitFailed;
  }
  Session s{*client.value(), o.ns.empty() ? cfg.defaultNamespace : o.ns, o.allNamespaces, ctx};

  if (command == "get") return o.watch ? cmdGetWatch(s, name) : cmdGet(s, name);
  if (command == "list") return cmdList(s);
  if (command == "promote") {
    if (!o.variant.empty()) return cmdAction(s, name, std::string(api::kActionPromote), o.variant);
    return cmdAction(s, name, std::string(o.full ? api::kActionPromoteFull : api::kActionPromote), "");
  }
  if (command == "abort" || command == "retry" || command == "pause" || command == "resume")
    return cmdAction(s, name, command, "");
  if (command == "retrain") return cmdAction(s, name, std::string(api::kActionRetrain), o.reason);
  if (command == "history") return cmdHistory(s, name);
  if (command == "undo")
    return cmdUndo(s, name, o.toRevision > 0 ? std::optional<std::int64_t>(o.toRevision) : std::nullopt);
  if (command == "status") return cmdStatus(s, name, o.wait, o.timeout);
  if (command == "dashboard") return cmdDashboard(s, o.dashboard);
  return usageError(ctx, "unknown command \"" + command + "\"");
}

}  // namespace modelops::plugin
