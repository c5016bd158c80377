// DevServer: a Kubernetes-compatible API server for development and tests (see docs/devserver.md).
// Tests start one in process on 127.0.0.1 port 0:
//   auto server = DevServer::start({.port = 0}).value();
//   server->url();  server->writeKubeconfig(path);  server->faults().startOutage(...);
// The modelops-devserver binary wraps the same class.
// Thread-safety: start/stop from one thread; port/url/faults/audit are safe from any thread while
// running. stop() (also called by the destructor) closes watches and joins every thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/clock.h"
#include "modelops/common/result.h"
#include "modelops/devserver/audit.h"
#include "modelops/devserver/faults.h"

namespace modelops::devserver {

struct DevServerOptions {
  std::string bindAddress = "127.0.0.1";
  int port = 0;                   // 0: pick a free port
  bool tls = false;
  std::string certFile;           // with tls: PEM server certificate; empty: generate a CA and a cert
  std::string keyFile;            // with tls: PEM private key
  std::string token;              // non-empty: require "Authorization: Bearer <token>"
  std::string dataDir;            // non-empty: persist state (snapshot + journal) here
  std::chrono::milliseconds readyDelay{50};  // simulated Deployment readiness, per replica
  std::size_t watchHistory = 10000;          // events kept for watch resumption
  std::chrono::milliseconds bookmarkInterval{60000};
  std::chrono::seconds maxWatchTimeout{1800};  // a watch without timeoutSeconds ends after this
  bool admin = true;              // serve /admin/* (audit, faults)
  std::size_t threads = 128;      // HTTP worker threads (open watches each hold one)
  std::uint64_t seed = 1;         // uids, generated names, fault decisions
  const Clock* clock = nullptr;   // default: the system clock
  // YAML/JSON manifests (files, or directories of *.yaml/*.yml/*.json) applied at start, in order.
  std::vector<std::string> preload;
  // Addresses of Services that ValidatingWebhookConfigurations call (clientConfig.service), as
  // "NAMESPACE/NAME=HOST:PORT"; the certificate is still verified for NAME.NAMESPACE.svc.
  std::vector<std::string> webhookServices;
};

class DevServer {
 public:
  static Result<std::unique_ptr<DevServer>> start(const DevServerOptions& options);
  ~DevServer();
  DevServer(const DevServer&) = delete;
  DevServer& operator=(const DevServer&) = delete;

  int port() const;
  std::string url() const;              // "http://127.0.0.1:PORT" or "https://..."
  std::string caCertificatePem() const;  // empty without TLS
  // Writes a kubeconfig (context "devserver", namespace default) that kubectl can use; returns the
  // path or an error.
  Result<std::string> writeKubeconfig(const std::string& path) const;

  // Creates or replaces an object (apiVersion, kind, metadata.name[, namespace]) as server-side apply
  // with field manager "devserver" and force, e.g. a CRD or fixtures in tests. Returns the stored object.
  Result<nlohmann::json> apply(const nlohmann::json& object);

  FaultInjector& faults();
  AuditLog& audit();
  // Open watch streams right now (tests wait on this instead of sleeping).
  std::size_t openWatches() const;
  void stop();

  struct Impl;

 private:
  explicit DevServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelops::devserver
