// integration.plugin: what depends on the process around the plugin: the kubectl-modelops binary on a
// pseudo-terminal (colour unless NO_COLOR, `get --watch` redrawing in place) and piped (no colour, no
// screen codes), and the kubeconfig context chosen with --context (its cluster and its namespace, which
// -n overrides).
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "plugin_fixture.h"
#include "pty_process.h"
#include "support/process.h"

namespace modelops::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr const char* kClearScreen = "\x1b[H\x1b[2J";

json progressing() {
  return {{"observedGeneration", 1},
          {"phase", "Progressing"},
          {"stable", {{"revision", 1}, {"version", "2.3.1"}, {"weight", 90}}},
          {"canary", {{"revision", 2}, {"version", "2.4.0"}, {"weight", 10}}},
          {"currentStepIndex", 0}};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

class TerminalTest : public PluginTest {
 protected:
  std::string binary() const {
    const char* dir = std::getenv("MODELOPS_BINARY_DIR");
    return std::string(dir ? dir : ".") + "/bin/kubectl-modelops";
  }
  std::vector<std::string> env(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> e = {"PATH=/usr/bin:/bin", "HOME=" + dir_.string(), "KUBECONFIG=" + kubeconfig_,
                                  "TERM=xterm"};
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
  }
  // `kubectl-modelops ARGS` on a terminal, run to its end.
  std::pair<int, std::string> onTerminal(const std::vector<std::string>& args, const std::vector<std::string>& extraEnv = {}) {
    std::vector<std::string> argv = {binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    PtyProcess p(argv, env(extraEnv));
    EXPECT_TRUE(p.started());
    int code = p.wait(30s);
    return {code, p.output()};
  }
};

TEST_F(TerminalTest, ColourOnATerminalUnlessNoColorOrPiped) {
  createModel("fraud");
  setStatus("fraud", progressing());

  auto [code, out] = onTerminal({"get", "fraud"});
  EXPECT_EQ(code, plugin::kExitOk) << out;
  EXPECT_THAT(out, HasSubstr("\x1b[33mProgressing\x1b[0m"));
  EXPECT_THAT(out, HasSubstr("\x1b[1mCanary:\x1b[0m      revision 2  version 2.4.0  weight 10%"));

  // NO_COLOR set to anything non-empty turns colour off; set but empty it does not (no-color.org).
  auto [noColorCode, noColor] = onTerminal({"get", "fraud"}, {"NO_COLOR=1"});
  EXPECT_EQ(noColorCode, plugin::kExitOk);
  EXPECT_THAT(noColor, HasSubstr("Phase:       Progressing"));
  EXPECT_THAT(noColor, Not(HasSubstr("\x1b[")));
  auto [emptyCode, empty] = onTerminal({"get", "fraud"}, {"NO_COLOR="});
  EXPECT_EQ(emptyCode, plugin::kExitOk);
  EXPECT_THAT(empty, HasSubstr("\x1b[33mProgressing\x1b[0m"));

  auto piped = modelops::testing::run({binary(), "get", "fraud"}, env(), 30s);
  EXPECT_EQ(piped.code, plugin::kExitOk) << piped.err;
  EXPECT_THAT(piped.out, HasSubstr("Phase:       Progressing"));
  EXPECT_THAT(piped.out, Not(HasSubstr("\x1b[")));

  // Errors keep their exit codes on a terminal too.
  auto [missingCode, missing] = onTerminal({"get", "ghost"});
  EXPECT_EQ(missingCode, plugin::kExitNotFound) << missing;
}

TEST_F(TerminalTest, GetWatchRedrawsInPlaceOnATerminal) {
  createModel("fraud");
  setStatus("fraud", progressing());
  PtyProcess p({binary(), "get", "fraud", "--watch"}, env());
  ASSERT_TRUE(p.started());
  ASSERT_TRUE(p.readUntil([](const std::string& o) { return o.find("weight 10%") != std::string::npos; }, 20s))
      << p.output();
  ASSERT_TRUE(waitFor([&] { return server_->openWatches() > 0; })) << "get --watch opened no watch";
  EXPECT_EQ(count(p.output(), kClearScreen), 1u) << p.output();

  setStatus("fraud", {{"currentStepIndex", 1}, {"canary", {{"weight", 50}}}});
  ASSERT_TRUE(p.readUntil([](const std::string& o) { return o.find("weight 50%") != std::string::npos; }, 20s))
      << p.output();
  setStatus("fraud", {{"phase", "RolledBack"}, {"canary", nullptr}});
  ASSERT_TRUE(p.readUntil([](const std::string& o) { return o.find("RolledBack") != std::string::npos; }, 20s))
      << p.output();
  const std::string out = p.output();
  // Each snapshot clears the screen first; a terminal gets no `--- time ---` separators.
  EXPECT_EQ(count(out, kClearScreen), 3u) << out;
  EXPECT_THAT(out, Not(HasSubstr("\n--- ")));
  EXPECT_LT(out.rfind(kClearScreen), out.find("RolledBack"));
  p.signal(SIGINT);  // Ctrl-C, as a person ends it
  EXPECT_EQ(p.wait(20s), 128 + SIGINT);
}

TEST_F(TerminalTest, ContextChoosesTheClusterAndTheNamespace) {
  ASSERT_TRUE(client_->create(kube::resources::namespaces(), "",
                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}}).ok());
  createModel("ranker", "ml", "3.1.0");
  createModel("fraud", "default");
  // Current context: a cluster that refuses connections; "dev-ml": the dev server, namespace ml.
  auto loaded = yaml::loadYamlFile(kubeconfig_);
  ASSERT_TRUE(loaded.ok() && loaded.value().size() == 1);
  json config = loaded.value()[0];
  json broken = config["clusters"][0];
  broken["name"] = "broken";
  broken["cluster"]["server"] = "http://127.0.0.1:1";
  config["clusters"].push_back(broken);
  config["contexts"] = json::array(
      {{{"name", "broken"}, {"context", {{"cluster", "broken"}, {"user", config["users"][0]["name"]}}}},
       {{"name", "dev-ml"}, {"context", {{"cluster", config["clusters"][0]["name"]}, {"user", config["users"][0]["name"]}, {"namespace", "ml"}}}}});
  config["current-context"] = "broken";
  const std::string path = (dir_ / "two-contexts").string();
  std::ofstream(path) << config.dump(2);

  auto current = run({"list", "--kubeconfig", path}, false, false);
  EXPECT_EQ(current.code, plugin::kExitFailed) << current.out;
  auto ml = run({"list", "--context", "dev-ml", "--kubeconfig", path}, false, false);
  ASSERT_EQ(ml.code, plugin::kExitOk) << ml.err;
  EXPECT_THAT(ml.out, HasSubstr("ranker"));
  EXPECT_THAT(ml.out, Not(HasSubstr("fraud")));
  auto got = run({"get", "ranker", "--context", "dev-ml", "--kubeconfig", path}, false, false);
  EXPECT_EQ(got.code, plugin::kExitOk) << got.err;
  EXPECT_THAT(got.out, HasSubstr("ModelDeployment: ml/ranker"));
  // -n overrides the context's namespace.
  auto inDefault = run({"get", "fraud", "--context", "dev-ml", "-n", "default", "--kubeconfig", path}, false, false);
  EXPECT_EQ(inDefault.code, plugin::kExitOk) << inDefault.err;
  EXPECT_THAT(inDefault.out, HasSubstr("ModelDeployment: default/fraud"));
  auto notThere = run({"get", "fraud", "--context", "dev-ml", "--kubeconfig", path}, false, false);
  EXPECT_EQ(notThere.code, plugin::kExitNotFound);
  auto unknown = run({"list", "--context", "nope", "--kubeconfig", path}, false, false);
  EXPECT_EQ(unknown.code, plugin::kExitFailed);
  EXPECT_THAT(unknown.err, HasSubstr("nope"));
}

}  // namespace
}  // namespace modelops::testing
