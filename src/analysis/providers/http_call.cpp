// HTTP call helper for metric providers (see http_call.h).
// Thread-safety: no shared state; the cancel callback holds only a weak reference to the client.
#include "http_call.h"

#include <memory>

#include <httplib.h>

namespace modelops::analysis::detail {
namespace {

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

Result<HttpAnswer, ProviderError> httpCall(const HttpRequestSpec& spec, const std::string& what,
                                           const CancelToken& cancel) {
  using Kind = ProviderError::Kind;
  if (cancel.cancelled()) return ProviderError{Kind::Cancelled, what + ": cancelled", ""};
  if (spec.endpoint.scheme != "http" && spec.endpoint.scheme != "https") {
    return ProviderError{Kind::InvalidConfig, what + ": unsupported scheme " + spec.endpoint.scheme, ""};
  }
  std::shared_ptr<httplib::Client> client;
  try {
    client = std::make_shared<httplib::Client>(spec.endpoint.schemeHostPort());
  } catch (const std::exception& e) {
    return ProviderError{Kind::InvalidConfig, what + ": " + e.what(), ""};
  }
  if (!client->is_valid()) return ProviderError{Kind::InvalidConfig, what + ": cannot create HTTP client", ""};
  client->set_connection_timeout(spec.connectTimeout);
  client->set_read_timeout(spec.readTimeout);
  client->set_write_timeout(spec.readTimeout);
  client->set_keep_alive(false);
  if (spec.endpoint.scheme == "https") {
    if (!spec.caFile.empty()) client->set_ca_cert_path(spec.caFile);
    client->enable_server_certificate_verification(!spec.insecureSkipVerify);
  }
  if (spec.bearerToken) client->set_bearer_token_auth(*spec.bearerToken);
  if (spec.basicAuth) client->set_basic_auth(spec.basicAuth->first, spec.basicAuth->second);
  httplib::Headers headers;
  for (const auto& [k, v] : spec.headers) headers.emplace(k, v);
  headers.emplace("Accept", "application/json");

  std::weak_ptr<httplib::Client> weak = client;
  auto registration = cancel.scopedOnCancel([weak] {
    if (auto c = weak.lock()) c->stop();
  });

  const std::string path = spec.endpoint.pathPrefix + spec.pathAndQuery;
  const auto started = std::chrono::steady_clock::now();
  httplib::Result res = spec.method == "POST"
                            ? client->Post(path.c_str(), headers, spec.body, spec.contentType.c_str())
                            : client->Get(path.c_str(), headers);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (cancel.cancelled()) return ProviderError{Kind::Cancelled, what + ": cancelled", ""};
  if (!res) {
    const auto err = res.error();
    switch (err) {
      case httplib::Error::Connection:
        return ProviderError{Kind::Unreachable, what + ": connection failed (refused or unreachable)", ""};
      case httplib::Error::ConnectionTimeout:
        return ProviderError{Kind::Timeout, what + ": connection timed out after " + millis(spec.connectTimeout), ""};
      case httplib::Error::Read:
      case httplib::Error::Write:
        if (elapsed + std::chrono::milliseconds(50) >= spec.readTimeout) {
          return ProviderError{Kind::Timeout, what + ": no answer within " + millis(spec.readTimeout), ""};
        }
        return ProviderError{Kind::Unreachable, what + ": connection closed (" + httplib::to_string(err) + ")", ""};
      case httplib::Error::Canceled:
        return ProviderError{Kind::Cancelled, what + ": cancelled", ""};
      case httplib::Error::SSLLoadingCerts:
        return ProviderError{Kind::InvalidConfig, what + ": cannot load CA certificates from " + spec.caFile, ""};
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLServerVerification:
        return ProviderError{Kind::Unreachable, what + ": TLS failed (" + httplib::to_string(err) + ")", ""};
      default:
        return ProviderError{Kind::Unreachable, what + ": " + httplib::to_string(err), ""};
    }
  }
  return HttpAnswer{res->status, res->body};
}

}  // namespace modelops::analysis::detail
