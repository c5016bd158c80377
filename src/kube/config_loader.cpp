// Choosing where configuration comes from (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config),
// the in-cluster loader, and base64; see include/modelops/kube/config.h.
// Thread-safety: functions read files and the environment only through their arguments.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "modelops/kube/config.h"

namespace modelops::kube {

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read-only use
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::optional<std::string> decodeBase64(std::string_view text) {
  auto valueOf = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  int padding = 0;
  int symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int v = valueOf(c);
    if (v < 0) return std::nullopt;
    ++symbols;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (symbols % 4 == 1 || padding > 2) return std::nullopt;
  if (padding > 0 && (symbols + padding) % 4 != 0) return std::nullopt;
  return out;
}

Result<ClientConfig> loadKubeconfigFiles(const std::vector<std::string>& paths, const std::string& context,
                                         bool skipMissing) {
  std::vector<KubeconfigFile> files;
  std::vector<std::string> seen;
  std::string description;
  for (const auto& path : paths) {
    if (path.empty()) continue;
    bool duplicate = false;
    for (const auto& s : seen) duplicate = duplicate || s == path;
    if (duplicate) continue;
    seen.push_back(path);
    std::error_code ec;
    if (skipMissing && !std::filesystem::exists(path, ec)) continue;
    auto file = readKubeconfigFile(path);
    if (!file) return file.error();
    description += (description.empty() ? "" : ":") + path;
    files.push_back(std::move(*file));
  }
  if (files.empty()) {
    std::string list;
    for (const auto& p : paths) list += (list.empty() ? "" : ":") + p;
    return Error{"InvalidConfig", "no kubeconfig file found (looked at " + list + ")"};
  }
  return configFromKubeconfig(mergeKubeconfigs(files), context, "kubeconfig " + description);
}

Result<ClientConfig> inClusterConfig(const std::string& dir, const EnvLookup& env) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty())
    return Error{"InvalidConfig", "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set"};
  ClientConfig config;
  config.source = "in-cluster (" + dir + ")";
  bool ipv6 = host->find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  config.tokenFile = dir + "/token";
  {
    std::ifstream probe(config.tokenFile);
    if (!probe) return Error{"InvalidConfig", "in-cluster: cannot read token file " + config.tokenFile};
  }
  std::string ca = dir + "/ca.crt";
  {
    std::ifstream probe(ca);
    if (!probe) return Error{"InvalidConfig", "in-cluster: cannot read CA file " + ca};
  }
  config.caFile = ca;
  std::ifstream nsFile(dir + "/namespace");
  if (nsFile) {
    std::ostringstream text;
    text << nsFile.rdbuf();
    std::string ns = text.str();
    while (!ns.empty() && (ns.back() == '\n' || ns.back() == '\r' || ns.back() == ' ')) ns.pop_back();
    if (!ns.empty()) config.defaultNamespace = ns;
  }
  return config;
}

Result<ClientConfig> loadClientConfig(const LoadOptions& options) {
  EnvLookup env = options.env ? options.env : processEnvironment();
  if (!options.kubeconfigPath.empty()) return loadKubeconfigFiles({options.kubeconfigPath}, options.context, false);
  if (auto list = env("KUBECONFIG"); list && !list->empty()) {
    std::vector<std::string> paths;
    std::string_view rest = *list;
    while (true) {
      auto colon = rest.find(':');
      paths.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return loadKubeconfigFiles(paths, options.context, true);
  }
  if (options.inClusterAutodetect) {
    auto host = env("KUBERNETES_SERVICE_HOST");
    if (host && !host->empty()) {
      if (!options.context.empty())
        return Error{"InvalidConfig", "--context needs a kubeconfig, but the in-cluster configuration is in use"};
      return inClusterConfig(options.serviceAccountDir, env);
    }
  }
  auto home = env("HOME");
  if (!home || home->empty())
    return Error{"InvalidConfig", "no kubeconfig: --kubeconfig and KUBECONFIG are unset, not in a cluster, and HOME is unset"};
  return loadKubeconfigFiles({*home + "/.kube/config"}, options.context, false);
}

}  // namespace modelops::kube
