// Test fixture for the dev server's API layer without HTTP: a Registry, ObjectStore and ApiCore on
// a FakeClock, with a namespace "ns" and a "widgets.example.com" CRD (status subresource, schema
// with required/enum/minimum/maximum/default, printer column) already created.
// Thread-safety: test thread only.
#pragma once

#include <gtest/gtest.h>

#include "api_core.h"
#include "controllers.h"
#include "fakes/fake_clock.h"

namespace modelops::devserver::testing {

inline Json widgetCrd() {
  return Json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
      "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
        "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "required": ["size"], "properties": {
            "size": {"type": "integer", "minimum": 0, "maximum": 10},
            "color": {"type": "string", "enum": ["red", "blue"], "default": "red"}}},
          "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}})");
}

inline Json widget(const std::string& name, int size) {
  return {{"apiVersion", "example.com/v1"}, {"kind", "Widget"}, {"metadata", {{"name", name}}}, {"spec", {{"size", size}}}};
}

inline Json configMap(const std::string& name, Json labels = Json::object()) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(core.create(type("", "v1", "namespaces"), "", Json{{"metadata", {{"name", "ns"}}}}, {}).ok());
    auto crd = core.create(type("apiextensions.k8s.io", "v1", "customresourcedefinitions"), "", widgetCrd(), {});
    ASSERT_TRUE(crd.ok()) << crd.error().message;
  }

  const ResourceType& type(const std::string& group, const std::string& version, const std::string& plural) {
    auto t = registry.find(group, version, plural);
    if (!t) throw std::runtime_error("no type " + plural);
    held.push_back(t);
    return *t;
  }
  const ResourceType& widgets() { return type("example.com", "v1", "widgets"); }
  const ResourceType& configMaps() { return type("", "v1", "configmaps"); }
  const ResourceType& deployments() { return type("apps", "v1", "deployments"); }

  modelops::testing::FakeClock clock;
  Registry registry;
  ObjectStore store{1000};
  ApiCore core{registry, store, clock, 42};
  std::vector<ResourceTypePtr> held;
};

}  // namespace modelops::devserver::testing
