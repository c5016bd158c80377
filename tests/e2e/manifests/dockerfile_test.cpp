// e2e.manifests: Docker cannot run on the build machines, so the Dockerfile is checked against what it
// must provide: every shared library `ldd` lists for the built modelops-operator belongs (per dpkg -S) to a
// Debian package the runtime stage installs or that debian:bookworm-slim already has; the image runs as
// the non-root user 65532 with the operator as its entrypoint; the builder builds that target.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "e2e/manifests/files.h"
#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::envOr;
using modelops::testing::readFile;
using namespace std::chrono_literals;

namespace {

// Packages in the `apt-get install` of the last stage (from its FROM line on).
std::set<std::string> runtimePackages(const std::string& dockerfile) {
  auto from = dockerfile.rfind("\nFROM ");
  std::string stage = dockerfile.substr(from == std::string::npos ? 0 : from);
  auto install = stage.find("apt-get install");
  std::set<std::string> out;
  if (install == std::string::npos) return out;
  auto end = stage.find("&&", install);
  std::istringstream words(stage.substr(install, end - install));
  for (std::string w; words >> w;)
    if (w != "apt-get" && w != "install" && w != "\\" && w[0] != '-') out.insert(w);
  return out;
}

// The package owning a library file (dpkg registers some under /lib, some under /usr/lib).
std::string owner(const std::string& path) {
  const std::vector<std::string> env = {"PATH=/usr/bin:/bin", "LC_ALL=C"};
  for (const std::string& p : {path, "/usr" + path, path.rfind("/usr", 0) == 0 ? path.substr(4) : path}) {
    auto r = modelops::testing::run({"/usr/bin/dpkg", "-S", p}, env, 30s);
    if (r.code == 0) return r.out.substr(0, r.out.find_first_of(":,"));
  }
  return "";
}

TEST(Dockerfile, RuntimeStageHasEveryLibraryTheOperatorLinks) {
  const std::string dockerfile = readFile(envOr("MODELOPS_SOURCE_DIR", ".") + "/Dockerfile");
  ASSERT_FALSE(dockerfile.empty());
  auto packages = runtimePackages(dockerfile);
  ASSERT_FALSE(packages.empty());
  // Present in debian:bookworm-slim already (Essential/required, or dependencies of apt and dpkg).
  const std::set<std::string> base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"};
  const fs::path binary = envOr("MODELOPS_BINARY_DIR", ".") + "/bin/modelops-operator";
  if (!fs::exists(binary)) GTEST_SKIP() << binary << " is not built";
  auto ldd = modelops::testing::run({"/usr/bin/ldd", binary.string()}, {"PATH=/usr/bin:/bin", "LC_ALL=C"}, 30s);
  ASSERT_EQ(ldd.code, 0) << ldd.err;
  const std::regex resolved(R"(=> (/\S+) \()");
  std::set<std::string> needed;
  std::istringstream lines(ldd.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, resolved)) continue;
    std::string pkg = owner(m[1]);
    ASSERT_FALSE(pkg.empty()) << "no Debian package owns " << m[1];
    needed.insert(pkg);
  }
  EXPECT_GE(needed.size(), 5u);
  // libcpp-httplib0.11 depends on libbrotli1, so apt brings it in.
  const std::set<std::string> transitive = {"libbrotli1"};
  for (const auto& pkg : needed)
    EXPECT_TRUE(packages.count(pkg) || base.count(pkg) || transitive.count(pkg))
        << "the operator links a library from " << pkg << ", which the runtime stage does not install";
}

TEST(Dockerfile, MultiStageNonRootOperatorImage) {
  const std::string d = readFile(envOr("MODELOPS_SOURCE_DIR", ".") + "/Dockerfile");
  EXPECT_THAT(d, ::testing::HasSubstr("FROM debian:${DEBIAN_RELEASE} AS builder"));
  EXPECT_THAT(d, ::testing::HasSubstr("FROM debian:${DEBIAN_RELEASE}-slim"));
  EXPECT_THAT(d, ::testing::HasSubstr("ARG DEBIAN_RELEASE=bookworm"));
  EXPECT_THAT(d, ::testing::HasSubstr("--target modelops-operator"));
  EXPECT_THAT(d, ::testing::HasSubstr("COPY --from=builder /modelops-operator /usr/local/bin/modelops-operator"));
  EXPECT_THAT(d, ::testing::HasSubstr("\nUSER 65532:65532\n"));
  EXPECT_THAT(d, ::testing::HasSubstr("ENTRYPOINT [\"/usr/local/bin/modelops-operator\"]"));
  // The builder installs the build packages of scripts/install-deps.sh.
  const std::string deps = readFile(envOr("MODELOPS_SOURCE_DIR", ".") + "/scripts/install-deps.sh");
  for (const char* pkg : {"libcpp-httplib-dev", "nlohmann-json3-dev", "libyaml-cpp-dev", "libssl-dev",
                          "libspdlog-dev", "prometheus-cpp-dev", "cmake", "pkg-config", "build-essential"}) {
    EXPECT_THAT(deps, ::testing::HasSubstr(pkg)) << "install-deps.sh changed: revisit the Dockerfile";
    EXPECT_THAT(d, ::testing::HasSubstr(pkg));
  }
}

}  // namespace
