// Status objects and HTTP codes to ApiError; see include/modelops/kube/status.h.
// Thread-safety: pure functions.
#include "json_util.h"
#include "modelops/kube/status.h"

#include <cctype>

namespace modelops::kube {

std::string reasonForHttpCode(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

std::optional<int> parseRetryAfterSeconds(std::string_view value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty() || value.size() > 6) return std::nullopt;
  int seconds = 0;
  for (char c : value) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  if (seconds > 86400) return std::nullopt;
  return seconds;
}

ApiError apiErrorFromStatus(const Json& status, int fallbackCode) {
  ApiError error;
  error.code = fallbackCode;
  if (!status.is_object()) return error;
  if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    int code = it->get<int>();
    if (code >= 100 && code <= 599) error.code = code;
  }
  if (auto it = status.find("reason"); it != status.end() && it->is_string()) error.reason = it->get<std::string>();
  if (auto it = status.find("message"); it != status.end() && it->is_string()) error.message = it->get<std::string>();
  if (auto it = status.find("details"); it != status.end() && it->is_object()) {
    error.details = *it;
    if (auto ra = it->find("retryAfterSeconds"); ra != it->end() && ra->is_number_integer() && ra->get<int>() > 0)
      error.retryAfterSeconds = ra->get<int>();
  }
  if (error.reason.empty() && error.code != 0) error.reason = reasonForHttpCode(error.code);
  return error;
}

ApiError apiErrorFromResponse(int code, std::string_view body, std::optional<std::string_view> retryAfter) {
  ApiError error;
  auto parsed = Json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && detail::stringOr(parsed, "kind") == "Status") {
    error = apiErrorFromStatus(parsed, code);
    error.code = code;  // the HTTP code is the truth; Status.code normally agrees
    if (error.reason.empty()) error.reason = reasonForHttpCode(code);
  } else {
    error.code = code;
    error.reason = reasonForHttpCode(code);
    // A proxy or load balancer page: keep a short, single-line excerpt.
    std::string text(body.substr(0, 200));
    for (char& c : text)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    error.message = text.empty() ? "the server returned HTTP " + std::to_string(code) + " with no Status" : text;
  }
  if (retryAfter) {
    if (auto seconds = parseRetryAfterSeconds(*retryAfter)) error.retryAfterSeconds = seconds;
  }
  return error;
}

ApiError transportError(std::string reason, std::string message) {
  ApiError error;
  error.code = 0;
  error.reason = std::move(reason);
  error.message = std::move(message);
  return error;
}

}  // namespace modelops::kube
