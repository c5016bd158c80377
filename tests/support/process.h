// ChildProcess: one program started by a test (or a benchmark) with posix_spawn, for every suite that runs
// real programs: the operator, the dev server, kubectl, prometheus, the model simulators. Its stdout (and
// stderr, unless that goes to a log file) is collected by reader threads; tests wait for output or exit
// with a deadline, signal it and kill it. The destructor never leaves the process behind. run() runs a
// program to its end and returns its exit code and output.
// Thread-safety: one owner thread controls the process (wait, running, signal, kill, terminate, the
// destructor); out(), err() and waitForOutput() may be called from any thread while it runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace modelops::testing {

struct ChildProcessOptions {
  // "K=V" entries. With inheritEnvironment they are added to this process' environment (an entry
  // replaces an inherited variable of the same name); without it they are the child's whole environment,
  // which is how a test keeps the developer's KUBECONFIG, HOME and proxies away from kubectl.
  std::vector<std::string> env;
  bool inheritEnvironment = true;
  // The child leads a new process group: signal(), kill() and terminate() address the whole group, and
  // the destructor terminates it gracefully (SIGTERM, up to terminateGrace, then SIGKILL), so programs
  // that need a clean shutdown (prometheus writing its TSDB) and their own children are stopped too.
  bool ownProcessGroup = false;
  std::chrono::milliseconds terminateGrace{10000};
  // Non-empty: stderr goes to this file (created or truncated) instead of a pipe, so a chatty program's log
  // is kept for the failure message without holding it in memory; err() then reads the file.
  std::string stderrFile;

  // Options whose environment is exactly `env` (designated initializers would trip GCC's
  // -Wmissing-field-initializers).
  static ChildProcessOptions exactEnvironment(std::vector<std::string> env);
};

// What waitForOutput() looks at.
enum class OutputStream {
  Stdout,
  Both,  // stdout and stderr interleaved as read (stderr only when it is on a pipe)
};

// What wait() does when the deadline passes.
enum class OnTimeout {
  LeaveRunning,  // the test decides (signal again, kill, or expect it to still run)
  Kill,          // SIGKILL (the group, with ownProcessGroup) and reap
};

class ChildProcess {
 public:
  // argv[0] is the program path (no PATH lookup). stdin is /dev/null.
  explicit ChildProcess(const std::vector<std::string>& argv, ChildProcessOptions options = {});
  // SIGKILL (with ownProcessGroup: terminate(terminateGrace)) if still running, reap, join the readers.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;
  // Waits until pred(output) holds, that output ends (its pipes are closed) or the timeout passes;
  // returns pred's last value. pred runs under the output lock: it must not call out() or err().
  bool waitForOutput(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout,
                     OutputStream stream = OutputStream::Both);
  // True while the child has not exited (reaps it when it has).
  bool running();
  // Waits for exit, then (until the same deadline) for the end of its output, so out() and err() are
  // complete. Returns the exit code, 128+signal when signalled, nullopt on timeout or when not started.
  std::optional<int> wait(std::chrono::milliseconds timeout, OnTimeout onTimeout = OnTimeout::LeaveRunning);
  void signal(int sig);
  // SIGKILL and reap.
  void kill();
  // SIGTERM, wait up to `grace`, then SIGKILL; returns the exit code as wait() does.
  std::optional<int> terminate(std::chrono::milliseconds grace);

 private:
  void reader(int fd, std::string* sink, bool* closed);
  bool reap(bool block);
  bool outputEnded() const { return outClosed_ && errClosed_; }  // with mu_ held
  void sendSignal(int sig);
  ChildProcessOptions options_;
  pid_t pid_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_, all_;
  bool outClosed_ = false, errClosed_ = false;
  std::thread outThread_, errThread_;
  std::optional<int> exitCode_;
};

struct RunResult {
  int code = -1;  // -1: not started or killed at the timeout
  std::string out;
  std::string err;
};

// Runs argv with exactly the environment `env` to its end; killed after `timeout`.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace modelops::testing
