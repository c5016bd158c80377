// Unit tests: ExecCredential parsing, KUBERNETES_EXEC_INFO, and CredentialSource caching with an
// injected clock and a fake plugin runner (token reuse until expiry, 401 invalidation, token-file
// rotation), plus the real process runner on /bin/sh for exit codes and timeouts.
// Thread-safety: single-threaded tests except the concurrent get() test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "modelops/common/time.h"
#include "auth.h"  // src/kube: internal
#include "fakes/fake_clock.h"

namespace modelops::kube {
namespace {

using namespace std::chrono_literals;
using modelops::testing::FakeClock;

const std::string kV1 = "client.authentication.k8s.io/v1";

ExecConfig makeExec(const std::string& command, std::vector<std::string> args = {}) {
  ExecConfig exec;
  exec.apiVersion = kV1;
  exec.command = command;
  exec.args = std::move(args);
  return exec;
}

std::string credentialJson(const std::string& token, const std::string& expires) {
  nlohmann::json status = {{"token", token}};
  if (!expires.empty()) status["expirationTimestamp"] = expires;
  return nlohmann::json{{"apiVersion", kV1}, {"kind", "ExecCredential"}, {"status", status}}.dump();
}

TEST(ParseExecCredential, TokenCertificateAndExpiry) {
  auto c = parseExecCredential(credentialJson("t", "2030-01-01T00:00:00Z"), kV1);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->token, "t");
  EXPECT_EQ(c->expirationTimestamp, parseRfc3339("2030-01-01T00:00:00Z"));
  auto cert = parseExecCredential(R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
      "status":{"clientCertificateData":"CERT","clientKeyData":"KEY"}})", "client.authentication.k8s.io/v1beta1");
  ASSERT_TRUE(cert.ok()) << cert.error().message;
  EXPECT_EQ(cert->clientCertificateData, "CERT");
  EXPECT_FALSE(cert->expirationTimestamp);
}

TEST(ParseExecCredential, RejectsWithTheFieldButNotTheSecret) {
  auto wrongVersion = parseExecCredential(credentialJson("secret-token", ""), "client.authentication.k8s.io/v1beta1");
  ASSERT_FALSE(wrongVersion.ok());
  EXPECT_NE(wrongVersion.error().message.find("apiVersion"), std::string::npos);
  EXPECT_EQ(wrongVersion.error().message.find("secret-token"), std::string::npos);
  for (const char* bad : {"not json", R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})",
                          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})",
                          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Other","status":{"token":"t"}})",
                          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"soon"}})",
                          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"C"}})"}) {
    auto c = parseExecCredential(bad, kV1);
    EXPECT_FALSE(c.ok()) << bad;
  }
}

TEST(ExecInfo, ClusterOnlyWhenAsked) {
  ExecConfig exec = makeExec("x");
  ClientConfig cluster;
  cluster.server = "https://h:6443";
  cluster.caData = "CA";
  auto info = nlohmann::json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(info["apiVersion"], kV1);
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_FALSE(info["spec"].contains("cluster"));
  exec.provideClusterInfo = true;
  info = nlohmann::json::parse(execInfoJson(exec, cluster));
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://h:6443");
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"], "Q0E=");
}

struct FakePlugin {
  int calls = 0;
  std::string expires = "2030-01-01T00:00:00Z";
  CredentialSource::ExecRunner runner() {
    return [this](const ExecConfig&, const std::string&) -> Result<std::string> {
      ++calls;
      return credentialJson("token-" + std::to_string(calls), expires);
    };
  }
};

ClientConfig execConfig() {
  ClientConfig config;
  config.exec = makeExec("plugin");
  return config;
}

TEST(CredentialSource, ExecTokenCachedUntilExpiry) {
  FakeClock clock(*parseRfc3339("2029-12-31T23:59:00Z"));
  FakePlugin plugin;
  CredentialSource source(execConfig(), clock, plugin.runner());
  EXPECT_EQ(source.get()->bearerToken, "token-1");
  EXPECT_EQ(source.get()->bearerToken, "token-1");
  clock.advance(59s);
  EXPECT_EQ(source.get()->bearerToken, "token-1");
  EXPECT_EQ(plugin.calls, 1);
  clock.advance(1s);  // exactly at expirationTimestamp: expired
  EXPECT_EQ(source.get()->bearerToken, "token-2");
  EXPECT_EQ(plugin.calls, 2);
}

TEST(CredentialSource, NoExpiryMeansUntilInvalidated) {
  FakeClock clock;
  FakePlugin plugin;
  plugin.expires = "";
  CredentialSource source(execConfig(), clock, plugin.runner());
  EXPECT_EQ(source.get()->bearerToken, "token-1");
  clock.advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(source.get()->bearerToken, "token-1");
  EXPECT_TRUE(source.invalidate());
  EXPECT_EQ(source.get()->bearerToken, "token-2");
}

TEST(CredentialSource, ConcurrentCallersShareOnePluginRun) {
  FakeClock clock(*parseRfc3339("2029-01-01T00:00:00Z"));
  FakePlugin plugin;
  CredentialSource source(execConfig(), clock, plugin.runner());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 50; ++j) EXPECT_EQ(source.get()->bearerToken, "token-1");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(plugin.calls, 1);
}

TEST(CredentialSource, TokenFileIsReReadAfterTheRefreshPeriodAndAfterInvalidate) {
  auto dir = std::filesystem::temp_directory_path() / ("modelops-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "token").string();
  std::ofstream(file) << "first\n";
  FakeClock clock;
  ClientConfig config;
  config.tokenFile = file;
  config.bearerToken = "static";  // the file wins
  CredentialSource source(config, clock);
  EXPECT_EQ(source.get()->bearerToken, "first");
  std::ofstream(file) << "second";  // rotated
  clock.advance(30s);
  EXPECT_EQ(source.get()->bearerToken, "first");  // not re-read yet
  clock.advance(31s);
  EXPECT_EQ(source.get()->bearerToken, "second");
  std::ofstream(file) << "third";
  EXPECT_TRUE(source.invalidate());  // a 401 re-reads at once
  EXPECT_EQ(source.get()->bearerToken, "third");
  std::filesystem::remove(file);  // unreadable: the last token stays in use
  clock.advance(61s);
  EXPECT_EQ(source.get()->bearerToken, "third");
  std::filesystem::remove_all(dir);
  ClientConfig missing;
  missing.tokenFile = (dir / "missing").string();
  CredentialSource none(missing, clock);
  auto result = none.get();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("missing"), std::string::npos);
}

TEST(CredentialSource, StaticTokenAndBasicAuthNeedNoRefresh) {
  FakeClock clock;
  ClientConfig config;
  config.bearerToken = "static";
  CredentialSource source(config, clock);
  EXPECT_EQ(source.get()->bearerToken, "static");
  EXPECT_FALSE(source.invalidate());
  config.bearerToken.clear();
  config.username = "admin";
  config.password = "pw";
  CredentialSource basic(config, clock);
  EXPECT_EQ(basic.get()->basicUser, "admin");
}

TEST(RunExecPlugin, CapturesStdoutPassesEnvAndReportsFailures) {
  ExecConfig exec = makeExec("/bin/sh", {"-c", "printf '%s|%s' \"$GREETING\" \"$KUBERNETES_EXEC_INFO\""});
  exec.env = {{"GREETING", "hi"}};
  auto out = runExecPlugin(exec, "{info}");
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, "hi|{info}");
  exec.args = {"-c", "exit 4"};
  auto failed = runExecPlugin(exec, "{}");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("status 4"), std::string::npos);
  exec.args = {"-c", "exec sleep 30"};
  exec.timeout = 200ms;
  auto started = std::chrono::steady_clock::now();
  auto timedOut = runExecPlugin(exec, "{}");
  ASSERT_FALSE(timedOut.ok());
  EXPECT_NE(timedOut.error().message.find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  ExecConfig missing = makeExec("modelops-no-such-plugin");
  missing.installHint = "install it";
  auto notFound = runExecPlugin(missing, "{}");
  ASSERT_FALSE(notFound.ok());
  EXPECT_NE(notFound.error().message.find("install it"), std::string::npos);
}

}  // namespace
}  // namespace modelops::kube
