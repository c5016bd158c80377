// Tests of JSON merge patch (RFC 7386 appendix A), JSON patch (RFC 6902 appendix A plus error reporting)
// and createMergePatch (patch.h).
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/patch.h"

#include <gtest/gtest.h>

namespace modelops::apimachinery {
namespace {

using nlohmann::json;

struct MergeCase {
  const char* original;
  const char* patch;
  const char* result;
};

class Rfc7386Appendix : public ::testing::TestWithParam<MergeCase> {};

TEST_P(Rfc7386Appendix, ProducesTheListedResult) {
  json original = json::parse(GetParam().original);
  json patch = json::parse(GetParam().patch);
  auto r = applyMergePatch(original, patch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, json::parse(GetParam().result)) << GetParam().original << " + " << GetParam().patch;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, Rfc7386Appendix,
    ::testing::Values(MergeCase{R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
                      MergeCase{R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
                      MergeCase{R"({"a":"b"})", R"({"a":null})", R"({})"},
                      MergeCase{R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
                      MergeCase{R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
                      MergeCase{R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
                      MergeCase{R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
                      MergeCase{R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
                      MergeCase{R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
                      MergeCase{R"({"a":"b"})", R"(["c"])", R"(["c"])"},
                      MergeCase{R"({"a":"foo"})", R"(null)", R"(null)"},
                      MergeCase{R"({"a":"foo"})", R"("bar")", R"("bar")"},
                      MergeCase{R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
                      MergeCase{R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
                      MergeCase{R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"}));

struct JsonPatchCase {
  const char* name;
  const char* document;
  const char* patch;
  const char* result;  // nullptr: the patch must fail
};

class Rfc6902Appendix : public ::testing::TestWithParam<JsonPatchCase> {};

TEST_P(Rfc6902Appendix, ProducesTheListedResult) {
  auto r = applyJsonPatch(json::parse(GetParam().document), json::parse(GetParam().patch));
  if (GetParam().result == nullptr) {
    EXPECT_FALSE(r.ok()) << GetParam().name;
  } else {
    ASSERT_TRUE(r.ok()) << GetParam().name << ": " << r.error().message;
    EXPECT_EQ(*r, json::parse(GetParam().result)) << GetParam().name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Examples, Rfc6902Appendix,
    ::testing::Values(
        JsonPatchCase{"A1_add_member", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
                      R"({"baz":"qux","foo":"bar"})"},
        JsonPatchCase{"A2_add_element", R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
                      R"({"foo":["bar","qux","baz"]})"},
        JsonPatchCase{"A3_remove_member", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
                      R"({"foo":"bar"})"},
        JsonPatchCase{"A4_remove_element", R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
                      R"({"foo":["bar","baz"]})"},
        JsonPatchCase{"A5_replace", R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])",
                      R"({"baz":"boo","foo":"bar"})"},
        JsonPatchCase{"A6_move_value", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                      R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
                      R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
        JsonPatchCase{"A7_move_element", R"({"foo":["all","grass","cows","eat"]})",
                      R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])", R"({"foo":["all","cows","eat","grass"]})"},
        JsonPatchCase{"A8_test_success", R"({"baz":"qux","foo":["a",2,"c"]})",
                      R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
                      R"({"baz":"qux","foo":["a",2,"c"]})"},
        JsonPatchCase{"A9_test_error", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", nullptr},
        JsonPatchCase{"A10_add_nested", R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
                      R"({"foo":"bar","child":{"grandchild":{}}})"},
        JsonPatchCase{"A11_ignore_unknown", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])",
                      R"({"foo":"bar","baz":"qux"})"},
        JsonPatchCase{"A12_add_to_missing_parent", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])",
                      nullptr},
        JsonPatchCase{"A14_escape_ordering", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
                      R"({"/":9,"~1":10})"},
        JsonPatchCase{"A15_string_vs_number", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])",
                      nullptr},
        JsonPatchCase{"A16_add_array_value", R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
                      R"({"foo":["bar",["abc","def"]]})"},
        JsonPatchCase{"slash_escape", R"({"a/b":1})", R"([{"op":"replace","path":"/a~1b","value":2}])", R"({"a/b":2})"},
        JsonPatchCase{"copy", R"({"a":{"x":1}})", R"([{"op":"copy","from":"/a","path":"/b"}])", R"({"a":{"x":1},"b":{"x":1}})"},
        JsonPatchCase{"replace_root", R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])", R"([1])"},
        JsonPatchCase{"replace_missing", R"({"a":1})", R"([{"op":"replace","path":"/b","value":2}])", nullptr},
        JsonPatchCase{"remove_out_of_range", R"({"a":[1]})", R"([{"op":"remove","path":"/a/1"}])", nullptr},
        JsonPatchCase{"leading_zero_index", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/01"}])", nullptr},
        JsonPatchCase{"move_into_child", R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/c"}])", nullptr},
        JsonPatchCase{"bad_escape", R"({"a":1})", R"([{"op":"remove","path":"/~2"}])", nullptr},
        JsonPatchCase{"unknown_op", R"({"a":1})", R"([{"op":"frobnicate","path":"/a"}])", nullptr}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(JsonPatch, ErrorsNameTheFailingOperation) {
  json doc = {{"spec", {{"replicas", 1}}}};
  json ops = json::parse(R"([{"op":"replace","path":"/spec/replicas","value":2},
                             {"op":"test","path":"/spec/replicas","value":2},
                             {"op":"remove","path":"/spec/missing"}])");
  auto r = applyJsonPatch(doc, ops);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidPatch");
  EXPECT_EQ(r.error().message.rfind("operation 2 (remove \"/spec/missing\"): ", 0), 0u) << r.error().message;

  auto failedTest = applyJsonPatch(doc, json::parse(R"([{"op":"test","path":"/spec/replicas","value":5}])"));
  ASSERT_FALSE(failedTest.ok());
  EXPECT_EQ(failedTest.error().code, "TestFailed");
  EXPECT_NE(failedTest.error().message.find("operation 0 (test \"/spec/replicas\")"), std::string::npos);

  auto notArray = applyJsonPatch(doc, json::object());
  ASSERT_FALSE(notArray.ok());
  auto missingValue = applyJsonPatch(doc, json::parse(R"([{"op":"add","path":"/x"}])"));
  ASSERT_FALSE(missingValue.ok());
  EXPECT_NE(missingValue.error().message.find("missing \"value\""), std::string::npos);
}

TEST(JsonPatch, FailureLeavesTheInputUntouched) {
  json doc = {{"a", 1}};
  auto r = applyJsonPatch(doc, json::parse(R"([{"op":"add","path":"/b","value":2},{"op":"remove","path":"/zz"}])"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(doc, (json{{"a", 1}}));
}

TEST(JsonPointer, Resolves) {
  json doc = json::parse(R"({"a":{"b~c/d":[10,20]}})");
  ASSERT_NE(resolveJsonPointer(doc, "/a/b~0c~1d/1"), nullptr);
  EXPECT_EQ(*resolveJsonPointer(doc, "/a/b~0c~1d/1"), 20);
  EXPECT_EQ(*resolveJsonPointer(doc, ""), doc);
  EXPECT_EQ(resolveJsonPointer(doc, "/a/x"), nullptr);
  EXPECT_EQ(resolveJsonPointer(doc, "a"), nullptr);
}

TEST(CreateMergePatch, IsMinimalAndRoundTrips) {
  struct Case {
    json from, to, patch;
  };
  std::vector<Case> cases = {
      {{{"a", 1}}, {{"a", 1}}, json::object()},
      {{{"a", 1}, {"b", 2}}, {{"a", 1}}, {{"b", nullptr}}},
      {{{"spec", {{"replicas", 1}, {"image", "x"}}}}, {{"spec", {{"replicas", 3}, {"image", "x"}}}},
       {{"spec", {{"replicas", 3}}}}},
      {{{"list", {1, 2}}}, {{"list", {1, 2, 3}}}, {{"list", {1, 2, 3}}}},
      {{{"o", {{"x", 1}}}}, {{"o", "scalar"}}, {{"o", "scalar"}}},
      {{{"a", 1}}, {{"a", 1}, {"n", {{"deep", true}}}}, {{"n", {{"deep", true}}}}},
  };
  for (const auto& c : cases) {
    json p = createMergePatch(c.from, c.to);
    EXPECT_EQ(p, c.patch) << c.from.dump() << " -> " << c.to.dump();
    auto applied = applyMergePatch(c.from, p);
    ASSERT_TRUE(applied.ok());
    EXPECT_EQ(*applied, c.to);
  }
}

}  // namespace
}  // namespace modelops::apimachinery
