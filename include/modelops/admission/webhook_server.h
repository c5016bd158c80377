// WebhookServer: the operator's HTTPS endpoint for the validating admission webhook. POST `path` with an
// AdmissionReview v1 body is answered by reviewAdmission() (review_handler.h); a body that is not one
// gets 400, other paths 404, other methods 405. The TLS certificate is looked up on every handshake
// from ServingCertificates, so a reloaded or renewed certificate is served without a restart. A
// background loop calls certificates.refresh() every refreshInterval and then onRefreshed (the CA
// bundle injection), which also retries after a failure.
// Bounded: request bodies up to maxBodyBytes, read/write timeouts, a fixed worker pool; TLS 1.2+.
// Thread-safety: start()/stop() from one thread; port() from any thread after start().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "modelops/admission/serving_certificates.h"
#include "modelops/common/cancel.h"
#include "modelops/common/result.h"

namespace httplib {
class Server;
}

namespace modelops::admission {

inline constexpr const char* kValidatePath = "/validate-modelops-dev-v1alpha1-modeldeployment";

struct WebhookServerOptions {
  std::string host = "0.0.0.0";
  int port = 9443;  // 0: any free port (see port())
  std::string path = kValidatePath;
  std::size_t maxBodyBytes = 8 << 20;  // an AdmissionReview carries the object and the old object
  std::chrono::seconds ioTimeout{10};
  std::size_t threads = 4;
  std::chrono::milliseconds refreshInterval{std::chrono::minutes(1)};
};

class WebhookServer {
 public:
  // onRefreshed runs on the refresh loop after every refresh (successful or not).
  WebhookServer(WebhookServerOptions options, ServingCertificates& certificates,
                std::function<void()> onRefreshed = {});
  ~WebhookServer();
  WebhookServer(const WebhookServer&) = delete;
  WebhookServer& operator=(const WebhookServer&) = delete;

  // Loads the certificate (an error when there is none yet), binds and starts serving.
  Status start();
  int port() const { return port_; }
  void stop();

 private:
  void refreshLoop();
  void refreshOnce();

  WebhookServerOptions options_;
  ServingCertificates& certificates_;
  std::function<void()> onRefreshed_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  std::thread refresher_;
  CancelToken stop_;
  int port_ = 0;
};

}  // namespace modelops::admission
