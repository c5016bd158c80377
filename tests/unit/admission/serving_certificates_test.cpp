// unit.admission: when the webhook's certificates are renewed (the pure decision, with injected times),
// the self-managed CA and serving certificate under a fake clock, and reloading a certificate
// directory as cert-manager rotates the Secret.
// Thread-safety: gtest main thread only.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "fakes/fake_clock.h"
#include "modelops/admission/serving_certificates.h"
#include "modelops/common/certificates.h"

namespace {

using namespace std::chrono_literals;
using modelops::admission::DirectoryCertificates;
using modelops::admission::Rotation;
using modelops::admission::rotationDue;
using modelops::admission::SelfManagedCertificates;
using modelops::admission::SelfManagedOptions;
using modelops::certs::CertificateValidity;
namespace fs = std::filesystem;

constexpr auto kDay = std::chrono::hours(24);

CertificateValidity window(modelops::Clock::WallTime from, std::chrono::hours length) {
  return {from, from + length};
}

TEST(RotationDue, NothingBeforeTwoThirdsOfTheLifetime) {
  modelops::testing::FakeClock clock;
  auto t0 = clock.now();
  auto ca = window(t0, 365 * kDay);
  auto serving = window(t0, 90 * kDay);
  EXPECT_EQ(rotationDue(ca, serving, t0 + 59 * kDay, 2.0 / 3), Rotation::None);
  EXPECT_EQ(rotationDue(ca, serving, t0 + 60 * kDay, 2.0 / 3), Rotation::ServingCertificate);
  EXPECT_EQ(rotationDue(ca, serving, t0 + 200 * kDay, 2.0 / 3), Rotation::ServingCertificate);
}

TEST(RotationDue, TheCaWhenItsOwnRenewalPointPassesOrTheServingCertificateOutlivesIt) {
  modelops::testing::FakeClock clock;
  auto t0 = clock.now();
  auto ca = window(t0, 365 * kDay);
  auto serving = window(t0 + 240 * kDay, 90 * kDay);
  EXPECT_EQ(rotationDue(ca, serving, t0 + 245 * kDay, 2.0 / 3), Rotation::CertificateAuthority);
  auto outliving = window(t0 + 300 * kDay, 90 * kDay);
  EXPECT_EQ(rotationDue(ca, outliving, t0 + 100 * kDay, 2.0 / 3), Rotation::CertificateAuthority);
}

TEST(RotationDue, CertificatesNotValidNowAreRenewed) {
  modelops::testing::FakeClock clock;
  auto t0 = clock.now();
  auto ca = window(t0, 365 * kDay);
  EXPECT_EQ(rotationDue(ca, window(t0 + 10 * kDay, 90 * kDay), t0 + 1 * kDay, 2.0 / 3), Rotation::ServingCertificate);
  EXPECT_EQ(rotationDue(ca, window(t0, 90 * kDay), t0 + 400 * kDay, 2.0 / 3), Rotation::CertificateAuthority);
}

TEST(SelfManagedCertificates, RenewsTheServingCertificateThenTheCaAsTheClockMoves) {
  modelops::testing::FakeClock clock;
  SelfManagedOptions options;
  options.dnsNames = {"modelops-webhook.modelops-system.svc"};
  options.caValidity = 365 * kDay;
  options.servingValidity = 90 * kDay;
  SelfManagedCertificates certificates(options, clock);
  EXPECT_EQ(certificates.current(), nullptr);
  auto first = certificates.refresh();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto served = certificates.current();
  ASSERT_NE(served, nullptr);
  EXPECT_TRUE(modelops::certs::keyMatchesCertificate(served->certPem, served->keyPem));
  std::string bundle = certificates.caBundlePem();
  EXPECT_NE(bundle.find("BEGIN CERTIFICATE"), std::string::npos);

  clock.advance(30 * kDay);
  EXPECT_FALSE(*certificates.refresh());
  EXPECT_EQ(certificates.current(), served);

  clock.advance(31 * kDay);  // past 2/3 of 90 days: a new serving certificate, same CA
  EXPECT_TRUE(*certificates.refresh());
  EXPECT_NE(certificates.current()->certPem, served->certPem);
  EXPECT_EQ(certificates.caBundlePem(), bundle);

  clock.advance(190 * kDay);  // day 251: past 2/3 of the CA's year: a new CA, the old one still trusted
  EXPECT_TRUE(*certificates.refresh());
  std::string rotated = certificates.caBundlePem();
  EXPECT_NE(rotated, bundle);
  EXPECT_NE(rotated.find(bundle), std::string::npos) << "the previous CA stays in the bundle until it expires";
  auto servingValidity = certificates.current()->validity;
  EXPECT_GT(servingValidity.notAfter, clock.now() + 80 * kDay);

  clock.advance(120 * kDay);  // day 371: the old CA has expired and leaves the bundle
  EXPECT_EQ(certificates.caBundlePem().find(bundle), std::string::npos);
}

class DirectoryCertificatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/modelops-webhook-certs-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  modelops::certs::KeyPairPem issue(const std::string& dns) {
    auto now = std::chrono::system_clock::now();
    auto ca = modelops::certs::generateCertificateAuthority("test-ca", now, 10 * kDay);
    modelops::certs::ServingCertificateRequest request;
    request.commonName = dns;
    request.dnsNames = {dns};
    request.notBefore = now;
    request.validity = 5 * kDay;
    return *modelops::certs::issueServingCertificate(*ca, request);
  }
  fs::path dir_;
};

TEST_F(DirectoryCertificatesTest, LoadsReloadsOnChangeAndKeepsTheOldPairWhenTheNewOneIsBroken) {
  DirectoryCertificates certificates(dir_.string());
  auto missing = certificates.refresh();
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("tls.crt"), std::string::npos);

  auto a = issue("a.svc");
  write("tls.crt", a.certPem);
  write("tls.key", a.keyPem);
  ASSERT_TRUE(certificates.refresh().ok());
  EXPECT_EQ(certificates.current()->certPem, a.certPem);
  EXPECT_FALSE(*certificates.refresh());  // unchanged

  auto b = issue("b.svc");
  write("tls.crt", b.certPem);  // the key still belongs to a: a Secret caught mid-update
  auto mismatch = certificates.refresh();
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("tls.key"), std::string::npos) << mismatch.error().message;
  EXPECT_EQ(certificates.current()->certPem, a.certPem);

  write("tls.key", b.keyPem);
  auto reloaded = certificates.refresh();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_TRUE(*reloaded);
  EXPECT_EQ(certificates.current()->certPem, b.certPem);

  write("tls.crt", "not a certificate");
  EXPECT_FALSE(certificates.refresh().ok());
  EXPECT_EQ(certificates.current()->certPem, b.certPem);
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  std::string data = "-----BEGIN CERTIFICATE-----\n\x01\x02\xff";
  auto decoded = modelops::certs::base64Decode(modelops::certs::base64Encode(data));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, data);
  EXPECT_FALSE(modelops::certs::base64Decode("abc").ok());
  EXPECT_FALSE(modelops::certs::base64Decode("ab$=").ok());
  EXPECT_EQ(*modelops::certs::base64Decode("YQ==\n"), "a");
}

}  // namespace
