// CredentialSource: token, token file rotation, basic auth and cached exec credentials; see
// include/modelops/kube/auth.h.
// Thread-safety: one mutex guards the cache; the plugin runs under it so concurrent callers wait
// for one run and share its result.
#include "auth.h"

#include <fstream>
#include <sstream>

#include "modelops/common/logging.h"

namespace modelops::kube {

CredentialSource::CredentialSource(ClientConfig config, const Clock& clock, ExecRunner runner)
    : config_(std::move(config)), clock_(clock), runner_(std::move(runner)) {
  if (!runner_) runner_ = [](const ExecConfig& e, const std::string& info) { return runExecPlugin(e, info); };
}

Result<Credentials> CredentialSource::refreshExecLocked() {
  const ExecConfig& exec = *config_.exec;
  auto output = runner_(exec, execInfoJson(exec, config_));
  if (!output) return output.error();
  auto credential = parseExecCredential(*output, exec.apiVersion);
  if (!credential) return credential.error();
  bool certChanged = !cached_ || cached_->clientCertificateData != credential->clientCertificateData ||
                     cached_->clientKeyData != credential->clientKeyData;
  if (certChanged && !credential->clientCertificateData.empty()) ++generation_;
  if (certChanged && credential->clientCertificateData.empty() && cached_ && !cached_->clientCertificateData.empty())
    ++generation_;
  cached_ = std::move(*credential);
  logInfo("exec credential plugin refreshed credentials", {{"command", exec.command}});
  return Credentials{};
}

Result<Credentials> CredentialSource::get() {
  std::lock_guard lock(mu_);
  Credentials out;
  out.basicUser = config_.username;
  out.basicPassword = config_.password;
  out.bearerToken = config_.bearerToken;
  if (!config_.tokenFile.empty()) {
    auto now = clock_.monotonic();
    if (!fileReadAt_ || now - *fileReadAt_ >= config_.tokenFileRefresh) {
      std::ifstream in(config_.tokenFile, std::ios::binary);
      std::ostringstream text;
      if (in) text << in.rdbuf();
      std::string token = text.str();
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
      if (in && !token.empty()) {
        fileToken_ = token;
        fileReadAt_ = now;
      } else if (fileToken_.empty() && config_.bearerToken.empty()) {
        return Error{"AuthError", "cannot read a token from tokenFile " + config_.tokenFile};
      } else {
        logWarn("cannot re-read the token file; using the last token", {{"file", config_.tokenFile}});
        fileReadAt_ = now;  // try again after the next refresh period, not on every request
      }
    }
    if (!fileToken_.empty()) out.bearerToken = fileToken_;
  }
  if (config_.exec) {
    bool expired = cached_ && cached_->expirationTimestamp && clock_.now() >= *cached_->expirationTimestamp;
    if (!cached_ || expired) {
      auto refreshed = refreshExecLocked();
      if (!refreshed) return refreshed.error();
    }
    if (!cached_->token.empty()) out.bearerToken = cached_->token;
    out.clientCertData = cached_->clientCertificateData;
    out.clientKeyData = cached_->clientKeyData;
  }
  out.generation = generation_;
  return out;
}

bool CredentialSource::invalidate() {
  std::lock_guard lock(mu_);
  bool changed = false;
  if (config_.exec) {
    cached_.reset();
    changed = true;
  }
  if (!config_.tokenFile.empty()) {
    fileReadAt_.reset();
    changed = true;
  }
  return changed;
}

}  // namespace modelops::kube
