// modelops-model-sim: a simulated model server for demos and end-to-end tests (docs/model-sim.md).
// Parses flags, starts the simulator and its HTTP server, prints "listening address=A port=N" on
// stdout, and exits 0 on SIGTERM or SIGINT. Logic lives in model_sim.cpp and sim_server.cpp.
// Thread-safety: signals are blocked in every thread and taken synchronously by main (sigwait).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "model_sim.h"
#include "modelops/common/logging.h"
#include "sim_server.h"

int main(int argc, char** argv) {
  using namespace modelops;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  modelsim::SimConfig defaults;
  if (const char* v = std::getenv("MODEL_NAME"); v && *v) defaults.model = v;
  if (const char* v = std::getenv("MODEL_VERSION"); v && *v) defaults.version = v;
  if (const char* v = std::getenv("MODEL_URI"); v && *v) defaults.modelUri = v;
  bool help = false;
  auto config = modelsim::parseSimFlags(std::vector<std::string>(argv + 1, argv + argc), &help, defaults);
  if (help) {
    std::cout << modelsim::simUsage();
    return 0;
  }
  if (!config.ok()) {
    std::cerr << "modelops-model-sim: " << config.error().message << "\n" << modelsim::simUsage();
    return 2;
  }
  if (auto st = configureLogging(config->logLevel, LogFormat::Text); !st.ok()) {
    std::cerr << "modelops-model-sim: " << st.error().message << "\n";
    return 2;
  }
  auto sim = modelsim::ModelSimulator::create(*config, std::chrono::steady_clock::now());
  if (!sim.ok()) {
    std::cerr << "modelops-model-sim: " << sim.error().message << "\n";
    return 2;
  }
  modelsim::SimServer server(**sim);
  auto port = server.start(config->bind, config->port);
  if (!port.ok()) {
    std::cerr << "modelops-model-sim: " << port.error().message << "\n";
    return 1;
  }
  std::cout << "listening address=" << config->bind << " port=" << *port << std::endl;
  logInfo("serving", {{"model", config->model}, {"version", config->version}, {"port", *port},
                      {"accuracy", (*sim)->accuracyJson()}, {"rate", config->rate}});
  int received = 0;
  sigwait(&signals, &received);
  logInfo("stopping", {{"signal", received}});
  server.stop();
  return 0;
}
