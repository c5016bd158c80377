// Length limits for text that goes into Kubernetes objects (status messages, condition messages,
// verdict and history reasons, Event messages): whatever a metrics provider or a user supplies, what the
// operator writes is bounded. truncateText() is the one helper every writer uses, so the marker and the
// UTF-8 handling are the same everywhere. The limits are documented in docs/reference.md ("Bounded status").
// Thread-safety: pure functions and constants.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace modelops {

namespace text_limits {
// An Event's message (client-go's recorder cuts at 1024 too).
inline constexpr std::size_t kEventMessage = 1024;
// status.message, conditions[].message, history[].reason.
inline constexpr std::size_t kStatusMessage = 1024;
// A verdict's reason / a run's message, and everything a provider said (error texts).
inline constexpr std::size_t kVerdictReason = 512;
// A query as sent (kept for troubleshooting).
inline constexpr std::size_t kQuery = 2048;
// The whole status as encoded JSON: lists and fields are capped so that it stays below this.
inline constexpr std::size_t kStatusBudget = 64 * 1024;
}  // namespace text_limits

// The marker that ends a truncated text.
inline constexpr std::string_view kTruncatedMarker = "...[truncated]";

// `text` when it has at most `maxBytes` bytes; otherwise its longest prefix that ends on a UTF-8
// character boundary and, followed by kTruncatedMarker, fits in `maxBytes`. Never splits a multi-byte
// character; invalid bytes are kept as they are (they are the caller's to reject). maxBytes smaller than
// the marker gives a prefix of the marker.
inline std::string truncateText(std::string_view text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  if (maxBytes <= kTruncatedMarker.size()) return std::string(kTruncatedMarker.substr(0, maxBytes));
  std::size_t cut = maxBytes - kTruncatedMarker.size();
  // Step back over continuation bytes (10xxxxxx) so the cut falls before a character's first byte.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) --cut;
  std::string out(text.substr(0, cut));
  out += kTruncatedMarker;
  return out;
}

// In place; true when it was cut.
inline bool truncateInPlace(std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return false;
  text = truncateText(text, maxBytes);
  return true;
}

}  // namespace modelops
