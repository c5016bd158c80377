// Prediction id encoding and verification. See prediction_id.h for the format.
// Thread-safety: pure functions to callers. The HMAC contexts are cached per thread (thread_local), so no
// lock is taken and no context is shared between threads.
#include "modelops/gateway/feedback/prediction_id.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <array>
#include <cstring>
#include <vector>

namespace modelops::gateway {

namespace {

constexpr unsigned char kFormatVersion = 2;  // 1: no nonce (never accepted now, see prediction_id.h)
constexpr std::size_t kKeyIdBytes = 4;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kNonceBytes = 8;
constexpr std::size_t kHeaderBytes = 1 + kKeyIdBytes + 1 + kNonceBytes;  // version, key id, flags, nonce
constexpr unsigned char kFlagRegression = 1;
constexpr const char* kB64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64Alphabet[(v >> s) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    out.push_back(kB64Alphabet[(v >> 18) & 63]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out.push_back(kB64Alphabet[(v >> 18) & 63]);
    out.push_back(kB64Alphabet[(v >> 12) & 63]);
    out.push_back(kB64Alphabet[(v >> 6) & 63]);
  }
  return out;
}

int base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: only the url-safe alphabet, no padding, and the unused low bits of the last character must be zero,
// so every text has exactly one decoding (a changed character can never decode to the same bytes).
std::optional<std::string> base64UrlDecodeStrict(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | std::uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

void putVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Raw big-endian: a nonce is random, so a varint would take 10 bytes instead of 8.
void putFixed64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xFF));
}

void putString(std::string& out, std::string_view s) {
  if (s.size() > kMaxIdFieldBytes) s = s.substr(0, kMaxIdFieldBytes);
  putVarint(out, s.size());
  out.append(s);
}

// Reads the payload after the tag is verified; a reader that runs off the end or finds a non-canonical
// varint fails (the id was issued by a different version or is damaged).
class PayloadReader {
 public:
  explicit PayloadReader(std::string_view bytes) : bytes_(bytes) {}
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return false;
      const auto b = std::uint8_t(bytes_[pos_++]);
      v |= std::uint64_t(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool string(std::string& s) {
    std::uint64_t n = 0;
    if (!varint(n) || n > kMaxIdFieldBytes || n > bytes_.size() - pos_) return false;
    s.assign(bytes_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool fixed64(std::uint64_t& v) {
    if (bytes_.size() - pos_ < kNonceBytes) return false;
    v = 0;
    for (std::size_t i = 0; i < kNonceBytes; ++i) v = (v << 8) | std::uint8_t(bytes_[pos_++]);
    return true;
  }
  bool atEnd() const { return pos_ == bytes_.size(); }
  void skip(std::size_t n) { pos_ += n; }
  std::uint8_t byte() { return std::uint8_t(bytes_[pos_++]); }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// HMAC-SHA256 with the implementation fetched once per thread and a keyed context per key. OpenSSL 3's one-shot
// HMAC() fetches the HMAC and SHA-256 implementations by name on every call (about 20,000 instructions, several
// times the hash itself); re-arming a keyed context (EVP_MAC_init with a null key keeps the key) costs a few
// hundred. Bounded: kMaxCachedKeys contexts per thread (current and previous key, plus a rotation in flight);
// the least recently added one goes first. Key copies are cleansed when dropped.
class HmacContexts {
 public:
  HmacContexts() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {}
  HmacContexts(const HmacContexts&) = delete;
  HmacContexts& operator=(const HmacContexts&) = delete;
  ~HmacContexts() {
    for (auto& entry : entries_) drop(entry);
    EVP_MAC_free(mac_);
  }

  // False when OpenSSL could not give a context (then the caller falls back to the one-shot HMAC()).
  bool sign(std::string_view key, std::string_view data, std::array<unsigned char, 32>& out) {
    EVP_MAC_CTX* ctx = keyed(key);
    if (ctx == nullptr) return false;
    std::size_t len = 0;
    return EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
           EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
           EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1 && len == out.size();
  }

 private:
  static constexpr std::size_t kMaxCachedKeys = 4;
  struct Entry {
    std::string key;
    EVP_MAC_CTX* ctx = nullptr;
  };

  static void drop(Entry& entry) {
    EVP_MAC_CTX_free(entry.ctx);
    OPENSSL_cleanse(entry.key.data(), entry.key.size());
  }

  EVP_MAC_CTX* keyed(std::string_view key) {
    for (auto& entry : entries_) {
      if (entry.key.size() == key.size() && CRYPTO_memcmp(entry.key.data(), key.data(), key.size()) == 0) {
        return entry.ctx;
      }
    }
    if (mac_ == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac_);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx == nullptr ||
        EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    if (entries_.size() == kMaxCachedKeys) {
      drop(entries_.front());
      entries_.erase(entries_.begin());
    }
    entries_.push_back(Entry{std::string(key), ctx});
    return ctx;
  }

  EVP_MAC* mac_;
  std::vector<Entry> entries_;
};

std::array<unsigned char, 32> hmacSha256(std::string_view key, std::string_view data) {
  thread_local HmacContexts contexts;
  std::array<unsigned char, 32> out{};
  if (contexts.sign(key, data, out)) return out;
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out.data(), &len);
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 4 bytes of a key id: its hex digits (keyIdOf's form), or for any other id text the first bytes of its
// SHA-256, so a hand-made SigningKey still gets a stable id.
std::string keyIdBytes(std::string_view keyId) {
  std::string out;
  if (keyId.size() == 2 * kKeyIdBytes) {
    for (std::size_t i = 0; i < keyId.size(); i += 2) {
      const int hi = hexValue(keyId[i]), lo = hexValue(keyId[i + 1]);
      if (hi < 0 || lo < 0) break;
      out.push_back(char(hi * 16 + lo));
    }
    if (out.size() == kKeyIdBytes) return out;
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(keyId.data()), keyId.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), kKeyIdBytes);
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 15]);
  }
  return out;
}

IdRejection rejection(IdRejection::Kind kind, std::string reason) { return IdRejection{kind, std::move(reason)}; }

const SigningKey* keyNamed(const KeyRing& keys, std::string_view idBytes) {
  if (keyIdBytes(keys.current.id) == idBytes) return &keys.current;
  if (keys.previous && keyIdBytes(keys.previous->id) == idBytes) return &*keys.previous;
  return nullptr;
}

Result<PredictionId, IdRejection> readPayload(std::string_view payload) {
  PayloadReader reader(payload);
  reader.skip(1 + kKeyIdBytes);
  const std::uint8_t flags = reader.byte();
  PredictionId id;
  id.regression = (flags & kFlagRegression) != 0;
  std::uint64_t issued = 0, row = 0;
  if ((flags & ~kFlagRegression) != 0 || !reader.fixed64(id.nonce) || !reader.varint(issued) || !reader.varint(row) ||
      issued > std::uint64_t(INT64_MAX) || row > UINT32_MAX || !reader.string(id.ns) || !reader.string(id.model) ||
      !reader.string(id.version) || !reader.string(id.revision) || !reader.string(id.segment) ||
      !reader.string(id.predictedClass) || !reader.atEnd()) {
    return rejection(IdRejection::Malformed, "predictionId: unreadable payload");
  }
  id.issuedAtMs = std::int64_t(issued);
  id.row = std::uint32_t(row);
  return id;
}

}  // namespace

std::string keyIdOf(std::string_view secret) {
  static constexpr std::string_view kContext = "modelops-prediction-id-key";
  std::string data;
  data.reserve(kContext.size() + secret.size());
  data.append(kContext).append(secret);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  OPENSSL_cleanse(data.data(), data.size());
  return hex(digest, kKeyIdBytes);
}

SigningKey signingKey(std::string secret) {
  SigningKey key;
  key.id = keyIdOf(secret);
  key.secret = std::move(secret);
  return key;
}

namespace {
Result<SigningKey, std::string> decodeSecretKey(const nlohmann::json& data, const char* name) {
  const auto it = data.find(name);
  if (it == data.end() || !it->is_string()) return std::string("data.") + name + ": missing or not a string";
  const std::string& text = it->get_ref<const std::string&>();
  if (text.size() > 4096) return std::string("data.") + name + ": longer than 4096 characters";
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
  if (n < 0 || text.size() % 4 != 0) return std::string("data.") + name + ": not valid base64";
  std::size_t len = std::size_t(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;  // EVP_DecodeBlock keeps padding zeros
  bytes.resize(len);
  if (bytes.size() < kMinKeyBytes) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return std::string("data.") + name + ": key shorter than " + std::to_string(kMinKeyBytes) + " bytes";
  }
  return signingKey(std::move(bytes));
}
}  // namespace

Result<KeyRing, std::string> keyRingFromSecretData(const nlohmann::json& secretData) {
  if (!secretData.is_object()) return std::string("data: not an object");
  auto current = decodeSecretKey(secretData, "current");
  if (!current) return current.error();
  KeyRing ring{std::move(current.value()), std::nullopt};
  if (secretData.contains("previous")) {
    auto previous = decodeSecretKey(secretData, "previous");
    if (!previous) return previous.error();
    ring.previous = std::move(previous.value());
  }
  return ring;
}

std::string encodePredictionId(const PredictionId& id, const SigningKey& key) {
  std::string payload;
  payload.reserve(64 + id.ns.size() + id.model.size() + id.version.size() + id.revision.size() + id.segment.size() +
                  id.predictedClass.size());
  payload.push_back(char(kFormatVersion));
  payload.append(keyIdBytes(key.id));
  payload.push_back(char(id.regression ? kFlagRegression : 0));
  putFixed64(payload, id.nonce);
  putVarint(payload, std::uint64_t(std::max<std::int64_t>(0, id.issuedAtMs)));
  putVarint(payload, id.row);
  for (const std::string* s : {&id.ns, &id.model, &id.version, &id.revision, &id.segment, &id.predictedClass}) {
    putString(payload, *s);
  }
  const auto tag = hmacSha256(key.secret, payload);
  payload.append(reinterpret_cast<const char*>(tag.data()), kTagBytes);
  return base64UrlEncode(payload);
}

int httpStatusOf(IdRejection::Kind kind) { return kind == IdRejection::Expired ? 410 : 403; }

const char* reasonLabelOf(IdRejection::Kind kind) {
  switch (kind) {
    case IdRejection::Malformed: return "malformed";
    case IdRejection::Forged: return "forged";
    case IdRejection::Expired: return "expired";
  }
  return "malformed";
}

Result<PredictionId, IdRejection> verifyPredictionId(std::string_view text, const KeyRing& keys, std::int64_t nowMs,
                                                     std::int64_t maxAgeMs) {
  if (text.empty()) return rejection(IdRejection::Malformed, "predictionId: empty");
  if (text.size() > kMaxPredictionIdLength) {
    return rejection(IdRejection::Malformed,
                     "predictionId: longer than " + std::to_string(kMaxPredictionIdLength) + " characters");
  }
  const auto bytes = base64UrlDecodeStrict(text);
  if (!bytes) return rejection(IdRejection::Malformed, "predictionId: not base64url text");
  if (bytes->size() < kHeaderBytes + kTagBytes) return rejection(IdRejection::Malformed, "predictionId: too short");
  if (std::uint8_t((*bytes)[0]) != kFormatVersion) {
    return rejection(IdRejection::Malformed, std::uint8_t((*bytes)[0]) == 1
                                                 ? "predictionId: format version 1 is no longer accepted"
                                                 : "predictionId: unknown format version");
  }
  const std::string_view all(*bytes);
  const std::string_view payload = all.substr(0, all.size() - kTagBytes);
  const SigningKey* key = keyNamed(keys, payload.substr(1, kKeyIdBytes));
  if (key == nullptr) return rejection(IdRejection::Forged, "predictionId: signed with an unknown key");
  const auto tag = hmacSha256(key->secret, payload);
  if (CRYPTO_memcmp(tag.data(), all.data() + payload.size(), kTagBytes) != 0) {
    return rejection(IdRejection::Forged, "predictionId: signature does not match");
  }
  auto id = readPayload(payload);
  if (!id) return id;
  if (id->issuedAtMs > nowMs + kMaxClockSkewMs) {
    return rejection(IdRejection::Forged, "predictionId: issued in the future");
  }
  if (maxAgeMs > 0 && nowMs - id->issuedAtMs > maxAgeMs) {
    return rejection(IdRejection::Expired, "predictionId: older than " + std::to_string(maxAgeMs / 1000) + " s");
  }
  return id;
}

std::string dedupeKeyOf(std::string_view verifiedIdText) {
  // The last 22 characters hold the 16-byte tag (with a few payload bits): unique per id and key.
  constexpr std::size_t kTagChars = (kTagBytes * 4 + 2) / 3;
  return std::string(verifiedIdText.size() > kTagChars ? verifiedIdText.substr(verifiedIdText.size() - kTagChars)
                                                        : verifiedIdText);
}

}  // namespace modelops::gateway
