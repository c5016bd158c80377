// Watch-driven commands of kubectl-modelops: `get NAME --watch` (a new snapshot on every change of the
// ModelDeployment, from a watch, never by polling) and `status NAME [--wait] [--timeout]` (the exit code
// CI pipelines gate on). See commands.h.
// Thread-safety: one command per Session; the timeout runs on a helper thread joined before return.
#include <atomic>
#include <ostream>
#include <thread>

#include "commands.h"
#include "modelops/common/time.h"
#include "render.h"

namespace modelops::plugin {
namespace {

using nlohmann::json;

// ANSI: cursor home, clear screen.
constexpr const char* kClearScreen = "\x1b[H\x1b[2J";

}  // namespace

int cmdGetWatch(Session& s, const std::string& name) {
  Style style{s.ctx.color};
  int snapshots = 0;
  auto draw = [&](const json& obj) {
    std::string tree = renderTree(obj, eventsFor(s, name), s.ctx.clock.now(), style);
    if (s.ctx.terminal) {
      s.ctx.out << kClearScreen;
    } else if (snapshots > 0) {
      s.ctx.out << "\n--- " << formatRfc3339(s.ctx.clock.now()) << " ---\n";
    }
    s.ctx.out << tree << std::flush;
    ++snapshots;
    return static_cast<bool>(s.ctx.out);  // stdout closed (`| head`, SIGPIPE ignored): stop watching
  };
  std::string error;
  switch (followObject(s, name, s.ctx.cancel, draw, &error)) {
    case FollowEnd::Deleted:
      if (snapshots == 0) {
        kube::ApiError notFound;
        notFound.code = 404;
        return reportApiError(s, notFound, name);
      }
      s.ctx.out << "modeldeployment.modelops.dev/" << name << " deleted\n" << std::flush;
      return kExitOk;
    case FollowEnd::Error:
      s.ctx.err << "error: watching " << name << ": " << error << "\n";
      return kExitFailed;
    default:
      return kExitOk;  // cancelled (Ctrl-C, or the caller's token)
  }
}

int cmdStatus(Session& s, const std::string& name, bool wait, std::chrono::milliseconds timeout) {
  CancelToken stop;
  std::atomic<bool> timedOut{false};
  std::atomic<bool> interrupted{false};
  s.ctx.cancel.onCancel([stop, &interrupted] {
    interrupted = true;
    stop.cancel();
  });
  std::thread timer;
  if (wait) {
    timer = std::thread([stop, timeout, &timedOut] {
      if (!stop.waitFor(timeout)) {
        timedOut = true;
        stop.cancel();
      }
    });
  }
  RolloutVerdict last;
  std::string lastText;
  bool seen = false;
  auto judge = [&](const json& obj) {
    seen = true;
    last = judgeRollout(obj);
    if (last.text != lastText) {
      // Progress lines only while waiting; the final verdict is printed below.
      if (wait && last.state == RolloutState::InProgress) s.ctx.out << last.text << "\n" << std::flush;
      lastText = last.text;
    }
    return wait && last.state == RolloutState::InProgress;
  };
  std::string error;
  FollowEnd end = followObject(s, name, stop, judge, &error);
  stop.cancel();
  if (timer.joinable()) timer.join();
  s.ctx.cancel.clearCallbacks();

  if (end == FollowEnd::Deleted) {
    if (!seen) {
      kube::ApiError notFound;
      notFound.code = 404;
      return reportApiError(s, notFound, name);
    }
    s.ctx.err << "error: " << name << " was deleted while waiting\n";
    return kExitNotFound;
  }
  if (end == FollowEnd::Error) {
    s.ctx.err << "error: watching " << name << ": " << error << "\n";
    return kExitFailed;
  }
  if (last.state == RolloutState::Complete) {
    s.ctx.out << last.text << "\n";
    return kExitOk;
  }
  if (last.state == RolloutState::Failed) {
    s.ctx.out << last.text << "\n";
    return kExitFailed;
  }
  if (interrupted) {
    s.ctx.err << "error: interrupted while waiting: " << last.text << "\n";
    return kExitFailed;
  }
  if (!wait) {
    s.ctx.out << last.text << "\n";
    return kExitTimeout;
  }
  s.ctx.err << "error: timed out after " << formatDuration(timeout) << " waiting for " << name
            << " (last: " << last.text << ")\n";
  return kExitTimeout;
}

}  // namespace modelops::plugin
