// modelops-devserver: runs the Kubernetes-compatible dev API server (docs/devserver.md) until
// SIGTERM or SIGINT. Prints one line on stdout once listening:
//   modelops-devserver ready url=https://127.0.0.1:PORT port=PORT kubeconfig=FILE
// Flag parsing and wiring only; the server is modelops::devserver::DevServer.
// Thread-safety: main thread only; signals are taken synchronously with sigwait.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "modelops/common/flags.h"
#include "modelops/common/logging.h"
#include "modelops/devserver/dev_server.h"

int main(int argc, char** argv) {
  using namespace modelops;
  devserver::DevServerOptions o;
  std::int64_t port = 0, readyDelayMs = 50, watchHistory = 10000, bookmarkMs = 60000, threads = 128, seed = 1;
  bool tls = false, noTls = false, admin = true;
  std::string kubeconfigOut, logLevel = "info", faultsJson;
  FlagSet flags("modelops-devserver", "A Kubernetes-compatible API server for development and tests.");
  flags.addInt("port", &port, "port to listen on (0: pick a free one and print it)");
  flags.addString("bind", &o.bindAddress, "address to listen on", "ADDR");
  flags.addBool("tls", &tls, "serve HTTPS (a CA and certificate are generated unless --cert/--key are given)");
  flags.addBool("no-tls", &noTls, "serve plain HTTP (the default)");
  flags.addString("cert", &o.certFile, "PEM server certificate for --tls", "FILE");
  flags.addString("key", &o.keyFile, "PEM private key for --tls", "FILE");
  flags.addString("token", &o.token, "require this bearer token on every request", "TOKEN");
  flags.addString("kubeconfig-out", &kubeconfigOut, "write a kubeconfig for this server here", "FILE");
  flags.addString("data-dir", &o.dataDir, "persist state in this directory (snapshot + journal)", "DIR");
  flags.addInt("ready-delay-ms", &readyDelayMs, "simulated Deployment readiness delay per replica");
  flags.addInt("watch-history", &watchHistory, "watch events kept for resumption; older resourceVersions get 410");
  flags.addInt("bookmark-interval-ms", &bookmarkMs, "interval between BOOKMARK events (allowWatchBookmarks)");
  flags.addInt("threads", &threads, "HTTP worker threads (each open watch holds one)");
  flags.addInt("seed", &seed, "seed for uids, generated names and fault decisions");
  flags.addBool("admin", &admin, "serve /admin/audit and /admin/faults (use --admin=false to disable)");
  flags.addString("faults", &faultsJson, "initial fault configuration, JSON as POST /admin/faults takes", "JSON");
  flags.addStringList("preload", &o.preload, "apply these manifests (files or directories) at start; repeatable", "PATH");
  flags.addStringList("webhook-service", &o.webhookServices,
                      "where a webhook's clientConfig.service is reached: NAMESPACE/NAME=HOST:PORT (the certificate "
                      "is verified for NAME.NAMESPACE.svc); repeatable", "SVC=ADDR");
  flags.addString("log-level", &logLevel, "trace|debug|info|warn|error|off", "LEVEL");
  if (auto st = flags.parse(argc, argv); !st) {
    std::cerr << st.error().message << "\n" << flags.usage();
    return 2;
  }
  if (flags.helpRequested()) {
    std::cout << flags.usage();
    return 0;
  }
  if (auto st = configureLogging(logLevel, LogFormat::Text); !st) {
    std::cerr << st.error().message << "\n";
    return 2;
  }
  if (tls && noTls) {
    std::cerr << "--tls and --no-tls are exclusive\n";
    return 2;
  }
  if (port < 0 || port > 65535 || readyDelayMs < 0 || watchHistory < 1 || bookmarkMs < 1 || threads < 8) {
    std::cerr << "invalid value: --port 0..65535, --ready-delay-ms >= 0, --watch-history >= 1, "
                 "--bookmark-interval-ms >= 1, --threads >= 8\n";
    return 2;
  }
  o.port = static_cast<int>(port);
  o.tls = tls;
  o.readyDelay = std::chrono::milliseconds(readyDelayMs);
  o.watchHistory = static_cast<std::size_t>(watchHistory);
  o.bookmarkInterval = std::chrono::milliseconds(bookmarkMs);
  o.threads = static_cast<std::size_t>(threads);
  o.seed = static_cast<std::uint64_t>(seed);
  o.admin = admin;

  // Block the stop signals before any thread starts so that only sigwait below receives them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  auto server = devserver::DevServer::start(o);
  if (!server) {
    std::cerr << "modelops-devserver: " << server.error().message << "\n";
    return 1;
  }
  if (!faultsJson.empty()) {
    auto config = nlohmann::json::parse(faultsJson, nullptr, false);
    auto err = config.is_discarded() ? std::optional<std::string>("not valid JSON") : (*server)->faults().configure(config);
    if (err) {
      std::cerr << "--faults: " << *err << "\n";
      return 2;
    }
  }
  if (!kubeconfigOut.empty()) {
    auto written = (*server)->writeKubeconfig(kubeconfigOut);
    if (!written) {
      std::cerr << "modelops-devserver: " << written.error().message << "\n";
      return 1;
    }
  }
  std::cout << "modelops-devserver ready url=" << (*server)->url() << " port=" << (*server)->port()
            << (kubeconfigOut.empty() ? "" : " kubeconfig=" + kubeconfigOut) << std::endl;
  int sig = 0;
  sigwait(&stopSignals, &sig);
  logInfo("devserver stopping", {{"signal", sig}});
  (*server)->stop();
  return 0;
}
