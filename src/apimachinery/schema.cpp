// Structural schema parsing and validation (see schema.h). Errors reproduce what kube-apiserver returns
// for custom resources: kube-openapi validation messages ("<path> in body should be ...") wrapped into
// field.Error bodies ("Invalid value: <v>: <message>") by apiextensions-apiserver.
// Thread-safety: parsing builds immutable nodes; validation only reads them.
#include <charconv>
#include <cmath>
#include <cstdio>

#include "modelops/common/time.h"
#include "modelops/apimachinery/go_format.h"
#include "names.h"
#include "schema_node.h"

namespace modelops::apimachinery {

using nlohmann::json;
using Node = StructuralSchema::Node;

// ---- parsing --------------------------------------------------------------------------------------

namespace {

Result<std::shared_ptr<const Node>> parseNode(const json& s, const std::string& path);

Error schemaError(const std::string& path, const std::string& why) {
  return Error{"InvalidSchema", "openAPIV3Schema" + path + ": " + why};
}

Result<std::optional<std::int64_t>> optInt(const json& s, const char* key, const std::string& path) {
  auto it = s.find(key);
  if (it == s.end() || it->is_null()) return std::optional<std::int64_t>{};
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0) {
    return schemaError(path + "." + key, "must be a non-negative integer");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::shared_ptr<const Node>> parseNode(const json& s, const std::string& path) {
  if (!s.is_object()) return schemaError(path, "a schema must be an object");
  auto n = std::make_shared<Node>();
  if (auto t = s.find("type"); t != s.end() && !t->is_null()) {
    static const char* types[] = {"object", "array", "string", "integer", "number", "boolean"};
    if (!t->is_string() || std::find(std::begin(types), std::end(types), t->get<std::string>()) == std::end(types)) {
      return schemaError(path + ".type", "unsupported type " + t->dump());
    }
    n->type = t->get<std::string>();
  }
  if (s.contains("$ref")) return schemaError(path + ".$ref", "$ref is not allowed in a structural schema");
  n->nullable = s.value("nullable", false);
  n->intOrString = s.value("x-kubernetes-int-or-string", false);
  n->preserveUnknown = s.value("x-kubernetes-preserve-unknown-fields", false);
  n->embeddedResource = s.value("x-kubernetes-embedded-resource", false);
  if (auto p = s.find("properties"); p != s.end() && p->is_object()) {
    for (const auto& [k, v] : p->items()) {
      auto child = parseNode(v, path + ".properties[" + k + "]");
      if (!child.ok()) return child.error();
      n->properties[k] = *child;
    }
  }
  if (auto i = s.find("items"); i != s.end() && !i->is_null()) {
    auto child = parseNode(*i, path + ".items");
    if (!child.ok()) return child.error();
    n->items = *child;
  }
  if (auto a = s.find("additionalProperties"); a != s.end() && !a->is_null()) {
    if (a->is_boolean()) {
      n->additionalPropertiesBool = a->get<bool>();
    } else {
      auto child = parseNode(*a, path + ".additionalProperties");
      if (!child.ok()) return child.error();
      n->additionalProperties = *child;
    }
  }
  if (auto r = s.find("required"); r != s.end() && r->is_array()) {
    for (const auto& k : *r) {
      if (k.is_string()) n->required.push_back(k.get<std::string>());
    }
  }
  if (auto e = s.find("enum"); e != s.end() && e->is_array()) n->enumValues = *e;
  for (auto [key, target] : {std::pair{"minimum", &n->minimum}, std::pair{"maximum", &n->maximum},
                             std::pair{"multipleOf", &n->multipleOf}}) {
    auto it = s.find(key);
    if (it == s.end() || it->is_null()) continue;
    if (!it->is_number()) return schemaError(path + "." + key, "must be a number");
    *target = *it;
  }
  n->exclusiveMinimum = s.value("exclusiveMinimum", false);
  n->exclusiveMaximum = s.value("exclusiveMaximum", false);
  for (auto [key, target] : {std::pair{"minLength", &n->minLength}, std::pair{"maxLength", &n->maxLength},
                             std::pair{"minItems", &n->minItems}, std::pair{"maxItems", &n->maxItems},
                             std::pair{"minProperties", &n->minProperties},
                             std::pair{"maxProperties", &n->maxProperties}}) {
    auto v = optInt(s, key, path);
    if (!v.ok()) return v.error();
    *target = *v;
  }
  n->uniqueItems = s.value("uniqueItems", false);
  if (auto lt = s.find("x-kubernetes-list-type"); lt != s.end() && lt->is_string()) n->listType = lt->get<std::string>();
  if (auto mk = s.find("x-kubernetes-list-map-keys"); mk != s.end() && mk->is_array()) {
    for (const auto& k : *mk) {
      if (k.is_string()) n->listMapKeys.push_back(k.get<std::string>());
    }
  }
  if (auto p = s.find("pattern"); p != s.end() && p->is_string()) {
    n->patternText = p->get<std::string>();
    try {
      n->pattern = std::regex(n->patternText, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return schemaError(path + ".pattern", "invalid regular expression \"" + n->patternText + "\": " + e.what());
    }
  }
  if (auto f = s.find("format"); f != s.end() && f->is_string()) n->format = f->get<std::string>();
  if (auto d = s.find("default"); d != s.end()) n->defaultValue = *d;
  for (auto [key, target] : {std::pair{"allOf", &n->allOf}, std::pair{"anyOf", &n->anyOf},
                             std::pair{"oneOf", &n->oneOf}}) {
    auto it = s.find(key);
    if (it == s.end() || !it->is_array()) continue;
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto child = parseNode((*it)[i], path + "." + key + "[" + std::to_string(i) + "]");
      if (!child.ok()) return child.error();
      target->push_back(*child);
    }
  }
  if (auto no = s.find("not"); no != s.end() && no->is_object()) {
    auto child = parseNode(*no, path + ".not");
    if (!child.ok()) return child.error();
    n->notSchema = *child;
  }
  return std::shared_ptr<const Node>(n);
}

}  // namespace

Result<StructuralSchema> StructuralSchema::fromJson(const nlohmann::json& openApiV3Schema) {
  auto root = parseNode(openApiV3Schema, "");
  if (!root.ok()) return root.error();
  StructuralSchema s;
  s.root_ = *root;
  s.json_ = openApiV3Schema;
  return s;
}

// ---- validation -----------------------------------------------------------------------------------

namespace {

class Validator {
 public:
  explicit Validator(std::vector<SchemaViolation>& out) : out_(out) {}

  void validate(const Node& n, const json& v, const std::string& path) {
    if (v.is_null()) {
      if (n.nullable || (n.type.empty() && !n.intOrString)) return;
      typeError(path, n.intOrString ? "integer,string" : n.type, "null");
      return;
    }
    std::string actual = dataType(v);
    if (n.intOrString) {
      if (actual != "integer" && actual != "string" && !(actual == "number" && isIntegral(v))) {
        typeError(path, "integer,string", actual);
        return;
      }
    } else if (!n.type.empty() && !typeMatches(n.type, actual, v)) {
      typeError(path, n.type, actual);
      return;
    }
    if (v.is_string()) checkString(n, v, path);
    if (v.is_number()) checkNumber(n, v, path);
    if (v.is_array()) checkArray(n, v, path);
    if (v.is_object()) checkObject(n, v, path);
    if (n.enumValues && std::find(n.enumValues->begin(), n.enumValues->end(), v) == n.enumValues->end()) {
      std::string supported;
      for (const auto& e : *n.enumValues) {
        supported += (supported.empty() ? "" : ", ") + goQuote(e.is_string() ? e.get<std::string>() : e.dump());
      }
      add(path, "FieldValueNotSupported",
          "Unsupported value: " + formatGoValue(v) + (supported.empty() ? "" : ": supported values: " + supported));
    }
    checkCombinators(n, v, path);
  }

 private:
  static std::string dataType(const json& v) {
    if (v.is_string()) return "string";
    if (v.is_boolean()) return "boolean";
    if (v.is_number_integer()) return "integer";
    if (v.is_number()) return "number";
    if (v.is_array()) return "array";
    return "object";
  }
  static bool isIntegral(const json& v) {
    if (!v.is_number_float()) return v.is_number();
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  static bool typeMatches(const std::string& want, const std::string& actual, const json& v) {
    if (want == actual) return true;
    if (want == "number" && actual == "integer") return true;
    if (want == "integer" && actual == "number") return isIntegral(v);
    return false;
  }

  void add(const std::string& path, const std::string& type, std::string message) {
    out_.push_back({path, type, std::move(message)});
  }
  // kube-openapi: "<path> in body must be of type <want>: \"<actual>\"", the bad value being the type name.
  void typeError(const std::string& path, const std::string& want, const std::string& actual) {
    add(path, "FieldValueTypeInvalid",
        "Invalid value: " + goQuote(actual) + ": " + path + " in body must be of type " + want + ": " + goQuote(actual));
  }
  void invalid(const std::string& path, const json& v, const std::string& detail) {
    add(path, "FieldValueInvalid", "Invalid value: " + formatGoValue(v) + ": " + path + " in body " + detail);
  }

  void checkString(const Node& n, const json& v, const std::string& path) {
    const std::string& s = v.get_ref<const std::string&>();
    std::int64_t runes = 0;
    for (unsigned char c : s) runes += (c & 0xC0) != 0x80;
    if (n.maxLength && runes > *n.maxLength) {
      add(path, "FieldValueTooLong",
          "Too long: may not be more than " + std::to_string(*n.maxLength) + (*n.maxLength == 1 ? " byte" : " bytes"));
    }
    if (n.minLength && runes < *n.minLength) {
      invalid(path, v, "should be at least " + std::to_string(*n.minLength) + " chars long");
    }
    if (n.pattern && !std::regex_search(s, *n.pattern)) invalid(path, v, "should match '" + n.patternText + "'");
    if (!checkStringFormat(n.format, s)) {
      add(path, "FieldValueTypeInvalid",
          "Invalid value: " + goQuote(s) + ": " + path + " in body must be of type " + n.format + ": " + goQuote(s));
    }
  }

  static bool checkStringFormat(const std::string& format, const std::string& s) {
    if (format == "date-time" || format == "datetime") return parseRfc3339(s).has_value();
    if (format == "date") {
      static const std::regex re("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$");
      return std::regex_match(s, re);
    }
    if (format == "uuid") {
      static const std::regex re("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$");
      return std::regex_match(s, re);
    }
    if (format == "byte") {
      static const std::regex re("^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$");
      return std::regex_match(s, re);
    }
    if (format == "ipv4") {
      static const std::regex re("^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
      return std::regex_match(s, re);
    }
    return true;  // other formats are accepted, as the apiserver does for unknown ones
  }

  void checkNumber(const Node& n, const json& v, const std::string& path) {
    double d = v.get<double>();
    if (n.maximum) {
      double max = n.maximum->get<double>();
      if (n.exclusiveMaximum ? d >= max : d > max) {
        invalid(path, v, std::string(n.exclusiveMaximum ? "should be less than " : "should be less than or equal to ") +
                             goFloat(max));
      }
    }
    if (n.minimum) {
      double min = n.minimum->get<double>();
      if (n.exclusiveMinimum ? d <= min : d < min) {
        invalid(path, v,
                std::string(n.exclusiveMinimum ? "should be greater than " : "should be greater than or equal to ") +
                    goFloat(min));
      }
    }
    if (n.multipleOf) {
      double m = n.multipleOf->get<double>();
      double q = d / m;
      if (m > 0 && std::fabs(q - std::round(q)) > 1e-9) invalid(path, v, "should be a multiple of " + goFloat(m));
    }
    if ((n.format == "int32" || n.format == "int64") && v.is_number_integer()) {
      bool fits = n.format == "int64" ||
                  (v.is_number_unsigned() ? v.get<std::uint64_t>() <= 2147483647ULL
                                          : v.get<std::int64_t>() >= -2147483648LL && v.get<std::int64_t>() <= 2147483647LL);
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > 9223372036854775807ULL) fits = false;
      if (!fits) {
        add(path, "FieldValueTypeInvalid", "Invalid value: " + formatGoValue(v) + ": " + path +
                                               " in body must be of type " + n.format + ": " + goQuote(v.dump()));
      }
    }
  }

  void checkArray(const Node& n, const json& v, const std::string& path) {
    auto size = static_cast<std::int64_t>(v.size());
    if (n.maxItems && size > *n.maxItems) {
      add(path, "FieldValueTooMany",
          "Too many: " + std::to_string(size) + ": must have at most " + std::to_string(*n.maxItems) + " items");
    }
    if (n.minItems && size < *n.minItems) {
      add(path, "FieldValueInvalid", "Invalid value: " + std::to_string(size) + ": " + path +
                                         " in body should have at least " + std::to_string(*n.minItems) + " items");
    }
    if (n.uniqueItems) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        for (std::size_t j = i + 1; j < v.size(); ++j) {
          if (v[i] == v[j]) {
            add(path, "FieldValueDuplicate", "Duplicate value: " + formatGoValue(v[j]));
            i = v.size();
            break;
          }
        }
      }
    }
    if (n.items) {
      for (std::size_t i = 0; i < v.size(); ++i) validate(*n.items, v[i], path + "[" + std::to_string(i) + "]");
    }
    checkListType(n, v, path);
  }

  // x-kubernetes-list-type set/map uniqueness (apiextensions listtype.ValidateListSetsAndMaps): the
  // duplicate is reported at its index, a map list's value as Go prints map[string]interface{} (%#v).
  void checkListType(const Node& n, const json& v, const std::string& path) {
    if (n.listType == "set") {
      for (std::size_t i = 0; i < v.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (v[i] == v[j]) {
            add(path + "[" + std::to_string(i) + "]", "FieldValueDuplicate", "Duplicate value: " + formatGoValue(v[i]));
            break;
          }
        }
      }
    } else if (n.listType == "map" && !n.listMapKeys.empty()) {
      auto keyOf = [&](const json& e) {
        json k = json::object();
        for (const auto& name : n.listMapKeys) {
          if (e.is_object() && e.contains(name)) k[name] = e[name];
        }
        return k;
      };
      for (std::size_t i = 0; i < v.size(); ++i) {
        json ki = keyOf(v[i]);
        for (std::size_t j = 0; j < i; ++j) {
          if (keyOf(v[j]) == ki) {
            std::string printed = "map[string]interface {}{";
            bool first = true;
            for (const auto& [k, x] : ki.items()) {
              printed += (first ? "\"" : ", \"") + k + "\":" + formatGoValue(x);
              first = false;
            }
            add(path + "[" + std::to_string(i) + "]", "FieldValueDuplicate", "Duplicate value: " + printed + "}");
            break;
          }
        }
      }
    }
  }

  static std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  void checkObject(const Node& n, const json& v, const std::string& path) {
    for (const auto& r : n.required) {
      if (!v.contains(r)) add(child(path, r), "FieldValueRequired", "Required value");
    }
    auto count = static_cast<std::int64_t>(v.size());
    if (n.maxProperties && count > *n.maxProperties) {
      add(path, "FieldValueTooMany",
          "Too many: " + std::to_string(count) + ": must have at most " + std::to_string(*n.maxProperties) + " items");
    }
    if (n.minProperties && count < *n.minProperties) {
      add(path, "FieldValueInvalid", "Invalid value: " + std::to_string(count) + ": " + path +
                                         " in body should have at least " + std::to_string(*n.minProperties) +
                                         " properties");
    }
    for (const auto& [key, value] : v.items()) {
      if (path.empty() && (key == "apiVersion" || key == "kind")) continue;
      if ((path.empty() || n.embeddedResource) && key == "metadata") {
        checkMetadata(value, child(path, key));
        continue;
      }
      if (auto p = n.properties.find(key); p != n.properties.end()) {
        validate(*p->second, value, child(path, key));
      } else if (n.additionalProperties) {
        validate(*n.additionalProperties, value, child(path, key));
      }
      // Unknown fields are not validation errors: they are pruned, or reported by unknownFields().
    }
  }

  void checkMetadata(const json& m, const std::string& path) {
    if (!m.is_object()) {
      typeError(path, "object", dataType(m));
      return;
    }
    if (auto name = m.find("name"); name != m.end() && name->is_string()) {
      std::string msg = names::dns1123Subdomain(name->get<std::string>());
      if (!msg.empty()) add(path + ".name", "FieldValueInvalid", "Invalid value: " + formatGoValue(*name) + ": " + msg);
    }
    if (auto ns = m.find("namespace"); ns != m.end() && ns->is_string() && !ns->get<std::string>().empty()) {
      std::string msg = names::dns1123Label(ns->get<std::string>());
      if (!msg.empty()) add(path + ".namespace", "FieldValueInvalid", "Invalid value: " + formatGoValue(*ns) + ": " + msg);
    }
  }

  void checkCombinators(const Node& n, const json& v, const std::string& path) {
    for (const auto& s : n.allOf) validate(*s, v, path);
    auto passes = [&](const Node& s) {
      std::vector<SchemaViolation> scratch;
      Validator(scratch).validate(s, v, path);
      return scratch.empty();
    };
    std::string name = path.empty() ? "." : path;
    if (!n.anyOf.empty() && std::none_of(n.anyOf.begin(), n.anyOf.end(), [&](const auto& s) { return passes(*s); })) {
      add(path, "FieldValueInvalid", "Invalid value: " + formatGoValue(v) + ": " + goQuote(name) +
                                         " must validate at least one schema (anyOf)");
    }
    if (!n.oneOf.empty()) {
      auto ok = std::count_if(n.oneOf.begin(), n.oneOf.end(), [&](const auto& s) { return passes(*s); });
      if (ok != 1) {
        add(path, "FieldValueInvalid", "Invalid value: " + formatGoValue(v) + ": " + goQuote(name) +
                                           " must validate one and only one schema (oneOf)");
      }
    }
    if (n.notSchema && passes(*n.notSchema)) {
      add(path, "FieldValueInvalid", "Invalid value: " + formatGoValue(v) + ": " + goQuote(name) +
                                         " must not validate the schema (not)");
    }
  }

  std::vector<SchemaViolation>& out_;
};

}  // namespace

std::vector<SchemaViolation> StructuralSchema::validate(const nlohmann::json& object) const {
  std::vector<SchemaViolation> out;
  if (root_) Validator(out).validate(*root_, object, "");
  return out;
}

}  // namespace modelops::apimachinery
