// A child process whose stdout and stderr are a pseudo-terminal (forkpty), for testing what a program
// does on a terminal (colour, redrawing in place): read its output until a condition holds, signal it,
// and reap it, each with a deadline. The output is what the terminal received (with "\r\n" line ends).
// Thread-safety: one owner thread.
#pragma once

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fakes/wait.h"

namespace modelops::testing {

class PtyProcess {
 public:
  // argv[0] is the program path; env is the whole environment ("KEY=VALUE").
  PtyProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    struct winsize size = {};
    size.ws_row = 50;
    size.ws_col = 200;  // wide enough that no line wraps
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
  }
  ~PtyProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }
  PtyProcess(const PtyProcess&) = delete;
  PtyProcess& operator=(const PtyProcess&) = delete;

  bool started() const { return pid_ > 0 && master_ >= 0; }
  const std::string& output() const { return out_; }

  // Reads until pred(output) holds, the terminal closes (the child exited), or the deadline passes.
  bool readUntil(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(out_)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || closed_) return pred(out_);
      struct pollfd p = {master_, POLLIN, 0};
      int n = poll(&p, 1, static_cast<int>(left.count()));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) continue;
      char buf[4096];
      ssize_t got = read(master_, buf, sizeof buf);
      if (got > 0) {
        out_.append(buf, static_cast<std::size_t>(got));
      } else if (got < 0 && errno == EINTR) {
        continue;
      } else {
        closed_ = true;  // EIO once the child's side of the terminal is closed
      }
    }
    return true;
  }

  void signal(int sig) {
    if (pid_ > 0 && !reaped_) kill(pid_, sig);
  }

  // Drains the output and reaps the child; the exit code, 128+signal, or -1 at the deadline (killed).
  int wait(std::chrono::milliseconds timeout) {
    readUntil([](const std::string&) { return false; }, timeout);
    int status = 0;
    // The terminal is closed but the process may not be reapable yet: poll for it up to the deadline.
    if (!reaped_ && !modelops::testing::waitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout)) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      reaped_ = true;
      return -1;
    }
    reaped_ = true;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string out_;
  bool closed_ = false;
  bool reaped_ = false;
};

}  // namespace modelops::testing
