// modelops-operator: parses flags and hands over to the operator application (app.h).
#include <malloc.h>

#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "app.h"
#include "modelops/version.h"
#include "options.h"

int main(int argc, char** argv) {
  // A TLS write to a connection the peer closed raises SIGPIPE; errors are handled where they occur.
  std::signal(SIGPIPE, SIG_IGN);
  // Provider answers are read into buffers of up to --provider-max-response-bytes on the measurement
  // threads. A fixed mmap threshold makes every such buffer an mmap returned to the system when freed;
  // glibc's default raises the threshold after the first free and then keeps the memory in each thread's
  // arena (measured: 95 MiB RSS under an endless provider answer instead of under 64).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = modelops::cmd::parseOperatorOptions(args);
  if (!options) {
    std::cerr << "modelops-operator: " << options.error().message << "\n";
    return 2;
  }
  if (options->showHelp) {
    std::cout << options->usage;
    return 0;
  }
  if (options->showVersion) {
    std::cout << "modelops-operator " << modelops::kVersion << "\n";
    return 0;
  }
  return modelops::cmd::runOperator(*options);
}
