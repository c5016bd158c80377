// A Kubernetes-flavoured JSONPath subset (see jsonpath.h): parse to steps, then evaluate over a set
// of current nodes. Missing fields select nothing (printer columns then print an empty cell).
// Thread-safety: pure functions.
#include "modelops/apimachinery/jsonpath.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace modelops::apimachinery {

using nlohmann::json;

namespace {

struct Filter {
  std::vector<std::string> path;  // fields after @
  std::string op;                 // "" means "exists"
  json literal;
};

struct Step {
  enum class Kind { Field, RecursiveField, Wildcard, Index, Slice, Filter, Union } kind = Kind::Field;
  std::string name;
  long index = 0;
  std::optional<long> start, end;
  long stride = 1;
  std::vector<std::string> names;  // Union of keys
  Filter filter;
};

Error bad(std::string_view path, const std::string& why) {
  return Error{"InvalidJsonPath", "invalid JSONPath \"" + std::string(path) + "\": " + why};
}

bool isNameChar(char c) {
  return !(c == '.' || c == '[' || c == ']' || c == ' ' || c == '\t' || c == '{' || c == '}' || c == '(' ||
           c == ')' || c == '=' || c == '!' || c == '<' || c == '>' || c == ',' || c == '"' || c == '\'');
}

class PathParser {
 public:
  explicit PathParser(std::string_view s) : s_(s) {}

  Result<std::vector<Step>> parse() {
    std::vector<Step> steps;
    skipSpace();
    if (i_ < s_.size() && (s_[i_] == '$' || s_[i_] == '@')) ++i_;
    while (true) {
      skipSpace();
      if (i_ >= s_.size()) break;
      char c = s_[i_];
      if (c == '.') {
        ++i_;
        bool recursive = false;
        if (i_ < s_.size() && s_[i_] == '.') { recursive = true; ++i_; }
        if (i_ < s_.size() && s_[i_] == '*') {
          ++i_;
          Step st;
          st.kind = Step::Kind::Wildcard;
          if (recursive) { Step r; r.kind = Step::Kind::RecursiveField; steps.push_back(r); }
          steps.push_back(st);
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '[' && recursive) {
          Step r; r.kind = Step::Kind::RecursiveField;
          steps.push_back(r);
          continue;
        }
        std::string name = readName();
        if (name.empty()) {
          if (i_ >= s_.size() && !recursive) break;  // "." alone or a trailing dot selects the current node
          return bad(s_, "expected a field name at offset " + std::to_string(i_));
        }
        Step st;
        st.kind = recursive ? Step::Kind::RecursiveField : Step::Kind::Field;
        st.name = std::move(name);
        steps.push_back(std::move(st));
      } else if (c == '[') {
        auto st = bracket();
        if (!st.ok()) return st.error();
        steps.push_back(std::move(*st));
      } else {
        std::string name = readName();
        if (name.empty()) return bad(s_, std::string("unexpected '") + c + "' at offset " + std::to_string(i_));
        Step st;
        st.name = std::move(name);
        steps.push_back(std::move(st));
      }
    }
    return steps;
  }

 private:
  void skipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }

  std::string readName() {
    std::string out;
    while (i_ < s_.size()) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) { out += s_[i_ + 1]; i_ += 2; continue; }
      if (!isNameChar(s_[i_])) break;
      out += s_[i_++];
    }
    return out;
  }

  std::optional<std::string> readQuoted() {
    char q = s_[i_++];
    std::string out;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }

  std::optional<long> readInt() {
    skipSpace();
    std::size_t start = i_;
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (start == i_) return std::nullopt;
    long v = 0;
    const char* b = s_.data() + start + (s_[start] == '+' ? 1 : 0);
    auto [p, ec] = std::from_chars(b, s_.data() + i_, v);
    if (ec != std::errc() || p != s_.data() + i_) return std::nullopt;
    skipSpace();
    return v;
  }

  Result<Step> bracket() {
    ++i_;  // '['
    skipSpace();
    if (i_ >= s_.size()) return bad(s_, "unterminated '['");
    Step st;
    if (s_[i_] == '*') {
      ++i_;
      skipSpace();
      st.kind = Step::Kind::Wildcard;
    } else if (s_[i_] == '?') {
      auto f = filter();
      if (!f.ok()) return f.error();
      st.kind = Step::Kind::Filter;
      st.filter = std::move(*f);
    } else if (s_[i_] == '\'' || s_[i_] == '"') {
      st.kind = Step::Kind::Union;
      while (true) {
        skipSpace();
        if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) return bad(s_, "expected a quoted key");
        auto name = readQuoted();
        if (!name) return bad(s_, "unterminated quoted key");
        st.names.push_back(*name);
        skipSpace();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        break;
      }
      if (st.names.size() == 1) { st.kind = Step::Kind::Field; st.name = st.names[0]; }
    } else {
      auto first = readInt();
      if (i_ < s_.size() && s_[i_] == ':') {
        st.kind = Step::Kind::Slice;
        st.start = first;
        ++i_;
        st.end = readInt();
        if (i_ < s_.size() && s_[i_] == ':') {
          ++i_;
          auto stride = readInt();
          if (stride) st.stride = *stride;
          if (st.stride == 0) return bad(s_, "slice step cannot be zero");
        }
      } else {
        if (!first) return bad(s_, "expected an index, slice, '*', filter or quoted key inside '[]'");
        st.kind = Step::Kind::Index;
        st.index = *first;
      }
    }
    skipSpace();
    if (i_ >= s_.size() || s_[i_] != ']') return bad(s_, "expected ']' at offset " + std::to_string(i_));
    ++i_;
    return st;
  }

  Result<Filter> filter() {
    ++i_;  // '?'
    skipSpace();
    if (i_ >= s_.size() || s_[i_] != '(') return bad(s_, "expected '(' after '?'");
    ++i_;
    skipSpace();
    if (i_ >= s_.size() || s_[i_] != '@') return bad(s_, "a filter must start with '@'");
    ++i_;
    Filter f;
    while (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      std::string name = readName();
      if (name.empty()) return bad(s_, "expected a field name in filter");
      f.path.push_back(std::move(name));
    }
    skipSpace();
    static const char* ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (const char* op : ops) {
      if (s_.substr(i_).rfind(op, 0) == 0) { f.op = op; i_ += f.op.size(); break; }
    }
    if (!f.op.empty()) {
      skipSpace();
      if (i_ >= s_.size()) return bad(s_, "expected a value in filter");
      if (s_[i_] == '"' || s_[i_] == '\'') {
        auto v = readQuoted();
        if (!v) return bad(s_, "unterminated string in filter");
        f.literal = *v;
      } else {
        std::size_t start = i_;
        while (i_ < s_.size() && s_[i_] != ')' && s_[i_] != ' ') ++i_;
        std::string word(s_.substr(start, i_ - start));
        json v = json::parse(word, nullptr, false);
        if (v.is_discarded() || v.is_structured()) return bad(s_, "invalid literal \"" + word + "\" in filter");
        f.literal = v;
      }
    }
    skipSpace();
    if (i_ >= s_.size() || s_[i_] != ')') return bad(s_, "expected ')' to close the filter");
    ++i_;
    return f;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

const json* lookup(const json& node, const std::vector<std::string>& path) {
  const json* cur = &node;
  for (const auto& p : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(p);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

bool compare(const json& a, const std::string& op, const json& b) {
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  bool comparable = (a.is_number() && b.is_number()) || (a.is_string() && b.is_string());
  if (!comparable) return false;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  return a >= b;
}

void collectRecursive(const json& node, const std::string& name, std::vector<const json*>& out) {
  // ..name: the named field of this node and of every descendant; "..[" / "..*": every node.
  if (name.empty()) out.push_back(&node);
  if (node.is_object()) {
    if (!name.empty()) {
      auto it = node.find(name);
      if (it != node.end()) out.push_back(&*it);
    }
    for (const auto& [k, v] : node.items()) collectRecursive(v, name, out);
  } else if (node.is_array()) {
    for (const auto& v : node) collectRecursive(v, name, out);
  }
}

std::vector<const json*> applyStep(const Step& st, const std::vector<const json*>& in) {
  std::vector<const json*> out;
  for (const json* n : in) {
    switch (st.kind) {
      case Step::Kind::Field:
        if (n->is_object()) {
          auto it = n->find(st.name);
          if (it != n->end()) out.push_back(&*it);
        }
        break;
      case Step::Kind::Union:
        if (n->is_object()) {
          for (const auto& name : st.names) {
            auto it = n->find(name);
            if (it != n->end()) out.push_back(&*it);
          }
        }
        break;
      case Step::Kind::RecursiveField:
        collectRecursive(*n, st.name, out);
        break;
      case Step::Kind::Wildcard:
        if (n->is_object() || n->is_array()) {
          for (const auto& v : *n) out.push_back(&v);
        }
        break;
      case Step::Kind::Index:
        if (n->is_array()) {
          long size = static_cast<long>(n->size());
          long i = st.index < 0 ? size + st.index : st.index;
          if (i >= 0 && i < size) out.push_back(&(*n)[static_cast<std::size_t>(i)]);
        }
        break;
      case Step::Kind::Slice:
        if (n->is_array()) {
          long size = static_cast<long>(n->size());
          auto clamp = [&](std::optional<long> v, long dflt) {
            if (!v) return dflt;
            long x = *v < 0 ? size + *v : *v;
            return std::max(0L, std::min(size, x));
          };
          if (st.stride > 0) {
            for (long i = clamp(st.start, 0); i < clamp(st.end, size); i += st.stride) {
              out.push_back(&(*n)[static_cast<std::size_t>(i)]);
            }
          } else {
            long hi = st.start ? clamp(st.start, size - 1) : size - 1;
            long lo = st.end ? clamp(st.end, -1) : -1;
            for (long i = std::min(hi, size - 1); i > lo; i += st.stride) out.push_back(&(*n)[static_cast<std::size_t>(i)]);
          }
        }
        break;
      case Step::Kind::Filter:
        if (n->is_array() || n->is_object()) {
          for (const auto& v : *n) {
            const json* field = lookup(v, st.filter.path);
            if (!field) continue;
            if (st.filter.op.empty() || compare(*field, st.filter.op, st.filter.literal)) out.push_back(&v);
          }
        }
        break;
    }
  }
  return out;
}

// Splits "{.a}{.b}" into ".a" and ".b"; a path without braces is one expression.
Result<std::vector<std::string_view>> expressions(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.find('{') == std::string_view::npos) {
    out.push_back(path);
    return out;
  }
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t open = path.find('{', i);
    if (open == std::string_view::npos) break;
    std::size_t close = path.find('}', open);
    if (close == std::string_view::npos) return bad(path, "unclosed '{'");
    out.push_back(path.substr(open + 1, close - open - 1));
    i = close + 1;
  }
  return out;
}

}  // namespace

Result<std::vector<json>> evalJsonPath(const json& object, std::string_view path) {
  auto exprs = expressions(path);
  if (!exprs.ok()) return exprs.error();
  std::vector<json> results;
  for (auto expr : *exprs) {
    auto steps = PathParser(expr).parse();
    if (!steps.ok()) return steps.error();
    std::vector<const json*> cur{&object};
    for (const auto& st : *steps) cur = applyStep(st, cur);
    for (const json* n : cur) results.push_back(*n);
  }
  return results;
}

Status validateJsonPath(std::string_view path) {
  auto r = evalJsonPath(json::object(), path);
  if (!r.ok()) return r.error();
  return {};
}

}  // namespace modelops::apimachinery
