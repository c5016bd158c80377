// unit.devserver: the dev server's request options parser (one place for every query parameter and the
// DeleteOptions body) and deletecollection, which reports each item it could not delete instead of
// answering success.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include <string>

#include "core_fixture.h"
#include "http_api.h"
#include "http_api_options.h"

namespace modelops::devserver {
namespace {

using testing::configMap;
using testing::CoreTest;

httplib::Request requestWith(std::initializer_list<std::pair<std::string, std::string>> params,
                             std::string body = "") {
  httplib::Request req;
  for (const auto& [k, v] : params) req.params.emplace(k, v);
  req.body = std::move(body);
  return req;
}

TEST(RequestOptions, ParsesEveryParameter) {
  auto o = parseRequestOptions(requestWith({{"dryRun", "All"}, {"fieldManager", "me"}, {"fieldValidation", "Strict"},
                                            {"force", "true"}, {"labelSelector", "a=b"}, {"fieldSelector", "x=y"},
                                            {"limit", "25"}, {"continue", "tok"}}),
                               "list");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_TRUE(o->write.dryRun);
  EXPECT_EQ(o->write.fieldManager, "me");
  EXPECT_EQ(o->write.fieldValidation, "Strict");
  EXPECT_TRUE(o->write.force);
  EXPECT_EQ(o->list.labelSelector, "a=b");
  EXPECT_EQ(o->list.fieldSelector, "x=y");
  EXPECT_EQ(o->list.limit, 25u);
  EXPECT_EQ(o->list.continueToken, "tok");
}

TEST(RequestOptions, DefaultsWhenAbsent) {
  auto o = parseRequestOptions(requestWith({}), "get");
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->write.dryRun);
  EXPECT_EQ(o->write.fieldValidation, "Warn");
  EXPECT_EQ(o->list.limit, 0u);
}

TEST(RequestOptions, BadValuesAre400sNamingTheParameter) {
  for (auto [name, value] : {std::pair{"limit", "ten"}, std::pair{"limit", "-1"}, std::pair{"fieldValidation", "Loud"},
                             std::pair{"dryRun", "Yes"}}) {
    auto o = parseRequestOptions(requestWith({{name, value}}), "list");
    ASSERT_FALSE(o.ok()) << name << "=" << value;
    EXPECT_EQ(o.error().code, 400);
    EXPECT_NE(o.error().message.find(name), std::string::npos) << o.error().message;
  }
}

TEST(RequestOptions, ReadsTheDeleteOptionsBodyAndTheQueryWins) {
  const std::string body =
      R"({"propagationPolicy":"Orphan","preconditions":{"uid":"u1","resourceVersion":"7"},"dryRun":["All"]})";
  auto o = parseRequestOptions(requestWith({{"propagationPolicy", "Foreground"}}, body), "delete");
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->remove.propagationPolicy, "Foreground");
  EXPECT_EQ(o->remove.preconditionUid, "u1");
  EXPECT_EQ(o->remove.preconditionResourceVersion, "7");
  EXPECT_TRUE(o->remove.dryRun);
  EXPECT_TRUE(parseRequestOptions(requestWith({}, "null"), "delete").ok());
  auto bad = parseRequestOptions(requestWith({}, "{not json"), "deletecollection");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_TRUE(parseRequestOptions(requestWith({}, "{not json"), "create").ok()) << "a write's body is the object";
}

TEST_F(CoreTest, DeleteCollectionReportsEachItemItCouldNotDelete) {
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(core.create(configMaps(), "ns", configMap(name), {}).ok());
  const std::string uidOfB = metaString(core.get(configMaps(), "ns", "b").value(), "uid");
  DeleteOptions onlyB;
  onlyB.preconditionUid = uidOfB;  // a and c fail their precondition
  WriteInfo written;
  auto result = deleteCollection(core, configMaps(), "ns", {}, onlyB, &written);
  ASSERT_FALSE(result.ok()) << "two items were not deleted: not a success";
  EXPECT_EQ(result.error().code, 409);
  EXPECT_EQ(result.error().reason, "Conflict");
  EXPECT_NE(result.error().message.find("2 of 3 configmaps could not be deleted"), std::string::npos)
      << result.error().message;
  ASSERT_EQ(result.error().causes.size(), 2u);
  EXPECT_EQ(result.error().causes[0].field, "ns/a");
  EXPECT_EQ(result.error().causes[1].field, "ns/c");
  EXPECT_NE(result.error().causes[1].message.find("Precondition failed"), std::string::npos);
  EXPECT_TRUE(written.changed) << "b was deleted";
  EXPECT_FALSE(core.get(configMaps(), "ns", "b").ok());
  EXPECT_TRUE(core.get(configMaps(), "ns", "a").ok());
  EXPECT_TRUE(core.get(configMaps(), "ns", "c").ok());
}

TEST_F(CoreTest, DeleteCollectionDeletesWhatTheSelectorMatches) {
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("x", {{"app", "m"}}), {}).ok());
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("y", {{"app", "m"}}), {}).ok());
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("z", {{"app", "other"}}), {}).ok());
  ListOptions selected;
  selected.labelSelector = "app=m";
  WriteInfo written;
  auto result = deleteCollection(core, configMaps(), "ns", selected, {}, &written);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result.value()["items"].size(), 2u);
  EXPECT_FALSE(core.get(configMaps(), "ns", "x").ok());
  EXPECT_FALSE(core.get(configMaps(), "ns", "y").ok());
  EXPECT_TRUE(core.get(configMaps(), "ns", "z").ok());
}

}  // namespace
}  // namespace modelops::devserver
