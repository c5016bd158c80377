// Table-driven tests of scalar typing: every row is a YAML value written after "v: " and the JSON it must
// become, following Kubernetes (sigs.k8s.io/yaml on go-yaml v2) as documented in modelops/yaml/scalar.h.
// Thread-safety: single-threaded tests.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "modelops/yaml/scalar.h"
#include "modelops/yaml/yaml.h"

namespace modelops::yaml {
namespace {

using nlohmann::json;

struct Row {
  std::string yaml;  // the text after "v: "
  json expected;
};

json valueOf(const std::string& yamlValue) {
  auto docs = loadYamlDocuments("v: " + yamlValue + "\n");
  EXPECT_TRUE(docs.ok()) << yamlValue << ": " << (docs.ok() ? "" : docs.error().message);
  if (!docs.ok() || docs->size() != 1) return json("<failed>");
  return (*docs)[0].at("v");
}

// Compares type as well as value: nlohmann's == treats 1 and 1.0 as equal.
void expectSame(const json& actual, const json& expected, const std::string& input) {
  EXPECT_EQ(actual.type_name(), std::string(expected.type_name())) << "input: " << input << " got " << actual.dump();
  EXPECT_EQ(actual.is_number_float(), expected.is_number_float()) << "input: " << input << " got " << actual.dump();
  EXPECT_EQ(actual.is_number_unsigned(), expected.is_number_unsigned()) << "input: " << input;
  EXPECT_EQ(actual, expected) << "input: " << input << " got " << actual.dump();
}

TEST(YamlScalars, PlainAndQuotedScalarsAreTypedAsKubernetesTypesThem) {
  const std::vector<Row> rows = {
      // strings that must stay strings
      {R"("2.4.0")", "2.4.0"},
      {"2.4.0", "2.4.0"},  // not a number: two dots
      {R"("true")", "true"},
      {"'4'", "4"},
      {R"("null")", "null"},
      {"|\n  block 12\n", "block 12\n"},
      {">-\n  folded\n  text\n", "folded text"},
      {"s3://models/fraud/2.4.0", "s3://models/fraud/2.4.0"},
      {"2024-01-02", "2024-01-02"},  // timestamps stay strings (go-yaml v2 into interface{})
      {"10m", "10m"},
      {"1e400", "1e400"},  // overflows a double: Go leaves it a string
      {"0x", "0x"},
      {"08", 8},           // not octal; go-yaml then reads it as the float 8, marshalled as 8
      {"+", "+"},
      {"yes please", "yes please"},
      {"<<", "<<"},        // only a merge as a key
      // null
      {"~", nullptr},
      {"null", nullptr},
      {"Null", nullptr},
      {"NULL", nullptr},
      {"", nullptr},
      // booleans, YAML 1.1 spellings included (Kubernetes' behaviour)
      {"true", true},
      {"True", true},
      {"TRUE", true},
      {"false", false},
      {"FALSE", false},
      {"yes", true},
      {"No", false},
      {"on", true},
      {"OFF", false},
      {"y", true},
      {"N", false},
      {"tRUE", "tRUE"},
      // integers
      {"4", 4},
      {"-17", -17},
      {"+5", 5},
      {"0", 0},
      {"1_000_000", 1000000},
      {"0x1F", 31},
      {"0X1f", 31},
      {"0o17", 15},
      {"012", 10},  // leading zero: octal, as YAML 1.1 and Kubernetes read it
      {"0b101", 5},
      {"-0x10", -16},
      {"9223372036854775807", std::int64_t{9223372036854775807}},
      {"-9223372036854775808", std::numeric_limits<std::int64_t>::min()},
      {"18446744073709551615", std::uint64_t{18446744073709551615ULL}},
      // floats; integral ones become integers as the API server stores them
      {"0.5", 0.5},
      {"-1.25e-3", -0.00125},
      {".5", 0.5},
      {"1.0", 1},
      {"1e3", 1000},
      {"2.", 2},
      {"1e19", 1e19},  // integral but beyond int64: stays a double
  };
  for (const Row& row : rows) expectSame(valueOf(row.yaml), row.expected, row.yaml);
}

TEST(YamlScalars, InfinityAndNaNAreFloats) {
  for (std::string text : {".inf", ".Inf", "+.INF"}) {
    json v = valueOf(text);
    ASSERT_TRUE(v.is_number_float()) << text;
    EXPECT_TRUE(std::isinf(v.get<double>()) && v.get<double>() > 0) << text;
  }
  json neg = valueOf("-.inf");
  ASSERT_TRUE(neg.is_number_float());
  EXPECT_TRUE(std::isinf(neg.get<double>()) && neg.get<double>() < 0);
  for (std::string text : {".nan", ".NaN", ".NAN"}) {
    json v = valueOf(text);
    ASSERT_TRUE(v.is_number_float()) << text;
    EXPECT_TRUE(std::isnan(v.get<double>())) << text;
  }
}

TEST(YamlScalars, ExplicitTagsAreHonoured) {
  const std::vector<Row> rows = {
      {"!!str 123", "123"},
      {"!!str true", "true"},
      {"!!str ~", "~"},
      {"!!str", ""},
      {R"(!!int "12")", 12},
      {"!!int 0x10", 16},
      {R"(!!float "0.25")", 0.25},
      {"!!float 3", 3},
      {R"(!!bool "yes")", true},
      {"!!null ~", nullptr},
      {"!!timestamp 2024-01-02", "2024-01-02"},
      {"!custom 42", "42"},  // application tags: the text stays a string
      {"! 42", "42"},        // the non-specific tag: a string
  };
  for (const Row& row : rows) expectSame(valueOf(row.yaml), row.expected, row.yaml);
}

TEST(YamlScalars, ValuesThatDoNotFitTheirTagAreErrors) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"!!int abc", "cannot decode !!str `abc` as a !!int"},
      {"!!int 1.5", "cannot decode !!float `1.5` as a !!int"},
      {"!!bool 1", "cannot decode !!int `1` as a !!bool"},
      {"!!null x", "cannot decode !!str `x` as a !!null"},
      {"!!binary aGVsbG8=", "!!binary scalars are not supported (write the base64 text as a string)"},
  };
  for (const auto& [text, message] : rows) {
    auto docs = loadYamlDocuments("v: " + text + "\n", "t.yaml");
    ASSERT_FALSE(docs.ok()) << text;
    EXPECT_EQ(docs.error().code, "InvalidYaml");
    EXPECT_EQ(docs.error().message, "t.yaml:1:4: " + message) << text;
  }
}

TEST(YamlScalars, ResolveScalarDirectly) {
  EXPECT_EQ(resolvePlainScalar("42"), json(42));
  EXPECT_TRUE(resolvePlainScalar("42").is_number_integer());
  EXPECT_EQ(resolvePlainScalar("abc"), json("abc"));
  auto quoted = resolveScalar("!", "42");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(*quoted, json("42"));
  EXPECT_TRUE(isMergeKey("?", "<<"));
  EXPECT_FALSE(isMergeKey("!", "<<"));
}

}  // namespace
}  // namespace modelops::yaml
