// Splitting a watch stream into lines and lines into WatchEvents.
// The API server writes one JSON object per line, but the bytes arrive in chunks that can break
// anywhere (inside a line, inside a multi-byte UTF-8 character, between '\r' and '\n'), and one
// chunk can carry many lines. LineSplitter buffers across chunks; parseWatchEvent never throws.
// Thread-safety: LineSplitter is a plain value (one per stream, one thread); functions are pure.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "modelops/kube/client.h"

namespace modelops::kube {

class LineSplitter {
 public:
  // maxLineBytes bounds memory for a peer that never sends '\n' (objects are at most ~3 MiB in etcd).
  explicit LineSplitter(std::size_t maxLineBytes = 16 * 1024 * 1024) : maxLineBytes_(maxLineBytes) {}

  // Feeds a chunk; calls onLine for every complete line (without "\n" or "\r\n"; blank lines are
  // skipped). Stops early and returns false when onLine returns false or a line exceeds the limit
  // (then overflowed() is true). Lines are delivered in order; bytes are never altered.
  bool feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);

  // The bytes of an unfinished line (a stream that ended without a final '\n').
  const std::string& pending() const { return buffer_; }
  bool overflowed() const { return overflowed_; }

 private:
  std::string buffer_;
  std::size_t maxLineBytes_;
  bool overflowed_ = false;
};

// Parses one line {"type": "ADDED", "object": {...}}. Unknown types, missing objects and invalid
// JSON are ApiError{0, "BadResponse"} naming the problem (never the line's content).
Result<WatchEvent, ApiError> parseWatchEvent(std::string_view line);

const char* watchEventTypeName(WatchEvent::Type type);

}  // namespace modelops::kube
