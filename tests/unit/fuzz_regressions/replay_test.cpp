// Replays the fuzz seeds and the regression inputs (fuzz/regressions/<target>/: inputs that once crashed
// a target, and hand-written edge cases) through the same bodies the libFuzzer executables run, and
// fails when a target has no seeds or no regression inputs. A crash, sanitizer report or violated
// property aborts the test, naming the file first. Thread-safety: single-threaded.
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

// Runs every file of fuzz/<kind>/<target>/ through the target's body; returns how many bodies returned.
// A file that cannot be read in full fails the test (an empty read would replay nothing).
std::size_t replay(const Target& target, const char* kind) {
  std::size_t ran = 0;
  for (const auto& file : inputsIn(fs::path(MODELOPS_FUZZ_DIR) / kind / std::string(target.name))) {
    auto bytes = readBytes(file);
    EXPECT_EQ(bytes.size(), fs::file_size(file)) << "could not read " << file.string();
    // Printed before the call: if the body aborts, the log names the input.
    std::cerr << "replaying " << file.string() << " (" << bytes.size() << " bytes)\n";
    target.body(bytes.data(), bytes.size());
    ++ran;
  }
  return ran;
}

class Replay : public ::testing::TestWithParam<Target> {};

// Every target has seeds and regression inputs: an empty or missing folder would mean the inputs went
// missing (or a new target came without them), not that all is well.
TEST_P(Replay, SeedCorpusRunsClean) {
  EXPECT_GT(replay(GetParam(), "corpus"), 0u) << "no seeds in fuzz/corpus/" << GetParam().name;
}

TEST_P(Replay, RegressionInputsRunClean) {
  std::size_t n = replay(GetParam(), "regressions");
  RecordProperty("regressions", static_cast<int>(n));
  EXPECT_GT(n, 0u) << "no inputs in fuzz/regressions/" << GetParam().name;
}

TEST(Replay, EveryTargetHasAnEntryPointAndCorpusFolder) {
  for (const auto& t : allTargets()) {
    EXPECT_TRUE(fs::exists(fs::path(MODELOPS_FUZZ_DIR) / ("fuzz_" + std::string(t.name) + ".cpp"))) << t.name;
    EXPECT_TRUE(fs::is_directory(fs::path(MODELOPS_FUZZ_DIR) / "corpus" / std::string(t.name))) << t.name;
    EXPECT_TRUE(fs::is_directory(fs::path(MODELOPS_FUZZ_DIR) / "regressions" / std::string(t.name))) << t.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, Replay, ::testing::ValuesIn(allTargets().begin(), allTargets().end()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace modelops::fuzz
