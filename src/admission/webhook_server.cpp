// The webhook's HTTPS server and certificate refresh loop; see webhook_server.h.
// Thread-safety: httplib's workers call the handler and the OpenSSL certificate callback concurrently;
// both only read (ServingCertificates::current() is synchronised).
#include "modelops/admission/webhook_server.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "modelops/admission/review_handler.h"
#include "modelops/common/logging.h"

namespace modelops::admission {

namespace {

struct SslObjects {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
  STACK_OF(X509)* chain = nullptr;
  ~SslObjects() {
    X509_free(cert);
    EVP_PKEY_free(key);
    if (chain) sk_X509_pop_free(chain, X509_free);
  }
};

// Parses the current PEM pair (the serving certificate, intermediates after it) into OpenSSL objects.
bool parseMaterial(const ServingMaterial& m, SslObjects& out) {
  BIO* certBio = BIO_new_mem_buf(m.certPem.data(), static_cast<int>(m.certPem.size()));
  out.cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
  out.chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr)) sk_X509_push(out.chain, extra);
  ERR_clear_error();  // the loop ends on "no start line"
  BIO_free(certBio);
  BIO* keyBio = BIO_new_mem_buf(m.keyPem.data(), static_cast<int>(m.keyPem.size()));
  out.key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
  BIO_free(keyBio);
  return out.cert && out.key;
}

// OpenSSL's per-handshake certificate callback: serve whatever ServingCertificates holds now.
int selectCertificate(SSL* ssl, void* arg) {
  auto* certificates = static_cast<ServingCertificates*>(arg);
  auto material = certificates->current();
  if (!material) return 0;
  SslObjects objects;
  if (!parseMaterial(*material, objects)) return 0;
  return SSL_use_cert_and_key(ssl, objects.cert, objects.key, objects.chain, 1) == 1 ? 1 : 0;
}

void answerReview(const httplib::Request& req, httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  auto answer = body.is_discarded() ? Result<nlohmann::json>(Error{"InvalidInput", "the body is not JSON"})
                                    : reviewAdmission(body);
  if (!answer) {
    logWarn("admission review refused", {{"err", answer.error().message}});
    res.status = 400;
    res.set_content(answer.error().message + "\n", "text/plain");
    return;
  }
  const auto& response = (*answer)["response"];
  if (!response.value("allowed", true)) {
    const auto& request = body["request"];
    auto text = [&request](const char* key) {
      return request.contains(key) && request[key].is_string() ? request[key].get<std::string>() : std::string();
    };
    logInfo("admission denied", {{"operation", text("operation")},
                                 {"object", {{"name", response["status"]["details"].value("name", "")},
                                             {"namespace", text("namespace")}}},
                                 {"err", response["status"].value("message", "")}});
  }
  res.status = 200;
  res.set_content(answer->dump(), "application/json");
}

}  // namespace

WebhookServer::WebhookServer(WebhookServerOptions options, ServingCertificates& certificates,
                             std::function<void()> onRefreshed)
    : options_(std::move(options)), certificates_(certificates), onRefreshed_(std::move(onRefreshed)) {}

WebhookServer::~WebhookServer() { stop(); }

Status WebhookServer::start() {
  if (auto loaded = certificates_.refresh(); !loaded && !certificates_.current())
    return Error{"TLSError", "webhook certificate: " + loaded.error().message};
  if (onRefreshed_) onRefreshed_();
  auto* certs = &certificates_;
  server_ = std::make_unique<httplib::SSLServer>([certs](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_cert_cb(&ctx, selectCertificate, certs);
    return true;
  });
  if (!server_->is_valid()) return Error{"TLSError", "webhook server: cannot create the TLS context"};
  std::size_t threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(options_.maxBodyBytes);
  server_->set_read_timeout(options_.ioTimeout.count(), 0);
  server_->set_write_timeout(options_.ioTimeout.count(), 0);
  server_->set_keep_alive_timeout(5);
  server_->Post(options_.path, answerReview);
  server_->set_error_handler([path = options_.path](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && req.path == path && req.method != "POST") res.status = 405;
    if (!res.body.empty()) return;
    res.set_content(res.status == 405 ? "method not allowed: POST an AdmissionReview v1\n"
                    : res.status == 404 ? "not found\n"
                                        : "request refused\n",
                    "text/plain");
  });
  int bound = options_.port == 0 ? server_->bind_to_any_port(options_.host)
                                 : (server_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (bound < 0)
    return Error{"BindError", "webhook server: cannot listen on " + options_.host + ":" + std::to_string(options_.port)};
  port_ = bound;
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until listen_after_bind() runs: wait for it (there is no callback) so
  // that an early stop() cannot leave the listener running and join() hanging.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!server_->is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  refresher_ = std::thread([this] { refreshLoop(); });
  logInfo("admission webhook serving", {{"address", options_.host + ":" + std::to_string(port_)},
                                        {"path", options_.path}});
  return {};
}

void WebhookServer::refreshOnce() {
  auto refreshed = certificates_.refresh();
  if (!refreshed) logError("webhook certificate refresh failed; serving the previous one",
                           {{"err", refreshed.error().message}});
  else if (*refreshed) logInfo("webhook certificate loaded", {});
  if (onRefreshed_) onRefreshed_();
}

void WebhookServer::refreshLoop() {
  while (!stop_.waitFor(options_.refreshInterval)) refreshOnce();
}

void WebhookServer::stop() {
  stop_.cancel();
  if (server_) server_->stop();
  if (listener_.joinable()) listener_.join();
  if (refresher_.joinable()) refresher_.join();
}

}  // namespace modelops::admission
