#include "modelops/gateway/feedback/prediction_id.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <thread>
#include <vector>

#include "modelops/gateway/feedback/id_nonce.h"

#include "test_keys.h"

namespace modelops::gateway {
namespace {

using namespace testkeys;
constexpr std::int64_t kNow = 1'780'000'000'000;
constexpr std::int64_t kDay = 24 * 3600 * 1000;

std::string b64(std::string_view bytes) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(a[(v >> s) & 63]);
  }
  if (bytes.size() - i == 1) {
    unsigned v = std::uint8_t(bytes[i]) << 16;
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], '=', '='};
  } else if (bytes.size() - i == 2) {
    unsigned v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += {a[(v >> 18) & 63], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

// The raw bytes of an id (base64url without padding), decoded independently of the code under test.
std::string idBytesOfText(std::string_view text) {
  static const std::string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (char c : text) {
    acc = (acc << 6) | unsigned(a.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(char((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// The tag must stay the first 16 bytes of HMAC-SHA256(secret, payload) computed the plain way, whatever caching
// the implementation does (ids travel between gateway replicas of different builds): checked for more keys
// than the per-thread context cache holds, revisited after eviction, and on two threads at once.
TEST(PredictionId, TagIsTheHmacOfThePayloadForEveryKeyAndThread) {
  std::vector<SigningKey> keys;
  for (char c = 'c'; c < 'c' + 6; ++c) keys.push_back(signingKey(std::string(32 + (c - 'c'), c)));
  auto check = [&](int round) {
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto& key : keys) {
        PredictionId id = sampleId(kNow + round);
        id.predictedClass = key.id;
        const std::string bytes = idBytesOfText(encodePredictionId(id, key));
        ASSERT_GT(bytes.size(), 16u);
        const std::string payload = bytes.substr(0, bytes.size() - 16);
        unsigned char expected[32];
        unsigned int len = 0;
        HMAC(EVP_sha256(), key.secret.data(), int(key.secret.size()),
             reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), expected, &len);
        EXPECT_EQ(bytes.substr(bytes.size() - 16), std::string(reinterpret_cast<const char*>(expected), 16));
        EXPECT_TRUE(verifyPredictionId(encodePredictionId(id, key), KeyRing{key, std::nullopt}, kNow, kDay).ok());
      }
    }
  };
  std::thread other([&] { check(1); });
  check(2);
  other.join();
}

TEST(PredictionId, RoundTripKeepsEveryField) {
  PredictionId id = sampleId(kNow);
  id.row = 300;
  id.regression = true;
  const std::string text = encodePredictionId(id, keyA());
  EXPECT_LE(text.size(), 100u) << text;
  EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  auto back = verifyPredictionId(text, ringA(), kNow + 1000, kDay);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(back->ns, "shop");
  EXPECT_EQ(back->model, "digits");
  EXPECT_EQ(back->version, "v2");
  EXPECT_EQ(back->revision, "7f9c2ab1");
  EXPECT_EQ(back->segment, "eu-west");
  EXPECT_EQ(back->predictedClass, "8");
  EXPECT_EQ(back->issuedAtMs, kNow);
  EXPECT_EQ(back->row, 300u);
  EXPECT_TRUE(back->regression);
  EXPECT_EQ(back->nonce, 0x0123456789abcdefULL);
}

TEST(PredictionId, SameFactsWithAnotherNonceAreAnotherId) {
  PredictionId first = sampleId(kNow), second = sampleId(kNow);
  first.nonce = 1;
  second.nonce = 2;
  const std::string a = encodePredictionId(first, keyA()), b = encodePredictionId(second, keyA());
  EXPECT_NE(a, b);
  EXPECT_NE(dedupeKeyOf(a), dedupeKeyOf(b));
  auto back = verifyPredictionId(b, ringA(), kNow, kDay);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(back->nonce, 2u);
}

TEST(PredictionId, VersionOneIdsAreMalformed) {
  // A genuine version-1 id (no nonce), signed with a key of 32 'f' bytes: the format is retired, not forged.
  const KeyRing ring{signingKey(std::string(32, 'f')), std::nullopt};
  auto r = verifyPredictionId("AfrqK1oAmIiSguczAAJucwVtb2RlbAJ2MQNhYmMCZXUBN84KQkTOlUIS2ejaxH4JiFk", ring, kNow, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, IdRejection::Malformed);
  EXPECT_EQ(r.error().reason, "predictionId: format version 1 is no longer accepted");
}

TEST(PredictionId, LongFieldsAreTruncatedWhenIssued) {
  PredictionId id = sampleId(kNow);
  id.segment = std::string(500, 's');
  auto back = verifyPredictionId(encodePredictionId(id, keyA()), ringA(), kNow, kDay);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->segment, std::string(kMaxIdFieldBytes, 's'));
}

TEST(PredictionId, RotationAcceptsCurrentAndPreviousOnly) {
  const std::string byA = encodePredictionId(sampleId(kNow), keyA());
  const std::string byB = encodePredictionId(sampleId(kNow), keyB());
  const KeyRing rotated{keyB(), keyA()};
  EXPECT_TRUE(verifyPredictionId(byA, rotated, kNow, kDay).ok());
  EXPECT_TRUE(verifyPredictionId(byB, rotated, kNow, kDay).ok());
  const KeyRing onlyB{keyB(), std::nullopt};
  auto old = verifyPredictionId(byA, onlyB, kNow, kDay);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().kind, IdRejection::Forged);
  EXPECT_NE(old.error().reason.find("unknown key"), std::string::npos);
}

TEST(PredictionId, SameKeyIdWithAnotherSecretIsForged) {
  SigningKey impostor = keyA();
  impostor.secret = std::string(32, 'z');  // claims A's id
  auto r = verifyPredictionId(encodePredictionId(sampleId(kNow), impostor), ringA(), kNow, kDay);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, IdRejection::Forged);
}

TEST(PredictionId, EveryTamperedCharacterIsRejected) {
  // Three segment lengths: the id's byte count modulo 3 takes every value, so the last character has 0, 2
  // and 4 unused bits (a lenient decoder would accept a changed last character).
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.";
  std::set<std::size_t> textLengthsMod4;
  for (const char* segment : {"eu", "eu-", "eu-w"}) {
    PredictionId id = sampleId(kNow);
    id.segment = segment;
    const std::string text = encodePredictionId(id, keyA());
    textLengthsMod4.insert(text.size() % 4);
    for (std::size_t i = 0; i < text.size(); ++i) {
      for (char c : alphabet) {
        if (c == text[i]) continue;
        std::string tampered = text;
        tampered[i] = c;
        auto r = verifyPredictionId(tampered, ringA(), kNow, kDay);
        ASSERT_FALSE(r.ok()) << segment << ": position " << i << " as '" << c << "' was accepted";
        EXPECT_NE(r.error().kind, IdRejection::Expired);
      }
    }
  }
  EXPECT_EQ(textLengthsMod4.size(), 3u);
}

TEST(PredictionId, EveryTruncationAndExtensionIsRejected) {
  const std::string text = encodePredictionId(sampleId(kNow), keyA());
  for (std::size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(verifyPredictionId(text.substr(0, n), ringA(), kNow, kDay).ok()) << n;
  }
  for (const char* tail : {"A", "AA", "AAAA", "="}) {
    EXPECT_FALSE(verifyPredictionId(text + tail, ringA(), kNow, kDay).ok()) << tail;
  }
}

TEST(PredictionId, ExpiryAndFutureIds) {
  const std::string text = encodePredictionId(sampleId(kNow), keyA());
  EXPECT_TRUE(verifyPredictionId(text, ringA(), kNow + kDay, kDay).ok());
  auto expired = verifyPredictionId(text, ringA(), kNow + kDay + 1, kDay);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().kind, IdRejection::Expired);
  EXPECT_EQ(httpStatusOf(expired.error().kind), 410);
  EXPECT_TRUE(verifyPredictionId(text, ringA(), kNow + 10 * kDay, 0).ok()) << "maxAge 0: no expiry";
  EXPECT_TRUE(verifyPredictionId(text, ringA(), kNow - kMaxClockSkewMs, kDay).ok());
  auto future = verifyPredictionId(text, ringA(), kNow - kMaxClockSkewMs - 1, kDay);
  ASSERT_FALSE(future.ok());
  EXPECT_EQ(future.error().kind, IdRejection::Forged);
}

TEST(PredictionId, MalformedTextIsRejectedBeforeDecoding) {
  for (const std::string& text : {std::string(), std::string("not an id!"), std::string(kMaxPredictionIdLength + 1, 'A'),
                                  std::string("AAAA"), std::string(40, 'A')}) {
    auto r = verifyPredictionId(text, ringA(), kNow, kDay);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(httpStatusOf(r.error().kind), 403);
    EXPECT_EQ(r.error().reason.rfind("predictionId: ", 0), 0u) << r.error().reason;
  }
}

TEST(PredictionId, KeyIdIsStableAndDependsOnTheKey) {
  EXPECT_EQ(keyA().id, keyIdOf(keyA().secret));
  EXPECT_EQ(keyA().id.size(), 8u);
  EXPECT_NE(keyA().id, keyB().id);
}

TEST(KeyRingFromSecret, ReadsCurrentAndPrevious) {
  const nlohmann::json data{{"current", b64(keyB().secret)}, {"previous", b64(keyA().secret)}};
  auto ring = keyRingFromSecretData(data);
  ASSERT_TRUE(ring.ok()) << ring.error();
  EXPECT_EQ(ring->current.secret, keyB().secret);
  EXPECT_EQ(ring->current.id, keyB().id);
  ASSERT_TRUE(ring->previous.has_value());
  EXPECT_EQ(ring->previous->secret, keyA().secret);
  auto only = keyRingFromSecretData(nlohmann::json{{"current", b64(std::string(33, 'k'))}});
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->current.secret, std::string(33, 'k')) << "padding must not add bytes";
  EXPECT_FALSE(only->previous.has_value());
}

TEST(KeyRingFromSecret, ErrorsNameTheKeyAndNeverTheSecret) {
  const std::string shortKey = b64("short-secret-value");
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {nlohmann::json::array(), "data: not an object"},
      {nlohmann::json::object(), "data.current: missing"},
      {nlohmann::json{{"current", 5}}, "data.current: missing or not a string"},
      {nlohmann::json{{"current", "!!!!"}}, "data.current: not valid base64"},
      {nlohmann::json{{"current", shortKey}}, "data.current: key shorter than 32 bytes"},
      {nlohmann::json{{"current", b64(keyA().secret)}, {"previous", shortKey}}, "data.previous: key shorter"},
  };
  for (const auto& [data, expected] : cases) {
    auto r = keyRingFromSecretData(data);
    ASSERT_FALSE(r.ok()) << data.dump();
    EXPECT_EQ(r.error().rfind(expected, 0), 0u) << r.error();
    EXPECT_EQ(r.error().find("short-secret"), std::string::npos);
  }
}

TEST(PredictionId, DedupeKeyDiffersPerId) {
  const std::string a = encodePredictionId(sampleId(kNow), keyA());
  const std::string b = encodePredictionId(sampleId(kNow + 1), keyA());
  EXPECT_NE(dedupeKeyOf(a), dedupeKeyOf(b));
  EXPECT_EQ(dedupeKeyOf(a), dedupeKeyOf(a));
}

TEST(IdNonceGenerator, ValuesAreDistinctAcrossThreads) {
  IdNonceGenerator nonces;
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::vector<std::uint64_t>> drawn(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&nonces, &out = drawn[t]] {
      out.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) out.push_back(nonces.next());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::uint64_t> all;
  for (const auto& values : drawn) all.insert(values.begin(), values.end());
  EXPECT_EQ(all.size(), std::size_t(kThreads) * kPerThread);
}

TEST(IdNonceGenerator, DistinctAcrossTheCounterWrapAndNotThePlainCounter) {
  IdNonceGenerator nonces(UINT64_MAX - 2);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 6; ++i) seen.insert(nonces.next());
  EXPECT_EQ(seen.size(), 6u);
  IdNonceGenerator fromZero(41);
  EXPECT_EQ(fromZero.next(), IdNonceGenerator::mix(41));
  EXPECT_NE(IdNonceGenerator::mix(41), 41u);
  EXPECT_NE(IdNonceGenerator::mix(42) - IdNonceGenerator::mix(41), 1u) << "consecutive ids do not count up";
}

TEST(IdNonceGenerator, TwoGeneratorsStartApart) {
  // Two replicas: random starts (a clash here has probability 2^-64).
  IdNonceGenerator a, b;
  EXPECT_NE(a.next(), b.next());
}

}  // namespace
}  // namespace modelops::gateway
