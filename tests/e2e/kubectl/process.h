// Child processes for end-to-end tests: spawn a program with posix_spawn, collect its stdout and
// stderr on reader threads, wait for an output condition or exit with a deadline, and kill it.
// Thread-safety: one owner thread per Process; output accessors are safe while readers run.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace modelops::testing {

class Process {
 public:
  // argv[0] is the program path; env entries are "KEY=VALUE" (the whole environment).
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env);
  ~Process();  // kills the child if still running and joins the readers
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  bool started() const { return pid_ > 0; }
  std::string out() const;
  std::string err() const;
  // Waits until pred(stdout) holds or the deadline passes (or output ends); returns pred's last value.
  bool waitForOutput(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout);
  // Waits for exit (both pipes closed, then waitpid). Kills the child at the deadline. Returns the
  // exit code, 128+signal when signalled, or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  void signal(int sig);

 private:
  void reader(int fd, std::string* sink, bool* closed);
  pid_t pid_ = -1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_;
  bool outClosed_ = false, errClosed_ = false;
  std::thread outThread_, errThread_;
  int exitCode_ = -1;
  bool reaped_ = false;
};

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after timeout).
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
              std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace modelops::testing
