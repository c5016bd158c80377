// DestinationPolicy: address parsing (IPv4, IPv6, IPv4-mapped), CIDR matching, name rules and suffixes,
// the built-in denials, deny-over-allow, and the errors for bad entries; and the provider error classes.
#include <gtest/gtest.h>

#include "http_call.h"
#include "modelops/analysis/destination_policy.h"

namespace modelops::analysis {
namespace {

IpAddress ip(const char* text) {
  auto a = parseIpAddress(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

AddressRange range(const char* text) {
  auto r = parseAddressRange(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : AddressRange{};
}

DestinationPolicy policy(const std::vector<std::string>& allow, const std::vector<std::string>& deny) {
  auto p = DestinationPolicy::parse(allow, deny);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : DestinationPolicy{};
}

TEST(IpAddress, ParsesBothFamiliesAndUnwrapsMappedAddresses) {
  EXPECT_FALSE(ip("10.1.2.3").v6);
  EXPECT_EQ(ip("10.1.2.3").toString(), "10.1.2.3");
  EXPECT_TRUE(ip("fd00:ec2::254").v6);
  EXPECT_EQ(ip("FD00:EC2:0::254").toString(), "fd00:ec2::254");
  const IpAddress mapped = ip("::ffff:169.254.169.254");
  EXPECT_FALSE(mapped.v6);
  EXPECT_EQ(mapped, ip("169.254.169.254"));
  EXPECT_EQ(ip("::ffff:a9fe:a9fe"), ip("169.254.169.254"));  // the same, written in hex
  for (const char* bad : {"", "1.2.3", "1.2.3.256", "host", "[::1]", "::1%eth0", "1.2.3.4/8"}) {
    EXPECT_FALSE(parseIpAddress(bad).has_value()) << bad;
  }
}

TEST(AddressRange, MatchesPrefixesOfBothFamilies) {
  EXPECT_TRUE(range("10.0.0.0/8").contains(ip("10.255.1.2")));
  EXPECT_FALSE(range("10.0.0.0/8").contains(ip("11.0.0.0")));
  EXPECT_TRUE(range("192.168.1.77/24").contains(ip("192.168.1.1")));  // the base is masked
  EXPECT_EQ(range("192.168.1.77/24").toString(), "192.168.1.0/24");
  EXPECT_TRUE(range("172.16.0.0/12").contains(ip("172.31.255.255")));
  EXPECT_FALSE(range("172.16.0.0/12").contains(ip("172.32.0.0")));
  EXPECT_TRUE(range("0.0.0.0/0").contains(ip("8.8.8.8")));
  EXPECT_FALSE(range("0.0.0.0/0").contains(ip("::1")));  // families never mix
  EXPECT_TRUE(range("fe80::/10").contains(ip("febf::1")));
  EXPECT_FALSE(range("fe80::/10").contains(ip("fec0::1")));
  EXPECT_TRUE(range("1.2.3.4").contains(ip("1.2.3.4")));
  EXPECT_FALSE(range("1.2.3.4").contains(ip("1.2.3.5")));
  EXPECT_TRUE(range("fd00:ec2::254").contains(ip("fd00:ec2::254")));
  EXPECT_FALSE(range("fd00:ec2::254").contains(ip("fd00:ec2::255")));
  // An IPv4-mapped range is the IPv4 range it carries.
  EXPECT_EQ(range("::ffff:10.0.0.0/104").toString(), "10.0.0.0/8");
  EXPECT_TRUE(range("::ffff:10.0.0.0/104").contains(ip("10.9.9.9")));
}

TEST(AddressRange, RejectsBadRangesWithTheEntry) {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/x", "/8", "::ffff:10.0.0.0/95", "a/8"}) {
    auto r = parseAddressRange(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos) << r.error().message;
  }
}

TEST(DestinationPolicy, BuiltInDenialsCoverLinkLocalAndMetadata) {
  const DestinationPolicy p;
  for (const char* denied : {"169.254.169.254", "169.254.0.1", "::ffff:169.254.169.254", "fd00:ec2::254", "fe80::1",
                             "100.100.100.200", "0.0.0.0", "::", "::ffff:0.0.0.0"}) {
    const auto d = p.check("meta", {ip(denied)});
    EXPECT_FALSE(d.allowed) << denied;
    EXPECT_NE(d.reason.find(ip(denied).toString()), std::string::npos) << d.reason;
  }
  for (const char* allowed : {"10.0.0.1", "127.0.0.1", "::1", "fd00:ec2::253", "169.255.0.1"}) {
    EXPECT_TRUE(p.check("prom", {ip(allowed)}).allowed) << allowed;
  }
  // Extra denials add to the built-in ones; an allow entry cannot lift them.
  const DestinationPolicy q = policy({"169.254.0.0/16"}, {"10.0.0.0/8"});
  EXPECT_FALSE(q.check("x", {ip("169.254.169.254")}).allowed);
  EXPECT_FALSE(q.check("x", {ip("10.1.1.1")}).allowed);
}

TEST(DestinationPolicy, OneDeniedAddressAmongManyDeniesTheHost) {
  const DestinationPolicy p;
  EXPECT_FALSE(p.check("rebind.example", {ip("10.0.0.1"), ip("169.254.169.254")}).allowed);
}

TEST(DestinationPolicy, NameRulesMatchExactNamesAndSuffixes) {
  const DestinationPolicy p = policy({"prometheus.monitoring.svc", "*.example.com"}, {"evil.example.com"});
  EXPECT_TRUE(p.check("prometheus.monitoring.svc", {ip("10.0.0.5")}).allowed);
  EXPECT_TRUE(p.check("Prometheus.Monitoring.SVC.", {ip("10.0.0.5")}).allowed);  // case, trailing dot
  EXPECT_TRUE(p.check("a.b.example.com", {ip("10.0.0.5")}).allowed);
  EXPECT_FALSE(p.check("example.com", {ip("10.0.0.5")}).allowed);  // *.x is below x, not x
  EXPECT_FALSE(p.check("badexample.com", {ip("10.0.0.5")}).allowed);
  EXPECT_FALSE(p.check("evil.example.com", {ip("10.0.0.5")}).allowed);  // deny wins
  EXPECT_FALSE(p.check("other.svc", {ip("10.0.0.5")}).allowed);
  // An allowed name still cannot reach a denied address.
  EXPECT_FALSE(p.check("a.example.com", {ip("169.254.169.254")}).allowed);
}

TEST(DestinationPolicy, AllowRangesNeedEveryAddressInside) {
  const DestinationPolicy p = policy({"10.0.0.0/8, fd00::/8", ""}, {});
  EXPECT_TRUE(p.check("prom", {ip("10.1.1.1"), ip("fd12::1")}).allowed);
  const auto d = p.check("prom", {ip("10.1.1.1"), ip("192.168.0.1")});
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("192.168.0.1"), std::string::npos) << d.reason;
  EXPECT_TRUE(p.check("prom", {ip("::ffff:10.2.3.4")}).allowed);  // mapped: matched as IPv4
}

TEST(DestinationPolicy, BadEntriesNameTheFlagAndTheEntry) {
  for (const auto& [allow, deny, flag] :
       {std::tuple{std::vector<std::string>{"10.0.0.0/40"}, std::vector<std::string>{}, "--provider-allow"},
        std::tuple{std::vector<std::string>{}, std::vector<std::string>{"*.*.x"}, "--provider-deny"},
        std::tuple{std::vector<std::string>{"http://prom"}, std::vector<std::string>{}, "--provider-allow"},
        std::tuple{std::vector<std::string>{}, std::vector<std::string>{"a b"}, "--provider-deny"}}) {
    auto p = DestinationPolicy::parse(allow, deny);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, "InvalidRule");
    EXPECT_EQ(p.error().message.rfind(flag, 0), 0u) << p.error().message;
  }
}

// ---- error classes ----

using detail::classifyFailure;
using detail::StopReason;
using detail::TransportFailure;
using Kind = ProviderError::Kind;

TEST(ProviderErrorClass, OurStopsWinOverTheTransportSymptom) {
  const auto ms = std::chrono::milliseconds(3000);
  EXPECT_EQ(classifyFailure(TransportFailure::Canceled, StopReason::TooLarge, "w", ms, 4096).kind, Kind::ResponseTooLarge);
  EXPECT_EQ(classifyFailure(TransportFailure::Read, StopReason::Deadline, "w", ms, 4096).kind, Kind::Timeout);
  EXPECT_EQ(classifyFailure(TransportFailure::Read, StopReason::Cancelled, "w", ms, 4096).kind, Kind::Cancelled);
  const auto big = classifyFailure(TransportFailure::Canceled, StopReason::TooLarge, "web x", ms, 4096);
  EXPECT_EQ(big.message, "web x: ResponseTooLarge: the answer exceeds the operator's limit of 4096 bytes");
  EXPECT_EQ(classifyFailure(TransportFailure::Read, StopReason::Deadline, "w", ms, 1).message,
            "w: Timeout: no complete answer within 3000ms");
}

TEST(ProviderErrorClass, TransportFailuresMapToFixedClasses) {
  const auto ms = std::chrono::milliseconds(1000);
  const std::vector<std::pair<TransportFailure, Kind>> cases = {
      {TransportFailure::Connection, Kind::Unreachable},     {TransportFailure::ConnectionTimeout, Kind::Timeout},
      {TransportFailure::Read, Kind::Unreachable},           {TransportFailure::Write, Kind::Unreachable},
      {TransportFailure::Canceled, Kind::Cancelled},         {TransportFailure::TlsLoadingCerts, Kind::InvalidConfig},
      {TransportFailure::TlsHandshake, Kind::Unreachable},   {TransportFailure::TlsVerification, Kind::Unreachable},
      {TransportFailure::Other, Kind::Unreachable}};
  for (const auto& [failure, kind] : cases) {
    const auto e = classifyFailure(failure, StopReason::None, "prometheus http://p:9090", ms, 1);
    EXPECT_EQ(e.kind, kind) << static_cast<int>(failure);
    // "<what>: <Class>: <fixed text>"
    const std::string prefix = "prometheus http://p:9090: " + std::string(toString(kind)) + ": ";
    EXPECT_EQ(e.message.rfind(prefix, 0), 0u) << e.message;
  }
}

TEST(ProviderErrorClass, HttpStatusKeepsTheBodyOutOfTheMessage) {
  const std::string body = "<html>secret internal page\nline two</html>" + std::string(10000, 'x');
  const auto e = detail::httpStatusError("web http://h:80", 502, body, "$.v");
  EXPECT_EQ(e.kind, Kind::HttpStatus);
  EXPECT_EQ(e.message, "web http://h:80: HttpStatus: HTTP 502");
  EXPECT_EQ(e.query, "$.v");
  EXPECT_NE(e.detail.find("secret internal page line two"), std::string::npos);  // one line, for the log
  EXPECT_LE(e.detail.size(), ProviderError::kMaxDetailBytes + 64);
  EXPECT_NE(e.detail.find("bytes in all"), std::string::npos);
}

TEST(ProviderErrorClass, NamesOfTheNewClasses) {
  EXPECT_EQ(toString(Kind::DnsFailure), "DNSFailure");
  EXPECT_EQ(toString(Kind::DestinationDenied), "DestinationDenied");
  EXPECT_EQ(toString(Kind::ResponseTooLarge), "ResponseTooLarge");
}

TEST(ProviderLimitsApply, TheOperatorCapAndTheProviderTimeout) {
  detail::HttpRequestSpec spec;
  ProviderLimits limits;
  limits.maxRequestTimeout = std::chrono::milliseconds(30000);
  limits.maxResponseBytes = 1234;
  detail::applyLimits(spec, std::chrono::milliseconds(10000), limits);
  EXPECT_EQ(spec.deadline.count(), 10000);
  EXPECT_EQ(spec.maxResponseBytes, 1234u);
  detail::applyLimits(spec, std::chrono::milliseconds(120000), limits);
  EXPECT_EQ(spec.deadline.count(), 30000);
  spec.connectTimeout = std::chrono::milliseconds(5000);
  limits.maxRequestTimeout = std::chrono::milliseconds(2000);
  detail::applyLimits(spec, std::chrono::milliseconds(10000), limits);
  EXPECT_EQ(spec.deadline.count(), 2000);
  EXPECT_EQ(spec.connectTimeout.count(), 2000);
}

}  // namespace
}  // namespace modelops::analysis
