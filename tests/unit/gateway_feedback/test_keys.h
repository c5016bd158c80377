// Keys and ids shared by the gateway feedback tests. Thread-safety: plain values.
#pragma once

#include <string>

#include "modelops/gateway/feedback/prediction_id.h"

namespace modelops::gateway::testkeys {

inline SigningKey keyA() { return signingKey(std::string(32, 'a') + "-first-key"); }
inline SigningKey keyB() { return signingKey(std::string(40, 'b')); }
inline KeyRing ringA() { return KeyRing{keyA(), std::nullopt}; }

inline PredictionId sampleId(std::int64_t issuedAtMs) {
  // A nonce with every byte distinct and non-zero, so a round trip shows byte order and position.
  return PredictionId{"shop", "digits", "v2", "7f9c2ab1", "eu-west", "8", issuedAtMs, 0, false, 0x0123456789abcdefULL};
}

}  // namespace modelops::gateway::testkeys
