// Tests of the YAML loader's errors: each names source:line:column (1-based) and says what is wrong;
// limits on depth and alias expansion hold without crashing; files are read and named in errors.
// Thread-safety: single-threaded tests.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/yaml/yaml.h"

namespace modelops::yaml {
namespace {

struct ErrorRow {
  std::string name;
  std::string yaml;
  std::string message;  // the whole message, source "in.yaml"
};

TEST(YamlErrors, BadDocumentsAreReportedWithLineAndColumn) {
  const std::vector<ErrorRow> rows = {
      {"duplicate key", "a: 1\nb: 2\na: 3\n", "in.yaml:3:1: duplicate key \"a\" (first at line 1, column 1)"},
      {"duplicate nested key", "x:\n  z: 1\n  z: 2\n", "in.yaml:3:3: duplicate key \"z\" (first at line 2, column 3)"},
      {"duplicate after key conversion", "1: a\n\"1\": b\n",
       "in.yaml:2:1: duplicate key \"1\" (first at line 1, column 1)"},
      {"yes and true are the same key", "yes: 1\n\"true\": 2\n",
       "in.yaml:2:1: duplicate key \"true\" (first at line 1, column 1)"},
      {"duplicate in flow map", "{a: 1, a: 2}\n", "in.yaml:1:8: duplicate key \"a\" (first at line 1, column 2)"},
      {"duplicate in second document", "a: 1\n---\nb: 1\nb: 2\n",
       "in.yaml:4:1: duplicate key \"b\" (first at line 3, column 1)"},
      {"two merge keys", "a: &a {x: 1}\nb:\n  <<: *a\n  <<: *a\n",
       "in.yaml:4:3: duplicate key \"<<\" (first at line 3, column 3)"},
      {"merge of a scalar", "a: &a 1\nb:\n  <<: *a\n",
       "in.yaml:3:7: the value of a << merge key must be a map or a list of maps"},
      {"merge of a list of scalars", "b:\n  <<: [1, 2]\n",
       "in.yaml:2:7: the value of a << merge key must be a map or a list of maps"},
      {"bad indentation", "a: 1\n b: 2\n", "in.yaml:2:3: illegal map value"},
      {"unclosed flow sequence", "a: [1, 2\n", "in.yaml:2:1: end of sequence flow not found"},
      {"unknown alias", "a: *nope\n", "in.yaml:1:4: the referenced anchor is not defined"},
      {"recursive alias", "a: &x [1, *x]\n", "in.yaml:1:11: alias *x refers to a node that contains it (recursive alias)"},
      {"null key", "~: 1\n", "in.yaml:1:1: null map keys are not supported"},
      {"float key", "1.5: x\n", "in.yaml:1:1: float map keys are not supported (quote the key)"},
      {"map key", "? {a: 1}\n: x\n", "in.yaml:1:3: map and sequence keys are not supported"},
      {"sequence key", "[1, 2]: x\n", "in.yaml:1:1: map and sequence keys are not supported"},
      {"invalid UTF-8", "a: \"\xC3\x28\"\n", "in.yaml:1:4: invalid UTF-8 in scalar"},
  };
  for (const ErrorRow& row : rows) {
    auto docs = loadYamlDocuments(row.yaml, "in.yaml");
    ASSERT_FALSE(docs.ok()) << row.name;
    EXPECT_EQ(docs.error().code, "InvalidYaml") << row.name;
    EXPECT_EQ(docs.error().message, row.message) << row.name;
  }
}

TEST(YamlErrors, NestingBeyondTheLimitIsAnErrorNotACrash) {
  // Flow and block nesting, far deeper than yaml-cpp's own recursion would survive.
  for (int depth : {kMaxDepth + 1, 5'000, 100'000}) {
    std::string flow = "v: " + std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
    auto docs = loadYamlDocuments(flow, "deep.yaml");
    ASSERT_FALSE(docs.ok()) << depth;
    EXPECT_NE(docs.error().message.find("deep.yaml:1:"), std::string::npos) << docs.error().message;
    EXPECT_NE(docs.error().message.find("nesting deeper than 200 levels"), std::string::npos)
        << docs.error().message;
  }
  std::string block;
  for (int i = 0; i < kMaxDepth + 5; ++i) block += std::string(static_cast<size_t>(i), ' ') + "k:\n";
  auto docs = loadYamlDocuments(block, "block.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().message, "block.yaml:201:201: nesting deeper than 200 levels");
}

TEST(YamlErrors, AliasesCannotBuildNestingBeyondTheLimit) {
  // Each anchor adds one level through the alias; no single node is deep in the text.
  std::string text = "a0: &a0 [x]\n";
  for (int i = 1; i <= kMaxDepth + 2; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + "]\n";
  }
  auto docs = loadYamlDocuments(text, "alias.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.error().message.find("nesting deeper than 200 levels (through an alias)"), std::string::npos)
      << docs.error().message;
}

TEST(YamlErrors, AliasExpansionIsBounded) {
  // The "billion laughs": 10 levels of 10 aliases would be 10^10 values.
  std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    text += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  auto docs = loadYamlDocuments(text, "bomb.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.error().message.find("document expands to more than 1000000 values through aliases"),
            std::string::npos)
      << docs.error().message;
}

TEST(YamlErrors, ErrorsNameTheSourceAndDefaultToInput) {
  auto docs = loadYamlDocuments("a: [\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().message.rfind("<input>:", 0), 0u) << docs.error().message;
}

class YamlFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("modelops-yaml-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(YamlFileTest, ReadsAFile) {
  auto path = write("ok.yaml", "a: 1\n---\nb: [x]\n");
  auto docs = loadYamlFile(path);
  ASSERT_TRUE(docs.ok()) << docs.error().message;
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"][0], "x");
}

TEST_F(YamlFileTest, ParseErrorsNameTheFile) {
  auto path = write("bad.yaml", "a: 1\na: 2\n");
  auto docs = loadYamlFile(path);
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().message, path + ":2:1: duplicate key \"a\" (first at line 1, column 1)");
}

TEST_F(YamlFileTest, AMissingFileIsNotFound) {
  auto path = (dir_ / "missing.yaml").string();
  auto docs = loadYamlFile(path);
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.error().code, "NotFound");
  EXPECT_EQ(docs.error().message.rfind(path, 0), 0u) << docs.error().message;
}

}  // namespace
}  // namespace modelops::yaml
