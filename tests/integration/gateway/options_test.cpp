// integration.gateway, flags: modelops-gateway's flag parsing and validation (errors name the flag).
#include <gtest/gtest.h>

#include "options.h"

namespace modelops::cmd {
namespace {

using namespace std::chrono_literals;

TEST(GatewayOptions, DefaultsAndValues) {
  auto o = parseGatewayOptions({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->proxy.host, "0.0.0.0");
  EXPECT_EQ(o->proxy.port, 8080);
  EXPECT_EQ(o->proxy.ioThreads, 2);
  EXPECT_EQ(o->keySecret, "modelops-gateway-keys");

  o = parseGatewayOptions({"--listen-address", "127.0.0.1:0", "-n", "ml", "--namespace=ops", "--service-address",
                           "ml/fraud-stable=10.0.0.1:8080", "--service-address=ml/fraud-canary=host:9000",
                           "--request-timeout", "1500ms", "--max-request-body-bytes", "2048", "--io-threads", "1",
                           "--drain-delay", "5s"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->proxy.host, "127.0.0.1");
  EXPECT_EQ(o->proxy.port, 0);
  EXPECT_EQ(o->namespaces, (std::vector<std::string>{"ml", "ops"}));
  EXPECT_EQ(o->serviceAddresses.at("ml/fraud-stable"), "10.0.0.1:8080");
  EXPECT_EQ(o->serviceAddresses.at("ml/fraud-canary"), "host:9000");
  EXPECT_EQ(o->proxy.requestTimeout, 1500ms);
  EXPECT_EQ(o->proxy.maxRequestBodyBytes, 2048u);
  EXPECT_EQ(o->proxy.ioThreads, 1);
  EXPECT_EQ(o->drainDelay, 5s);
}

TEST(GatewayOptions, BadValuesNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  for (const auto& c : std::vector<Case>{{{"--listen-address", "8080"}, "--listen-address"},
                                         {{"--listen-address", ":99999"}, "--listen-address"},
                                         {{"--service-address", "fraud-stable=1.2.3.4:80"}, "--service-address"},
                                         {{"--service-address", "ml/fraud-stable=1.2.3.4"}, "--service-address"},
                                         {{"--service-address", "ml/fraud=:80"}, "--service-address"},
                                         {{"--io-threads", "0"}, "--io-threads"},
                                         {{"--max-request-body-bytes", "0"}, "--max-request-body-bytes"},
                                         {{"--request-timeout", "0s"}, "--request-timeout"},
                                         {{"--drain-delay", "1h"}, "--drain-delay"},
                                         {{"--key-secret", ""}, "--key-secret"},
                                         {{"--sample-rate", "0.5"}, "--sample-dir"},
                                         {{"--sample-rate", "2", "--sample-dir", "/tmp"}, "--sample-rate"},
                                         {{"--sample-max-files", "0"}, "--sample-max-files"},
                                         {{"--no-such-flag"}, "no-such-flag"},
                                         {{"stray"}, "stray"}}) {
    auto o = parseGatewayOptions(c.args);
    ASSERT_FALSE(o) << c.args.front();
    EXPECT_NE(o.error().message.find(c.flag), std::string::npos) << o.error().message;
  }
}

}  // namespace
}  // namespace modelops::cmd
