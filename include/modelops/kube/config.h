// Client configuration and the loaders that produce it, as kubectl and client-go resolve them:
//  - kubeconfig files: an explicit path (--kubeconfig), else $KUBECONFIG (a ':'-separated list merged
//    as kubectl merges it: the first file to define a cluster/user/context name wins, current-context
//    comes from the first file that sets it; missing files in the list are skipped), else in-cluster
//    when detected, else ~/.kube/config; --context overrides current-context; relative paths are
//    resolved against the directory of the file that holds them;
//  - in-cluster: KUBERNETES_SERVICE_HOST/PORT and token, ca.crt, namespace under a base directory
//    (/var/run/secrets/kubernetes.io/serviceaccount in production).
// Errors name the file and the field at fault. Secrets are read into memory but never logged.
// Thread-safety: pure functions apart from reading files and the environment through LoadOptions.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"
#include "modelops/version.h"

namespace modelops::kube {

// users[].user.exec in a kubeconfig: a credential plugin (EKS, GKE, AKS, OIDC helpers).
struct ExecConfig {
  std::string apiVersion;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;     // a path (relative ones resolved against the kubeconfig) or a name on PATH
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to the inherited environment
  bool provideClusterInfo = false;
  std::string installHint;
  std::chrono::milliseconds timeout{60'000};  // the plugin is killed after this
};

struct ClientConfig {
  std::string server;  // "https://host:port" or "http://host:port" (path prefixes are not supported)
  // Trust: exactly one CA bundle (file or PEM bytes); when both are empty the system CAs are used.
  std::string caFile;
  std::string caData;
  // Client certificate and key (PEM bytes), loaded from memory.
  std::string clientCertData;
  std::string clientKeyData;
  std::string bearerToken;
  std::string tokenFile;  // re-read every tokenFileRefresh and after a 401; wins over bearerToken
  std::optional<ExecConfig> exec;
  std::string username;  // basic auth, for old test clusters
  std::string password;
  bool insecureSkipTlsVerify = false;  // only when the kubeconfig says so; a warning is logged
  std::string tlsServerName;           // verify the server's certificate for this name (and SNI)
  double qps = 20;                     // <= 0: unlimited
  int burst = 30;
  std::string userAgent = kUserAgent;
  std::chrono::milliseconds connectTimeout{10'000};
  std::chrono::milliseconds requestTimeout{60'000};  // read/write timeout of one ordinary request
  std::chrono::milliseconds tokenFileRefresh{60'000};
  int maxAttempts = 5;
  std::chrono::milliseconds maxRetryTotal{60'000};
  std::string defaultNamespace = "default";
  std::string source;  // where it came from, for messages: "kubeconfig /x (context dev)", "in-cluster"
};

// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup processEnvironment();

struct LoadOptions {
  std::string kubeconfigPath;  // --kubeconfig; wins over $KUBECONFIG
  std::string context;         // --context
  bool inClusterAutodetect = true;  // use in-cluster config when no kubeconfig is given and it is detected
  std::string serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
  EnvLookup env;  // empty: the process environment
};

Result<ClientConfig> loadClientConfig(const LoadOptions& options);

// One parsed kubeconfig file (YAML or JSON) with its relative paths already made absolute.
struct KubeconfigFile {
  std::string path;
  nlohmann::json content;  // clusters/users/contexts lists as in the file
};
Result<KubeconfigFile> readKubeconfigFile(const std::string& path);
// Same, from text (path is used for messages and to resolve relative paths).
Result<KubeconfigFile> parseKubeconfig(const std::string& text, const std::string& path);

// kubectl's merge: maps keyed by name ("clusters", "users", "contexts"), first definition wins;
// "current-context" from the first file that sets it. The result has the same shape as a file.
nlohmann::json mergeKubeconfigs(const std::vector<KubeconfigFile>& files);

// The ClientConfig for a context of a merged kubeconfig (empty context: current-context).
// sourceDescription names the file(s) in messages.
Result<ClientConfig> configFromKubeconfig(const nlohmann::json& merged, const std::string& context,
                                          const std::string& sourceDescription);

// Loads and merges the given files (kubectl semantics for missing files: skipped when
// skipMissing, an error otherwise).
Result<ClientConfig> loadKubeconfigFiles(const std::vector<std::string>& paths, const std::string& context,
                                         bool skipMissing);

// In-cluster configuration from the environment and serviceAccountDir.
Result<ClientConfig> inClusterConfig(const std::string& serviceAccountDir, const EnvLookup& env);

// Strict base64 (standard alphabet, padding optional, whitespace ignored); nullopt when malformed.
std::optional<std::string> decodeBase64(std::string_view text);

}  // namespace modelops::kube
