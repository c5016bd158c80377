// unit.devserver: ApiCore CRUD semantics (uid, timestamps, resourceVersion, generation, 404/409/422
// Status shapes, generateName, status subresource, CR validation/defaulting/pruning, dry run,
// selectors, pagination) without HTTP.
// Thread-safety: test thread only.
#include "core_fixture.h"
#include "modelops/common/time.h"

namespace modelops::devserver::testing {
namespace {

std::uint64_t rvOf(const Json& obj) { return std::stoull(metaString(obj, "resourceVersion")); }

TEST_F(CoreTest, CreateSetsUidTimestampResourceVersionAndGeneration) {
  auto a = core.create(configMaps(), "ns", configMap("a"), {});
  ASSERT_TRUE(a.ok());
  auto b = core.create(deployments(), "ns",
                       Json{{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 2}}}}, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(metaString(*a, "uid").size(), 36u);
  EXPECT_NE(metaString(*a, "uid"), metaString(*b, "uid"));
  EXPECT_EQ(metaString(*a, "creationTimestamp"), formatRfc3339(clock.now()));
  EXPECT_GT(rvOf(*b), rvOf(*a));
  EXPECT_TRUE(metaField(*a, "generation").is_null());  // ConfigMaps carry no generation, as in Kubernetes
  EXPECT_EQ(metaField(*b, "generation"), 1);
  EXPECT_EQ((*b)["spec"]["strategy"]["type"], "RollingUpdate");  // built-in defaults
  EXPECT_EQ(metaString(*a, "namespace"), "ns");
}

TEST_F(CoreTest, ErrorsAreKubernetesStatuses) {
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("a"), {}).ok());
  auto dup = core.create(configMaps(), "ns", configMap("a"), {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, 409);
  EXPECT_EQ(dup.error().reason, "AlreadyExists");
  EXPECT_EQ(dup.error().message, "configmaps \"a\" already exists");
  auto missing = core.get(deployments(), "ns", "nope");
  ASSERT_FALSE(missing.ok());
  Json status = missing.error().toJson();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["apiVersion"], "v1");
  EXPECT_EQ(status["status"], "Failure");
  EXPECT_EQ(status["code"], 404);
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["message"], "deployments.apps \"nope\" not found");
  EXPECT_EQ(status["details"], Json({{"name", "nope"}, {"group", "apps"}, {"kind", "deployments"}}));
  auto noNs = core.create(configMaps(), "ghost", configMap("a"), {});
  ASSERT_FALSE(noNs.ok());
  EXPECT_EQ(noNs.error().code, 404);
  EXPECT_EQ(noNs.error().message, "namespaces \"ghost\" not found");
}

TEST_F(CoreTest, StaleResourceVersionConflicts) {
  auto created = core.create(configMaps(), "ns", configMap("a"), {});
  ASSERT_TRUE(created.ok());
  Json first = *created, second = *created;
  first["data"]["k"] = "one";
  ASSERT_TRUE(core.update(configMaps(), "ns", "a", first, "", {}).ok());
  second["data"]["k"] = "two";
  auto stale = core.update(configMaps(), "ns", "a", second, "", {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, 409);
  EXPECT_EQ(stale.error().reason, "Conflict");
  EXPECT_EQ(stale.error().message,
            "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your "
            "changes to the latest version and try again");
  EXPECT_EQ(stale.error().toJson()["details"]["kind"], "configmaps");
}

TEST_F(CoreTest, GenerateNameMakesAUniqueName) {
  Json obj = configMap("");
  obj["metadata"].erase("name");
  obj["metadata"]["generateName"] = "gen-";
  auto a = core.create(configMaps(), "ns", obj, {});
  auto b = core.create(configMaps(), "ns", obj, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(metaString(*a, "name").rfind("gen-", 0), 0u);
  EXPECT_EQ(metaString(*a, "name").size(), 9u);
  EXPECT_NE(metaString(*a, "name"), metaString(*b, "name"));
  Json nameless = configMap("");
  nameless["metadata"].erase("name");
  auto none = core.create(configMaps(), "ns", nameless, {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, 422);
}

TEST_F(CoreTest, GenerationMovesOnlyOnSpecChangeWithStatusSubresource) {
  auto w = core.create(widgets(), "ns", widget("w", 1), {});
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(metaField(*w, "generation"), 1);
  Json labelled = *w;
  labelled["metadata"]["labels"]["x"] = "y";
  auto afterLabel = core.update(widgets(), "ns", "w", labelled, "", {});
  ASSERT_TRUE(afterLabel.ok());
  EXPECT_EQ(metaField(*afterLabel, "generation"), 1);
  EXPECT_GT(rvOf(*afterLabel), rvOf(*w));
  Json withStatus = *afterLabel;
  withStatus["status"] = {{"phase", "Ready"}};
  auto afterStatus = core.update(widgets(), "ns", "w", withStatus, "status", {});
  ASSERT_TRUE(afterStatus.ok());
  EXPECT_EQ(metaField(*afterStatus, "generation"), 1);
  Json resized = *afterStatus;
  resized["spec"]["size"] = 2;
  auto afterSpec = core.update(widgets(), "ns", "w", resized, "", {});
  ASSERT_TRUE(afterSpec.ok());
  EXPECT_EQ(metaField(*afterSpec, "generation"), 2);
  // A write that changes nothing stores nothing.
  auto noop = core.update(widgets(), "ns", "w", *afterSpec, "", {});
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(rvOf(*noop), rvOf(*afterSpec));
}

TEST_F(CoreTest, StatusSubresourceSeparatesSpecAndStatus) {
  Json w = widget("w", 1);
  w["status"] = {{"phase", "Forged"}};
  auto created = core.create(widgets(), "ns", w, {});
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(created->contains("status"));  // create drops status
  Json statusWrite = *created;
  statusWrite["status"] = {{"phase", "Ready"}};
  statusWrite["spec"]["size"] = 9;  // ignored by /status
  auto s = core.update(widgets(), "ns", "w", statusWrite, "status", {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["status"]["phase"], "Ready");
  EXPECT_EQ((*s)["spec"]["size"], 1);
  Json mainWrite = *s;
  mainWrite["status"]["phase"] = "Hacked";  // ignored by the main endpoint
  mainWrite["spec"]["size"] = 3;
  auto m = core.update(widgets(), "ns", "w", mainWrite, "", {});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["status"]["phase"], "Ready");
  EXPECT_EQ((*m)["spec"]["size"], 3);
}

TEST_F(CoreTest, CustomResourcesNeedResourceVersionOnUpdateAndRefuseStrategicMerge) {
  auto created = core.create(widgets(), "ns", widget("w", 1), {});
  ASSERT_TRUE(created.ok());
  Json body = *created;
  body["metadata"].erase("resourceVersion");
  auto r = core.update(widgets(), "ns", "w", body, "", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().message,
            "Widget.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for "
            "an update");
  auto smp = core.patch(widgets(), "ns", "w", PatchType::Strategic, Json{{"spec", {{"size", 2}}}}, "", {});
  ASSERT_FALSE(smp.ok());
  EXPECT_EQ(smp.error().code, 415);
  EXPECT_EQ(smp.error().reason, "UnsupportedMediaType");
  // Built-ins update without resourceVersion (unconditional update).
  auto cm = core.create(configMaps(), "ns", configMap("c"), {});
  Json cmBody = *cm;
  cmBody["metadata"].erase("resourceVersion");
  EXPECT_TRUE(core.update(configMaps(), "ns", "c", cmBody, "", {}).ok());
}

TEST_F(CoreTest, SchemaValidationListsEveryFieldAfterDefaults) {
  Json bad = widget("w", 11);
  bad["spec"]["color"] = "green";
  auto r = core.create(widgets(), "ns", bad, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, 422);
  EXPECT_EQ(r.error().reason, "Invalid");
  EXPECT_EQ(r.error().message.rfind("Widget.example.com \"w\" is invalid: [", 0), 0u) << r.error().message;
  Json status = r.error().toJson();
  EXPECT_EQ(status["details"]["kind"], "Widget");
  EXPECT_EQ(status["details"]["group"], "example.com");
  std::set<std::string> fields;
  for (const auto& c : status["details"]["causes"]) fields.insert(c.value("field", ""));
  EXPECT_EQ(fields, (std::set<std::string>{"spec.size", "spec.color"}));
  auto ok = core.create(widgets(), "ns", widget("good", 3), {});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["spec"]["color"], "red");  // default applied
  Json missing = widget("m", 1);
  missing["spec"].erase("size");
  auto req = core.create(widgets(), "ns", missing, {});
  ASSERT_FALSE(req.ok());
  EXPECT_EQ(req.error().causes.at(0).field, "spec.size");
  EXPECT_EQ(req.error().causes.at(0).type, "FieldValueRequired");
}

TEST_F(CoreTest, UnknownFieldsFollowFieldValidation) {
  Json extra = widget("w", 1);
  extra["spec"]["x"] = 1;
  WriteOptions strict;
  strict.fieldValidation = "Strict";
  auto s = core.create(widgets(), "ns", extra, strict);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, 400);
  EXPECT_EQ(s.error().message, "strict decoding error: unknown field \"spec.x\"");
  std::vector<std::string> warnings;
  WriteOptions warn;
  warn.warnings = &warnings;
  auto w = core.create(widgets(), "ns", extra, warn);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE((*w)["spec"].contains("x"));
  EXPECT_EQ(warnings, std::vector<std::string>{"unknown field \"spec.x\""});
  warnings.clear();
  WriteOptions ignore;
  ignore.fieldValidation = "Ignore";
  ignore.warnings = &warnings;
  extra["metadata"]["name"] = "w2";
  auto i = core.create(widgets(), "ns", extra, ignore);
  ASSERT_TRUE(i.ok());
  EXPECT_FALSE((*i)["spec"].contains("x"));
  EXPECT_TRUE(warnings.empty());
}

TEST_F(CoreTest, DryRunDoesNotPersist) {
  WriteOptions dry;
  dry.dryRun = true;
  auto before = store.currentRv();
  auto r = core.create(configMaps(), "ns", configMap("dry"), dry);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(metaString(*r, "name"), "dry");
  EXPECT_FALSE(core.get(configMaps(), "ns", "dry").ok());
  EXPECT_EQ(store.currentRv(), before);
}

TEST_F(CoreTest, ListSelectorsAndPagination) {
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("a", {{"app", "web"}, {"tier", "front"}}), {}).ok());
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("b", {{"app", "api"}}), {}).ok());
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("c", {{"app", "db"}, {"legacy", "yes"}}), {}).ok());
  auto names = [&](const ListOptions& o) {
    std::vector<std::string> out;
    auto l = core.list(configMaps(), "ns", o);
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
    if (l.ok())
      for (const auto& i : (*l)["items"]) out.push_back(metaString(i, "name"));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names({"app=web", "", 0, ""}), V({"a"}));
  EXPECT_EQ(names({"app!=web", "", 0, ""}), V({"b", "c"}));
  EXPECT_EQ(names({"app in (api,db)", "", 0, ""}), V({"b", "c"}));
  EXPECT_EQ(names({"app notin (api,db)", "", 0, ""}), V({"a"}));
  EXPECT_EQ(names({"legacy", "", 0, ""}), V({"c"}));
  EXPECT_EQ(names({"!legacy", "", 0, ""}), V({"a", "b"}));
  EXPECT_EQ(names({"", "metadata.name=b", 0, ""}), V({"b"}));
  EXPECT_EQ(names({"", "metadata.namespace=ns,metadata.name!=b", 0, ""}), V({"a", "c"}));
  auto badField = core.list(configMaps(), "ns", {"", "data.k=v", 0, ""});
  ASSERT_FALSE(badField.ok());
  EXPECT_EQ(badField.error().code, 400);

  auto page1 = core.list(configMaps(), "ns", {"", "", 2, ""});
  ASSERT_TRUE(page1.ok());
  EXPECT_EQ((*page1)["items"].size(), 2u);
  EXPECT_EQ((*page1)["metadata"]["remainingItemCount"], 1);
  std::string token = (*page1)["metadata"]["continue"];
  std::string listRv = (*page1)["metadata"]["resourceVersion"];
  ASSERT_TRUE(core.create(configMaps(), "ns", configMap("d"), {}).ok());
  auto page2 = core.list(configMaps(), "ns", {"", "", 2, token});
  ASSERT_TRUE(page2.ok());
  EXPECT_EQ((*page2)["metadata"]["resourceVersion"], listRv);  // constant across pages
  EXPECT_EQ(metaString((*page2)["items"][0], "name"), "c");
  store.compact();
  auto expiredPage = core.list(configMaps(), "ns", {"", "", 2, token});
  ASSERT_FALSE(expiredPage.ok());
  EXPECT_EQ(expiredPage.error().code, 410);
  EXPECT_EQ(expiredPage.error().reason, "Expired");
  auto garbage = core.list(configMaps(), "ns", {"", "", 2, "not-a-token"});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, 400);
}

TEST_F(CoreTest, PatchesMergeJsonAndStrategic) {
  Json d = Json::parse(R"({"metadata": {"name": "d"}, "spec": {"replicas": 1, "template": {"spec": {"containers": [
      {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "b:1"}]}}}})");
  ASSERT_TRUE(core.create(deployments(), "ns", d, {}).ok());
  auto smp = core.patch(deployments(), "ns", "d", PatchType::Strategic,
                        Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"}]}}}})"), "", {});
  ASSERT_TRUE(smp.ok()) << smp.error().message;
  auto containers = (*smp)["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);  // merged by name, not replaced
  EXPECT_EQ(containers[0]["image"], "a:1");
  EXPECT_EQ(containers[1]["image"], "b:2");
  EXPECT_EQ(metaField(*smp, "generation"), 2);
  auto merge = core.patch(deployments(), "ns", "d", PatchType::Merge, Json{{"spec", {{"replicas", 3}}}}, "", {});
  ASSERT_TRUE(merge.ok());
  EXPECT_EQ((*merge)["spec"]["replicas"], 3);
  auto jp = core.patch(deployments(), "ns", "d", PatchType::Json,
                       Json::parse(R"([{"op":"replace","path":"/spec/replicas","value":4}])"), "", {});
  ASSERT_TRUE(jp.ok());
  EXPECT_EQ((*jp)["spec"]["replicas"], 4);
  auto failing = core.patch(deployments(), "ns", "d", PatchType::Json,
                            Json::parse(R"([{"op":"test","path":"/spec/replicas","value":9}])"), "", {});
  EXPECT_FALSE(failing.ok());
  // A merge patch carrying a stale resourceVersion conflicts.
  auto stale = core.patch(deployments(), "ns", "d", PatchType::Merge,
                          Json{{"metadata", {{"resourceVersion", "1"}}}, {"spec", {{"replicas", 5}}}}, "", {});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, 409);
  auto missing = core.patch(deployments(), "ns", "zz", PatchType::Merge, Json::object(), "", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, 404);
}

TEST_F(CoreTest, CrdRegistrationAndRemoval) {
  auto crd = core.get(type("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "", "widgets.example.com");
  ASSERT_TRUE(crd.ok());
  std::map<std::string, std::string> conditions;
  for (const auto& c : (*crd)["status"]["conditions"]) conditions[c["type"]] = c["status"];
  EXPECT_EQ(conditions["Established"], "True");
  EXPECT_EQ(conditions["NamesAccepted"], "True");
  ASSERT_TRUE(core.create(widgets(), "ns", widget("w", 1), {}).ok());
  auto del = core.remove(type("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "", "widgets.example.com", {});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(registry.find("example.com", "v1", "widgets"), nullptr);
  EXPECT_TRUE(store.all("example.com/widgets").empty());
  Json wrongName = widgetCrd();
  wrongName["metadata"]["name"] = "gadgets.example.com";
  auto bad = core.create(type("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "", wrongName, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 422);
}

}  // namespace
}  // namespace modelops::devserver::testing
