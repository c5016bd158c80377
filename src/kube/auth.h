// Internal to modelops_kube (the unit tests include it from src/kube).
// Credentials for API requests: a static bearer token, a token file re-read when it may have
// rotated, basic auth, or an exec credential plugin (client.authentication.k8s.io v1/v1beta1)
// whose result is cached until its expirationTimestamp (read from the injected Clock).
// Thread-safety: CredentialSource is safe to call from many threads; the plugin runs at most once
// at a time and concurrent callers share its result.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "modelops/common/clock.h"
#include "modelops/common/result.h"
#include "modelops/kube/config.h"
#include "modelops/kube/factory.h"

namespace modelops::kube {

// The status of an ExecCredential, as a plugin printed it.
struct ExecCredential {
  std::string token;
  std::string clientCertificateData;  // PEM
  std::string clientKeyData;          // PEM
  std::optional<Clock::WallTime> expirationTimestamp;  // none: valid until a 401
};

// Parses a plugin's stdout; the apiVersion must be the one configured. Errors name the field.
Result<ExecCredential> parseExecCredential(std::string_view output, const std::string& expectedApiVersion);

// The KUBERNETES_EXEC_INFO value given to a plugin.
std::string execInfoJson(const ExecConfig& exec, const ClientConfig& cluster);

// Runs the plugin (fork/exec with pipes through posix_spawn), returns its stdout. Fails on a
// non-zero exit, a timeout (the child is killed) or more than 1 MiB of output.
Result<std::string> runExecPlugin(const ExecConfig& exec, const std::string& execInfo);

// What a request needs from the credential source.
struct Credentials {
  std::string bearerToken;      // empty: none
  std::string clientCertData;   // from an exec plugin (overrides the config's)
  std::string clientKeyData;
  std::string basicUser;
  std::string basicPassword;
  std::uint64_t generation = 0;  // changes when the client certificate changes (TLS clients rebuilt)
};

class CredentialSource {
 public:
  using ExecRunner = kube::ExecRunner;

  // runner defaults to runExecPlugin (tests may count calls through it).
  CredentialSource(ClientConfig config, const Clock& clock, ExecRunner runner = {});

  // Current credentials; runs the plugin when there is no cached credential or it has expired,
  // re-reads the token file when tokenFileRefresh has passed.
  Result<Credentials> get();

  // After a 401: drops the cached exec credential and re-reads the token file. Returns true when
  // a refresh can change anything (so the request is worth one more try).
  bool invalidate();

 private:
  Result<Credentials> refreshExecLocked();

  ClientConfig config_;
  const Clock& clock_;
  ExecRunner runner_;
  std::mutex mu_;
  std::optional<ExecCredential> cached_;
  std::string fileToken_;
  std::optional<Clock::MonoTime> fileReadAt_;
  std::uint64_t generation_ = 0;
};

}  // namespace modelops::kube
