// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and createMergePatch (see patch.h).
// Strategic merge patch lives in strategic_merge.cpp.
// Thread-safety: pure functions.
#include "modelops/apimachinery/patch.h"

#include <charconv>
#include <optional>
#include <vector>

namespace modelops::apimachinery {

using nlohmann::json;

namespace {

json mergePatch(const json& target, const json& patch) {
  if (!patch.is_object()) return patch;
  json result = target.is_object() ? target : json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      result.erase(key);
    } else {
      auto it = result.find(key);
      result[key] = mergePatch(it == result.end() ? json() : *it, value);
    }
  }
  return result;
}

// RFC 6901 tokens of a pointer; nullopt when malformed.
std::optional<std::vector<std::string>> pointerTokens(std::string_view pointer, std::string& error) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    error = "JSON pointer must be empty or start with '/'";
    return std::nullopt;
  }
  std::string cur;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(cur);
      cur.clear();
      continue;
    }
    if (pointer[i] == '~') {
      if (i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        cur += pointer[i + 1] == '0' ? '~' : '/';
        ++i;
        continue;
      }
      error = "invalid escape in JSON pointer (only ~0 and ~1 are allowed)";
      return std::nullopt;
    }
    cur += pointer[i];
  }
  return tokens;
}

// Array index token: digits without leading zeros; "-" handled by callers.
std::optional<std::size_t> arrayIndex(const std::string& token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return std::nullopt;
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || p != token.data() + token.size()) return std::nullopt;
  return v;
}

// Walks to the parent container of the last token. Returns nullptr with `error` set when absent.
json* parentOf(json& doc, const std::vector<std::string>& tokens, std::string& error) {
  json* cur = &doc;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) { error = "path not found (missing key \"" + t + "\")"; return nullptr; }
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = arrayIndex(t);
      if (!idx || *idx >= cur->size()) { error = "path not found (array index \"" + t + "\" out of range)"; return nullptr; }
      cur = &(*cur)[*idx];
    } else {
      error = "path not found (\"" + t + "\" is not inside an object or array)";
      return nullptr;
    }
  }
  return cur;
}

const json* resolve(const json& doc, const std::vector<std::string>& tokens) {
  const json* cur = &doc;
  for (const auto& t : tokens) {
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = arrayIndex(t);
      if (!idx || *idx >= cur->size()) return nullptr;
      cur = &(*cur)[*idx];
    } else {
      return nullptr;
    }
  }
  return cur;
}

// Operation helpers: each returns an empty string on success, else the reason.
std::string addAt(json& doc, const std::vector<std::string>& tokens, json value) {
  if (tokens.empty()) { doc = std::move(value); return ""; }
  std::string error;
  json* parent = parentOf(doc, tokens, error);
  if (!parent) return error;
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return "";
  }
  if (parent->is_array()) {
    if (last == "-") { parent->push_back(std::move(value)); return ""; }
    auto idx = arrayIndex(last);
    if (!idx || *idx > parent->size()) return "array index \"" + last + "\" out of range";
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    return "";
  }
  return "path not found (parent is not an object or array)";
}

std::string removeAt(json& doc, const std::vector<std::string>& tokens, json* removed) {
  if (tokens.empty()) return "cannot remove the whole document";
  std::string error;
  json* parent = parentOf(doc, tokens, error);
  if (!parent) return error;
  const std::string& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return "path not found (missing key \"" + last + "\")";
    if (removed) *removed = std::move(*it);
    parent->erase(it);
    return "";
  }
  if (parent->is_array()) {
    auto idx = arrayIndex(last);
    if (!idx || *idx >= parent->size()) return "array index \"" + last + "\" out of range";
    if (removed) *removed = std::move((*parent)[*idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(*idx));
    return "";
  }
  return "path not found (parent is not an object or array)";
}

bool isPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& of) {
  if (prefix.size() >= of.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] != of[i]) return false;
  }
  return true;
}

Error patchError(std::size_t index, const std::string& op, const std::string& path, const std::string& why,
                 const std::string& code = "InvalidPatch") {
  std::string where = "operation " + std::to_string(index);
  if (!op.empty()) where += " (" + op + " \"" + path + "\")";
  return Error{code, where + ": " + why};
}

}  // namespace

Result<json> applyMergePatch(const json& target, const json& patch) { return mergePatch(target, patch); }

const json* resolveJsonPointer(const json& document, std::string_view pointer) {
  std::string error;
  auto tokens = pointerTokens(pointer, error);
  if (!tokens) return nullptr;
  return resolve(document, *tokens);
}

Result<json> applyJsonPatch(const json& target, const json& operations) {
  if (!operations.is_array()) {
    return Error{"InvalidPatch", "a JSON patch must be an array of operations"};
  }
  json doc = target;
  for (std::size_t i = 0; i < operations.size(); ++i) {
    const json& op = operations[i];
    if (!op.is_object()) return patchError(i, "", "", "operation must be an object");
    auto opIt = op.find("op");
    if (opIt == op.end() || !opIt->is_string()) return patchError(i, "", "", "missing \"op\"");
    std::string name = opIt->get<std::string>();
    auto pathIt = op.find("path");
    if (pathIt == op.end() || !pathIt->is_string()) return patchError(i, name, "", "missing \"path\"");
    std::string path = pathIt->get<std::string>();
    std::string error;
    auto tokens = pointerTokens(path, error);
    if (!tokens) return patchError(i, name, path, error);

    auto needValue = [&]() -> const json* {
      auto v = op.find("value");
      return v == op.end() ? nullptr : &*v;
    };
    auto needFrom = [&](std::vector<std::string>& fromTokens, std::string& from) -> bool {
      auto f = op.find("from");
      if (f == op.end() || !f->is_string()) { error = "missing \"from\""; return false; }
      from = f->get<std::string>();
      auto t = pointerTokens(from, error);
      if (!t) return false;
      fromTokens = *t;
      return true;
    };

    if (name == "add") {
      const json* value = needValue();
      if (!value) return patchError(i, name, path, "missing \"value\"");
      error = addAt(doc, *tokens, *value);
    } else if (name == "remove") {
      error = removeAt(doc, *tokens, nullptr);
    } else if (name == "replace") {
      const json* value = needValue();
      if (!value) return patchError(i, name, path, "missing \"value\"");
      if (tokens->empty()) {
        doc = *value;
      } else {
        error = removeAt(doc, *tokens, nullptr);
        if (error.empty()) error = addAt(doc, *tokens, *value);
      }
    } else if (name == "move" || name == "copy") {
      std::vector<std::string> fromTokens;
      std::string from;
      if (!needFrom(fromTokens, from)) return patchError(i, name, path, error);
      const json* source = resolve(doc, fromTokens);
      if (!source) return patchError(i, name, path, "\"from\" path \"" + from + "\" not found");
      if (name == "move") {
        if (isPrefix(fromTokens, *tokens)) return patchError(i, name, path, "cannot move a value into one of its children");
        if (fromTokens == *tokens) continue;
        json value;
        error = removeAt(doc, fromTokens, &value);
        if (error.empty()) error = addAt(doc, *tokens, std::move(value));
      } else {
        json value = *source;
        error = addAt(doc, *tokens, std::move(value));
      }
    } else if (name == "test") {
      const json* value = needValue();
      if (!value) return patchError(i, name, path, "missing \"value\"");
      const json* actual = resolve(doc, *tokens);
      if (!actual) return patchError(i, name, path, "path not found", "TestFailed");
      if (*actual != *value) {
        return patchError(i, name, path, "test failed: value is " + actual->dump() + ", expected " + value->dump(),
                          "TestFailed");
      }
    } else {
      return patchError(i, name, path, "unknown operation \"" + name + "\"");
    }
    if (!error.empty()) return patchError(i, name, path, error);
  }
  return doc;
}

json createMergePatch(const json& from, const json& to) {
  if (!from.is_object() || !to.is_object()) return to;
  json patch = json::object();
  for (const auto& [key, value] : from.items()) {
    if (!to.contains(key)) patch[key] = nullptr;
  }
  for (const auto& [key, value] : to.items()) {
    auto it = from.find(key);
    if (it == from.end()) {
      patch[key] = value;
    } else if (*it != value) {
      if (it->is_object() && value.is_object()) {
        patch[key] = createMergePatch(*it, value);
      } else {
        patch[key] = value;
      }
    }
  }
  return patch;
}

}  // namespace modelops::apimachinery
