// Unit tests: kubeconfig parsing, kubectl's merge order, relative paths, context selection,
// errors naming the file and field, loader precedence, in-cluster config, base64.
// Thread-safety: single-threaded; files live in a per-test temporary directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "modelops/kube/config.h"

namespace modelops::kube {
namespace {

class Dir {
 public:
  Dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "modelops-kubeconfig-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
    path_ = pattern;
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    auto p = (path_ / name).string();
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const char* kSimple = R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example:6443
    tls-server-name: api.dev.example
users:
- name: dev-user
  user:
    token: abc
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team}
- name: other
  context: {cluster: dev-cluster}
)";

TEST(Kubeconfig, ReadsTheCurrentContext) {
  auto file = parseKubeconfig(kSimple, "/k/config");
  ASSERT_TRUE(file.ok()) << file.error().message;
  auto config = configFromKubeconfig(mergeKubeconfigs({*file}), "", "kubeconfig /k/config");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://dev.example:6443");
  EXPECT_EQ(config->tlsServerName, "api.dev.example");
  EXPECT_EQ(config->bearerToken, "abc");
  EXPECT_EQ(config->defaultNamespace, "team");
  EXPECT_EQ(config->qps, 20);
  EXPECT_EQ(config->burst, 30);
  auto other = configFromKubeconfig(mergeKubeconfigs({*file}), "other", "k");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->defaultNamespace, "default");
  EXPECT_TRUE(other->bearerToken.empty());
}

TEST(Kubeconfig, MergeFirstDefinitionWinsAndFirstCurrentContext) {
  auto a = parseKubeconfig(R"(
clusters: [{name: shared, cluster: {server: 'https://a:1'}}]
contexts: [{name: ctx-a, context: {cluster: shared}}]
)", "/a/config");
  auto b = parseKubeconfig(R"(
current-context: ctx-b
clusters: [{name: shared, cluster: {server: 'https://b:1'}}, {name: only-b, cluster: {server: 'https://b:2'}}]
contexts: [{name: ctx-b, context: {cluster: only-b}}, {name: ctx-a, context: {cluster: only-b}}]
)", "/b/config");
  auto c = parseKubeconfig("current-context: ctx-a\n", "/c/config");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto merged = mergeKubeconfigs({*a, *b, *c});
  EXPECT_EQ(merged["current-context"], "ctx-b");  // a sets none; b is the first that does
  EXPECT_EQ(merged["clusters"].size(), 2u);
  auto viaA = configFromKubeconfig(merged, "ctx-a", "k");
  ASSERT_TRUE(viaA.ok());
  EXPECT_EQ(viaA->server, "https://a:1");  // context and cluster from the first file
  auto current = configFromKubeconfig(merged, "", "k");
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->server, "https://b:2");
}

TEST(Kubeconfig, RelativePathsAreResolvedAgainstTheirOwnFile) {
  Dir dir;
  dir.write("certs/ca.crt", "not used for parsing");
  std::string path = dir.write("sub/config", R"(
current-context: c
clusters: [{name: x, cluster: {server: 'https://h', certificate-authority: ../certs/ca.crt}}]
users: [{name: u, user: {tokenFile: tok, exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: ./bin/plugin}}}]
contexts: [{name: c, context: {cluster: x, user: u}}]
)");
  auto file = readKubeconfigFile(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  const auto& user = file->content["users"][0]["user"];
  EXPECT_EQ(user["tokenFile"], dir.file("sub/tok"));
  EXPECT_EQ(user["exec"]["command"], dir.file("sub/bin/plugin"));
  auto config = configFromKubeconfig(mergeKubeconfigs({*file}), "", path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->caFile, dir.file("certs/ca.crt"));
  ASSERT_TRUE(config->exec.has_value());
  EXPECT_EQ(config->exec->apiVersion, "client.authentication.k8s.io/v1beta1");
  // A bare command name is looked up on PATH, not resolved.
  auto bare = parseKubeconfig("users: [{name: u, user: {exec: {command: aws}}}]\n", dir.file("config"));
  EXPECT_EQ(bare->content["users"][0]["user"]["exec"]["command"], "aws");
}

TEST(Kubeconfig, DataFieldsAreDecodedAndWinOverFiles) {
  auto file = parseKubeconfig(R"(
current-context: c
clusters: [{name: x, cluster: {server: 'https://h', certificate-authority-data: UEVNLUNB, certificate-authority: /nope}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ, client-key: /nope}}]
contexts: [{name: c, context: {cluster: x, user: u}}]
)", "/k");
  auto config = configFromKubeconfig(mergeKubeconfigs({*file}), "", "k");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->caData, "PEM-CA");
  EXPECT_TRUE(config->caFile.empty());
  EXPECT_EQ(config->clientCertData, "CERT");
  EXPECT_EQ(config->clientKeyData, "KEY");
}

TEST(Kubeconfig, ExecPluginFields) {
  auto file = parseKubeconfig(R"(
current-context: c
clusters: [{name: x, cluster: {server: 'https://h'}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env: [{name: AWS_PROFILE, value: prod}]
      provideClusterInfo: true
      installHint: install the aws CLI
contexts: [{name: c, context: {cluster: x, user: u}}]
)", "/k");
  auto config = configFromKubeconfig(mergeKubeconfigs({*file}), "", "k");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_TRUE(config->exec);
  EXPECT_EQ(config->exec->command, "aws");
  EXPECT_EQ(config->exec->args, (std::vector<std::string>{"eks", "get-token", "--cluster-name", "prod"}));
  ASSERT_EQ(config->exec->env.size(), 1u);
  EXPECT_EQ(config->exec->env[0].first, "AWS_PROFILE");
  EXPECT_TRUE(config->exec->provideClusterInfo);
}

TEST(Kubeconfig, ErrorsNameTheFileAndTheField) {
  auto check = [](const std::string& yaml, const std::string& context, const std::string& expected) {
    auto file = parseKubeconfig(yaml, "/home/u/.kube/config");
    if (!file.ok()) {
      EXPECT_NE(file.error().message.find(expected), std::string::npos) << file.error().message;
      return;
    }
    auto config = configFromKubeconfig(mergeKubeconfigs({*file}), context, "kubeconfig /home/u/.kube/config");
    ASSERT_FALSE(config.ok()) << expected;
    EXPECT_NE(config.error().message.find(expected), std::string::npos) << config.error().message;
    EXPECT_NE(config.error().message.find("/home/u/.kube/config"), std::string::npos) << config.error().message;
  };
  const std::string base = "clusters: [{name: x, cluster: {server: 'https://h'}}]\n";
  check(base + "contexts: [{name: c, context: {cluster: x}}]\n", "", "no current-context");
  check(base + "contexts: [{name: c, context: {cluster: x}}]\n", "missing", "context \"missing\" is not defined");
  check("current-context: c\ncontexts: [{name: c, context: {cluster: y}}]\n", "", "contexts[name=c].context.cluster");
  check("current-context: c\ncontexts: [{name: c, context: {cluster: x}}]\nclusters: [{name: x, cluster: {}}]\n", "",
        "clusters[name=x].cluster.server: missing");
  check("current-context: c\ncontexts: [{name: c, context: {cluster: x}}]\n"
        "clusters: [{name: x, cluster: {server: h, certificate-authority-data: '%%%'}}]\n",
        "", "clusters[name=x].cluster.certificate-authority-data: not valid base64");
  check(base + "current-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
               "users: [{name: u, user: {client-certificate: /does/not/exist, client-key: /k}}]\n",
        "", "users[name=u].user.client-certificate: cannot read file /does/not/exist");
  check(base + "current-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
               "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]\n",
        "", "users[name=u].user.exec.apiVersion");
  check(base + "current-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
               "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n",
        "", "users[name=u].user.auth-provider");
  check(base + "current-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\n"
               "users: [{name: u, user: {token: [1, 2]}}]\n",
        "", "users[name=u].user.token: must be a string");
  check("clusters: {name: x}\n", "", "clusters: must be a list");
  check("clusters: [\n", "", "line ");
}

TEST(LoadClientConfig, ExplicitPathThenKubeconfigEnvThenInClusterThenHome) {
  Dir dir;
  auto writeConfig = [&](const std::string& name, const std::string& server) {
    return dir.write(name, "current-context: c\nclusters: [{name: x, cluster: {server: '" + server +
                               "'}}]\ncontexts: [{name: c, context: {cluster: x}}]\n");
  };
  std::string explicitPath = writeConfig("explicit", "https://explicit");
  std::string envPath = writeConfig("env", "https://env");
  writeConfig("home/.kube/config", "https://home");
  dir.write("sa/token", "sa-token\n");
  dir.write("sa/ca.crt", "ca");
  dir.write("sa/namespace", "operators\n");
  std::map<std::string, std::string> vars = {{"KUBECONFIG", envPath},
                                             {"HOME", dir.file("home")},
                                             {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                                             {"KUBERNETES_SERVICE_PORT", "443"}};
  LoadOptions options;
  options.serviceAccountDir = dir.file("sa");
  options.kubeconfigPath = explicitPath;
  options.env = envOf(vars);
  EXPECT_EQ(loadClientConfig(options)->server, "https://explicit");
  options.kubeconfigPath.clear();
  EXPECT_EQ(loadClientConfig(options)->server, "https://env");
  vars.erase("KUBECONFIG");
  options.env = envOf(vars);
  auto inCluster = loadClientConfig(options);
  ASSERT_TRUE(inCluster.ok()) << inCluster.error().message;
  EXPECT_EQ(inCluster->server, "https://10.0.0.1:443");
  EXPECT_EQ(inCluster->tokenFile, dir.file("sa") + "/token");
  EXPECT_EQ(inCluster->caFile, dir.file("sa") + "/ca.crt");
  EXPECT_EQ(inCluster->defaultNamespace, "operators");
  options.inClusterAutodetect = false;
  EXPECT_EQ(loadClientConfig(options)->server, "https://home");
  // An explicit path that does not exist is an error, not a fallback.
  options.kubeconfigPath = dir.file("nope");
  auto missing = loadClientConfig(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(dir.file("nope")), std::string::npos);
}

TEST(InClusterConfig, Ipv6HostAndMissingFiles) {
  Dir dir;
  dir.write("token", "t");
  dir.write("ca.crt", "c");
  auto config = inClusterConfig(dir.file(""), envOf({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://[fd00::1]:6443");
  EXPECT_EQ(config->defaultNamespace, "default");
  auto noEnv = inClusterConfig(dir.file(""), envOf({}));
  ASSERT_FALSE(noEnv.ok());
  EXPECT_NE(noEnv.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  Dir empty;
  auto noToken = inClusterConfig(empty.file(""), envOf({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}}));
  ASSERT_FALSE(noToken.ok());
  EXPECT_NE(noToken.error().message.find("token"), std::string::npos);
}

TEST(Base64, DecodesStrictly) {
  EXPECT_EQ(decodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(decodeBase64("aGVsbG8"), "hello");
  EXPECT_EQ(decodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(decodeBase64(""), "");
  EXPECT_EQ(decodeBase64("a"), std::nullopt);
  EXPECT_EQ(decodeBase64("aGV*"), std::nullopt);
  EXPECT_EQ(decodeBase64("aG=Vs"), std::nullopt);
}

}  // namespace
}  // namespace modelops::kube
