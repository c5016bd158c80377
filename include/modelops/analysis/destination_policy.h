// DestinationPolicy: where the metric providers may connect. The operator's network position is not lent
// to whoever writes a ModelDeployment: an operator-level allow list and deny list of host names
// ("prom.example", "*.monitoring.svc") and address ranges ("10.0.0.0/8", "fd00::/8", a single address),
// plus built-in denials for link-local and cloud metadata addresses that always apply:
//   169.254.0.0/16 (IPv4 link-local, AWS/GCP/Azure metadata 169.254.169.254), fe80::/10 (IPv6 link-local),
//   fd00:ec2::254/128 (AWS IPv6 metadata), 100.100.100.200/32 (Alibaba metadata), and 0.0.0.0/8 and ::/128
//   ("this host": Linux connects them to the local machine). Loopback is not denied by default (dev
//   setups and tests run providers there); add --provider-deny=127.0.0.0/8,::1 in production.
// The check runs on the host as written (name rules) and on every address the host resolved to
// (range rules); the caller then connects to one of the checked addresses, never resolving again, so a
// second DNS answer cannot slip a denied address in (see http_call.h).
//   1. a deny rule matching the host name, or any resolved address in a denied range -> denied;
//   2. no allow rules -> allowed;
//   3. the host name matches an allow name rule, or every resolved address is in an allowed range ->
//      allowed; otherwise denied.
// Deny always wins over allow. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as the IPv4
// address they carry, in rules and in resolved addresses. Name rules match case-insensitively and
// ignore a trailing dot; "*.example.com" matches any name below example.com, not example.com itself.
// Thread-safety: immutable after parse(); check() is const and safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/common/result.h"

namespace modelops::analysis {

// An IPv4 or IPv6 address; IPv4 (and IPv4-mapped IPv6) is kept as 4 bytes.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // v4: the first 4 bytes
  std::string toString() const;
  bool operator==(const IpAddress&) const = default;
};

// "10.1.2.3", "::1", "fd00:ec2::254", "::ffff:169.254.169.254" (-> IPv4). No brackets, no zone ids.
std::optional<IpAddress> parseIpAddress(std::string_view text);

struct AddressRange {
  IpAddress base;  // masked to the prefix
  int prefixLength = 0;
  bool contains(const IpAddress& address) const;
  std::string toString() const;
};

// "10.0.0.0/8", "fd00::/8", "1.2.3.4" (a /32), "::ffff:10.0.0.0/104" (-> 10.0.0.0/8). Error code
// "InvalidRule" with the entry quoted.
Result<AddressRange> parseAddressRange(std::string_view text);

class DestinationPolicy {
 public:
  // Only the built-in denials.
  DestinationPolicy();

  // Each value: a comma-separated list of entries, each a host name, "*.suffix", an address or a CIDR
  // range. Empty entries are skipped (a trailing comma). Errors (code "InvalidRule") name the flag
  // (--provider-allow / --provider-deny) and the entry.
  static Result<DestinationPolicy> parse(const std::vector<std::string>& allow, const std::vector<std::string>& deny);

  struct Decision {
    bool allowed = true;
    std::string reason;  // why it was denied, naming the rule and the address; empty when allowed
  };
  // `host` as written in the provider address (a name or an address literal); `addresses` what it resolved
  // to (for a literal: the literal itself).
  Decision check(std::string_view host, const std::vector<IpAddress>& addresses) const;

  // The built-in denied ranges, as text (for docs and --help).
  static std::vector<std::string> builtInDenied();

 private:
  struct Rules {
    std::vector<std::string> exactNames;  // lower case, no trailing dot
    std::vector<std::string> suffixes;    // ".example.com" from "*.example.com"
    std::vector<AddressRange> ranges;
    bool empty() const { return exactNames.empty() && suffixes.empty() && ranges.empty(); }
    bool matchesName(const std::string& host) const;
  };
  static Status addRule(Rules& rules, std::string_view entry, const char* list);

  Rules allow_;
  Rules deny_;
};

}  // namespace modelops::analysis
