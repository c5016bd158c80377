// Which backend serves one request, and whether a copy goes to the shadow. Pure: the caller brings the
// request's headers and cookies and one uniformly random 64-bit value.
//   1. Pins (A/B match rules): the first pin whose header/cookie equals its value, to a backend of
//      weight > 0, wins.
//   2. Sticky: when the route declares a key and the request carries it, the key is hashed (FNV-1a 64,
//      then a 64-bit finaliser) to a point u in [0,1), and u is mapped over the backends' cumulative
//      weights in ModelRoute::backends order (canary before stable; variants in status order). The same
//      key always lands on the same backend while the weights do not change, and a change keeps every key
//      whose point stays inside its backend's interval: raising a canary's weight only moves keys from
//      stable to the canary (never back), lowering it only the reverse.
//   3. Otherwise weighted random: `random` mapped over the cumulative weights.
//   Shadow (canary only): when the primary is not the canary, a copy goes to the canary with probability
//   shadowPercent/100, drawn from bits of `random` independent of the primary's draw.
// No backend with weight > 0 (all zero): primary is nullptr (the proxy answers 503).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "modelops/gateway/routing/routing_table.h"

namespace modelops::gateway {

struct RequestView {
  // The value of a header (name matched case-insensitively by the caller) or cookie, if present.
  std::function<std::optional<std::string_view>(std::string_view)> header, cookie;
};

struct Pick {
  const Backend* primary = nullptr;
  const Backend* shadow = nullptr;  // nullptr: no shadow copy
};

Pick pick(const ModelRoute& route, const RequestView& request, std::uint64_t random);

// The point in [0,1) a sticky key hashes to (exposed for tests and docs).
double stickyPoint(std::string_view key);

// The value of cookie `name` in a Cookie header ("a=1; b=2"), for callers building a RequestView.
std::optional<std::string_view> cookieValue(std::string_view cookieHeader, std::string_view name);

}  // namespace modelops::gateway
