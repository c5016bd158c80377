// e2e.manifests: static checks of the Helm chart in helm/modelops-operator. Helm is not installable on
// the build machines, so the chart is not rendered here; instead: Chart.yaml and values.yaml parse; every
// value is documented (a comment above it in values.yaml, and its path in docs/install.md); every
// `.Values.x.y` a template reads exists in values.yaml; every `include` names a template defined in
// _helpers.tpl; if/range/with/define blocks are balanced by `end`; the RBAC rules in the template equal
// the kustomize ClusterRole's; the security defaults hold.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e/manifests/files.h"
#include "e2e/manifests/rbac_rules.h"
#include "modelops/yaml/yaml.h"

namespace fs = std::filesystem;
using modelops::testing::loadOneYaml;
using modelops::testing::readFile;
using nlohmann::json;

namespace {

fs::path sourceDir() {
  const char* v = std::getenv("MODELOPS_SOURCE_DIR");
  return v && *v ? v : ".";
}
fs::path chartDir() { return sourceDir() / "helm/modelops-operator"; }

std::vector<fs::path> templates() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(chartDir() / "templates")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Objects whose members are Kubernetes fields passed through with toYaml (documented as a whole).
const std::set<std::string> kPassThrough = {"resources.requests", "resources.limits", "podSecurityContext",
                                            "securityContext", "gateway.resources.requests",
                                            "gateway.resources.limits"};

void leafPaths(const json& v, const std::string& prefix, std::vector<std::string>* out) {
  if (!v.is_object() || v.empty() || kPassThrough.count(prefix)) {
    out->push_back(prefix);
    return;
  }
  for (auto& [k, child] : v.items()) leafPaths(child, prefix.empty() ? k : prefix + "." + k, out);
}

TEST(HelmChart, ChartYamlDescribesTheChart) {
  json chart = loadOneYaml(chartDir() / "Chart.yaml");
  EXPECT_EQ(chart["apiVersion"], "v2");
  EXPECT_EQ(chart["name"], "modelops-operator");
  EXPECT_EQ(chart["type"], "application");
  EXPECT_TRUE(chart["version"].is_string());
  EXPECT_TRUE(chart["appVersion"].is_string());
  // The CRD ships in crds/ (Helm installs it before the templates); the copy must equal crds/.
  EXPECT_TRUE(readFile(chartDir() / "crds/modelops.dev_modeldeployments.yaml") ==
              readFile(sourceDir() / "crds/modelops.dev_modeldeployments.yaml"))
      << "helm/modelops-operator/crds/ is stale: copy crds/modelops.dev_modeldeployments.yaml";
}

TEST(HelmChart, EveryValueIsDocumented) {
  // A comment line directly above every key, except inside pass-through Kubernetes objects.
  std::istringstream in(readFile(chartDir() / "values.yaml"));
  std::vector<std::pair<int, std::string>> stack;  // indent, key
  std::string previous;
  int lineNo = 0;
  const std::regex keyLine(R"(^( *)([A-Za-z][A-Za-z0-9_.-]*):.*$)");
  for (std::string line; std::getline(in, line);) {
    ++lineNo;
    std::smatch m;
    if (std::regex_match(line, m, keyLine)) {
      int indent = static_cast<int>(m[1].length());
      while (!stack.empty() && stack.back().first >= indent) stack.pop_back();
      std::string path;
      for (auto& [i, k] : stack) path += (path.empty() ? "" : ".") + k;
      bool inPassThrough = kPassThrough.count(path) > 0 || path.rfind("podSecurityContext", 0) == 0 ||
                           path.rfind("securityContext", 0) == 0;
      std::string trimmed = previous.substr(std::min(previous.find_first_not_of(' '), previous.size()));
      if (!inPassThrough) {
        EXPECT_EQ(trimmed.rfind("#", 0), 0u) << "values.yaml:" << lineNo << ": no comment above `" << m[2] << "`";
      }
      stack.emplace_back(indent, m[2]);
    }
    previous = line;
  }
  // And docs/install.md names every value.
  json values = loadOneYaml(chartDir() / "values.yaml");
  ASSERT_TRUE(values.is_object());
  std::vector<std::string> paths;
  leafPaths(values, "", &paths);
  EXPECT_GT(paths.size(), 30u);
  const std::string install = readFile(sourceDir() / "docs/install.md");
  for (const auto& p : paths) EXPECT_NE(install.find("`" + p + "`"), std::string::npos) << p << " not in docs/install.md";
}

TEST(HelmChart, TemplatesReadOnlyDefinedValuesAndHelpers) {
  json values = loadOneYaml(chartDir() / "values.yaml");
  const std::string helpers = readFile(chartDir() / "templates/_helpers.tpl");
  const std::regex valueRef(R"(\.Values\.([A-Za-z0-9_.]+))");
  const std::regex includeRef(R"re(include "([^"]+)")re");
  const std::regex open(R"(\{\{-?\s*(if|range|with|define)\b)");
  const std::regex end(R"(\{\{-?\s*end\s*-?\}\})");
  std::size_t refs = 0;
  for (const auto& t : templates()) {
    const std::string text = readFile(t);
    for (std::sregex_iterator it(text.begin(), text.end(), valueRef), last; it != last; ++it) {
      ++refs;
      json::json_pointer ptr("/" + std::regex_replace((*it)[1].str(), std::regex(R"(\.)"), "/"));
      EXPECT_TRUE(values.contains(ptr)) << t.filename() << " reads .Values." << (*it)[1] << " which values.yaml lacks";
    }
    for (std::sregex_iterator it(text.begin(), text.end(), includeRef), last; it != last; ++it)
      EXPECT_NE(helpers.find("define \"" + (*it)[1].str() + "\""), std::string::npos)
          << t.filename() << " includes undefined template " << (*it)[1];
    auto count = [&](const std::regex& re) {
      return std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator());
    };
    EXPECT_EQ(count(open), count(end)) << t.filename() << ": if/range/with/define and end do not balance";
    EXPECT_EQ(std::count(text.begin(), text.end(), '{'), std::count(text.begin(), text.end(), '}')) << t.filename();
  }
  EXPECT_GT(refs, 30u);
}

TEST(HelmChart, DeploymentAndSecurityDefaults) {
  json values = loadOneYaml(chartDir() / "values.yaml");
  EXPECT_EQ(values["replicaCount"], 1);
  EXPECT_EQ(values["leaderElection"]["enabled"], "auto");
  EXPECT_EQ(values["rbac"]["scope"], "cluster");
  EXPECT_EQ(values["podSecurityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(values["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(values["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(values["securityContext"]["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_TRUE(values["resources"]["requests"].contains("memory"));
  EXPECT_TRUE(values["resources"]["limits"].contains("memory"));
  EXPECT_EQ(values["metrics"]["serviceMonitor"]["enabled"], false);
  const std::string dep = readFile(chartDir() / "templates/deployment.yaml");
  for (const char* s : {"- --leader-elect", "path: /healthz", "path: /readyz", "--metrics-bind-address=:",
                        "--health-probe-bind-address=:", "--log-format=", "--namespace="})
    EXPECT_NE(dep.find(s), std::string::npos) << s;
  // Leader election: "auto" turns on above one replica.
  const std::string helpers = readFile(chartDir() / "templates/_helpers.tpl");
  EXPECT_NE(helpers.find("gt (int .Values.replicaCount) 1"), std::string::npos);
  // Without it, an upgrade must not run the old and the new operator side by side.
  auto recreate = dep.find("type: Recreate");
  ASSERT_NE(recreate, std::string::npos);
  auto guard = dep.rfind("{{- if ne (include \"modelops-operator.leaderElect\" .) \"true\" }}", recreate);
  ASSERT_NE(guard, std::string::npos) << "Recreate only when leader election is off";
  EXPECT_EQ(dep.find("{{- end }}", guard), dep.find("{{- end }}", recreate)) << "one block holds the strategy";
  const std::string sm = readFile(chartDir() / "templates/servicemonitor.yaml");
  EXPECT_NE(sm.find("apiVersion: monitoring.coreos.com/v1"), std::string::npos);
  EXPECT_NE(sm.find("{{- if .Values.metrics.serviceMonitor.enabled }}"), std::string::npos);
}

// The template's rules (template lines dropped, every toggle on) equal manifests/rbac/cluster_role.yaml, and
// its leader-election Role's rules equal manifests/rbac/leader_election_role.yaml.
TEST(HelmChart, RbacRulesMatchTheKustomizeBase) {
  std::string error;
  auto blocks = modelops::testing::helmRuleBlocks(readFile(chartDir() / "templates/rbac.yaml"), &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(blocks.size(), 2u) << "expected the operator's rules, then the leader-election rules";
  // The webhook's rights come with the webhook (templates/webhook.yaml, manifests/webhook/rbac.yaml), in
  // neither rbac.yaml nor cluster_role.yaml.
  EXPECT_EQ(blocks[0], loadOneYaml(sourceDir() / "manifests/rbac/cluster_role.yaml")["rules"]);
  EXPECT_FALSE(modelops::testing::grantsWebhookRights(blocks[0])) << "templates/rbac.yaml grants the webhook's rights";
  EXPECT_EQ(blocks[1], loadOneYaml(sourceDir() / "manifests/rbac/leader_election_role.yaml")["rules"]);
  const std::string rbac = readFile(chartDir() / "templates/rbac.yaml");
  EXPECT_NE(rbac.find("ternary \"Role\" \"ClusterRole\" $namespaced"), std::string::npos);
  // rbac.scope is case-insensitive (Cluster, Namespace): read through one helper wherever it decides.
  EXPECT_NE(readFile(chartDir() / "templates/_helpers.tpl").find("eq (lower (toString .Values.rbac.scope)) \"namespace\""),
            std::string::npos);
  // Only the helpers read rbac.scope; every other template decides through modelops-operator.namespaced.
  for (const auto& t : templates()) {
    if (t.filename() == "_helpers.tpl") continue;
    EXPECT_EQ(readFile(t).find(".Values.rbac.scope"), std::string::npos)
        << t.filename() << " reads rbac.scope itself (compared as typed, \"Namespace\" would not match): use "
        << "include \"modelops-operator.namespaced\"";
  }
  EXPECT_NE(rbac.find("$namespaced := eq (include \"modelops-operator.namespaced\" .) \"true\""), std::string::npos);
}

// modelops-gateway (gateway.enabled, off by default): the same least-privilege rules as manifests/gateway/role.yaml
// (ModelDeployments list/watch per served namespace; the key Secret by name only), its own selector labels (the
// operator's Deployment and metrics Service must never select gateway pods), probes and hardening.
TEST(HelmChart, GatewayIsOptionalLeastPrivilegeAndProbed) {
  json values = loadOneYaml(chartDir() / "values.yaml");
  EXPECT_EQ(values["gateway"]["enabled"], false);
  for (const char* t : {"gateway-deployment.yaml", "gateway-service.yaml", "gateway-serviceaccount.yaml", "gateway-rbac.yaml",
                        "gateway-secret.yaml"}) {
    const std::string text = readFile(chartDir() / "templates" / t);
    EXPECT_NE(text.find("{{- if .Values.gateway.enabled }}"), std::string::npos)
        << t << " is not guarded by gateway.enabled";
  }
  std::string error;
  const std::string rbac = readFile(chartDir() / "templates/gateway-rbac.yaml");
  auto blocks = modelops::testing::helmRuleBlocks(rbac, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(blocks.size(), 2u) << "expected the ModelDeployments Role, then the key Secret Role";
  json kustomize = loadOneYaml(sourceDir() / "manifests/gateway/role.yaml")["rules"];
  ASSERT_EQ(kustomize.size(), 2u);
  EXPECT_EQ(json::array({blocks[0][0]}), json::array({kustomize[0]}));
  json keyRule = kustomize[1];
  EXPECT_EQ(keyRule["resourceNames"], json::array({"modelops-gateway-keys"}));
  keyRule.erase("resourceNames");  // the chart's line is templated (dropped by helmRuleBlocks): checked below
  EXPECT_EQ(blocks[1], json::array({keyRule}));
  EXPECT_NE(rbac.find("resourceNames: [{{ include \"modelops-operator.gatewayKeySecret\" . }}]"), std::string::npos);
  EXPECT_EQ(rbac.find("ClusterRole"), std::string::npos) << "the gateway needs no cluster-wide rights";

  const std::string dep = readFile(chartDir() / "templates/gateway-deployment.yaml");
  for (const char* s : {"path: /healthz", "path: /readyz", "--listen-address=:", "--key-secret=", "--namespace=",
                        "modelops-operator.gatewaySelectorLabels", "toYaml .Values.securityContext",
                        "toYaml .Values.podSecurityContext", "toYaml .Values.gateway.resources"})
    EXPECT_NE(dep.find(s), std::string::npos) << s;
  const std::string helpers = readFile(chartDir() / "templates/_helpers.tpl");
  auto selector = helpers.find("define \"modelops-operator.gatewaySelectorLabels\"");
  ASSERT_NE(selector, std::string::npos);
  EXPECT_NE(helpers.find("app.kubernetes.io/name: {{ include \"modelops-operator.name\" . }}-gateway", selector),
            std::string::npos) << "gateway pods need a name label of their own";
  EXPECT_TRUE(values["gateway"]["resources"]["limits"].contains("memory"));
}

}  // namespace
