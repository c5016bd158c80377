// validate() bounds on provider fields (issue 12 row 3): addresses without credentials, with a host and a
// numeric port, bounded length; header names that are HTTP tokens and not the client's own, bounded
// values without CR/LF; bounded web bodies and provider timeouts. Each error names its field.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "unit/api/fixtures.h"

namespace modelops::api {
namespace {

using nlohmann::json;

json& prom(json& d) { return d["spec"]["analysis"]["metrics"][0]["provider"]["prometheus"]; }
json& web(json& d) { return d["spec"]["analysis"]["metrics"][2]["provider"]["web"]; }
const std::string p0 = "spec.analysis.metrics[0].provider.prometheus";
const std::string w2 = "spec.analysis.metrics[2].provider.web";

void expectOnly(const std::function<void(json&)>& mutate, const FieldErrors& expected) {
  json doc = testing::exampleCanary();
  mutate(doc);
  EXPECT_EQ(formatFieldErrors(testing::validateDoc(doc)), formatFieldErrors(expected));
}

TEST(ProviderValidation, TheExampleIsValid) { expectOnly([](json&) {}, {}); }

TEST(ProviderValidation, Addresses) {
  expectOnly([](json& d) { prom(d)["address"] = "http://admin:pw@prometheus:9090"; },
             {{p0 + ".address", "must not contain credentials (user@host); use auth.basicAuthSecretRef"}});
  expectOnly([](json& d) { web(d)["url"] = "https://u@labels/x"; },
             {{w2 + ".url", "must not contain credentials (user@host); use headers"}});
  expectOnly([](json& d) { web(d)["url"] = "http://labels/x?owner=a@b"; }, {});  // '@' after the host is fine
  expectOnly([](json& d) { prom(d)["address"] = "http://:9090"; }, {{p0 + ".address", "has no host"}});
  expectOnly([](json& d) { prom(d)["address"] = "http://prometheus:99999"; },
             {{p0 + ".address", "port must be a number between 1 and 65535"}});
  expectOnly([](json& d) { prom(d)["address"] = "http://prometheus:9o90"; },
             {{p0 + ".address", "port must be a number between 1 and 65535"}});
  expectOnly([](json& d) { prom(d)["address"] = "http://[fd00::1]:9090"; }, {});
  expectOnly([](json& d) { prom(d)["address"] = "http://prometheus:9090/\r\nX: y"; },
             {{p0 + ".address", "must not contain spaces or control characters"}});
  expectOnly([](json& d) { prom(d)["address"] = "http://p/" + std::string(3000, 'a'); },
             {{p0 + ".address", "at most 2048 characters"}});
  expectOnly([](json& d) { web(d)["url"] = "http://{{args.host}}:{{args.port}}/x"; },
             {{w2 + ".url", "unknown placeholder {{args.host}}: \"host\" is not declared in args"},
              {w2 + ".url", "unknown placeholder {{args.port}}: \"port\" is not declared in args"}});
}

TEST(ProviderValidation, Headers) {
  expectOnly([](json& d) { prom(d)["headers"] = json::array({{{"name", "Host"}, {"value", "internal"}}}); },
             {{p0 + ".headers[0].name", "\"Host\" is set by the operator's HTTP client and cannot be given"}});
  expectOnly([](json& d) { web(d)["headers"] = json::array({{{"name", "Transfer-Encoding"}, {"value", "chunked"}}}); },
             {{w2 + ".headers[0].name",
               "\"Transfer-Encoding\" is set by the operator's HTTP client and cannot be given"}});
  expectOnly([](json& d) { prom(d)["headers"] = json::array({{{"name", "X Org"}, {"value", "a"}}}); },
             {{p0 + ".headers[0].name",
               "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, at most 256)"}});
  expectOnly([](json& d) { prom(d)["headers"] = json::array({{{"name", "X-Org"}, {"value", "a\r\nHost: x"}}}); },
             {{p0 + ".headers[0].value", "must not contain control characters (CR, LF, NUL)"}});
  expectOnly([](json& d) { prom(d)["headers"] = json::array({{{"name", "X-Org"}, {"value", std::string(9000, 'v')}}}); },
             {{p0 + ".headers[0].value", "at most 8192 characters"}});
  expectOnly(
      [](json& d) {
        json many = json::array();
        for (int i = 0; i < 33; ++i) many.push_back({{"name", "X-" + std::to_string(i)}, {"value", "v"}});
        prom(d)["headers"] = many;
      },
      {{p0 + ".headers", "at most 32 headers"}});
  expectOnly([](json& d) { prom(d)["headers"] = json::array({{{"name", "X-Scope-OrgID"}, {"value", "tenant\t1"}}}); },
             {});
}

TEST(ProviderValidation, BodiesAndTimeouts) {
  expectOnly(
      [](json& d) {
        web(d)["method"] = "POST";
        web(d)["body"] = std::string(70000, 'b');
      },
      {{w2 + ".body", "at most 65536 bytes"}});
  expectOnly([](json& d) { prom(d)["timeout"] = "10m"; }, {{p0 + ".timeout", "must be at most 5m"}});
  expectOnly([](json& d) { web(d)["timeout"] = "5m"; }, {});
}

}  // namespace
}  // namespace modelops::api
