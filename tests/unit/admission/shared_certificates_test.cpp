// unit.admission: self-managed certificates shared by replicas through a Secret - the first replica
// creates it, the second serves the same certificate, a renewal under a fake clock is written once and
// adopted by the other replica, a lost race (stale resourceVersion) keeps the old certificate until the
// next refresh, and an unusable Secret is replaced.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_kube_client.h"
#include "modelops/admission/shared_certificates.h"

namespace {

using modelops::admission::SelfManagedOptions;
using modelops::admission::SharedCertificates;
using modelops::testing::FakeKubeClient;
namespace resources = modelops::kube::resources;

constexpr auto kSharedDay = std::chrono::hours(24);

SelfManagedOptions options() {
  SelfManagedOptions o;
  o.dnsNames = {"modelops-webhook.modelops-system.svc"};
  o.caValidity = 365 * kSharedDay;
  o.servingValidity = 90 * kSharedDay;
  return o;
}

TEST(SharedCertificates, ReplicasServeOneCertificateFromTheSecret) {
  modelops::testing::FakeClock clock;
  FakeKubeClient first;
  FakeKubeClient second(first.cluster());
  SharedCertificates a(options(), first, "modelops-system", "modelops-webhook-certs", clock);
  SharedCertificates b(options(), second, "modelops-system", "modelops-webhook-certs", clock);
  auto created = a.refresh();
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(*created);
  auto secret = first.stored(resources::secrets(), "modelops-system", "modelops-webhook-certs");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
  for (const char* key : {"tls.crt", "tls.key", "ca.crt", "ca.key"}) EXPECT_TRUE((*secret)["data"].contains(key)) << key;

  ASSERT_TRUE(b.refresh().ok());
  ASSERT_NE(b.current(), nullptr);
  EXPECT_EQ(b.current()->certPem, a.current()->certPem);
  EXPECT_EQ(b.caBundlePem(), a.caBundlePem());
  EXPECT_EQ(second.countCalls("create"), 0u);
  EXPECT_EQ(second.countCalls("update"), 0u);
  EXPECT_FALSE(*a.refresh());  // nothing due, nothing changed
}

TEST(SharedCertificates, ARenewalIsWrittenOnceAndAdoptedByTheOtherReplica) {
  modelops::testing::FakeClock clock;
  FakeKubeClient first;
  FakeKubeClient second(first.cluster());
  SharedCertificates a(options(), first, "ops", "certs", clock);
  SharedCertificates b(options(), second, "ops", "certs", clock);
  ASSERT_TRUE(a.refresh().ok());
  ASSERT_TRUE(b.refresh().ok());
  std::string before = a.current()->certPem;
  std::string bundle = a.caBundlePem();

  clock.advance(61 * kSharedDay);  // past 2/3 of the serving certificate's 90 days
  ASSERT_TRUE(*a.refresh());
  EXPECT_NE(a.current()->certPem, before);
  EXPECT_EQ(a.caBundlePem(), bundle) << "a serving renewal keeps the CA";
  EXPECT_EQ(first.countCalls("update"), 1u);
  ASSERT_TRUE(*b.refresh());
  EXPECT_EQ(b.current()->certPem, a.current()->certPem);
  EXPECT_EQ(second.countCalls("update"), 0u);
}

TEST(SharedCertificates, TheLoserOfARaceKeepsItsCertificateAndAdoptsTheWinnersNextTime) {
  modelops::testing::FakeClock clock;
  FakeKubeClient first;
  FakeKubeClient second(first.cluster());
  SharedCertificates a(options(), first, "ops", "certs", clock);
  SharedCertificates b(options(), second, "ops", "certs", clock);
  ASSERT_TRUE(a.refresh().ok());
  ASSERT_TRUE(b.refresh().ok());
  std::string old = b.current()->certPem;
  clock.advance(61 * kSharedDay);
  // b read the Secret, then a wrote its renewal before b's update: b's update is stale.
  second.setFault([&](const FakeKubeClient::Call& call) -> std::optional<modelops::kube::ApiError> {
    if (call.verb == "update") {
      EXPECT_TRUE(*a.refresh());
    }
    return std::nullopt;
  });
  auto lost = b.refresh();
  second.setFault(nullptr);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.error().message.find("ops/certs"), std::string::npos) << lost.error().message;
  EXPECT_EQ(b.current()->certPem, old);
  ASSERT_TRUE(*b.refresh());
  EXPECT_EQ(b.current()->certPem, a.current()->certPem);
}

TEST(SharedCertificates, AnUnusableSecretIsReplaced) {
  modelops::testing::FakeClock clock;
  FakeKubeClient client;
  client.put(resources::secrets(), {{"apiVersion", "v1"}, {"kind", "Secret"},
                                    {"metadata", {{"name", "certs"}, {"namespace", "ops"}}},
                                    {"data", {{"tls.crt", "bm90IGEgY2VydA=="}, {"tls.key", "%%%"}}}});
  SharedCertificates a(options(), client, "ops", "certs", clock);
  auto r = a.refresh();
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_NE(a.current(), nullptr);
  auto secret = client.stored(resources::secrets(), "ops", "certs");
  EXPECT_TRUE((*secret)["data"].contains("ca.key"));
  EXPECT_EQ(client.countCalls("update"), 1u);
}

}  // namespace
