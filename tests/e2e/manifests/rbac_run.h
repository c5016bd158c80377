// The harness of the e2e.manifests RBAC tests: a modelops-devserver binary on 127.0.0.1 (port 0) with the CRDs,
// the real kubectl and kubectl-modelops against it (a private KUBECONFIG and HOME), the modelops-operator
// binary started with the arguments a test gives, the dev server's audit, and the objects the rollouts use
// (canary and A/B ModelDeployments, an HTTPRoute, a VirtualService, a provider-credentials Secret).
// Merge-time rules (see rbac_coverage_test.cpp) are recognised by the flags the operator binary offers.
// Thread-safety: one test thread owns an RbacRun; the processes it starts are stopped by its destructor.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/manifests/files.h"
#include "support/process.h"

namespace modelops::testing {

// The label that makes a Secret usable as provider credentials (h/measure). Set on every test Secret, so the
// runs pass whether the operator requires it or not.
inline constexpr const char* kProviderCredentialsLabel = "modelops.dev/provider-credentials";

// A canary: 20% then a pause, an accuracy analysis against `prometheus` (token from Secret prom-token) when
// it is given, then 60%. One old revision is kept, so the third version retires the first.
inline nlohmann::json rbacCanaryModel(const std::string& ns, const std::string& name, const std::string& version,
                                      const nlohmann::json& routing, const std::string& prometheus) {
  using nlohmann::json;
  json steps = json::array({{{"setWeight", 20}}, {{"pause", {{"duration", "1s"}}}}});
  if (!prometheus.empty()) steps.push_back({{"analysis", json::object()}});
  steps.push_back({{"setWeight", 60}});
  json md = {{"apiVersion", "modelops.dev/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"spec",
              {{"replicas", 2},
               {"revisionHistoryLimit", 1},
               {"model", {{"version", version}, {"uri", "s3://models/" + name + "/" + version}}},
               {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "model-sim:1"}}})}}}}},
               {"strategy", {{"canary", {{"scaleDownDelaySeconds", 0}, {"steps", steps}, {"trafficRouting", routing}}}}}}}};
  if (!prometheus.empty())
    md["spec"]["analysis"] = {
        {"interval", "1s"},
        {"metrics",
         json::array({{{"name", "accuracy"},
                       {"provider", {{"prometheus", {{"address", prometheus},
                                                     {"auth", {{"bearerTokenSecretRef", {{"name", "prom-token"}}}}}}}}},
                       {"successes", "sum(correct{version=\"{{version}}\"})"},
                       {"trials", "sum(labeled{version=\"{{version}}\"})"},
                       {"accuracy", {{"min", 0.9}, {"confidence", 0.95}, {"minSamples", 100}}},
                       {"failureLimit", 0}}})}};
  return md;
}

// An A/B test: control (spec.model) and treatment 50/50 for 2 s, a header rule pinning the treatment, the
// winner chosen on accuracy (Auto) from the same analysis as the canary's.
inline nlohmann::json rbacAbTestModel(const std::string& ns, const std::string& name, const std::string& control,
                                      const std::string& treatment, const nlohmann::json& routing,
                                      const std::string& prometheus) {
  nlohmann::json md = rbacCanaryModel(ns, name, control, routing, prometheus);
  md["spec"]["strategy"] = {
      {"abTest",
       {{"variants",
         {{{"name", "control"}, {"weight", 50}},
          {{"name", "treatment"},
           {"weight", 50},
           {"model", {{"version", treatment}, {"uri", "s3://models/" + name + "/" + treatment}}},
           {"match", {{{"header", {{"name", "X-Model-Variant"}, {"value", "treatment"}}}}}}}}},
        {"trafficRouting", routing},
        {"duration", "2s"},
        {"winnerSelection", "Auto"}}}};
  return md;
}

inline nlohmann::json rbacHttpRoute(const std::string& ns, const std::string& name, const std::string& backend) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"}, {"kind", "HTTPRoute"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"parentRefs", {{{"name", "gw"}}}},
                    {"rules", {{{"backendRefs", {{{"name", backend}, {"port", 80}, {"weight", 100}}}}}}}}}};
}

inline nlohmann::json rbacVirtualService(const std::string& ns, const std::string& name, const std::string& host) {
  return {{"apiVersion", "networking.istio.io/v1beta1"}, {"kind", "VirtualService"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"hosts", {host + ".example.com"}},
                    {"http", {{{"name", "primary"}, {"route", {{{"destination", {{"host", host + "-stable"}}}, {"weight", 100}}}}}}}}}};
}

inline std::string rbacBase64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, in.size() - i);
    unsigned v = 0;
    for (std::size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(in[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

// Secret prom-token holding the stand-in Prometheus' bearer token, labelled as provider credentials. In `data`:
// the dev server does not fold `stringData` into `data` as kube-apiserver does.
inline nlohmann::json rbacCredentialsSecret(const std::string& ns, const std::string& token) {
  return {{"apiVersion", "v1"}, {"kind", "Secret"},
          {"metadata", {{"name", "prom-token"}, {"namespace", ns}, {"labels", {{kProviderCredentialsLabel, "true"}}}}},
          {"data", {{"token", rbacBase64(token)}}}};
}

// A loopback port free at the time of the call (for listeners whose flag takes no port 0).
inline int rbacFreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

class RbacRun {
 public:
  RbacRun() {
    source_ = envOr("MODELOPS_SOURCE_DIR", ".");
    bin_ = envOr("MODELOPS_BINARY_DIR", ".") + "/bin";
    char tmpl[] = "/tmp/modelops-e2e-rbac-XXXXXX";
    if (mkdtemp(tmpl)) dir_ = tmpl;
    env_ = {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
            "PATH=" + envOr("PATH", "/usr/bin:/bin")};
  }
  ~RbacRun() {
    if (operator_) operator_->terminate(std::chrono::seconds(10));
    if (server_) server_->terminate(std::chrono::seconds(10));
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  RbacRun(const RbacRun&) = delete;
  RbacRun& operator=(const RbacRun&) = delete;

  const std::filesystem::path& source() const { return source_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::string binary(const std::string& name) const { return (bin_ / name).string(); }
  bool binariesBuilt(std::string* missing) const {
    for (const char* b : {"modelops-operator", "modelops-devserver", "kubectl-modelops"}) {
      if (std::filesystem::exists(bin_ / b)) continue;
      *missing = b;
      return false;
    }
    return true;
  }

  // The dev server, ready, with the ModelDeployment CRD and the testing CRDs (HTTPRoute, VirtualService).
  ::testing::AssertionResult startServer() {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary("modelops-devserver"), "--port", "0", "--kubeconfig-out", kubeconfig(),
                                 "--ready-delay-ms", "10", "--log-level", "warn"},
        ChildProcessOptions::exactEnvironment(env_));
    if (!server_->waitForOutput([](const std::string& o) { return o.find(" ready url=") != std::string::npos; },
                                std::chrono::seconds(20), OutputStream::Stdout))
      return ::testing::AssertionFailure() << "the dev server did not start: " << server_->err();
    for (const char* crds : {"crds/modelops.dev_modeldeployments.yaml", "crds/testing"}) {
      auto r = kubectl({"apply", "-f", (source_ / crds).string()});
      if (r.code != 0) return ::testing::AssertionFailure() << crds << ": " << r.out << r.err;
    }
    return ::testing::AssertionSuccess();
  }
  int stopServer() {
    server_->signal(SIGTERM);
    auto code = server_->wait(std::chrono::seconds(20), OnTimeout::Kill);
    server_.reset();
    return code.value_or(-1);
  }

  // The operator with these arguments after --kubeconfig; its log stays readable through operatorLog().
  bool startOperator(std::vector<std::string> args) {
    args.insert(args.begin(), {binary("modelops-operator"), "--kubeconfig", kubeconfig()});
    operator_ = std::make_unique<ChildProcess>(args, ChildProcessOptions::exactEnvironment(env_));
    return operator_->started();
  }
  int stopOperator() {
    operator_->signal(SIGTERM);
    auto code = operator_->wait(std::chrono::seconds(30), OnTimeout::Kill);
    return code.value_or(-1);
  }
  std::string operatorLog() const { return operator_ ? operator_->err() : ""; }
  // Whether `modelops-operator --help` lists the flag (how merge-time code is recognised).
  bool operatorHasFlag(const std::string& flag) {
    auto help = run({binary("modelops-operator"), "--help"}, env_, std::chrono::seconds(10));
    return (help.out + help.err).find(flag) != std::string::npos;
  }

  RunResult kubectl(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    args.insert(args.begin(), "/usr/bin/kubectl");
    return run(args, env_, timeout);
  }
  RunResult apply(const nlohmann::json& obj) {
    const auto file = dir_ / (obj["metadata"].value("namespace", "") + "-" + obj["metadata"].value("name", "") + "-" +
                              obj.value("kind", "") + ".json");
    std::ofstream(file) << obj.dump();
    return kubectl({"apply", "-f", file.string()});
  }
  // `kubectl-modelops status NAME --wait`: 0 once promoted and Healthy, 1 when rolled back.
  RunResult waitStatus(const std::string& ns, const std::string& name) {
    return run({binary("kubectl-modelops"), "status", name, "-n", ns, "--wait", "--timeout", "90s"}, env_,
               std::chrono::seconds(120));
  }
  std::string field(const std::string& ns, const std::string& name, const std::string& jsonPath) {
    return kubectl({"get", "md", name, "-n", ns, "-o", "jsonpath={" + jsonPath + "}"}).out;
  }

  bool clearAudit() { return kubectl({"delete", "--raw", "/admin/audit"}).code == 0; }
  // The audit records of the requests the operator sent (User-Agent modelops/...), or a failure.
  ::testing::AssertionResult operatorRequests(std::vector<nlohmann::json>* out) {
    auto audit = kubectl({"get", "--raw", "/admin/audit"});
    if (audit.code != 0) return ::testing::AssertionFailure() << audit.err;
    auto records = nlohmann::json::parse(audit.out, nullptr, false);
    if (!records.is_object() || !records["items"].is_array()) return ::testing::AssertionFailure() << audit.out;
    for (const auto& r : records["items"])
      if (r.value("userAgent", "").rfind("modelops/", 0) == 0 && !r.value("verb", "").empty()) out->push_back(r);
    return ::testing::AssertionSuccess();
  }
  // Every ClusterRole, ClusterRoleBinding, Role and RoleBinding the server holds.
  ::testing::AssertionResult rbacObjects(std::vector<nlohmann::json>* out) {
    auto got = kubectl({"get", "clusterroles,clusterrolebindings,roles,rolebindings", "-A", "-o", "json"});
    if (got.code != 0) return ::testing::AssertionFailure() << got.err;
    auto list = nlohmann::json::parse(got.out, nullptr, false);
    if (!list.is_object() || !list["items"].is_array()) return ::testing::AssertionFailure() << got.out;
    for (const auto& o : list["items"]) out->push_back(o);
    return ::testing::AssertionSuccess();
  }

 private:
  std::string kubeconfig() const { return (dir_ / "kubeconfig").string(); }

  std::filesystem::path source_, bin_, dir_;
  std::vector<std::string> env_;
  std::unique_ptr<ChildProcess> server_, operator_;
};

}  // namespace modelops::testing
