// Object rules of kube-apiserver (names, labels, annotations, pod templates); see
// object_meta_validation.h. Texts follow k8s.io/apimachinery/pkg/util/validation and
// pkg/api/validation/objectmeta.go; the checks are written by hand (no regex engine) and are linear
// in the input.
// Thread-safety: pure functions.
#include "object_meta_validation.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>

#include "modelops/apimachinery/go_format.h"
#include "object_meta.h"

namespace modelops::devserver {

namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return isLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

std::string maxLenError(std::size_t n) { return "must be no more than " + std::to_string(n) + " characters"; }

std::string regexError(const std::string& msg, const std::string& fmt, std::initializer_list<const char*> examples) {
  std::string out = msg + " (e.g. ";
  bool first = true;
  for (const char* e : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'" + std::string(e) + "', ";
  }
  return out + "regex used for validation is '" + fmt + "')";
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool matchesDns1123Label(std::string_view v) {
  if (v.empty() || !isLowerAlnum(v.front()) || !isLowerAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool matchesQualifiedNamePart(std::string_view v) {
  if (v.empty() || !isAlnum(v.front()) || !isAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

const char* const kDns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const char* const kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const char* const kQualifiedNameMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

StatusCause invalidCause(const std::string& field, std::string_view value, const std::string& msg) {
  return {"FieldValueInvalid", "Invalid value: " + apimachinery::goQuote(std::string(value)) + ": " + msg, field};
}

std::vector<std::string> nameErrors(const ResourceType& type, std::string_view name) {
  if (type.group.empty() && type.plural == "services") return dns1035LabelErrors(name);
  if (type.group.empty() && type.plural == "namespaces") return dns1123LabelErrors(name);
  if (type.group == "rbac.authorization.k8s.io") return pathSegmentNameErrors(name);
  return dns1123SubdomainErrors(name);
}

// Sorted keys of a string map (Go iterates maps in random order; sorting keeps messages stable).
std::vector<std::pair<std::string, std::string>> stringEntries(const Json& map) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!map.is_object()) return out;
  for (auto it = map.begin(); it != map.end(); ++it)
    out.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  std::sort(out.begin(), out.end());
  return out;
}

void labelCauses(const Json& labels, std::vector<StatusCause>& out) {
  for (const auto& [key, value] : stringEntries(labels)) {
    for (const auto& m : qualifiedNameErrors(key)) out.push_back(invalidCause("metadata.labels", key, m));
    for (const auto& m : labelValueErrors(value)) out.push_back(invalidCause("metadata.labels", value, m));
  }
}

void annotationCauses(const Json& annotations, std::vector<StatusCause>& out) {
  std::size_t total = 0;
  for (const auto& [key, value] : stringEntries(annotations)) {
    std::string lower = key;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (const auto& m : qualifiedNameErrors(lower)) out.push_back(invalidCause("metadata.annotations", key, m));
    total += key.size() + value.size();
  }
  if (total > kTotalAnnotationSizeLimitBytes)
    out.push_back({"FieldValueTooLong",
                   "Too long: must have at most " + std::to_string(kTotalAnnotationSizeLimitBytes) + " bytes",
                   "metadata.annotations"});
}

void containerCauses(const Json& list, const std::string& path, std::vector<StatusCause>& out) {
  if (!list.is_array()) return;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Json& c = list[i];
    const Json image = c.is_object() ? c.value("image", Json()) : Json();
    if (!image.is_string() || image.get<std::string>().empty())
      out.push_back({"FieldValueRequired", "Required value", path + "[" + std::to_string(i) + "].image"});
  }
}

}  // namespace

std::vector<std::string> dns1123LabelErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  if (!matchesDns1123Label(value))
    errs.push_back(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
                              "and must start and end with an alphanumeric character",
                              kDns1123LabelFmt, {"my-name", "123-abc"}));
  return errs;
}

std::vector<std::string> dns1123SubdomainErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 253) errs.push_back(maxLenError(253));
  bool ok = !value.empty();
  std::size_t start = 0;
  while (ok) {
    std::size_t dot = value.find('.', start);
    ok = matchesDns1123Label(value.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!ok)
    errs.push_back(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
                              "or '.', and must start and end with an alphanumeric character",
                              std::string(kDns1123LabelFmt) + "(\\." + kDns1123LabelFmt + ")*", {"example.com"}));
  return errs;
}

std::vector<std::string> dns1035LabelErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  bool ok = matchesDns1123Label(value) && value.front() >= 'a' && value.front() <= 'z';
  if (!ok)
    errs.push_back(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
                              "an alphabetic character, and end with an alphanumeric character",
                              "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  return errs;
}

std::vector<std::string> qualifiedNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " + regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) errs.push_back("prefix part must be non-empty");
    else
      for (const auto& m : dns1123SubdomainErrors(prefix)) errs.push_back("prefix part " + m);
  }
  if (name.empty()) errs.push_back("name part must be non-empty");
  else if (name.size() > 63) errs.push_back("name part " + maxLenError(63));
  if (!matchesQualifiedNamePart(name))
    errs.push_back("name part " + regexError(kQualifiedNameMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  return errs;
}

std::vector<std::string> labelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  if (!value.empty() && !matchesQualifiedNamePart(value))
    errs.push_back(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                              "or '.', and must start and end with an alphanumeric character",
                              "(" + std::string(kQualifiedNameFmt) + ")?", {"MyValue", "my_value", "12345"}));
  return errs;
}

std::vector<std::string> pathSegmentNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value == "." || value == "..") return {"may not be '" + std::string(value) + "'"};
  if (value.find('/') != std::string_view::npos) errs.push_back("may not contain '/'");
  if (value.find('%') != std::string_view::npos) errs.push_back("may not contain '%'");
  return errs;
}

std::vector<StatusCause> objectMetaCauses(const ResourceType& type, const Json& obj, bool isCreate) {
  std::vector<StatusCause> out;
  std::string name = metaString(obj, "name");
  if (isCreate && !name.empty())
    for (const auto& m : nameErrors(type, name)) out.push_back(invalidCause("metadata.name", name, m));
  labelCauses(metaField(obj, "labels"), out);
  annotationCauses(metaField(obj, "annotations"), out);
  return out;
}

std::vector<StatusCause> podTemplateCauses(const ResourceType& type, const Json& obj) {
  std::vector<StatusCause> out;
  if (type.group != "apps" || type.plural != "deployments") return out;
  const Json* podSpec = valueAt(obj, {"spec", "template", "spec"});
  if (!podSpec || !podSpec->is_object()) return out;
  const std::string base = "spec.template.spec";
  const Json containers = podSpec->value("containers", Json());
  if (!containers.is_array() || containers.empty())
    out.push_back({"FieldValueRequired", "Required value", base + ".containers"});
  containerCauses(containers, base + ".containers", out);
  containerCauses(podSpec->value("initContainers", Json()), base + ".initContainers", out);
  return out;
}

std::optional<ApiStatus> validateObjectRules(const ResourceType& type, const Json& obj, bool isCreate) {
  auto causes = objectMetaCauses(type, obj, isCreate);
  auto pod = podTemplateCauses(type, obj);
  causes.insert(causes.end(), pod.begin(), pod.end());
  if (causes.empty()) return std::nullopt;
  return invalid(type.group, type.kind, metaString(obj, "name"), std::move(causes));
}

}  // namespace modelops::devserver
