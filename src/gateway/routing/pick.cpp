// pick(): pins, sticky keys, weighted random and the shadow draw (rules in modelops/gateway/routing/pick.h).
// Thread-safety: pure functions.
#include "modelops/gateway/routing/pick.h"

namespace modelops::gateway {
namespace {

// SplitMix64's finaliser: spreads the bits of a hash or a random value over all 64 bits.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a(std::string_view key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t stickyHash(std::string_view key) { return mix64(fnv1a(key)); }

// The backend whose cumulative-weight interval holds the point `draw` / 2^64 (draw scaled to the total
// by a 128-bit multiply: no modulo bias, monotone in `draw`); nullptr when no backend has weight.
const Backend* byCumulativeWeight(const ModelRoute& route, std::uint64_t draw) {
  std::uint64_t total = 0;
  for (const auto& b : route.backends) total += static_cast<std::uint64_t>(std::max<std::int64_t>(b.weight, 0));
  if (total == 0) return nullptr;
  auto slot = static_cast<std::uint64_t>((static_cast<unsigned __int128>(draw) * total) >> 64);
  std::uint64_t cumulative = 0;
  for (const auto& b : route.backends) {
    if (b.weight <= 0) continue;
    cumulative += static_cast<std::uint64_t>(b.weight);
    if (slot < cumulative) return &b;
  }
  return nullptr;  // unreachable: slot < total
}

std::optional<std::string_view> lookup(const RequestView& request, MatchPin::Source source, std::string_view name) {
  const auto& get = source == MatchPin::Source::Header ? request.header : request.cookie;
  if (!get) return std::nullopt;
  return get(name);
}

const Backend* pinned(const ModelRoute& route, const RequestView& request) {
  for (const auto& pin : route.pins) {
    if (pin.backend >= route.backends.size() || route.backends[pin.backend].weight <= 0) continue;
    auto value = lookup(request, pin.source, pin.name);
    if (value && *value == pin.value) return &route.backends[pin.backend];
  }
  return nullptr;
}

}  // namespace

double stickyPoint(std::string_view key) { return static_cast<double>(stickyHash(key) >> 11) * 0x1.0p-53; }

Pick pick(const ModelRoute& route, const RequestView& request, std::uint64_t random) {
  Pick result;
  result.primary = pinned(route, request);
  if (!result.primary && route.sticky) {
    auto key = lookup(request, route.sticky->source, route.sticky->name);
    if (key && !key->empty()) result.primary = byCumulativeWeight(route, stickyHash(*key));
  }
  if (!result.primary) result.primary = byCumulativeWeight(route, mix64(random));
  if (result.primary && route.shadowBackend && route.shadowPercent > 0 && *route.shadowBackend < route.backends.size()) {
    const Backend* shadow = &route.backends[*route.shadowBackend];
    // An independent draw: the other half of the stream SplitMix would give after `random`.
    std::uint64_t draw = mix64(random + 0x9e3779b97f4a7c15ULL);
    if (shadow != result.primary && draw % 100 < static_cast<std::uint64_t>(route.shadowPercent)) result.shadow = shadow;
  }
  return result;
}

std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

}  // namespace modelops::gateway
