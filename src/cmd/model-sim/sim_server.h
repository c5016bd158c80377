// The simulated model server's HTTP side and traffic ticker around a ModelSimulator:
//   POST|GET /predict[?segment=S]   one prediction (JSON body {"segment": "S"} also accepted)
//   GET  /metrics                   Prometheus text format 0.0.4
//   GET  /admin/accuracy            current effective accuracies
//   POST /admin/accuracy            {"accuracy": 0.8, "segments": {"eu-west": 0.6}}: drift at run time
//   GET  /healthz                   "ok"
// The ticker calls ModelSimulator::advanceTo(now) every tick (100 ms) on its own thread.
// Thread-safety: start() and stop() from one thread; handlers run on the server's thread pool.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "model_sim.h"
#include "modelops/common/cancel.h"
#include "modelops/common/result.h"

namespace httplib {
class Server;
}

namespace modelops::modelsim {

class SimServer {
 public:
  explicit SimServer(ModelSimulator& sim, std::chrono::milliseconds tick = std::chrono::milliseconds(100));
  ~SimServer();  // stops

  // Binds (port 0: any free port), starts serving and ticking. Returns the bound port.
  Result<int> start(const std::string& bind, int port);
  void stop();

 private:
  ModelSimulator& sim_;
  std::chrono::milliseconds tick_;
  std::unique_ptr<httplib::Server> server_;
  std::thread serverThread_;
  std::thread tickerThread_;
  CancelToken stopTicker_;
};

}  // namespace modelops::modelsim
