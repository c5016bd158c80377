// unit.devserver: decoding of Kubernetes protobuf bodies (the envelope kubectl's typed commands send)
// for ConfigMap, Secret and Namespace; malformed and unsupported inputs are refused.
// Thread-safety: test thread only.
#include "protobuf_decode.h"

#include <gtest/gtest.h>

namespace modelops::devserver {
namespace {

std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string bytesField(int number, const std::string& payload) {
  return varint(static_cast<std::uint64_t>(number) << 3 | 2) + varint(payload.size()) + payload;
}
std::string boolField(int number, bool v) { return varint(static_cast<std::uint64_t>(number) << 3) + varint(v ? 1 : 0); }
std::string entry(int number, const std::string& k, const std::string& v) {
  return bytesField(number, bytesField(1, k) + bytesField(2, v));
}
std::string envelope(const std::string& apiVersion, const std::string& kind, const std::string& raw) {
  return std::string("k8s\0", 4) + bytesField(1, bytesField(1, apiVersion) + bytesField(2, kind)) + bytesField(2, raw) +
         bytesField(4, "application/vnd.kubernetes.protobuf");
}

TEST(ProtobufDecodeTest, ConfigMapWithMetadata) {
  std::string meta = bytesField(1, "settings") + bytesField(3, "ml") + entry(11, "app", "web") +
                     bytesField(14, "example.com/hold") +
                     bytesField(13, bytesField(1, "ModelDeployment") + bytesField(3, "fraud") + bytesField(4, "u-1") +
                                        bytesField(5, "modelops.dev/v1alpha1") + boolField(6, true));
  std::string raw = bytesField(1, meta) + entry(2, "mode", "fast") + entry(3, "blob", "hi") + boolField(4, true);
  std::string error;
  auto obj = decodeKubernetesProtobuf(envelope("v1", "ConfigMap", raw), &error);
  ASSERT_TRUE(obj) << error;
  EXPECT_EQ((*obj)["kind"], "ConfigMap");
  EXPECT_EQ((*obj)["metadata"]["name"], "settings");
  EXPECT_EQ((*obj)["metadata"]["namespace"], "ml");
  EXPECT_EQ((*obj)["metadata"]["labels"]["app"], "web");
  EXPECT_EQ((*obj)["metadata"]["finalizers"][0], "example.com/hold");
  EXPECT_EQ((*obj)["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ((*obj)["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ((*obj)["data"]["mode"], "fast");
  EXPECT_EQ((*obj)["binaryData"]["blob"], "aGk=");
  EXPECT_EQ((*obj)["immutable"], true);
}

TEST(ProtobufDecodeTest, SecretAndNamespace) {
  std::string error;
  auto secret = decodeKubernetesProtobuf(
      envelope("v1", "Secret", bytesField(1, bytesField(1, "s")) + entry(2, "p", "q") + bytesField(3, "Opaque")), &error);
  ASSERT_TRUE(secret) << error;
  EXPECT_EQ((*secret)["data"]["p"], "cQ==");
  EXPECT_EQ((*secret)["type"], "Opaque");
  auto ns = decodeKubernetesProtobuf(envelope("v1", "Namespace", bytesField(1, bytesField(1, "scratch"))), &error);
  ASSERT_TRUE(ns) << error;
  EXPECT_EQ((*ns)["metadata"]["name"], "scratch");
}

TEST(ProtobufDecodeTest, RefusesWhatItCannotRead) {
  std::string error;
  EXPECT_FALSE(decodeKubernetesProtobuf("{\"kind\":\"ConfigMap\"}", &error));
  EXPECT_FALSE(decodeKubernetesProtobuf(envelope("apps/v1", "Deployment", bytesField(1, bytesField(1, "d"))), &error));
  EXPECT_NE(error.find("not supported"), std::string::npos);
  std::string truncated = envelope("v1", "ConfigMap", bytesField(1, bytesField(1, "x")));
  truncated.resize(truncated.size() - 3);
  EXPECT_FALSE(decodeKubernetesProtobuf(truncated, &error));
}

}  // namespace
}  // namespace modelops::devserver
