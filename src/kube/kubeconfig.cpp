// Kubeconfig parsing (YAML or JSON), relative-path resolution, kubectl's merge, and the
// ClientConfig of one context; see include/modelops/kube/config.h.
// Thread-safety: pure functions apart from reading the files a kubeconfig names.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "json_util.h"
#include "modelops/kube/config.h"

namespace modelops::kube {
namespace {

using nlohmann::json;

// Kubeconfig values are strings, booleans, lists and maps; numbers stay strings (none are used).
json yamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) {
        auto key = item.first.Scalar();
        if (!out.contains(key)) out[key] = yamlToJson(item.second);  // duplicate keys: first wins
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(yamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "?") {  // a plain scalar: resolve the few YAML 1.2 core literals
        if (text == "true" || text == "True" || text == "TRUE") return true;
        if (text == "false" || text == "False" || text == "FALSE") return false;
        if (text == "null" || text == "Null" || text == "NULL" || text == "~") return nullptr;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

std::string dirOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  return parent.string();
}

void resolvePath(json& holder, const char* key, const std::string& dir, bool onlyWithSeparator = false) {
  auto it = holder.find(key);
  if (it == holder.end() || !it->is_string()) return;
  std::string value = it->get<std::string>();
  if (value.empty() || value.front() == '/') return;
  if (onlyWithSeparator && value.find('/') == std::string::npos) return;  // a name looked up on PATH
  *it = (std::filesystem::path(dir) / value).lexically_normal().string();
}

void resolvePaths(json& content, const std::string& dir) {
  if (auto clusters = content.find("clusters"); clusters != content.end() && clusters->is_array()) {
    for (auto& entry : *clusters) {
      if (!entry.is_object()) continue;
      auto cluster = entry.find("cluster");
      if (cluster != entry.end() && cluster->is_object()) resolvePath(*cluster, "certificate-authority", dir);
    }
  }
  if (auto users = content.find("users"); users != content.end() && users->is_array()) {
    for (auto& entry : *users) {
      if (!entry.is_object()) continue;
      auto user = entry.find("user");
      if (user == entry.end() || !user->is_object()) continue;
      resolvePath(*user, "client-certificate", dir);
      resolvePath(*user, "client-key", dir);
      resolvePath(*user, "tokenFile", dir);
      auto exec = user->find("exec");
      if (exec != user->end() && exec->is_object()) resolvePath(*exec, "command", dir, true);
    }
  }
}

const json* findNamed(const json& merged, const char* list, const std::string& name, const char* inner) {
  auto it = merged.find(list);
  if (it == merged.end() || !it->is_array()) return nullptr;
  for (const auto& entry : *it) {
    if (entry.is_object() && detail::stringOr(entry, "name") == name) {
      auto body = entry.find(inner);
      static const json empty = json::object();
      return body != entry.end() && body->is_object() ? &*body : &empty;
    }
  }
  return nullptr;
}

// A string field; wrong types are errors with the field path.
Result<std::string> stringField(const json& obj, const char* key, const std::string& path, const std::string& source) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Error{"InvalidConfig", source + ": " + path + "." + key + ": must be a string"};
  return it->get<std::string>();
}

Result<bool> boolField(const json& obj, const char* key, const std::string& path, const std::string& source) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string() && (*it == "true" || *it == "false")) return *it == "true";
  return Error{"InvalidConfig", source + ": " + path + "." + key + ": must be true or false"};
}

Result<std::string> readSmallFile(const std::string& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error{"InvalidConfig", what + ": cannot read file " + file};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The "-data" (base64) form wins over the file form, as in client-go.
Result<std::string> dataOrFile(const json& obj, const std::string& key, const std::string& path,
                               const std::string& source) {
  auto data = stringField(obj, (key + "-data").c_str(), path, source);
  if (!data) return data.error();
  if (!data->empty()) {
    auto decoded = decodeBase64(*data);
    if (!decoded) return Error{"InvalidConfig", source + ": " + path + "." + key + "-data: not valid base64"};
    return *decoded;
  }
  auto file = stringField(obj, key.c_str(), path, source);
  if (!file) return file.error();
  if (file->empty()) return std::string();
  return readSmallFile(*file, source + ": " + path + "." + key);
}

}  // namespace

Result<KubeconfigFile> parseKubeconfig(const std::string& text, const std::string& path) {
  KubeconfigFile file;
  file.path = path;
  try {
    YAML::Node root = YAML::Load(text);
    file.content = yamlToJson(root);
  } catch (const YAML::Exception& e) {
    return Error{"InvalidConfig", "kubeconfig " + path + ": line " + std::to_string(e.mark.line + 1) + ", column " +
                                      std::to_string(e.mark.column + 1) + ": " + e.msg};
  }
  if (file.content.is_null()) file.content = json::object();  // an empty file is an empty config
  if (!file.content.is_object()) return Error{"InvalidConfig", "kubeconfig " + path + ": not a mapping"};
  for (const char* list : {"clusters", "users", "contexts"}) {
    auto it = file.content.find(list);
    if (it != file.content.end() && !it->is_null() && !it->is_array())
      return Error{"InvalidConfig", "kubeconfig " + path + ": " + list + ": must be a list"};
  }
  resolvePaths(file.content, dirOf(path));
  return file;
}

Result<KubeconfigFile> readKubeconfigFile(const std::string& path) {
  auto text = readSmallFile(path, "kubeconfig");
  if (!text) return text.error();
  return parseKubeconfig(*text, path);
}

json mergeKubeconfigs(const std::vector<KubeconfigFile>& files) {
  json merged = {{"clusters", json::array()}, {"users", json::array()}, {"contexts", json::array()}};
  std::string currentContext;
  for (const auto& file : files) {
    if (currentContext.empty()) {
      auto it = file.content.find("current-context");
      if (it != file.content.end() && it->is_string()) currentContext = it->get<std::string>();
    }
    for (const char* list : {"clusters", "users", "contexts"}) {
      auto it = file.content.find(list);
      if (it == file.content.end() || !it->is_array()) continue;
      for (const auto& entry : *it) {
        if (!entry.is_object()) continue;
        std::string name = detail::stringOr(entry, "name");
        if (name.empty()) continue;
        bool seen = false;
        for (const auto& existing : merged[list]) seen = seen || detail::stringOr(existing, "name") == name;
        if (!seen) merged[list].push_back(entry);  // the first file to define a name wins
      }
    }
  }
  merged["current-context"] = currentContext;
  return merged;
}

Result<ClientConfig> configFromKubeconfig(const json& merged, const std::string& contextOverride,
                                          const std::string& source) {
  std::string contextName = contextOverride.empty() ? detail::stringOr(merged, "current-context") : contextOverride;
  if (contextName.empty())
    return Error{"InvalidConfig", source + ": no current-context is set and no --context was given"};
  const json* context = findNamed(merged, "contexts", contextName, "context");
  if (!context) return Error{"InvalidConfig", source + ": context \"" + contextName + "\" is not defined"};
  std::string contextPath = "contexts[name=" + contextName + "].context";
  auto clusterName = stringField(*context, "cluster", contextPath, source);
  if (!clusterName) return clusterName.error();
  auto userName = stringField(*context, "user", contextPath, source);
  if (!userName) return userName.error();
  auto ns = stringField(*context, "namespace", contextPath, source);
  if (!ns) return ns.error();

  ClientConfig config;
  config.source = source + " (context " + contextName + ")";
  if (!ns->empty()) config.defaultNamespace = *ns;

  const json* cluster = findNamed(merged, "clusters", *clusterName, "cluster");
  if (!cluster)
    return Error{"InvalidConfig", source + ": " + contextPath + ".cluster: cluster \"" + *clusterName + "\" is not defined"};
  std::string clusterPath = "clusters[name=" + *clusterName + "].cluster";
  auto server = stringField(*cluster, "server", clusterPath, source);
  if (!server) return server.error();
  if (server->empty()) return Error{"InvalidConfig", source + ": " + clusterPath + ".server: missing"};
  config.server = *server;
  auto caData = stringField(*cluster, "certificate-authority-data", clusterPath, source);
  if (!caData) return caData.error();
  if (!caData->empty()) {
    auto decoded = decodeBase64(*caData);
    if (!decoded) return Error{"InvalidConfig", source + ": " + clusterPath + ".certificate-authority-data: not valid base64"};
    config.caData = *decoded;
  } else {
    auto caFile = stringField(*cluster, "certificate-authority", clusterPath, source);
    if (!caFile) return caFile.error();
    if (!caFile->empty()) {
      std::ifstream probe(*caFile);
      if (!probe)
        return Error{"InvalidConfig", source + ": " + clusterPath + ".certificate-authority: cannot read file " + *caFile};
      config.caFile = *caFile;
    }
  }
  auto insecure = boolField(*cluster, "insecure-skip-tls-verify", clusterPath, source);
  if (!insecure) return insecure.error();
  config.insecureSkipTlsVerify = *insecure;
  if (config.insecureSkipTlsVerify && (!config.caData.empty() || !config.caFile.empty()))
    return Error{"InvalidConfig", source + ": " + clusterPath +
                                      ": insecure-skip-tls-verify cannot be combined with a certificate authority"};
  auto serverName = stringField(*cluster, "tls-server-name", clusterPath, source);
  if (!serverName) return serverName.error();
  config.tlsServerName = *serverName;
  auto proxy = stringField(*cluster, "proxy-url", clusterPath, source);
  if (!proxy) return proxy.error();
  if (!proxy->empty()) return Error{"InvalidConfig", source + ": " + clusterPath + ".proxy-url: proxies are not supported"};

  if (userName->empty()) return config;  // no credentials (e.g. a local dev server)
  const json* user = findNamed(merged, "users", *userName, "user");
  if (!user) return Error{"InvalidConfig", source + ": " + contextPath + ".user: user \"" + *userName + "\" is not defined"};
  std::string userPath = "users[name=" + *userName + "].user";
  auto cert = dataOrFile(*user, "client-certificate", userPath, source);
  if (!cert) return cert.error();
  auto key = dataOrFile(*user, "client-key", userPath, source);
  if (!key) return key.error();
  if (cert->empty() != key->empty())
    return Error{"InvalidConfig", source + ": " + userPath + ": client-certificate and client-key must be given together"};
  config.clientCertData = *cert;
  config.clientKeyData = *key;
  auto token = stringField(*user, "token", userPath, source);
  if (!token) return token.error();
  config.bearerToken = *token;
  auto tokenFile = stringField(*user, "tokenFile", userPath, source);
  if (!tokenFile) return tokenFile.error();
  config.tokenFile = *tokenFile;
  auto username = stringField(*user, "username", userPath, source);
  if (!username) return username.error();
  auto password = stringField(*user, "password", userPath, source);
  if (!password) return password.error();
  config.username = *username;
  config.password = *password;
  if (user->contains("auth-provider"))
    return Error{"InvalidConfig", source + ": " + userPath +
                                      ".auth-provider: legacy auth providers are not supported; use an exec plugin"};
  if (auto exec = user->find("exec"); exec != user->end() && !exec->is_null()) {
    std::string execPath = userPath + ".exec";
    if (!exec->is_object()) return Error{"InvalidConfig", source + ": " + execPath + ": must be a mapping"};
    ExecConfig e;
    auto apiVersion = stringField(*exec, "apiVersion", execPath, source);
    if (!apiVersion) return apiVersion.error();
    if (*apiVersion != "client.authentication.k8s.io/v1" && *apiVersion != "client.authentication.k8s.io/v1beta1")
      return Error{"InvalidConfig", source + ": " + execPath + ".apiVersion: \"" + *apiVersion +
                                        "\" is not supported (client.authentication.k8s.io/v1 or v1beta1)"};
    e.apiVersion = *apiVersion;
    auto command = stringField(*exec, "command", execPath, source);
    if (!command) return command.error();
    if (command->empty()) return Error{"InvalidConfig", source + ": " + execPath + ".command: missing"};
    e.command = *command;
    if (auto args = exec->find("args"); args != exec->end() && !args->is_null()) {
      if (!args->is_array()) return Error{"InvalidConfig", source + ": " + execPath + ".args: must be a list"};
      for (std::size_t i = 0; i < args->size(); ++i) {
        if (!(*args)[i].is_string())
          return Error{"InvalidConfig", source + ": " + execPath + ".args[" + std::to_string(i) + "]: must be a string"};
        e.args.push_back((*args)[i].get<std::string>());
      }
    }
    if (auto env = exec->find("env"); env != exec->end() && !env->is_null()) {
      if (!env->is_array()) return Error{"InvalidConfig", source + ": " + execPath + ".env: must be a list"};
      for (std::size_t i = 0; i < env->size(); ++i) {
        const auto& item = (*env)[i];
        std::string itemPath = execPath + ".env[" + std::to_string(i) + "]";
        if (!item.is_object()) return Error{"InvalidConfig", source + ": " + itemPath + ": must be a mapping"};
        auto name = stringField(item, "name", itemPath, source);
        if (!name) return name.error();
        auto value = stringField(item, "value", itemPath, source);
        if (!value) return value.error();
        if (name->empty()) return Error{"InvalidConfig", source + ": " + itemPath + ".name: missing"};
        e.env.emplace_back(*name, *value);
      }
    }
    auto provide = boolField(*exec, "provideClusterInfo", execPath, source);
    if (!provide) return provide.error();
    e.provideClusterInfo = *provide;
    auto hint = stringField(*exec, "installHint", execPath, source);
    if (!hint) return hint.error();
    e.installHint = *hint;
    config.exec = std::move(e);
  }
  return config;
}

}  // namespace modelops::kube
