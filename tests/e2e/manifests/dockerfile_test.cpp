// e2e.manifests: Docker cannot run on the build machines, so each container image's Dockerfile is checked
// against what it must provide, for every image of the table below (operator, gateway): every shared
// library `ldd` lists for the built binary belongs (per dpkg -S) to a Debian package the runtime stage
// installs or that debian:bookworm-slim already has, and the runtime stage installs nothing else; the image
// runs as the non-root user 65532 with the binary as its entrypoint and exposes its ports; the builder
// installs the build packages the target needs and builds only that target, in Release, stripped, and its
// configure defines that target from exactly the files of the Docker build context (.dockerignore); the
// image name the Helm chart and the kustomize base deploy is the one docs/install.md documents.
// Thread-safety: gtest main thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/manifests/docker_context.h"
#include "e2e/manifests/files.h"
#include "support/process.h"

namespace fs = std::filesystem;
using modelops::testing::envOr;
using modelops::testing::readFile;
using namespace std::chrono_literals;

// Comma-separated binaries of this build configuration that the test executable depends on (set in
// tests/e2e/manifests/CMakeLists.txt): their absence is a failure, not a skip.
#ifndef MODELOPS_IMAGE_BINARIES
#define MODELOPS_IMAGE_BINARIES ""
#endif
// The cmake of this build, which configures the Docker build context's copy.
#ifndef MODELOPS_CMAKE_COMMAND
#define MODELOPS_CMAKE_COMMAND "/usr/bin/cmake"
#endif

namespace {

struct ImageCase {
  std::string name;        // test-name suffix
  std::string dockerfile;  // at the repository root
  std::string binary;      // in <build>/bin, copied to /usr/local/bin in the image
  std::string target;      // the CMake target the builder builds
  std::string expose;      // the EXPOSE line: the binary's default ports
  // Build packages the builder must install (each also in scripts/install-deps.sh).
  std::vector<std::string> buildPackages;
  // Runtime packages installed for a reason other than a linked library.
  std::set<std::string> nonLibraryPackages;
  // The image repository the chart's values.yaml and the kustomization (newName) deploy, and that file.
  std::string chartRepository;
  std::string kustomization;
};

// gtest prints a failing case's parameter with this (instead of its bytes).
void PrintTo(const ImageCase& image, std::ostream* os) { *os << image.dockerfile; }

const std::vector<std::string> kCommonBuildPackages = {
    "build-essential", "cmake", "pkg-config", "libcpp-httplib-dev", "nlohmann-json3-dev",
    "libyaml-cpp-dev", "libssl-dev", "libspdlog-dev", "prometheus-cpp-dev"};

std::vector<std::string> withCommon(std::vector<std::string> extra) {
  extra.insert(extra.begin(), kCommonBuildPackages.begin(), kCommonBuildPackages.end());
  return extra;
}

const std::vector<ImageCase>& images() {
  static const std::vector<ImageCase> table = {
      {"operator", "Dockerfile", "modelops-operator", "modelops-operator", "EXPOSE 8080 8081",
       kCommonBuildPackages, {"ca-certificates"}, "ghcr.io/modelops/modelops-operator", "manifests/kustomization.yaml"},
      {"gateway", "Dockerfile.gateway", "modelops-gateway", "modelops-gateway", "EXPOSE 8080",
       withCommon({"libboost-dev", "libhiredis-dev"}), {}, "ghcr.io/modelops/modelops-gateway",
       "manifests/gateway/kustomization.yaml"},
  };
  return table;
}

std::string sourceFile(const std::string& relative) {
  return readFile(envOr("MODELOPS_SOURCE_DIR", ".") + "/" + relative);
}

// Packages of the first `apt-get install` in a stage's text.
std::set<std::string> installedPackages(const std::string& stage) {
  auto install = stage.find("apt-get install");
  std::set<std::string> out;
  if (install == std::string::npos) return out;
  auto end = stage.find("&&", install);
  std::istringstream words(stage.substr(install, end - install));
  for (std::string w; words >> w;)
    if (w != "apt-get" && w != "install" && w != "\\" && w[0] != '-') out.insert(w);
  return out;
}

// The last stage (from its FROM line on) and the first one (up to the second FROM).
std::string runtimeStage(const std::string& dockerfile) {
  auto from = dockerfile.rfind("\nFROM ");
  return dockerfile.substr(from == std::string::npos ? 0 : from);
}
std::string builderStage(const std::string& dockerfile) {
  auto first = dockerfile.find("\nFROM ");
  if (first == std::string::npos) return "";
  return dockerfile.substr(first, dockerfile.find("\nFROM ", first + 1) - first);
}

// The package owning each library file, by one `dpkg -S` over every spelling of every path (dpkg registers
// some under /lib, some under /usr/lib; bookworm merges the two). Paths no package owns are absent.
std::map<std::string, std::string> owners(const std::set<std::string>& paths) {
  auto canonical = [](const std::string& p) { return p.rfind("/usr/", 0) == 0 ? p.substr(4) : p; };
  std::vector<std::string> argv = {"/usr/bin/dpkg", "-S"};
  for (const auto& p : paths) {
    argv.push_back(canonical(p));
    argv.push_back("/usr" + canonical(p));
  }
  // Exit code 1 when some spelling is unknown (stderr); the owned ones are still listed on stdout.
  auto r = modelops::testing::run(argv, {"PATH=/usr/bin:/bin", "LC_ALL=C"}, 60s);
  std::map<std::string, std::string> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto sep = line.find(": /");
    if (line.rfind("diversion", 0) == 0 || sep == std::string::npos) continue;
    out[canonical(line.substr(sep + 2))] = line.substr(0, line.find_first_of(":,"));
  }
  std::map<std::string, std::string> byPath;
  for (const auto& p : paths)
    if (auto it = out.find(canonical(p)); it != out.end()) byPath[p] = it->second;
  return byPath;
}

bool configuredInThisBuild(const std::string& binary) {
  std::istringstream list(MODELOPS_IMAGE_BINARIES);
  for (std::string b; std::getline(list, b, ',');)
    if (b == binary) return true;
  return false;
}

class DockerImage : public ::testing::TestWithParam<ImageCase> {};

TEST_P(DockerImage, RuntimeStageInstallsExactlyTheLibrariesTheBinaryLinks) {
  const ImageCase& image = GetParam();
  const std::string dockerfile = sourceFile(image.dockerfile);
  ASSERT_FALSE(dockerfile.empty()) << image.dockerfile << " is missing";
  auto packages = installedPackages(runtimeStage(dockerfile));
  ASSERT_FALSE(packages.empty()) << image.dockerfile << ": no apt-get install in the runtime stage";
  const fs::path binary = envOr("MODELOPS_BINARY_DIR", ".") + "/bin/" + image.binary;
  if (!fs::exists(binary)) {
    ASSERT_FALSE(configuredInThisBuild(image.binary)) << binary << " should have been built before this test";
    GTEST_SKIP() << image.target << " is not part of this build configuration";
  }
  auto ldd = modelops::testing::run({"/usr/bin/ldd", binary.string()}, {"PATH=/usr/bin:/bin", "LC_ALL=C"}, 30s);
  ASSERT_EQ(ldd.code, 0) << ldd.err;
  const std::regex resolved(R"(=> (/\S+) \()");
  std::set<std::string> libraries;
  std::istringstream lines(ldd.out);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, resolved)) libraries.insert(m[1]);
  }
  auto owned = owners(libraries);
  std::set<std::string> needed;
  for (const auto& library : libraries) {
    auto it = owned.find(library);
    ASSERT_TRUE(it != owned.end()) << "no Debian package owns " << library;
    needed.insert(it->second);
  }
  EXPECT_GE(needed.size(), 5u);
  // Present in debian:bookworm-slim already (Essential/required, or dependencies of apt and dpkg).
  const std::set<std::string> base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"};
  // libcpp-httplib0.11 depends on libbrotli1, so apt brings it in.
  const std::set<std::string> transitive = {"libbrotli1"};
  for (const auto& pkg : needed)
    EXPECT_TRUE(packages.count(pkg) || base.count(pkg) || transitive.count(pkg))
        << image.binary << " links a library from " << pkg << ", which " << image.dockerfile
        << "'s runtime stage does not install";
  for (const auto& pkg : packages)
    EXPECT_TRUE(needed.count(pkg) || image.nonLibraryPackages.count(pkg))
        << image.dockerfile << "'s runtime stage installs " << pkg << ", which " << image.binary << " does not link";
}

TEST_P(DockerImage, MultiStageNonRootImageBuildingOnlyItsTarget) {
  const ImageCase& image = GetParam();
  const std::string d = sourceFile(image.dockerfile);
  ASSERT_FALSE(d.empty()) << image.dockerfile << " is missing";
  using ::testing::HasSubstr;
  EXPECT_THAT(d, HasSubstr("ARG DEBIAN_RELEASE=bookworm"));
  EXPECT_THAT(builderStage(d), HasSubstr("FROM debian:${DEBIAN_RELEASE} AS builder"));
  EXPECT_THAT(runtimeStage(d), HasSubstr("FROM debian:${DEBIAN_RELEASE}-slim"));
  EXPECT_THAT(builderStage(d), HasSubstr("-DCMAKE_BUILD_TYPE=Release -DMODELOPS_BUILD_TESTS=OFF"));
  EXPECT_THAT(builderStage(d), HasSubstr("--target " + image.target + " "));
  EXPECT_THAT(builderStage(d), HasSubstr("strip -o /" + image.binary + " /build/bin/" + image.binary));
  const std::string installed = "/usr/local/bin/" + image.binary;
  const std::string r = runtimeStage(d);
  EXPECT_THAT(r, HasSubstr("COPY --from=builder /" + image.binary + " " + installed));
  EXPECT_THAT(r, HasSubstr("\nUSER 65532:65532\n"));
  EXPECT_THAT(r, HasSubstr("\n" + image.expose + "\n"));
  EXPECT_THAT(r, HasSubstr("ENTRYPOINT [\"" + installed + "\"]"));
  // The builder installs the build packages of scripts/install-deps.sh the target needs.
  const std::string deps = sourceFile("scripts/install-deps.sh");
  auto builderPackages = installedPackages(builderStage(d));
  for (const auto& pkg : image.buildPackages) {
    EXPECT_THAT(deps, HasSubstr(pkg)) << "install-deps.sh changed: revisit " << image.dockerfile;
    EXPECT_TRUE(builderPackages.count(pkg)) << image.dockerfile << "'s builder does not install " << pkg;
  }
}

TEST_P(DockerImage, ChartKustomizeAndInstallDocsNameTheSameImage) {
  const ImageCase& image = GetParam();
  const std::string values = sourceFile("helm/modelops-operator/values.yaml");
  EXPECT_THAT(values, ::testing::HasSubstr("repository: " + image.chartRepository));
  EXPECT_THAT(sourceFile(image.kustomization), ::testing::HasSubstr("newName: " + image.chartRepository))
      << image.kustomization;
  const std::string install = sourceFile("docs/install.md");
  EXPECT_THAT(install, ::testing::HasSubstr(image.chartRepository));
  EXPECT_THAT(install, ::testing::HasSubstr(image.dockerfile));
}

// The builder stage's configure, run on exactly the files `docker build .` sends (.dockerignore applied) with
// the Dockerfile's own -D flags, must produce the image's target: a CMake file reading something the context
// leaves out fails here, and so does a target CMake leaves out when a package is missing (the gateway
// without Boost). Packages are this machine's, so the builder's install list is checked separately above.
struct ConfiguredContext {
  bool ok = false;
  std::string log;      // the configure's output, for failure messages
  std::string targets;  // `cmake --build --target help`
};

// Configures a copy of the build context with the builder's -D flags; the images share one configure when
// their flags agree (a few seconds each on the CI machines).
const ConfiguredContext& configureBuildContext(const std::string& dashDFlags) {
  static std::map<std::string, ConfiguredContext> done;
  if (auto it = done.find(dashDFlags); it != done.end()) return it->second;
  const fs::path source = envOr("MODELOPS_SOURCE_DIR", ".");
  const fs::path buildDir = envOr("MODELOPS_BINARY_DIR", ".");
  const fs::path work = buildDir / "tests/e2e/manifests/docker-context";
  auto rules = modelops::testing::parseDockerignore(readFile(source / ".dockerignore"));
  modelops::testing::copyDockerContext(source, rules, work / "context", buildDir);
  std::vector<std::string> configure = {MODELOPS_CMAKE_COMMAND, "-S", (work / "context").string(), "-B",
                                        (work / "build").string()};
  std::istringstream words(dashDFlags);
  for (std::string w; words >> w;) configure.push_back(w);
  const std::vector<std::string> env = {"PATH=" + envOr("PATH", "/usr/bin:/bin"), "LC_ALL=C"};
  ConfiguredContext result;
  auto configured = modelops::testing::run(configure, env, 120s);
  result.log = configured.out + configured.err;
  if (configured.code == 0) {
    const std::vector<std::string> listTargets = {MODELOPS_CMAKE_COMMAND, "--build", (work / "build").string(),
                                                  "--target", "help"};
    auto help = modelops::testing::run(listTargets, env, 60s);
    result.ok = help.code == 0;
    result.targets = help.out;
    if (!result.ok) result.log += help.err;
  }
  fs::remove_all(work);
  return done.emplace(dashDFlags, std::move(result)).first->second;
}

// The builder stage's configure, run on exactly the files `docker build .` sends (.dockerignore applied) with
// the Dockerfile's own -D flags, must define the image's target: a CMake file reading something the context
// leaves out fails here, and so does a target CMake leaves out when a package is missing (the gateway
// without Boost). Packages are this machine's, so the builder's install list is checked separately above.
TEST_P(DockerImage, BuilderConfiguresItsTargetFromTheBuildContext) {
  const ImageCase& image = GetParam();
  const std::string builder = builderStage(sourceFile(image.dockerfile));
  std::smatch flags;
  ASSERT_TRUE(std::regex_search(builder, flags, std::regex(R"(cmake -S \. -B /build((?: -D\S+)+))")))
      << image.dockerfile << ": no `cmake -S . -B /build -D...` in the builder";
  // Without the packages here, this machine cannot configure the target either (the gateway without Boost).
  if (!configuredInThisBuild(image.binary)) GTEST_SKIP() << image.target << " is not part of this build configuration";
  const auto& context = configureBuildContext(flags[1].str());
  ASSERT_TRUE(context.ok) << "configuring the build context failed:\n" << context.log;
  EXPECT_THAT(context.targets, ::testing::HasSubstr(" " + image.target + "\n"))
      << "configuring the build context does not define " << image.target << ":\n" << context.log;
}

INSTANTIATE_TEST_SUITE_P(Images, DockerImage, ::testing::ValuesIn(images()),
                         [](const ::testing::TestParamInfo<ImageCase>& info) { return info.param.name; });

}  // namespace
