// Structural-schema and document checks for the CRD/example tests (see schema_check.h).
// Thread-safety: pure functions.
#include "schema_check.h"

#include <regex>
#include <set>

namespace modelops::testing {
namespace {

using nlohmann::json;

const std::set<std::string> kTypes = {"object", "array", "string", "integer", "number", "boolean"};

std::string join(const std::string& path, const std::string& child) {
  return path.empty() ? child : path + "." + child;
}

bool isIntOrString(const json& node) { return node.value("x-kubernetes-int-or-string", false); }
bool preservesUnknown(const json& node) { return node.value("x-kubernetes-preserve-unknown-fields", false); }

// Problems of one value against one node (recursing into objects and arrays).
void checkValue(const json& node, const json& value, const std::string& path, std::vector<std::string>& out) {
  auto report = [&](const std::string& what) { out.push_back((path.empty() ? "<root>" : path) + ": " + what); };
  if (value.is_null()) {
    report("null is not allowed (no nullable fields)");
    return;
  }
  if (isIntOrString(node)) {
    if (!value.is_number_integer() && !value.is_string()) report("must be an integer or a string");
    return;
  }
  std::string type = node.value("type", "");
  bool typeOk = (type == "object" && value.is_object()) || (type == "array" && value.is_array()) ||
                (type == "string" && value.is_string()) || (type == "integer" && value.is_number_integer()) ||
                (type == "number" && value.is_number()) || (type == "boolean" && value.is_boolean());
  if (!typeOk) {
    report("must be of type " + type + ", is " + value.type_name());
    return;
  }
  if (node.contains("enum")) {
    bool found = false;
    for (const json& allowed : node["enum"]) found = found || allowed == value;
    if (!found) report("value " + value.dump() + " is not one of " + node["enum"].dump());
  }
  if (value.is_number()) {
    double v = value.get<double>();
    if (node.contains("minimum")) {
      double m = node["minimum"].get<double>();
      bool exclusive = node.value("exclusiveMinimum", false);
      if (exclusive ? !(v > m) : !(v >= m)) report("below the minimum " + node["minimum"].dump());
    }
    if (node.contains("maximum")) {
      double m = node["maximum"].get<double>();
      bool exclusive = node.value("exclusiveMaximum", false);
      if (exclusive ? !(v < m) : !(v <= m)) report("above the maximum " + node["maximum"].dump());
    }
  }
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (node.contains("minLength") && s.size() < node["minLength"].get<size_t>()) report("too short");
    if (node.contains("maxLength") && s.size() > node["maxLength"].get<size_t>()) report("too long");
    if (node.contains("pattern")) {
      std::regex re(node["pattern"].get<std::string>(), std::regex::ECMAScript);
      if (!std::regex_search(s, re)) report("\"" + s + "\" does not match " + node["pattern"].get<std::string>());
    }
  }
  if (value.is_array()) {
    if (node.contains("minItems") && value.size() < node["minItems"].get<size_t>()) report("too few items");
    if (node.contains("maxItems") && value.size() > node["maxItems"].get<size_t>()) report("too many items");
    for (size_t i = 0; i < value.size(); ++i) {
      checkValue(node.at("items"), value[i], path + "[" + std::to_string(i) + "]", out);
    }
  }
  if (value.is_object()) {
    for (const json& name : node.value("required", json::array())) {
      if (!value.contains(name.get<std::string>())) report("missing required field " + name.get<std::string>());
    }
    if (preservesUnknown(node) && !node.contains("properties")) return;
    for (const auto& [key, child] : value.items()) {
      if (node.contains("properties") && node["properties"].contains(key)) {
        checkValue(node["properties"][key], child, join(path, key), out);
      } else if (node.contains("additionalProperties")) {
        checkValue(node["additionalProperties"], child, join(path, key), out);
      } else if (!preservesUnknown(node)) {
        out.push_back(join(path, key) + ": unknown field (not declared in the schema)");
      }
    }
  }
}

void checkNode(const json& node, const std::string& path, bool needsDescription, StructuralReport& r) {
  auto report = [&](const std::string& what) { r.problems.push_back((path.empty() ? "<root>" : path) + ": " + what); };
  if (!node.is_object()) {
    report("schema node is not an object");
    return;
  }
  for (const char* forbidden : {"$ref", "definitions", "dependencies", "patternProperties", "additionalItems",
                                "nullable", "oneOf", "allOf", "not"}) {
    if (node.contains(forbidden)) report(std::string("uses ") + forbidden);
  }
  if (needsDescription && (!node.contains("description") || !node["description"].is_string() ||
                           node["description"].get<std::string>().empty())) {
    report("has no description");
  }
  if (preservesUnknown(node)) r.preservedPaths.push_back(path);
  if (isIntOrString(node)) {
    if (node.contains("type")) report("int-or-string must not have a type");
    if (node.contains("anyOf") && node["anyOf"] != json::parse(R"([{"type":"integer"},{"type":"string"}])")) {
      report("int-or-string anyOf must be [integer, string]");
    }
  } else {
    if (node.contains("anyOf")) report("anyOf outside an int-or-string");
    if (!node.contains("type") || !node["type"].is_string() || !kTypes.count(node["type"].get<std::string>())) {
      report("has no valid type");
      return;
    }
  }
  std::string type = node.value("type", "");
  if (node.contains("enum")) {
    for (const json& v : node["enum"]) {
      std::vector<std::string> bad;
      checkValue(json{{"type", type}}, v, path, bad);
      if (!bad.empty()) report("enum value " + v.dump() + " does not have the node's type");
    }
  }
  if (node.contains("default")) {
    json withoutRequired = node;
    withoutRequired.erase("required");
    std::vector<std::string> bad;
    checkValue(withoutRequired, node["default"], path, bad);
    for (const auto& b : bad) report("default is invalid: " + b);
  }
  if (type == "object") {
    if (node.contains("properties") && node.contains("additionalProperties")) {
      report("has both properties and additionalProperties");
    }
    for (const json& name : node.value("required", json::array())) {
      if (!node.contains("properties") || !node["properties"].contains(name.get<std::string>())) {
        report("requires undeclared field " + name.dump());
      }
    }
    if (node.contains("properties")) {
      for (const auto& [key, child] : node["properties"].items()) {
        bool isMetadata = path.empty() && key == "metadata";
        if (isMetadata) {
          if (child != json{{"type", "object"}}) report("metadata may only say type: object");
          continue;
        }
        checkNode(child, join(path, key), true, r);
      }
    }
    if (node.contains("additionalProperties")) {
      const json& ap = node["additionalProperties"];
      if (!ap.is_object()) {
        report("additionalProperties must be a schema");
      } else {
        checkNode(ap, path + "{}", ap.value("type", "") == "object", r);
      }
    }
  } else if (type == "array") {
    if (!node.contains("items") || !node["items"].is_object()) {
      report("array without a single items schema");
      return;
    }
    const json& items = node["items"];
    if (node.value("x-kubernetes-list-type", "") == "map") {
      for (const json& key : node.value("x-kubernetes-list-map-keys", json::array())) {
        bool required = false;
        for (const json& name : items.value("required", json::array())) required = required || name == key;
        if (!required) report("list-map key " + key.dump() + " is not required in the items");
      }
    }
    checkNode(items, path + "[]", items.value("type", "") == "object", r);
  } else if (node.contains("properties") || node.contains("items")) {
    report("properties or items on a " + type);
  }
}

}  // namespace

StructuralReport checkStructural(const json& schema) {
  StructuralReport r;
  checkNode(schema, "", false, r);
  return r;
}

std::vector<std::string> checkDocument(const json& schema, const json& document) {
  std::vector<std::string> out;
  json root = schema;
  if (root.contains("properties")) root["properties"].erase("metadata");
  json doc = document;
  for (const char* skipped : {"apiVersion", "kind", "metadata"}) doc.erase(skipped);
  checkValue(root, doc, "", out);
  return out;
}

const json* schemaAt(const json& schema, const std::string& path) {
  const json* node = &schema;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool items = part.size() > 2 && part.compare(part.size() - 2, 2, "[]") == 0;
    if (items) part.resize(part.size() - 2);
    if (!node->contains("properties") || !(*node)["properties"].contains(part)) return nullptr;
    node = &(*node)["properties"][part];
    if (items) {
      if (!node->contains("items")) return nullptr;
      node = &(*node)["items"];
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return node;
}

}  // namespace modelops::testing
