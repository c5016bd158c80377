// YAML stream -> JSON documents (see include/modelops/yaml/yaml.h for the contract).
//
// Built on yaml-cpp's event parser rather than YAML::Node: the events carry the position of every node
// (for line:column errors, duplicate keys included, which YAML::Node keeps silently), the tag that tells
// plain from quoted scalars, and anchors, and they let us stop at kMaxDepth before yaml-cpp's own
// recursion gets deep. The handler builds nlohmann::json values on a stack of open collections.
// Thread-safety: every call uses its own parser and builder; nothing is shared.
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "modelops/yaml/scalar.h"
#include "modelops/yaml/yaml.h"

namespace modelops::yaml {
namespace {

using nlohmann::json;

// Thrown by the handler to stop the parse; caught in loadYamlDocuments.
struct LoadError {
  YAML::Mark mark;
  std::string message;
};

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

class JsonBuilder final : public YAML::EventHandler {
 public:
  std::vector<json> takeDocuments() { return std::move(documents_); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    // yaml-cpp 0.7 starts document after document at the same place, forever, on a stray ',' where a
    // document should begin (input ","): two documents can never start at one position.
    if (lastDocumentStart_ && *lastDocumentStart_ == mark.pos)
      fail(mark, "unexpected character where a document should start");
    lastDocumentStart_ = mark.pos;
    stack_.clear();
    anchors_.clear();
    anchorNames_.clear();
    root_.reset();
    nodes_ = 0;
  }

  void OnDocumentEnd() override {
    // Empty, comment-only and `null` documents are skipped, as kubectl skips them.
    if (root_ && !root_->is_null()) documents_.push_back(std::move(*root_));
    root_.reset();
  }

  void OnAnchor(const YAML::Mark&, const std::string& name) override { pendingAnchorName_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    noteAnchorName(anchor);
    if (inKeyPosition()) fail(mark, "null map keys are not supported");
    countNodes(1, mark);
    remember(anchor, json(nullptr), 0, 1);
    addValue(json(nullptr), 0, 1, mark);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    noteAnchorName(anchor);
    if (!isValidUtf8(text)) fail(mark, "invalid UTF-8 in scalar");
    if (inKeyPosition() && isMergeKey(tag, text)) {
      setKey(std::string(kMergeSentinel), mark, /*merge=*/true);
      return;
    }
    auto value = resolveScalar(tag, text);
    if (!value.ok()) fail(mark, value.error().message);
    countNodes(1, mark);
    remember(anchor, *value, 0, 1);
    if (inKeyPosition()) {
      setKey(keyString(*value, mark), mark, false);
      return;
    }
    addValue(std::move(*value), 0, 1, mark);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      fail(mark, "alias *" + anchorName(anchor) + " refers to a node that contains it (recursive alias)");
    }
    const Anchored& a = it->second;
    countNodes(a.nodes, mark);  // an alias brings its whole value again
    if (inKeyPosition()) {
      setKey(keyString(a.value, mark), mark, false);
      return;
    }
    addValue(a.value, a.height, a.nodes, mark);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  // Key under which a `<<` merge entry is recorded for duplicate detection. The NUL byte keeps it apart
  // from a real (quoted) key "<<".
  static constexpr std::string_view kMergeSentinel = std::string_view("\0<<", 3);

  struct Frame {
    bool isMap = false;
    json value;
    YAML::Mark mark;
    YAML::anchor_t anchor = 0;
    int height = 1;         // levels of collections from this one down (itself included)
    std::size_t nodes = 1;  // JSON values it holds, itself included
    bool haveKey = false;   // maps: a key was read, its value is next
    bool keyIsMerge = false;
    std::string key;
    std::unordered_map<std::string, YAML::Mark> keyMarks;  // for duplicate detection
    std::vector<json> merges;                              // maps merged in by `<<`, in order
  };

  struct Anchored {
    json value;
    int height = 0;
    std::size_t nodes = 1;
  };

  [[noreturn]] static void fail(const YAML::Mark& mark, std::string message) {
    throw LoadError{mark, std::move(message)};
  }

  bool inKeyPosition() const { return !stack_.empty() && stack_.back().isMap && !stack_.back().haveKey; }

  void noteAnchorName(YAML::anchor_t anchor) {
    if (anchor != 0) anchorNames_[anchor] = pendingAnchorName_;
  }

  std::string anchorName(YAML::anchor_t anchor) const {
    auto it = anchorNames_.find(anchor);
    return it == anchorNames_.end() ? std::to_string(anchor) : it->second;
  }

  void remember(YAML::anchor_t anchor, const json& value, int height, std::size_t nodes) {
    if (anchor != 0) anchors_[anchor] = Anchored{value, height, nodes};
  }

  // Map keys as sigs.k8s.io/yaml converts them to JSON object keys.
  static std::string keyString(const json& key, const YAML::Mark& mark) {
    if (key.is_string()) return key.get<std::string>();
    if (key.is_number_integer()) return key.dump();  // int64 and uint64, decimal
    if (key.is_boolean()) return key.get<bool>() ? "true" : "false";
    if (key.is_null()) fail(mark, "null map keys are not supported");
    if (key.is_number_float()) fail(mark, "float map keys are not supported (quote the key)");
    fail(mark, "map and sequence keys are not supported");
  }

  void setKey(std::string key, const YAML::Mark& mark, bool merge) {
    Frame& f = stack_.back();
    auto [it, inserted] = f.keyMarks.emplace(key, mark);
    if (!inserted) {
      std::string shown = merge ? "<<" : key;
      fail(mark, "duplicate key \"" + shown + "\" (first at line " + std::to_string(it->second.line + 1) +
                     ", column " + std::to_string(it->second.column + 1) + ")");
    }
    f.haveKey = true;
    f.keyIsMerge = merge;
    f.key = std::move(key);
  }

  void countNodes(std::size_t more, const YAML::Mark& mark) {
    nodes_ += more;
    if (nodes_ > kMaxNodes) {
      fail(mark, "document expands to more than " + std::to_string(kMaxNodes) +
                     " values through aliases");
    }
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool isMap) {
    noteAnchorName(anchor);
    if (inKeyPosition()) fail(mark, "map and sequence keys are not supported");
    if (static_cast<int>(stack_.size()) + 1 > kMaxDepth) {
      fail(mark, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    countNodes(1, mark);
    Frame f;
    f.isMap = isMap;
    f.value = isMap ? json::object() : json::array();
    f.mark = mark;
    f.anchor = anchor;
    stack_.push_back(std::move(f));
  }

  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    for (const json& source : f.merges) {  // written keys win, then earlier merged maps
      for (const auto& [k, v] : source.items()) {
        if (!f.value.contains(k)) f.value[k] = v;
      }
    }
    remember(f.anchor, f.value, f.height, f.nodes);
    addValue(std::move(f.value), f.height, f.nodes, f.mark);
  }

  // A complete value (scalar, alias expansion or closed collection) for the innermost open collection.
  void addValue(json value, int height, std::size_t nodes, const YAML::Mark& mark) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return;
    }
    if (static_cast<int>(stack_.size()) + height > kMaxDepth) {
      fail(mark, "nesting deeper than " + std::to_string(kMaxDepth) + " levels (through an alias)");
    }
    Frame& f = stack_.back();
    f.height = std::max(f.height, height + 1);
    f.nodes += nodes;
    if (!f.isMap) {
      f.value.push_back(std::move(value));
      return;
    }
    f.haveKey = false;
    if (f.keyIsMerge) {
      bool ok = value.is_object();
      if (value.is_array()) {
        ok = true;
        for (const auto& item : value) ok = ok && item.is_object();
      }
      if (!ok) fail(mark, "the value of a << merge key must be a map or a list of maps");
      if (value.is_object()) {
        f.merges.push_back(std::move(value));
      } else {
        for (auto& item : value) f.merges.push_back(std::move(item));
      }
      return;
    }
    f.value[f.key] = std::move(value);
  }

  std::vector<Frame> stack_;
  std::optional<json> root_;
  std::vector<json> documents_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::unordered_map<YAML::anchor_t, std::string> anchorNames_;
  std::string pendingAnchorName_;
  std::size_t nodes_ = 0;
  std::optional<int> lastDocumentStart_;
};

std::string positioned(std::string_view source, const YAML::Mark& mark, std::string_view message) {
  std::string out(source);
  if (!mark.is_null()) {
    out += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace

Result<std::vector<json>> loadYamlDocuments(std::string_view text, std::string_view sourceName) {
  std::istringstream in{std::string(text)};
  JsonBuilder builder;
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const LoadError& e) {
    return Error{"InvalidYaml", positioned(sourceName, e.mark, e.message)};
  } catch (const YAML::Exception& e) {
    return Error{"InvalidYaml", positioned(sourceName, e.mark, e.msg)};
  } catch (const std::exception& e) {
    return Error{"InvalidYaml", positioned(sourceName, YAML::Mark::null_mark(), e.what())};
  }
  return builder.takeDocuments();
}

Result<std::vector<json>> loadYamlFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Error{"NotFound", path + ": cannot open file"};
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) return Error{"IoError", path + ": read failed"};
  return loadYamlDocuments(content.str(), path);
}

}  // namespace modelops::yaml
