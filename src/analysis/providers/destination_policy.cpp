// DestinationPolicy and address parsing (see destination_policy.h).
// Thread-safety: pure functions and an immutable policy.
#include "modelops/analysis/destination_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace modelops::analysis {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// The ranges denied whatever the flags say: link-local, the cloud metadata endpoints, and "this host"
// (0.0.0.0/8, ::), which Linux connects to the local machine.
constexpr const char* kBuiltInDenied[] = {"169.254.0.0/16",     "fe80::/10", "fd00:ec2::254/128",
                                          "100.100.100.200/32", "0.0.0.0/8", "::/128"};

std::string lowerHost(std::string_view host) {
  std::string out(host);
  while (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool validHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

Error invalidRange(std::string_view entry, const std::string& why) {
  return Error{"InvalidRule", "\"" + std::string(entry) + "\": " + why};
}

Error invalidRule(const char* list, std::string_view entry, const std::string& why) {
  return Error{"InvalidRule", std::string(list) + ": " + invalidRange(entry, why).message};
}

}  // namespace

std::string IpAddress::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

std::optional<IpAddress> parseIpAddress(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress out;
  if (::inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) return out;
  if (::inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), out.bytes.begin())) {
    // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d: match it as that.
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::fill(out.bytes.begin() + 4, out.bytes.end(), 0);
    return out;
  }
  out.v6 = true;
  return out;
}

bool AddressRange::contains(const IpAddress& address) const {
  if (address.v6 != base.v6) return false;
  int bits = prefixLength;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != base.bytes[i]) return false;
  }
  return true;
}

std::string AddressRange::toString() const { return base.toString() + "/" + std::to_string(prefixLength); }

Result<AddressRange> parseAddressRange(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addressText = text.substr(0, slash);
  const bool mappedSyntax = addressText.find(':') != std::string_view::npos;
  auto address = parseIpAddress(addressText);
  if (!address) return invalidRange(text, "not an IPv4 or IPv6 address");
  int maxBits = address->v6 ? 128 : 32;
  int prefix = maxBits;
  if (slash != std::string_view::npos) {
    const std::string_view p = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    // An IPv4-mapped range is written with an IPv6 prefix length (96 + the IPv4 one).
    const int written = mappedSyntax && !address->v6 ? 128 : maxBits;
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > written) {
      return invalidRange(text, "prefix length must be between 0 and " + std::to_string(written));
    }
    if (written == 128 && !address->v6) {
      if (prefix < 96) return invalidRange(text, "an IPv4-mapped range needs a prefix length of at least 96");
      prefix -= 96;
    }
  }
  AddressRange range{*address, prefix};
  int bits = prefix;
  for (std::size_t i = 0; i < range.base.bytes.size(); ++i, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - bits));
    range.base.bytes[i] &= mask;
  }
  return range;
}

bool DestinationPolicy::Rules::matchesName(const std::string& host) const {
  if (std::find(exactNames.begin(), exactNames.end(), host) != exactNames.end()) return true;
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& suffix) {
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  });
}

DestinationPolicy::DestinationPolicy() {
  for (const char* range : kBuiltInDenied) deny_.ranges.push_back(*parseAddressRange(range));
}

std::vector<std::string> DestinationPolicy::builtInDenied() {
  return {std::begin(kBuiltInDenied), std::end(kBuiltInDenied)};
}

Status DestinationPolicy::addRule(Rules& rules, std::string_view entry, const char* list) {
  const bool looksLikeAddress = entry.find('/') != std::string_view::npos || entry.find(':') != std::string_view::npos ||
                                parseIpAddress(entry).has_value();
  if (looksLikeAddress) {
    auto range = parseAddressRange(entry);
    if (!range) return Error{"InvalidRule", std::string(list) + ": " + range.error().message};
    rules.ranges.push_back(*range);
    return {};
  }
  std::string name = lowerHost(entry);
  if (name.rfind("*.", 0) == 0) {
    if (!validHostName(name.substr(2)) || name.find('*', 1) != std::string::npos) {
      return invalidRule(list, entry, "not a host name suffix like *.example.com");
    }
    rules.suffixes.push_back(name.substr(1));
    return {};
  }
  if (!validHostName(name)) {
    return invalidRule(list, entry, "not a host name, *.suffix, IP address or CIDR range");
  }
  rules.exactNames.push_back(std::move(name));
  return {};
}

Result<DestinationPolicy> DestinationPolicy::parse(const std::vector<std::string>& allow,
                                                   const std::vector<std::string>& deny) {
  DestinationPolicy policy;
  auto add = [](Rules& rules, const std::vector<std::string>& entries, const char* list) -> Status {
    for (const auto& value : entries) {
      std::string_view rest = value;
      while (true) {  // a value may hold a comma-separated list
        const auto comma = rest.find(',');
        std::string_view entry = rest.substr(0, comma);
        while (!entry.empty() && std::isspace(static_cast<unsigned char>(entry.front()))) entry.remove_prefix(1);
        while (!entry.empty() && std::isspace(static_cast<unsigned char>(entry.back()))) entry.remove_suffix(1);
        if (!entry.empty()) {
          if (auto st = addRule(rules, entry, list); !st) return st;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    return {};
  };
  if (auto st = add(policy.allow_, allow, "--provider-allow"); !st) return st.error();
  if (auto st = add(policy.deny_, deny, "--provider-deny"); !st) return st.error();
  return policy;
}

DestinationPolicy::Decision DestinationPolicy::check(std::string_view hostText,
                                                     const std::vector<IpAddress>& addresses) const {
  const std::string host = lowerHost(hostText);
  if (deny_.matchesName(host)) return {false, "host \"" + host + "\" is denied by the operator's --provider-deny"};
  for (const auto& address : addresses) {
    for (const auto& range : deny_.ranges) {
      if (range.contains(address)) {
        return {false, "host \"" + host + "\" resolves to " + address.toString() + ", in the denied range " +
                           range.toString()};
      }
    }
  }
  if (allow_.empty() || allow_.matchesName(host)) return {};
  if (addresses.empty()) return {false, "host \"" + host + "\" is not in the operator's --provider-allow"};
  for (const auto& address : addresses) {
    const bool allowed = std::any_of(allow_.ranges.begin(), allow_.ranges.end(),
                                     [&](const AddressRange& r) { return r.contains(address); });
    if (!allowed) {
      return {false, "host \"" + host + "\" resolves to " + address.toString() +
                         ", which is not in the operator's --provider-allow"};
    }
  }
  return {};
}

}  // namespace modelops::analysis
