// Turning API server responses into ApiError values: Status-object parsing (reason, message,
// details with causes), HTTP codes without a Status body, Retry-After, and transport failures.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modelops/kube/client.h"

namespace modelops::kube {

// The reason Kubernetes uses for an HTTP code when the body carries no Status
// (404 NotFound, 409 Conflict, 410 Gone, 422 Invalid, 429 TooManyRequests, 500 InternalError, ...).
std::string reasonForHttpCode(int code);

// An error from a non-2xx response. body may be a Status object, other JSON, text or empty;
// retryAfter is the raw Retry-After header value (delta seconds; HTTP dates are ignored).
ApiError apiErrorFromResponse(int code, std::string_view body, std::optional<std::string_view> retryAfter = {});

// An error from a Status object already parsed (a watch ERROR event carries one).
ApiError apiErrorFromStatus(const Json& status, int fallbackCode = 0);

// "Retry-After: 3" -> 3; negative, non-numeric or absurd (> 1 day) values -> nullopt.
std::optional<int> parseRetryAfterSeconds(std::string_view value);

// Transport errors (code 0). reason is one of ConnectionError, Timeout, TLSError, Cancelled,
// BadResponse, AuthError.
ApiError transportError(std::string reason, std::string message);

}  // namespace modelops::kube
