// Tests of structural schema validation, defaulting and pruning (schema.h): exact Kubernetes field paths,
// cause types and messages, as kubectl prints them from a 422 Invalid response.
// Thread-safety: single-threaded tests.
#include "modelops/apimachinery/schema.h"

#include <gtest/gtest.h>


namespace modelops::apimachinery {
namespace {

using nlohmann::json;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "spec": {
      "type": "object",
      "required": ["model"],
      "properties": {
        "model": {"type": "string", "minLength": 1, "maxLength": 10, "pattern": "^[a-z]+$"},
        "alias": {"type": "string", "minLength": 2},
        "replicas": {"type": "integer", "minimum": 0, "maximum": 100, "default": 1},
        "big": {"type": "integer", "format": "int32"},
        "mode": {"type": "string", "enum": ["A", "B"], "default": "A"},
        "level": {"type": "integer", "enum": [1, 2]},
        "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true},
        "port": {"x-kubernetes-int-or-string": true},
        "enabled": {"type": "boolean"},
        "note": {"type": "string", "nullable": true},
        "tags": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 3}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                  "properties": {"known": {"type": "object", "properties": {"a": {"type": "string"}}}}},
        "startAt": {"type": "string", "format": "date-time"},
        "strategy": {"type": "object", "properties": {"canary": {"type": "object", "default": {}, "properties": {
          "maxSurge": {"type": "integer", "default": 1},
          "steps": {"type": "array", "items": {"type": "object", "properties": {
            "setWeight": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 100},
            "pause": {"type": "object", "properties": {"duration": {"type": "string", "default": "1m"}}}}}}}}}}
      }
    },
    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
  }
})");

StructuralSchema schema() {
  auto s = StructuralSchema::fromJson(kSchema);
  if (!s.ok()) throw std::runtime_error(s.error().message);
  return *s;
}

// A valid object with `spec` fields set from specFields (nulls kept as nulls); "<absent>" removes a field.
json object(const json& specFields) {
  json o = {{"apiVersion", "modelops.dev/v1alpha1"}, {"kind", "ModelDeployment"},
            {"metadata", {{"name", "demo"}, {"namespace", "default"}}}, {"spec", {{"model", "iris"}}}};
  o["spec"].update(specFields, true);
  for (auto it = o["spec"].begin(); it != o["spec"].end();) {
    if (*it == "<absent>") it = o["spec"].erase(it);
    else ++it;
  }
  return o;
}

struct ViolationCase {
  const char* name;
  json spec;  // merged into a valid spec
  std::string field, type, message;
};

class SchemaViolations : public ::testing::TestWithParam<ViolationCase> {};

TEST_P(SchemaViolations, MatchTheApiserver) {
  const auto& c = GetParam();
  auto v = schema().validate(object(c.spec));
  ASSERT_EQ(v.size(), 1u) << c.name << ": " << joinViolations(v);
  EXPECT_EQ(v[0].field, c.field);
  EXPECT_EQ(v[0].type, c.type);
  EXPECT_EQ(v[0].message, c.message);
}

const json kSteps = json::parse(R"({"strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}, {"setWeight": 150}]}}})");

INSTANTIATE_TEST_SUITE_P(
    Causes, SchemaViolations,
    ::testing::Values(
        ViolationCase{"maximum_in_array", kSteps, "spec.strategy.canary.steps[2].setWeight", "FieldValueInvalid",
                      "Invalid value: 150: spec.strategy.canary.steps[2].setWeight in body should be less than or equal to 100"},
        ViolationCase{"minimum", {{"replicas", -1}}, "spec.replicas", "FieldValueInvalid",
                      "Invalid value: -1: spec.replicas in body should be greater than or equal to 0"},
        ViolationCase{"exclusive_maximum", {{"ratio", 1}}, "spec.ratio", "FieldValueInvalid",
                      "Invalid value: 1: spec.ratio in body should be less than 1"},
        ViolationCase{"exclusive_minimum", {{"ratio", 0.0}}, "spec.ratio", "FieldValueInvalid",
                      "Invalid value: 0: spec.ratio in body should be greater than 0"},
        ViolationCase{"enum", {{"mode", "Foo"}}, "spec.mode", "FieldValueNotSupported",
                      "Unsupported value: \"Foo\": supported values: \"A\", \"B\""},
        ViolationCase{"enum_numbers", {{"level", 3}}, "spec.level", "FieldValueNotSupported",
                      "Unsupported value: 3: supported values: \"1\", \"2\""},
        ViolationCase{"required", {{"model", "<absent>"}}, "spec.model", "FieldValueRequired", "Required value"},
        ViolationCase{"type", {{"replicas", "string"}}, "spec.replicas", "FieldValueTypeInvalid",
                      "Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""},
        ViolationCase{"type_fraction", {{"replicas", 1.5}}, "spec.replicas", "FieldValueTypeInvalid",
                      "Invalid value: \"number\": spec.replicas in body must be of type integer: \"number\""},
        ViolationCase{"type_object", {{"tags", {{"a", "b"}}}}, "spec.tags", "FieldValueTypeInvalid",
                      "Invalid value: \"object\": spec.tags in body must be of type array: \"object\""},
        ViolationCase{"not_nullable", {{"enabled", nullptr}}, "spec.enabled", "FieldValueTypeInvalid",
                      "Invalid value: \"null\": spec.enabled in body must be of type boolean: \"null\""},
        ViolationCase{"max_length", {{"model", "abcdefghijk"}}, "spec.model", "FieldValueTooLong",
                      "Too long: may not be more than 10 bytes"},
        ViolationCase{"min_length", {{"alias", "\u00e9"}}, "spec.alias", "FieldValueInvalid",  // one rune, two bytes
                      "Invalid value: \"\u00e9\": spec.alias in body should be at least 2 chars long"},
        ViolationCase{"pattern", {{"model", "ABC"}}, "spec.model", "FieldValueInvalid",
                      "Invalid value: \"ABC\": spec.model in body should match '^[a-z]+$'"},
        ViolationCase{"max_items", {{"tags", {"a", "b", "c"}}}, "spec.tags", "FieldValueTooMany",
                      "Too many: 3: must have at most 2 items"},
        ViolationCase{"min_items", {{"tags", json::array()}}, "spec.tags", "FieldValueInvalid",
                      "Invalid value: 0: spec.tags in body should have at least 1 items"},
        ViolationCase{"array_item_type", {{"tags", {"a", 5}}}, "spec.tags[1]", "FieldValueTypeInvalid",
                      "Invalid value: \"integer\": spec.tags[1] in body must be of type string: \"integer\""},
        ViolationCase{"additional_properties", {{"labels", {{"k", "long"}}}}, "spec.labels.k", "FieldValueTooLong",
                      "Too long: may not be more than 3 bytes"},
        ViolationCase{"int_or_string", {{"port", true}}, "spec.port", "FieldValueTypeInvalid",
                      "Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\""},
        ViolationCase{"int32_range", {{"big", 3000000000LL}}, "spec.big", "FieldValueTypeInvalid",
                      "Invalid value: 3000000000: spec.big in body must be of type int32: \"3000000000\""},
        ViolationCase{"date_time", {{"startAt", "yesterday"}}, "spec.startAt", "FieldValueTypeInvalid",
                      "Invalid value: \"yesterday\": spec.startAt in body must be of type date-time: \"yesterday\""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Schema, ValidObjectsPass) {
  json spec = {{"replicas", 1.0},  // an integral float is an integer, as the apiserver's decoder sees it
               {"port", "http"}, {"note", nullptr}, {"ratio", 0.5}, {"tags", {"a"}}, {"labels", {{"k", "v"}}},
               {"startAt", "2026-11-25T10:42:00Z"}, {"extra", {{"anything", {1, 2}}}}, {"big", 2147483647},
               {"unknownField", "is not a validation error"}};
  auto v = schema().validate(object(spec));
  EXPECT_TRUE(v.empty()) << joinViolations(v);
  EXPECT_TRUE(schema().validate(object({{"port", 8080}})).empty());
}

TEST(Schema, ReportsEveryViolationAndJoinsThemLikeTheApiserver) {
  auto v = schema().validate(object({{"model", "<absent>"}, {"replicas", 101}, {"mode", "C"}}));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(joinViolations(v),
            "[spec.model: Required value, spec.mode: Unsupported value: \"C\": supported values: \"A\", \"B\", "
            "spec.replicas: Invalid value: 101: spec.replicas in body should be less than or equal to 100]");
  EXPECT_EQ(joinViolations({v[0]}), "spec.model: Required value");
}

TEST(Schema, MetadataNameAndNamespaceAreCheckedLoosely) {
  json o = object(json::object());
  o["metadata"]["name"] = "Bad_Name";
  o["metadata"]["namespace"] = "Bad.NS";
  o["metadata"]["labels"] = {{"free", "form"}};
  o["apiVersion"] = 5;  // apiVersion and kind are not validated against the schema
  auto v = schema().validate(o);
  ASSERT_EQ(v.size(), 2u) << joinViolations(v);
  EXPECT_EQ(v[0].field, "metadata.name");
  EXPECT_EQ(v[0].type, "FieldValueInvalid");
  EXPECT_EQ(v[0].message.rfind("Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of", 0), 0u);
  EXPECT_EQ(v[1].field, "metadata.namespace");
  EXPECT_EQ(v[1].message.rfind("Invalid value: \"Bad.NS\": a lowercase RFC 1123 label", 0), 0u);
}

TEST(Schema, DefaultsApplyRecursivelyIncludingArrayItemsAndNulls) {
  json o = object({{"strategy", json::object()}, {"enabled", nullptr}, {"note", nullptr}});
  o["spec"]["replicas"] = nullptr;  // null for a non-nullable field takes the default
  o["spec"]["strategy"]["canary"] = {{"steps", {{{"pause", json::object()}}, {{"setWeight", 5}}}}};
  schema().applyDefaults(o);
  EXPECT_EQ(o["spec"]["replicas"], 1);
  EXPECT_EQ(o["spec"]["mode"], "A");
  EXPECT_FALSE(o["spec"].contains("enabled"));  // non-nullable null without a default is dropped
  EXPECT_TRUE(o["spec"].contains("note"));      // nullable null is kept
  EXPECT_EQ(o["spec"]["strategy"]["canary"]["maxSurge"], 1);
  EXPECT_EQ(o["spec"]["strategy"]["canary"]["steps"][0]["pause"]["duration"], "1m");
  EXPECT_FALSE(o["spec"]["strategy"]["canary"]["steps"][1].contains("pause"));

  json fresh = object({{"strategy", json::object()}});
  schema().applyDefaults(fresh);
  EXPECT_EQ(fresh["spec"]["strategy"]["canary"], (json{{"maxSurge", 1}}));  // defaulted object gets nested defaults
  json explicitValues = object({{"replicas", 7}, {"mode", "B"}});
  schema().applyDefaults(explicitValues);
  EXPECT_EQ(explicitValues["spec"]["replicas"], 7);
  EXPECT_EQ(explicitValues["spec"]["mode"], "B");
}

TEST(Schema, PruneRemovesUnknownFieldsExceptWherePreserved) {
  json o = object({{"bogus", 1},
                   {"labels", {{"any", "key"}}},
                   {"extra", {{"free", {{"x", 1}}}, {"known", {{"a", "ok"}, {"b", "pruned"}}}}},
                   {"strategy", {{"canary", {{"steps", {{{"setWeight", 1}, {"junk", true}}}}}}}}});
  o["status"] = {{"anything", {{"goes", 1}}}};
  o["topLevel"] = "x";
  auto unknown = schema().unknownFields(o);
  EXPECT_EQ(unknown, (std::vector<std::string>{"spec.bogus", "spec.extra.known.b", "spec.strategy.canary.steps[0].junk", "topLevel"}));
  schema().prune(o);
  EXPECT_FALSE(o["spec"].contains("bogus"));
  EXPECT_FALSE(o.contains("topLevel"));
  EXPECT_EQ(o["spec"]["labels"], (json{{"any", "key"}}));
  EXPECT_EQ(o["spec"]["extra"], (json{{"free", {{"x", 1}}}, {"known", {{"a", "ok"}}}}));
  EXPECT_EQ(o["spec"]["strategy"]["canary"]["steps"][0], (json{{"setWeight", 1}}));
  EXPECT_EQ(o["status"]["anything"]["goes"], 1);
  EXPECT_EQ(o["metadata"]["name"], "demo");
  EXPECT_EQ(o["kind"], "ModelDeployment");
  EXPECT_TRUE(schema().unknownFields(o).empty());
}

TEST(Schema, CombinatorsAndUniqueItems) {
  auto s = StructuralSchema::fromJson(json::parse(R"({"type": "object", "properties": {
      "x": {"type": "integer", "anyOf": [{"minimum": 10}, {"maximum": 0}]},
      "y": {"type": "string", "not": {"enum": ["forbidden"]}},
      "z": {"type": "array", "uniqueItems": true, "items": {"type": "integer"}}}})"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->validate(json{{"x", 11}, {"y", "fine"}, {"z", {1, 2}}}).empty());
  auto v = s->validate(json{{"x", 5}, {"y", "forbidden"}, {"z", {1, 1}}});
  ASSERT_EQ(v.size(), 3u) << joinViolations(v);
  EXPECT_EQ(v[0].message, "Invalid value: 5: \"x\" must validate at least one schema (anyOf)");
  EXPECT_EQ(v[1].message, "Invalid value: \"forbidden\": \"y\" must not validate the schema (not)");
  EXPECT_EQ(v[2].message, "Duplicate value: 1");
}

TEST(Schema, ListTypeMapAndSetRejectDuplicates) {
  auto s = StructuralSchema::fromJson(json::parse(R"({"type": "object", "properties": {
      "variants": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                   "items": {"type": "object", "properties": {"name": {"type": "string"}, "weight": {"type": "integer"}}}},
      "hosts": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
      "steps": {"type": "array", "x-kubernetes-list-type": "atomic", "items": {"type": "string"}}}})"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->validate(json::parse(R"({"variants": [{"name": "a"}, {"name": "b"}], "hosts": ["x", "y"], "steps": ["s", "s"]})")).empty());
  auto v = s->validate(json::parse(R"({"variants": [{"name": "a", "weight": 1}, {"name": "b"}, {"name": "a", "weight": 2}],
                                       "hosts": ["x", "y", "x"]})"));
  ASSERT_EQ(v.size(), 2u) << joinViolations(v);
  EXPECT_EQ(v[0].error(), "hosts[2]: Duplicate value: \"x\"");
  EXPECT_EQ(v[0].type, "FieldValueDuplicate");
  EXPECT_EQ(v[1].error(), "variants[2]: Duplicate value: map[string]interface {}{\"name\":\"a\"}");
}

TEST(Schema, MalformedSchemasAreRejected) {
  for (const char* bad : {R"({"type": "strin"})", R"({"type": "object", "properties": {"a": {"type": "string", "pattern": "(["}}})",
                          R"({"$ref": "#/x"})", R"({"type": "string", "maxLength": -1})", R"([1])"}) {
    auto s = StructuralSchema::fromJson(json::parse(bad));
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, "InvalidSchema");
  }
}

TEST(GoValues, PrintLikeGo) {
  EXPECT_EQ(formatGoValue(150), "150");
  EXPECT_EQ(formatGoValue(1.5), "1.5");
  EXPECT_EQ(formatGoValue(1e6), "1e+06");
  EXPECT_EQ(formatGoValue(123456.0), "123456");
  EXPECT_EQ(formatGoValue(0.0001), "0.0001");
  EXPECT_EQ(formatGoValue(0.00001), "1e-05");
  EXPECT_EQ(formatGoValue(-2.5e21), "-2.5e+21");
  EXPECT_EQ(formatGoValue("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(formatGoValue(true), "true");
  EXPECT_EQ(formatGoValue(nullptr), "\"null\"");
}

TEST(Names, DnsSubdomain) {
  EXPECT_EQ(validateDnsSubdomain("my-app.v1"), "");
  EXPECT_NE(validateDnsSubdomain("-x"), "");
  EXPECT_NE(validateDnsSubdomain(""), "");
  EXPECT_EQ(validateDnsSubdomain(std::string(254, 'a')).rfind("must be no more than 253 characters", 0), 0u);
}

}  // namespace
}  // namespace modelops::apimachinery
