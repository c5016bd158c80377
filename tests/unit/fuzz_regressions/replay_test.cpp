// Replays the fuzz seeds and the inputs that once crashed a target (fuzz/regressions/<target>/) through
// the same bodies the libFuzzer executables run. A crash, sanitizer report or violated property aborts
// the test, naming the file first. Thread-safety: single-threaded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "targets.h"

namespace modelops::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputsIn(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs every file of fuzz/<kind>/<target>/; returns how many ran.
std::size_t replay(const Target& target, const char* kind) {
  auto files = inputsIn(fs::path(MODELOPS_FUZZ_DIR) / kind / std::string(target.name));
  for (const auto& file : files) {
    auto bytes = readBytes(file);
    // Printed before the call: if the body aborts, the log names the input.
    std::cerr << "replaying " << file.string() << " (" << bytes.size() << " bytes)\n";
    target.body(bytes.data(), bytes.size());
  }
  return files.size();
}

class Replay : public ::testing::TestWithParam<Target> {};

TEST_P(Replay, SeedCorpusRunsClean) {
  // Every target has seeds: an empty folder would mean the corpus went missing, not that all is well.
  EXPECT_GT(replay(GetParam(), "corpus"), 0u) << "no seeds in fuzz/corpus/" << GetParam().name;
}

TEST_P(Replay, RegressionInputsRunClean) {
  std::size_t n = replay(GetParam(), "regressions");
  RecordProperty("regressions", static_cast<int>(n));
}

TEST(Replay, EveryTargetHasAnEntryPointAndCorpusFolder) {
  for (const auto& t : allTargets()) {
    EXPECT_TRUE(fs::exists(fs::path(MODELOPS_FUZZ_DIR) / ("fuzz_" + std::string(t.name) + ".cpp"))) << t.name;
    EXPECT_TRUE(fs::is_directory(fs::path(MODELOPS_FUZZ_DIR) / "corpus" / std::string(t.name))) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, Replay, ::testing::ValuesIn(allTargets().begin(), allTargets().end()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace modelops::fuzz
