// ChildProcess: runs a program in its own process group for an end-to-end test, with stdout on a pipe
// (to read a "port=N" line) and stderr in a log file. The destructor (also on test failure) sends
// SIGTERM to the whole group, waits up to 10 s, then SIGKILLs it, so no process outlives the test.
// Thread-safety: use from the test thread only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace modelops::e2e {

class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& stderrFile) : stderrFile_(stderrFile) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::setpgid(0, 0);
      ::dup2(out[1], STDOUT_FILENO);
      const int err = ::open(stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (err >= 0) ::dup2(err, STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);  // also here: no race with the kill in the destructor
    ::close(out[1]);
    stdout_ = out[0];
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    stop();
    if (stdout_ >= 0) ::close(stdout_);
  }

  // Reads stdout until a line matches `pattern` (first group returned) or the deadline passes.
  std::optional<std::string> waitForLine(const std::regex& pattern, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
        const std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        std::smatch m;
        if (std::regex_search(line, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
      }
      pollfd p{stdout_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;  // the child closed stdout (exited)
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return std::nullopt;
  }

  bool exited() {
    if (status_) return true;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    return status_.has_value();
  }

  // SIGTERM to the group, bounded wait, then SIGKILL. Returns the wait status of the main process.
  int stop() {
    if (!status_ && pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!exited() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (!exited()) {
        ::kill(-pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
        status_ = st;
      }
    }
    return status_.value_or(-1);
  }

  std::string stderrText() const {
    std::ifstream in(stderrFile_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string stderrFile_;
  std::string buffer_;
  std::optional<int> status_;
};

}  // namespace modelops::e2e
