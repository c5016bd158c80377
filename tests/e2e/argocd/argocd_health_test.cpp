// e2e.argocd: the Argo CD health check in docs/argocd/health.lua, run by the real `lua5.4` through
// run_health.lua (which gives it only what Argo CD gives a script from argocd-cm) with `obj` set to sample
// ModelDeployments: no status, a status older than the spec, each phase, and odd cases. Each sample checks
// the health status and the message. Argo CD itself runs gopher-lua (Lua 5.1); the script keeps to what
// both understand. Skipped, saying so, when lua5.4 is not installed.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/api/names.h"
#include "support/process.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::optional<fs::path> findOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / program;
    if (!candidate.parent_path().empty() && fs::exists(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string luaString(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", c);  // decimal escapes: the same in every Lua version
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A JSON value as a Lua table constructor, as Argo CD hands the object to the script: objects become
// tables keyed by name, arrays sequences from 1, null nil.
std::string luaValue(const json& v) {
  switch (v.type()) {
    case json::value_t::object: {
      std::string out = "{";
      // Appended piece by piece: `"[" + std::string&&` trips GCC 12's false -Wrestrict at -O2/-O3
      // (GCC bug 105329), which failed the Release build.
      for (const auto& [key, value] : v.items()) {
        out += '[';
        out += luaString(key);
        out += "]=";
        out += luaValue(value);
        out += ',';
      }
      return out + "}";
    }
    case json::value_t::array: {
      std::string out = "{";
      for (const auto& item : v) out += luaValue(item) + ",";
      return out + "}";
    }
    case json::value_t::string:
      return luaString(v.get<std::string>());
    case json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return v.dump();
    case json::value_t::number_float: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
      return buf;
    }
    default:
      return "nil";
  }
}

struct Health {
  std::string status;
  std::string message;
};

class ArgoCdHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lua = findOnPath("lua5.4");
    if (!lua) GTEST_SKIP() << "lua5.4 is not installed (Debian package lua5.4): the Argo CD health check is not run";
    lua_ = *lua;
    const char* source = std::getenv("MODELOPS_SOURCE_DIR");
    ASSERT_NE(source, nullptr) << "MODELOPS_SOURCE_DIR is not set (ctest sets it)";
    script_ = fs::path(source) / "docs" / "argocd" / "health.lua";
    runner_ = fs::path(source) / "tests" / "e2e" / "argocd" / "run_health.lua";
    ASSERT_TRUE(fs::exists(script_)) << script_;
    ASSERT_TRUE(fs::exists(runner_)) << runner_;
  }

  Health health(const json& obj) {
    auto r = modelops::testing::run({lua_.string(), "-e", "obj = " + luaValue(obj), runner_.string(), script_.string()},
                                    {"LC_ALL=C"}, 20s);
    EXPECT_EQ(r.code, 0) << "stderr: " << r.err;
    // "<status>\t<message>\n"; the message may itself hold newlines.
    Health h;
    auto tab = r.out.find('\t');
    EXPECT_TRUE(tab != std::string::npos && r.out.ends_with('\n')) << "output: " << r.out;
    if (tab == std::string::npos || !r.out.ends_with('\n')) return h;
    h.status = r.out.substr(0, tab);
    h.message = r.out.substr(tab + 1, r.out.size() - tab - 2);
    return h;
  }

  fs::path lua_, script_, runner_;
};

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A ModelDeployment at metadata.generation `generation`, with `status` unless it is null.
json modelDeployment(int generation, const json& status) {
  json md = {{"apiVersion", "modelops.dev/v1alpha1"},
             {"kind", "ModelDeployment"},
             {"metadata", {{"name", "fraud-detector"}, {"namespace", "ml"}, {"generation", generation}}},
             {"spec",
              {{"replicas", 4},
               {"model", {{"version", "2.4.0"}, {"uri", "s3://models/fraud/2.4.0"}}},
               {"template", {{"spec", {{"containers", json::array({{{"name", "server"}, {"image", "server:1.3"}}})}}}}}}}};
  if (!status.is_null()) md["status"] = status;
  return md;
}

json statusOf(const std::string& phase, const std::string& message, int observedGeneration = 3) {
  return {{"observedGeneration", observedGeneration},
          {"phase", phase},
          {"message", message},
          {"stable", {{"revision", 3}, {"version", "2.3.1"}, {"hash", "7c9f6d"}, {"weight", 90}}},
          {"conditions", json::array({{{"type", "Progressing"}, {"status", "True"}, {"reason", "RolloutInProgress"}}})}};
}

TEST_F(ArgoCdHealth, NoStatusIsProgressing) {
  auto h = health(modelDeployment(1, nullptr));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_EQ(h.message, "Waiting for the modelops operator to reconcile the ModelDeployment");
}

TEST_F(ArgoCdHealth, StatusOlderThanTheSpecIsProgressing) {
  // Git changed the version (generation 4) but the status still describes generation 3 as Healthy.
  auto h = health(modelDeployment(4, statusOf("Healthy", "version 2.3.1 (revision 3) serving at 100%", 3)));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_EQ(h.message, "Waiting for the modelops operator to observe generation 4");
}

TEST_F(ArgoCdHealth, StatusWithoutObservedGenerationIsProgressing) {
  auto status = statusOf("Healthy", "version 2.3.1 (revision 3) serving at 100%");
  status.erase("observedGeneration");
  auto h = health(modelDeployment(2, status));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_EQ(h.message, "Waiting for the modelops operator to observe generation 2");
}

TEST_F(ArgoCdHealth, EachPhaseMapsToItsHealth) {
  struct Case {
    std::string_view phase;
    std::string message;
    std::string status;
  };
  namespace phase = modelops::api::phase;
  const std::vector<Case> cases = {
      {phase::kHealthy, "version 2.4.0 (revision 4) serving at 100%", "Healthy"},
      {phase::kProgressing, "step 3/6: analysis running (accuracy 0.941, lower bound 0.928, n=812)", "Progressing"},
      {phase::kPaused, "step 6/6: paused until promoted (kubectl modelops promote fraud-detector)", "Suspended"},
      {phase::kDegraded,
       "version 2.4.0 (revision 4) degraded after promotion: accuracy 0.870, upper bound 0.899 < 0.92; traffic "
       "returned to version 2.3.1 (revision 3)",
       "Degraded"},
      {phase::kRolledBack, "version 2.4.0 (revision 4) rolled back: accuracy 0.880 < 0.92 (n=1204)", "Degraded"},
      {phase::kFailed, "revision 1 not available within progressDeadlineSeconds (600s)", "Degraded"},
      {phase::kInvalid, "invalid spec (running workloads are left as they are): spec.model.version: required",
       "Degraded"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.phase));
    auto h = health(modelDeployment(3, statusOf(std::string(c.phase), c.message)));
    EXPECT_EQ(h.status, c.status);
    // The phase leads the message: Degraded covers four phases, and a dashboard should say which.
    EXPECT_EQ(h.message, std::string(c.phase) + ": " + c.message);
  }
}

TEST_F(ArgoCdHealth, PhaseWithoutMessageIsNamed) {
  auto status = statusOf("Paused", "");
  status.erase("message");
  auto h = health(modelDeployment(3, status));
  EXPECT_EQ(h.status, "Suspended");
  EXPECT_EQ(h.message, "ModelDeployment is Paused");
}

TEST_F(ArgoCdHealth, StatusWithoutPhaseIsProgressing) {
  auto h = health(modelDeployment(3, {{"observedGeneration", 3}}));
  EXPECT_EQ(h.status, "Progressing");
  EXPECT_EQ(h.message, "Waiting for the modelops operator to report a phase");
}

TEST_F(ArgoCdHealth, UnknownPhaseIsUnknown) {
  // A phase from a newer operator than this script knows.
  auto h = health(modelDeployment(3, statusOf("Hibernating", "scaled to zero")));
  EXPECT_EQ(h.status, "Unknown");
  EXPECT_EQ(h.message, "Unknown ModelDeployment phase Hibernating");
}

TEST_F(ArgoCdHealth, ObjectWithoutGenerationIsJudgedOnItsPhase) {
  // Objects rendered by some tools carry no metadata.generation; the phase still decides.
  auto md = modelDeployment(3, statusOf("Healthy", "version 2.4.0 (revision 4) serving at 100%"));
  md["metadata"].erase("generation");
  auto h = health(md);
  EXPECT_EQ(h.status, "Healthy");
}

TEST_F(ArgoCdHealth, MessagesKeepQuotesAndNewlines) {
  const std::string message =
      "spec.strategy.abTest.variants[1].name: duplicate variant name \"b\"\nspec.analysis.metrics[0].query: "
      "unknown placeholder {{foo}} (\\d+)";
  auto h = health(modelDeployment(3, statusOf("Invalid", message)));
  EXPECT_EQ(h.status, "Degraded");
  EXPECT_EQ(h.message, "Invalid: " + message);
}

// The argocd-cm snippet in docs/argocd/README.md is what users copy: it must be health.lua itself.
TEST(ArgoCdHealthDocs, ReadmeSnippetIsTheScript) {
  const char* source = std::getenv("MODELOPS_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "MODELOPS_SOURCE_DIR is not set (ctest sets it)";
  const fs::path dir = fs::path(source) / "docs" / "argocd";
  std::istringstream readme(readFile(dir / "README.md"));
  const std::string key = "resource.customizations.health.modelops.dev_ModelDeployment: |";
  std::string line, snippet;
  bool inBlock = false, found = false;
  while (std::getline(readme, line)) {
    if (!inBlock) {
      if (line.find(key) != std::string::npos) inBlock = found = true;
      continue;
    }
    if (line.starts_with("```")) break;
    // Four spaces of YAML indentation; blank lines carry none.
    if (!line.empty()) {
      ASSERT_TRUE(line.starts_with("    ")) << "not indented as part of the block: " << line;
      line = line.substr(4);
    }
    snippet += line + "\n";
  }
  ASSERT_TRUE(found) << "no " << key << " in README.md";
  EXPECT_EQ(snippet, readFile(dir / "health.lua")) << "README.md's argocd-cm snippet differs from health.lua";
}

}  // namespace
