// Label and field selector parsing and matching (see label_selector.h).
// Grammar after k8s.io/apimachinery/pkg/labels/selector.go: a comma-separated conjunction of
// `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`.
// Thread-safety: pure functions over immutable values.
#include "modelops/apimachinery/label_selector.h"

#include <algorithm>
#include <cctype>

#include "names.h"

namespace modelops::apimachinery {
namespace {

Error invalid(std::string message) { return Error{"InvalidInput", std::move(message)}; }

// ---- label selector lexer -------------------------------------------------------------------------

enum class Tok { End, Identifier, Equals, DoubleEquals, NotEquals, Bang, In, NotIn, Open, Close, Comma, Gt, Lt };

struct Token {
  Tok kind = Tok::End;
  std::string text;
};

bool isSpecial(char c) { return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '<' || c == '>'; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (isSpace(c)) { ++i; continue; }
    if (isSpecial(c)) {
      if (c == '=' && i + 1 < s.size() && s[i + 1] == '=') { out.push_back({Tok::DoubleEquals, "=="}); i += 2; continue; }
      if (c == '!' && i + 1 < s.size() && s[i + 1] == '=') { out.push_back({Tok::NotEquals, "!="}); i += 2; continue; }
      Tok k = c == '=' ? Tok::Equals : c == '!' ? Tok::Bang : c == '(' ? Tok::Open : c == ')' ? Tok::Close
            : c == ',' ? Tok::Comma : c == '>' ? Tok::Gt : Tok::Lt;
      out.push_back({k, std::string(1, c)});
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && !isSpace(s[i]) && !isSpecial(s[i])) ++i;
    std::string word(s.substr(start, i - start));
    Tok k = word == "in" ? Tok::In : word == "notin" ? Tok::NotIn : Tok::Identifier;
    out.push_back({k, std::move(word)});
  }
  out.push_back({Tok::End, ""});
  return out;
}

std::string describe(const Token& t) { return t.kind == Tok::End ? "EOS" : "'" + t.text + "'"; }

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<std::vector<LabelRequirement>> parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      auto r = requirement();
      if (!r.ok()) return r.error();
      reqs.push_back(std::move(*r));
      const Token& next = t_[pos_];
      if (next.kind == Tok::End) break;
      if (next.kind != Tok::Comma) return invalid("found " + describe(next) + ", expected: ',' or 'end of string'");
      ++pos_;
      if (t_[pos_].kind == Tok::End) return invalid("found 'EOS', expected: identifier after ','");
    }
    return reqs;
  }

 private:
  Result<LabelRequirement> requirement() {
    LabelRequirement req;
    bool bang = false;
    if (t_[pos_].kind == Tok::Bang) { bang = true; ++pos_; }
    const Token& keyTok = t_[pos_];
    if (keyTok.kind != Tok::Identifier) {
      return invalid("found " + describe(keyTok) + ", expected: !, identifier, or 'end of string'");
    }
    req.key = keyTok.text;
    ++pos_;
    if (std::string msg = validateLabelKey(req.key); !msg.empty()) {
      return invalid("unable to parse requirement: Invalid value: \"" + req.key + "\": " + msg);
    }
    if (bang) {
      req.op = LabelRequirement::Operator::DoesNotExist;
      return req;
    }
    const Token& opTok = t_[pos_];
    switch (opTok.kind) {
      case Tok::End: case Tok::Comma:
        req.op = LabelRequirement::Operator::Exists;
        return req;
      case Tok::Equals: case Tok::DoubleEquals: req.op = LabelRequirement::Operator::Equals; break;
      case Tok::NotEquals: req.op = LabelRequirement::Operator::NotEquals; break;
      case Tok::In: req.op = LabelRequirement::Operator::In; break;
      case Tok::NotIn: req.op = LabelRequirement::Operator::NotIn; break;
      case Tok::Gt: case Tok::Lt:
        return invalid("operator " + describe(opTok) + " is not supported");
      default:
        return invalid("found " + describe(opTok) + ", expected: in, notin, =, ==, !=, gt, lt");
    }
    ++pos_;
    if (req.op == LabelRequirement::Operator::In || req.op == LabelRequirement::Operator::NotIn) {
      if (t_[pos_].kind != Tok::Open) return invalid("found " + describe(t_[pos_]) + ", expected: '('");
      ++pos_;
      // "(a, b)" and "()" (an empty set, rejected below like the apiserver does).
      while (true) {
        const Token& v = t_[pos_];
        if (v.kind == Tok::Identifier || v.kind == Tok::In || v.kind == Tok::NotIn) {
          req.values.push_back(v.text);
          ++pos_;
        } else if (v.kind == Tok::Comma || v.kind == Tok::Close) {
          req.values.emplace_back();  // an empty value, e.g. "(a,)" or "()"
        } else {
          return invalid("found " + describe(v) + ", expected: ',', ')' or identifier");
        }
        if (t_[pos_].kind == Tok::Close) { ++pos_; break; }
        if (t_[pos_].kind != Tok::Comma) return invalid("found " + describe(t_[pos_]) + ", expected: ',' or ')'");
        ++pos_;
      }
      if (req.values.size() == 1 && req.values[0].empty() && t_[pos_ - 2].kind == Tok::Open) {
        return invalid("unable to parse requirement: for 'in', 'notin' operators, values set can't be empty");
      }
    } else {
      const Token& v = t_[pos_];
      if (v.kind == Tok::Identifier || v.kind == Tok::In || v.kind == Tok::NotIn) {
        req.values.push_back(v.text);
        ++pos_;
      } else if (v.kind == Tok::End || v.kind == Tok::Comma) {
        req.values.emplace_back();  // "a=" selects an empty value
      } else {
        return invalid("found " + describe(v) + ", expected: identifier");
      }
    }
    for (const auto& value : req.values) {
      if (std::string msg = validateLabelValue(value); !msg.empty()) {
        return invalid("unable to parse requirement: Invalid value: \"" + value + "\": " + msg);
      }
    }
    std::sort(req.values.begin(), req.values.end());
    req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
    return req;
  }

  std::vector<Token> t_;
  std::size_t pos_ = 0;
};

const std::string* labelValue(const nlohmann::json& labels, const std::string& key) {
  if (!labels.is_object()) return nullptr;
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

bool contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

// ---- label keys and values ------------------------------------------------------------------------

std::string validateLabelKey(std::string_view key) {
  std::string_view name = key;
  std::size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    if (key.find('/', slash + 1) != std::string_view::npos) return names::kQualifiedNameMessage;
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) return "prefix part must be non-empty";
    if (std::string msg = names::dns1123Subdomain(prefix); !msg.empty()) return "prefix part " + msg;
  }
  if (name.empty()) return "name part must be non-empty";
  if (name.size() > 63) return "name part must be no more than 63 characters";
  if (!names::isQualifiedNamePart(name)) return "name part " + std::string(names::kQualifiedNamePartMessage);
  return "";
}

std::string validateLabelValue(std::string_view value) {
  if (value.size() > 63) return "must be no more than 63 characters";
  if (!value.empty() && !names::isQualifiedNamePart(value)) return names::kLabelValueMessage;
  return "";
}

// ---- LabelSelector --------------------------------------------------------------------------------

LabelSelector::LabelSelector(std::vector<LabelRequirement> requirements) : requirements_(std::move(requirements)) {}

LabelSelector LabelSelector::nothing() {
  LabelSelector s;
  s.matchesNothing_ = true;
  return s;
}

bool LabelSelector::empty() const { return !matchesNothing_ && requirements_.empty(); }

bool LabelSelector::matches(const nlohmann::json& labels) const {
  if (matchesNothing_) return false;
  for (const auto& r : requirements_) {
    const std::string* v = labelValue(labels, r.key);
    bool ok = false;
    switch (r.op) {
      case LabelRequirement::Operator::Exists: ok = v != nullptr; break;
      case LabelRequirement::Operator::DoesNotExist: ok = v == nullptr; break;
      case LabelRequirement::Operator::Equals:
      case LabelRequirement::Operator::In: ok = v != nullptr && contains(r.values, *v); break;
      case LabelRequirement::Operator::NotEquals:
      case LabelRequirement::Operator::NotIn: ok = v == nullptr || !contains(r.values, *v); break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string LabelSelector::toString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    auto set = [&] {
      // A set holding only the empty value (parsed from "(,)") prints as "(,)": "()" is the empty set,
      // which does not parse.
      if (r.values.size() == 1 && r.values[0].empty()) return std::string("(,)");
      std::string s = "(";
      for (std::size_t i = 0; i < r.values.size(); ++i) s += (i ? "," : "") + r.values[i];
      return s + ")";
    };
    switch (r.op) {
      case LabelRequirement::Operator::Exists: out += r.key; break;
      case LabelRequirement::Operator::DoesNotExist: out += "!" + r.key; break;
      case LabelRequirement::Operator::Equals: out += r.key + "=" + (r.values.empty() ? "" : r.values[0]); break;
      case LabelRequirement::Operator::NotEquals: out += r.key + "!=" + (r.values.empty() ? "" : r.values[0]); break;
      case LabelRequirement::Operator::In: out += r.key + " in " + set(); break;
      case LabelRequirement::Operator::NotIn: out += r.key + " notin " + set(); break;
    }
  }
  return out;
}

Result<LabelSelector> parseLabelSelector(std::string_view text) {
  bool blank = std::all_of(text.begin(), text.end(), [](char c) { return isSpace(c); });
  if (blank) return LabelSelector{};
  Parser parser(lex(text));
  auto reqs = parser.parse();
  if (!reqs.ok()) return reqs.error();
  return LabelSelector(std::move(*reqs));
}

Result<LabelSelector> labelSelectorFromJson(const nlohmann::json& sel) {
  if (sel.is_null()) return LabelSelector::nothing();
  if (!sel.is_object()) return invalid("selector: Invalid value: must be an object");
  std::vector<LabelRequirement> reqs;
  if (auto it = sel.find("matchLabels"); it != sel.end() && !it->is_null()) {
    if (!it->is_object()) return invalid("selector.matchLabels: Invalid value: must be an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return invalid("selector.matchLabels[" + k + "]: Invalid value: must be a string");
      if (std::string msg = validateLabelKey(k); !msg.empty()) {
        return invalid("selector.matchLabels: Invalid value: \"" + k + "\": " + msg);
      }
      if (std::string msg = validateLabelValue(v.get<std::string>()); !msg.empty()) {
        return invalid("selector.matchLabels: Invalid value: \"" + v.get<std::string>() + "\": " + msg);
      }
      reqs.push_back({k, LabelRequirement::Operator::Equals, {v.get<std::string>()}});
    }
  }
  if (auto it = sel.find("matchExpressions"); it != sel.end() && !it->is_null()) {
    if (!it->is_array()) return invalid("selector.matchExpressions: Invalid value: must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto& e = (*it)[i];
      std::string path = "selector.matchExpressions[" + std::to_string(i) + "]";
      if (!e.is_object() || !e.contains("key") || !e["key"].is_string()) return invalid(path + ".key: Required value");
      if (!e.contains("operator") || !e["operator"].is_string()) return invalid(path + ".operator: Required value");
      LabelRequirement r;
      r.key = e["key"].get<std::string>();
      if (std::string msg = validateLabelKey(r.key); !msg.empty()) {
        return invalid(path + ".key: Invalid value: \"" + r.key + "\": " + msg);
      }
      std::string op = e["operator"].get<std::string>();
      if (op == "In") r.op = LabelRequirement::Operator::In;
      else if (op == "NotIn") r.op = LabelRequirement::Operator::NotIn;
      else if (op == "Exists") r.op = LabelRequirement::Operator::Exists;
      else if (op == "DoesNotExist") r.op = LabelRequirement::Operator::DoesNotExist;
      else return invalid(path + ".operator: Invalid value: \"" + op + "\": not a valid selector operator");
      if (auto v = e.find("values"); v != e.end() && !v->is_null()) {
        if (!v->is_array()) return invalid(path + ".values: Invalid value: must be an array of strings");
        for (const auto& s : *v) {
          if (!s.is_string()) return invalid(path + ".values: Invalid value: must be an array of strings");
          r.values.push_back(s.get<std::string>());
        }
      }
      bool needsValues = r.op == LabelRequirement::Operator::In || r.op == LabelRequirement::Operator::NotIn;
      if (needsValues && r.values.empty()) {
        return invalid(path + ".values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
      }
      if (!needsValues && !r.values.empty()) {
        return invalid(path + ".values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      }
      std::sort(r.values.begin(), r.values.end());
      r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
      reqs.push_back(std::move(r));
    }
  }
  return LabelSelector(std::move(reqs));
}

// ---- FieldSelector --------------------------------------------------------------------------------

namespace {

// The text of the value at a dotted path, "" when absent (as the apiserver's field sets do).
std::string fieldText(const nlohmann::json& object, const std::string& path) {
  const nlohmann::json* cur = &object;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object()) return "";
    auto it = cur->find(part);
    if (it == cur->end()) return "";
    cur = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

std::string escapeFieldValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == ',' || c == '=' || c == '!') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

FieldSelector::FieldSelector(std::vector<FieldRequirement> requirements) : requirements_(std::move(requirements)) {}

bool FieldSelector::matches(const nlohmann::json& object) const {
  for (const auto& r : requirements_) {
    bool equal = fieldText(object, r.field) == r.value;
    if (equal == r.negated) return false;
  }
  return true;
}

std::string FieldSelector::toString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    out += r.field + (r.negated ? "!=" : "=") + escapeFieldValue(r.value);
  }
  return out;
}

Result<FieldSelector> parseFieldSelector(std::string_view text) {
  // Split on unescaped commas, then find the operator in each term (fields.ParseSelector).
  std::vector<FieldRequirement> reqs;
  std::vector<std::string> terms;
  std::string cur;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) { cur += text[i]; cur += text[++i]; continue; }
    if (text[i] == ',') { terms.push_back(cur); cur.clear(); continue; }
    cur += text[i];
  }
  terms.push_back(cur);
  if (terms.size() == 1 && terms[0].find_first_not_of(" \t") == std::string::npos) return FieldSelector{};
  for (const auto& term : terms) {
    std::size_t op = std::string::npos;
    std::size_t opLen = 0;
    bool negated = false;
    for (std::size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') { ++i; continue; }
      if (term.compare(i, 2, "!=") == 0) { op = i; opLen = 2; negated = true; break; }
      if (term.compare(i, 2, "==") == 0) { op = i; opLen = 2; break; }
      if (term[i] == '=') { op = i; opLen = 1; break; }
    }
    if (op == std::string::npos) return invalid("invalid selector: '" + term + "'; can't understand '" + term + "'");
    FieldRequirement r;
    r.field = term.substr(0, op);
    r.negated = negated;
    std::string raw = term.substr(op + opLen);
    while (!r.field.empty() && isSpace(r.field.back())) r.field.pop_back();
    while (!r.field.empty() && isSpace(r.field.front())) r.field.erase(r.field.begin());
    if (r.field.empty()) return invalid("invalid selector: '" + term + "'; field name is empty");
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\') {
        if (i + 1 >= raw.size()) return invalid("invalid field selector value '" + raw + "': trailing backslash");
        char n = raw[++i];
        if (n != '\\' && n != ',' && n != '=' && n != '!') {
          return invalid("invalid field selector value '" + raw + "': invalid escape sequence \\" + std::string(1, n));
        }
        r.value += n;
      } else if (raw[i] == '=' || raw[i] == '!' || raw[i] == ',') {
        return invalid("invalid field selector value '" + raw + "': unescaped '" + std::string(1, raw[i]) + "'");
      } else {
        r.value += raw[i];
      }
    }
    reqs.push_back(std::move(r));
  }
  return FieldSelector(std::move(reqs));
}

}  // namespace modelops::apimachinery
