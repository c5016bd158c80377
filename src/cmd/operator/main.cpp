// modelops-operator: parses flags and hands over to the operator application (app.h).
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
