// The headers under include/ are the public surface: prometheus-cpp stays behind the metrics
// interfaces (runtime::MetricsRegistry, reconciler::makeAnalysisGauges, ...), so no public header may
// include it. Reads the files through MODELOPS_SOURCE_DIR (set by modelops_test).
// Thread-safety: single-threaded.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace modelops {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> publicHeaders() {
  const char* source = std::getenv("MODELOPS_SOURCE_DIR");
  if (!source) return {};
  std::vector<fs::path> out;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(source) / "include"))
    if (entry.is_regular_file() && entry.path().extension() == ".h") out.push_back(entry.path());
  return out;
}

TEST(PublicHeaders, IncludeNoPrometheusCpp) {
  auto headers = publicHeaders();
  ASSERT_GT(headers.size(), 10u) << "MODELOPS_SOURCE_DIR/include not found";
  for (const auto& header : headers) {
    std::ifstream in(header);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number)
      EXPECT_EQ(line.find("#include <prometheus/"), std::string::npos) << header.string() << ":" << number << ": " << line;
  }
}

}  // namespace
}  // namespace modelops
