// ChildProcess: a program started with posix_spawn for integration tests. Its stdout and stderr are
// collected by reader threads (and optionally echoed to a log file); tests wait for output with a
// deadline, signal it, and wait for its exit. The destructor SIGKILLs a child still running and reaps
// it, so a failing test never leaves a process behind.
// Thread-safety: one owner thread; output accessors are safe while the readers run.
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

namespace modelops::itest {

class ChildProcess {
 public:
  // argv[0] is the program path. The child gets this process' environment plus `extraEnv` ("K=V").
  explicit ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extraEnv = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;
  // Waits until pred(stdout + stderr) holds, the output ends, or the timeout; returns pred's last value.
  bool waitForOutput(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout);
  // True while the child has not exited (reaps it when it has).
  bool running();
  // Waits for exit; returns the exit code, 128+signal when signalled, nullopt on timeout (child left running).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int sig);
  // SIGKILL and reap.
  void kill();

 private:
  void reader(int fd, std::string* sink, bool* closed);
  bool reap(bool block);
  pid_t pid_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_, all_;
  bool outClosed_ = false, errClosed_ = false;
  std::thread outThread_, errThread_;
  std::optional<int> exitCode_;
};

}  // namespace modelops::itest
