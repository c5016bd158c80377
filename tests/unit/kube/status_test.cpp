// Unit tests: resource paths, Status objects and HTTP codes to ApiError, describe(), Retry-After.
// Thread-safety: single-threaded tests of pure functions.
#include <gtest/gtest.h>

#include "modelops/kube/status.h"

namespace modelops::kube {
namespace {

TEST(ResourcePaths, CoreGroupsNamespacesAndClusterScope) {
  EXPECT_EQ(resources::configMaps().collectionPath("ns"), "/api/v1/namespaces/ns/configmaps");
  EXPECT_EQ(resources::configMaps().collectionPath(""), "/api/v1/configmaps");
  EXPECT_EQ(resources::deployments().itemPath("ml", "web"), "/apis/apps/v1/namespaces/ml/deployments/web");
  EXPECT_EQ(resources::modelDeployments().apiVersion(), "modelops.dev/v1alpha1");
  EXPECT_EQ(resources::namespaces().itemPath("ignored", "ml"), "/api/v1/namespaces/ml");
  EXPECT_EQ(resources::customResourceDefinitions().itemPath("", "x.modelops.dev"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.modelops.dev");
  EXPECT_EQ(resources::leases().itemPath("ns", "a b/c"), "/apis/coordination.k8s.io/v1/namespaces/ns/leases/a%20b%2Fc");
}

TEST(ApiErrorFromResponse, ParsesAStatusWithDetailsAndCauses) {
  std::string body = R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"ModelDeployment.modelops.dev \"f\" is invalid: spec.replicas: Invalid value: -1: must be >= 0",
    "reason":"Invalid","details":{"name":"f","group":"modelops.dev","kind":"ModelDeployment",
    "causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be >= 0","field":"spec.replicas"}]},
    "code":422})";
  ApiError e = apiErrorFromResponse(422, body);
  EXPECT_EQ(e.code, 422);
  EXPECT_EQ(e.reason, "Invalid");
  EXPECT_TRUE(e.isInvalid());
  EXPECT_FALSE(e.isRetryable());
  EXPECT_EQ(e.details["causes"][0]["field"], "spec.replicas");
  // The message already lists the cause: not repeated.
  EXPECT_EQ(e.describe(),
            "422 Invalid: ModelDeployment.modelops.dev \"f\" is invalid: spec.replicas: Invalid value: -1: must be >= 0");
  e.message = "invalid";
  EXPECT_EQ(e.describe(), "422 Invalid: invalid [spec.replicas: Invalid value: -1: must be >= 0]");
}

TEST(ApiErrorFromResponse, DistinguishesTheCommonReasons) {
  auto status = [](int code, const char* reason) {
    return apiErrorFromResponse(code, nlohmann::json{{"kind", "Status"}, {"reason", reason}, {"code", code},
                                                      {"message", "m"}}.dump());
  };
  EXPECT_TRUE(status(404, "NotFound").isNotFound());
  EXPECT_TRUE(status(409, "AlreadyExists").isAlreadyExists());
  EXPECT_FALSE(status(409, "AlreadyExists").isConflict());
  EXPECT_TRUE(status(409, "Conflict").isConflict());
  EXPECT_TRUE(status(410, "Expired").isGone());
  EXPECT_TRUE(status(429, "TooManyRequests").isTooManyRequests());
  EXPECT_TRUE(status(429, "TooManyRequests").isRetryable());
  EXPECT_TRUE(status(401, "Unauthorized").isUnauthorized());
  EXPECT_TRUE(status(403, "Forbidden").isForbidden());
  EXPECT_TRUE(status(503, "ServiceUnavailable").isRetryable());
}

TEST(ApiErrorFromResponse, MapsCodesWithoutAStatusBody) {
  ApiError e = apiErrorFromResponse(404, "");
  EXPECT_EQ(e.reason, "NotFound");
  EXPECT_NE(e.message.find("404"), std::string::npos);
  EXPECT_EQ(apiErrorFromResponse(409, "<html>x</html>").reason, "Conflict");
  EXPECT_EQ(apiErrorFromResponse(409, "<html>x</html>").message, "<html>x</html>");
  EXPECT_EQ(apiErrorFromResponse(502, "bad\ngateway").message, "bad gateway");
  EXPECT_EQ(apiErrorFromResponse(502, "").reason, "InternalError");
  EXPECT_EQ(apiErrorFromResponse(422, R"({"kind":"NotStatus"})").reason, "Invalid");
  EXPECT_EQ(apiErrorFromResponse(500, std::string(1000, 'x')).message.size(), 200u);
}

TEST(ApiErrorFromResponse, RetryAfterFromHeaderOrDetails) {
  EXPECT_EQ(apiErrorFromResponse(429, "", std::string_view("7")).retryAfterSeconds, 7);
  EXPECT_EQ(apiErrorFromResponse(429, "", std::string_view("Wed, 21 Oct 2015 07:28:00 GMT")).retryAfterSeconds,
            std::nullopt);
  std::string body = R"({"kind":"Status","reason":"TooManyRequests","code":429,"details":{"retryAfterSeconds":2}})";
  EXPECT_EQ(apiErrorFromResponse(429, body).retryAfterSeconds, 2);
  EXPECT_EQ(apiErrorFromResponse(429, body, std::string_view("5")).retryAfterSeconds, 5);  // the header wins
  EXPECT_EQ(parseRetryAfterSeconds(" 12 "), 12);
  EXPECT_EQ(parseRetryAfterSeconds("-1"), std::nullopt);
  EXPECT_EQ(parseRetryAfterSeconds("99999999"), std::nullopt);
}

TEST(ApiErrorFromStatus, WatchErrorEventStatus) {
  auto e = apiErrorFromStatus(nlohmann::json{{"kind", "Status"}, {"code", 410}, {"reason", "Expired"},
                                             {"message", "too old resource version: 1 (5)"}});
  EXPECT_TRUE(e.isGone());
  EXPECT_EQ(e.describe(), "410 Expired: too old resource version: 1 (5)");
  EXPECT_EQ(apiErrorFromStatus(nlohmann::json{{"code", "x"}}, 500).reason, "InternalError");
}

TEST(ApiErrorFromResponse, WrongTypesInAStatusDoNotThrow) {
  std::string body = R"({"kind":"Status","reason":7,"message":["x"],"code":"409",
    "details":{"causes":[{"field":1,"message":{}},"junk",{"field":"spec.a","message":"bad"}]}})";
  ApiError e = apiErrorFromResponse(409, body);
  EXPECT_EQ(e.code, 409);
  EXPECT_EQ(e.reason, "Conflict");
  EXPECT_EQ(e.describe(), "409 Conflict [spec.a: bad]");
  EXPECT_EQ(apiErrorFromResponse(500, R"({"kind":5})").reason, "InternalError");
}

TEST(TransportError, IsCodeZeroAndCancelledIsNotRetryable) {
  EXPECT_TRUE(transportError("ConnectionError", "x").isTransport());
  EXPECT_TRUE(transportError("ConnectionError", "x").isRetryable());
  EXPECT_FALSE(transportError("Cancelled", "x").isRetryable());
  EXPECT_EQ(transportError("Timeout", "GET /x: connection timed out").describe(), "Timeout: GET /x: connection timed out");
}

}  // namespace
}  // namespace modelops::kube
