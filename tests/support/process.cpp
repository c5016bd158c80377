// ChildProcess and run(); see process.h.
// Thread-safety: the reader threads append under mu_ and notify cv_; reaping and signalling happen on the
// owner thread only (exitCode_ is written there).
#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

extern char** environ;

namespace modelops::testing {
namespace {

std::string variableName(const std::string& entry) { return entry.substr(0, entry.find('=')); }

std::vector<std::string> childEnvironment(const ChildProcessOptions& options) {
  if (!options.inheritEnvironment) return options.env;
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    // getenv() returns the first match, so an inherited duplicate would silently win over the test's entry.
    const bool replaced = std::any_of(options.env.begin(), options.env.end(),
                                      [&](const std::string& x) { return variableName(x) == variableName(entry); });
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), options.env.begin(), options.env.end());
  return env;
}

}  // namespace

ChildProcessOptions ChildProcessOptions::exactEnvironment(std::vector<std::string> env) {
  ChildProcessOptions options;
  options.env = std::move(env);
  options.inheritEnvironment = false;
  return options;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, ChildProcessOptions options)
    : options_(std::move(options)) {
  const bool stderrToFile = !options_.stderrFile.empty();
  // Until the readers run, output has "ended": a process that did not start makes waits return at once.
  outClosed_ = errClosed_ = true;
  if (argv.empty()) return;
  int outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1};
  // O_CLOEXEC: a process spawned later by another thread must not inherit these ends, or our readers
  // would not see end-of-file when this child exits.
  if (pipe2(outPipe, O_CLOEXEC) != 0) return;
  if (!stderrToFile && pipe2(errPipe, O_CLOEXEC) != 0) {
    close(outPipe[0]);
    close(outPipe[1]);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  if (stderrToFile) {
    posix_spawn_file_actions_addopen(&actions, 2, options_.stderrFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  } else {
    posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2);
  }
  std::vector<std::string> env = childEnvironment(options_);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The test may block signals in its threads; the child starts with a clean mask and default handlers.
  // The process group is set before exec, so signalling the group right after the spawn cannot miss it.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (options_.ownProcessGroup) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(outPipe[1]);
  if (!stderrToFile) close(errPipe[1]);
  if (rc != 0) {
    close(outPipe[0]);
    if (!stderrToFile) close(errPipe[0]);
    return;
  }
  pid_ = pid;
  outClosed_ = false;
  outThread_ = std::thread([this, fd = outPipe[0]] { reader(fd, &out_, &outClosed_); });
  if (!stderrToFile) {
    errClosed_ = false;
    errThread_ = std::thread([this, fd = errPipe[0]] { reader(fd, &err_, &errClosed_); });
  }
}

ChildProcess::~ChildProcess() {
  if (options_.ownProcessGroup) {
    terminate(options_.terminateGrace);
  } else {
    kill();
  }
  if (outThread_.joinable()) outThread_.join();
  if (errThread_.joinable()) errThread_.join();
}

void ChildProcess::reader(int fd, std::string* sink, bool* closed) {
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard lock(mu_);
    sink->append(buf, static_cast<std::size_t>(n));
    all_.append(buf, static_cast<std::size_t>(n));
    cv_.notify_all();
  }
  close(fd);
  std::lock_guard lock(mu_);
  *closed = true;
  cv_.notify_all();
}

std::string ChildProcess::out() const {
  std::lock_guard lock(mu_);
  return out_;
}

std::string ChildProcess::err() const {
  if (!options_.stderrFile.empty()) {
    std::ifstream in(options_.stderrFile);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::lock_guard lock(mu_);
  return err_;
}

bool ChildProcess::waitForOutput(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout,
                                 OutputStream stream) {
  std::unique_lock lock(mu_);
  const std::string& text = stream == OutputStream::Stdout ? out_ : all_;
  cv_.wait_for(lock, timeout, [&] { return pred(text) || (stream == OutputStream::Stdout ? outClosed_ : outputEnded()); });
  return pred(text);
}

bool ChildProcess::reap(bool block) {
  if (pid_ <= 0 || exitCode_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ChildProcess::running() { return pid_ > 0 && !reap(false); }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout, OnTimeout onTimeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::unique_lock lock(mu_);
    // Output wakes the wait early; the exit itself has no notification, so it is polled every 10 ms.
    while (!(reap(false) && outputEnded())) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      cv_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(10)));
    }
  }
  // Exited, but its output may still be open in a child of its own: the exit code is the answer.
  if (exitCode_ || onTimeout == OnTimeout::LeaveRunning) return exitCode_;
  kill();
  // A killed child's last output belongs in the failure message; its pipes close at once unless a
  // process of its own holds them, hence the bound.
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(1), [&] { return outputEnded(); });
  return std::nullopt;
}

void ChildProcess::sendSignal(int sig) { ::kill(options_.ownProcessGroup ? -pid_ : pid_, sig); }

void ChildProcess::signal(int sig) {
  if (pid_ > 0 && !exitCode_) sendSignal(sig);
}

void ChildProcess::kill() {
  if (pid_ <= 0 || exitCode_) return;
  sendSignal(SIGKILL);
  reap(true);
}

std::optional<int> ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  if (!exitCode_) {
    sendSignal(SIGTERM);
    wait(grace, OnTimeout::Kill);
  }
  return exitCode_;
}

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
              std::chrono::milliseconds timeout) {
  ChildProcess p(argv, ChildProcessOptions::exactEnvironment(env));
  RunResult r;
  if (!p.started()) return r;
  r.code = p.wait(timeout, OnTimeout::Kill).value_or(-1);
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace modelops::testing
