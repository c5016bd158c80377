// modelops-gateway: parses flags and hands over to the gateway application (app.h).
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "app.h"
#include "modelops/version.h"
#include "options.h"

int main(int argc, char** argv) {
  // A write to a client or upstream that went away raises SIGPIPE; the proxy handles the error.
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = modelops::cmd::parseGatewayOptions(args);
  if (!options) {
    std::cerr << "modelops-gateway: " << options.error().message << "\n";
    return 2;
  }
  if (options->showHelp) {
    std::cout << options->usage;
    return 0;
  }
  if (options->showVersion) {
    std::cout << "modelops-gateway " << modelops::kVersion << "\n";
    return 0;
  }
  return modelops::cmd::runGateway(*options);
}
