// Prediction ids that need no store: everything the feedback path needs to count a label (namespace, model,
// version, revision, segment, predicted class, time, row of a batch, task) travels inside the id, authenticated
// with HMAC-SHA256 under a key read from a Secret. Any gateway replica can verify any id. A 64-bit nonce makes
// every id unique, also for predictions with the same facts in the same millisecond (id_nonce.h).
//
// Format (version 2): base64url without padding of   payload || tag
//   payload = 0x02 | key id (4 bytes) | flags (1 byte: bit 0 regression) | nonce (8 bytes, big-endian)
//             | issuedAtMs (varint) | row (varint)
//             | ns | model | version | revision | segment | predictedClass   (each: varint length + bytes)
//   tag     = the first 16 bytes of HMAC-SHA256(secret, payload)
// A typical id is 70 to 110 characters. The key id is derived from the key bytes (keyIdOf), so a Secret holds
// only keys and rotation needs no bookkeeping: verification picks the key (current or previous) the id names.
// Version 1 (the same without the nonce) is rejected as malformed: it was never released, and accepting it
// would keep accepting ids that collide.
// Thread-safety: pure functions; KeyRing and PredictionId are plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::gateway {

struct PredictionId {
  std::string ns, model, version, revision, segment, predictedClass;
  std::int64_t issuedAtMs = 0;
  std::uint32_t row = 0;    // index of the row in a batch response (0 for a single prediction)
  bool regression = false;  // the model's task: a label is then a number, compared by absolute error
  std::uint64_t nonce = 0;  // the unique part: IdNonceGenerator::next() when issuing (encoding stays pure)
};

struct SigningKey {
  std::string id;      // keyIdOf(secret): 8 hex characters
  std::string secret;  // raw key bytes, at least kMinKeyBytes
};

struct KeyRing {
  SigningKey current;
  std::optional<SigningKey> previous;  // still accepted after a rotation, never used to sign
};

inline constexpr std::size_t kMinKeyBytes = 32;
// Longer text is rejected before any decoding (fields are bounded when issuing, see kMaxIdFieldBytes).
inline constexpr std::size_t kMaxPredictionIdLength = 1024;
inline constexpr std::size_t kMaxIdFieldBytes = 128;  // each string field; longer values are truncated when issuing
inline constexpr std::int64_t kMaxClockSkewMs = 5 * 60 * 1000;  // an id from up to 5 min in the future is accepted

// The key id of a key: hex of the first 4 bytes of SHA-256("modelops-prediction-id-key" || secret).
std::string keyIdOf(std::string_view secret);
SigningKey signingKey(std::string secret);

// A Secret's `data` (base64 values): `current` (required) and `previous` (optional), each >= 32 key bytes.
// Errors name the key at fault and never include key material.
Result<KeyRing, std::string> keyRingFromSecretData(const nlohmann::json& secretData);

std::string encodePredictionId(const PredictionId& id, const SigningKey& key);

struct IdRejection {
  enum Kind { Malformed, Forged, Expired } kind;
  std::string reason;
};
// HTTP status for a rejection: Malformed and Forged 403 (the id was not issued by us, or was altered), Expired 410.
int httpStatusOf(IdRejection::Kind kind);
const char* reasonLabelOf(IdRejection::Kind kind);  // "malformed", "forged", "expired"

// Verifies the tag in constant time before reading the payload. maxAgeMs <= 0: no expiry.
Result<PredictionId, IdRejection> verifyPredictionId(std::string_view text, const KeyRing& keys, std::int64_t nowMs,
                                                     std::int64_t maxAgeMs);

// The id's tag as a short string: the key by which a label is deduplicated (unique per id).
std::string dedupeKeyOf(std::string_view verifiedIdText);

}  // namespace modelops::gateway
