// See session_guard.h.
#include "session_guard.h"

#include <sys/random.h>

#include <cstdint>
#include <stdexcept>

namespace modelops::plugin::dashboard {

std::string newSessionToken() {
  unsigned char bytes[32];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n <= 0) throw std::runtime_error("no randomness from the kernel for the dashboard's session token");
    got += static_cast<std::size_t>(n);
  }
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += hex[b >> 4];
    token += hex[b & 15];
  }
  return token;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Walk the longer length and fold every difference in, so neither the position of the first
  // difference nor (beyond the length itself) the contents change the time taken.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0 && !b.empty();
}

bool isLoopbackAddress(std::string_view address) {
  if (address == "localhost" || address == "::1" || address == "[::1]") return true;
  return address.starts_with("127.");
}

std::string cookieValue(std::string_view header, std::string_view name) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    pos = end + 1;
  }
  return "";
}

SessionGuard::SessionGuard(std::string token, std::string boundAddress, int port)
    : token_(std::move(token)), loopback_(isLoopbackAddress(boundAddress)) {
  const std::string p = ":" + std::to_string(port);
  hosts_ = {"127.0.0.1" + p, "localhost" + p, "[::1]" + p};
  if (boundAddress.find(':') != std::string::npos && boundAddress.front() != '[')
    hosts_.push_back("[" + boundAddress + "]" + p);
  else
    hosts_.push_back(boundAddress + p);
}

bool SessionGuard::hostAllowed(std::string_view host) const {
  // Bound to another interface, the dashboard is reached under names we cannot know: the token (which
  // a rebinding page cannot read) is then the defence, and the start-up warning says so.
  if (!loopback_) return !host.empty();
  for (const auto& h : hosts_)
    if (host == h) return true;
  return false;
}

bool SessionGuard::originAllowed(std::string_view origin, std::string_view requestHost) const {
  if (origin.empty()) return true;  // not a cross-site browser request (curl, kubectl-style clients)
  if (!hostAllowed(requestHost)) return false;
  return origin.starts_with("http://") && origin.substr(7) == requestHost;
}

}  // namespace modelops::plugin::dashboard
