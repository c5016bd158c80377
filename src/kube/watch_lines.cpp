// Line splitting and watch-event parsing; see include/modelops/kube/watch_lines.h.
// Thread-safety: LineSplitter is single-threaded; the functions are pure.
#include "modelops/kube/watch_lines.h"

namespace modelops::kube {

bool LineSplitter::feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine) {
  if (overflowed_) return false;
  while (!chunk.empty()) {
    auto newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (buffer_.size() + chunk.size() > maxLineBytes_) {
        overflowed_ = true;
        buffer_.clear();
        return false;
      }
      buffer_.append(chunk);
      return true;
    }
    std::string_view line;
    if (buffer_.empty()) {
      line = chunk.substr(0, newline);  // the common case: no copy
    } else {
      if (buffer_.size() + newline > maxLineBytes_) {
        overflowed_ = true;
        buffer_.clear();
        return false;
      }
      buffer_.append(chunk.substr(0, newline));
      line = buffer_;
    }
    if (line.size() > maxLineBytes_) {
      overflowed_ = true;
      buffer_.clear();
      return false;
    }
    chunk.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool keepGoing = true;
    if (!line.empty()) keepGoing = onLine(line);
    buffer_.clear();
    if (!keepGoing) return false;
  }
  return true;
}

const char* watchEventTypeName(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::Added: return "ADDED";
    case WatchEvent::Type::Modified: return "MODIFIED";
    case WatchEvent::Type::Deleted: return "DELETED";
    case WatchEvent::Type::Bookmark: return "BOOKMARK";
    case WatchEvent::Type::Error: return "ERROR";
  }
  return "UNKNOWN";
}

Result<WatchEvent, ApiError> parseWatchEvent(std::string_view line) {
  auto bad = [](std::string message) {
    ApiError e;
    e.reason = "BadResponse";
    e.message = std::move(message);
    return e;
  };
  auto parsed = Json::parse(line, nullptr, false);
  if (parsed.is_discarded()) return bad("watch event is not valid JSON (" + std::to_string(line.size()) + " bytes)");
  if (!parsed.is_object()) return bad("watch event is not a JSON object");
  auto type = parsed.find("type");
  if (type == parsed.end() || !type->is_string()) return bad("watch event has no string field \"type\"");
  WatchEvent event;
  const auto& name = type->get_ref<const std::string&>();
  if (name == "ADDED") event.type = WatchEvent::Type::Added;
  else if (name == "MODIFIED") event.type = WatchEvent::Type::Modified;
  else if (name == "DELETED") event.type = WatchEvent::Type::Deleted;
  else if (name == "BOOKMARK") event.type = WatchEvent::Type::Bookmark;
  else if (name == "ERROR") event.type = WatchEvent::Type::Error;
  else return bad("watch event has unknown type \"" + name.substr(0, 40) + "\"");
  auto object = parsed.find("object");
  if (object == parsed.end() || !object->is_object()) return bad("watch event has no object field \"object\"");
  event.object = std::move(*object);
  return event;
}

}  // namespace modelops::kube
