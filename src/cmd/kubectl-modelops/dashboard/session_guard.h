// The dashboard's request guard: a per-session random token and the Host/Origin checks that keep other
// web sites (cross-site requests, DNS rebinding) from driving a dashboard bound to the user's
// credentials. Every request must carry the token (the URL printed at start-up sets it as a
// SameSite=Strict, HttpOnly cookie); every action (POST) must also carry it in the X-Modelops-Token
// header, with an Origin (when the browser sends one) naming this server.
// Thread-safety: SessionGuard is immutable after construction; the functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modelops::plugin::dashboard {

// 32 random bytes from the kernel (getrandom), as 64 hex characters. Throws std::runtime_error when
// the kernel gives none (no token is better than a guessable one).
std::string newSessionToken();

// Equal contents, compared in time that depends only on the lengths (never on where they differ).
bool constantTimeEquals(std::string_view a, std::string_view b);

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackAddress(std::string_view address);

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookieValue(std::string_view cookieHeader, std::string_view name);

class SessionGuard {
 public:
  // `boundAddress` and `port` as listened on: with a loopback address, only the Host names
  // 127.0.0.1, localhost, [::1] and the bound address (with this port) are accepted.
  SessionGuard(std::string token, std::string boundAddress, int port);

  const std::string& token() const { return token_; }
  static constexpr const char* kCookie = "modelops_dashboard";
  static constexpr const char* kHeader = "X-Modelops-Token";

  // The Host header is one this server answers to (DNS rebinding defence).
  bool hostAllowed(std::string_view host) const;
  // An Origin header, when present, is exactly http://<the request's Host>, and that Host is allowed.
  bool originAllowed(std::string_view origin, std::string_view requestHost) const;
  // The presented token matches.
  bool tokenMatches(std::string_view presented) const { return constantTimeEquals(presented, token_); }

 private:
  std::string token_;
  bool loopback_;
  std::vector<std::string> hosts_;
};

}  // namespace modelops::plugin::dashboard
