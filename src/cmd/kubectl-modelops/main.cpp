// kubectl-modelops: the kubectl plugin for ModelDeployments (`kubectl modelops ...` finds it on PATH).
// Wiring only: the process's streams, environment, terminal detection and clock go into runPlugin
// (plugin.h), which holds every command. Ctrl-C ends the process (the default signal action), which is
// what a person stopping `get --watch` or `status --wait` expects. SIGPIPE is ignored: a TLS library
// writes its close alert to a socket the peer (or our own shutdown of a watch) already closed, and that
// must end in an error code, never in death by signal (exit 141 broke `status --wait` in CI); a closed
// stdout is noticed by the commands instead (follow.cpp stops when its output stream fails).
// Thread-safety: main thread only.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "modelops/common/logging.h"
#include "plugin.h"

int main(int argc, char** argv) {
  using namespace modelops;
  std::signal(SIGPIPE, SIG_IGN);
  // The client logs retries at warn; a CLI keeps its stderr for errors that matter to the user.
  (void)configureLogging("error", LogFormat::Text);
  std::vector<std::string> args(argv + 1, argv + argc);
  SystemClock clock;
  const bool terminal = isatty(STDOUT_FILENO) == 1;
  const char* noColor = std::getenv("NO_COLOR");
  plugin::PluginContext ctx{std::cout, std::cerr, clock, {}, terminal,
                            terminal && (noColor == nullptr || *noColor == '\0'), {}};
  int code = plugin::runPlugin(args, ctx);
  std::cout.flush();
  return code;
}
