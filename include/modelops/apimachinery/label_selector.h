// Kubernetes label and field selectors: parsing the query-string syntax (`?labelSelector=`,
// `?fieldSelector=`) and the metav1.LabelSelector JSON form, and matching objects against them.
// Grammar and error wording follow k8s.io/apimachinery/pkg/labels and pkg/fields.
// Thread-safety: selectors are immutable values after construction; all functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::apimachinery {

// One conjunct of a label selector, e.g. `tier in (web,api)`.
struct LabelRequirement {
  enum class Operator { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
  std::string key;
  Operator op = Operator::Exists;
  std::vector<std::string> values;  // one for Equals/NotEquals, one or more for In/NotIn, none otherwise
};

class LabelSelector {
 public:
  LabelSelector() = default;  // matches everything
  explicit LabelSelector(std::vector<LabelRequirement> requirements);
  // A selector that matches no object (metav1.LabelSelector null, as LabelSelectorAsSelector(nil)).
  static LabelSelector nothing();

  // `labels` is metadata.labels: an object of strings, or null/absent (no labels).
  bool matches(const nlohmann::json& labels) const;
  // True when the selector selects everything (no requirements).
  bool empty() const;
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // Canonical text form, e.g. "app=web,tier in (api,web),!legacy".
  std::string toString() const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool matchesNothing_ = false;
};

// Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h". An empty or blank string selects everything.
// Errors (code "InvalidInput") name the offending key or value, as the apiserver does.
Result<LabelSelector> parseLabelSelector(std::string_view text);

// metav1.LabelSelector: {"matchLabels": {...}, "matchExpressions": [{"key","operator","values"}]}.
// Operators In, NotIn, Exists, DoesNotExist. null gives nothing(); {} gives everything.
Result<LabelSelector> labelSelectorFromJson(const nlohmann::json& metav1LabelSelector);

// Label key ("prefix/name") and value syntax; empty string when valid, otherwise the apiserver's message.
std::string validateLabelKey(std::string_view key);
std::string validateLabelValue(std::string_view value);

// One conjunct of a field selector: `metadata.name=foo` or `status.phase!=Running`.
struct FieldRequirement {
  std::string field;  // dotted path into the object, e.g. "metadata.namespace"
  bool negated = false;
  std::string value;
};

class FieldSelector {
 public:
  FieldSelector() = default;  // matches everything
  explicit FieldSelector(std::vector<FieldRequirement> requirements);

  // A missing field compares as the empty string; numbers and booleans compare by their JSON text.
  bool matches(const nlohmann::json& object) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  std::string toString() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// Parses "metadata.name=foo,status.phase!=Running" (`=`, `==`, `!=`; `\,` `\=` `\!` `\\` escapes).
Result<FieldSelector> parseFieldSelector(std::string_view text);

}  // namespace modelops::apimachinery
