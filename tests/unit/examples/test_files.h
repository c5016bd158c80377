// Where the CRD and example files are, and loading them with the project's YAML loader.
// Thread-safety: plain functions; no shared state.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "modelops/yaml/yaml.h"

namespace modelops::testing {

inline std::filesystem::path sourceDir() {
  const char* dir = std::getenv("MODELOPS_SOURCE_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::path(MODELOPS_TEST_SOURCE_DIR);
}

// The documents of a YAML file, failing the test when it does not load.
inline std::vector<nlohmann::json> loadDocuments(const std::filesystem::path& path) {
  auto docs = yaml::loadYamlFile(path.string());
  EXPECT_TRUE(docs.ok()) << (docs.ok() ? "" : docs.error().message);
  return docs.ok() ? *docs : std::vector<nlohmann::json>{};
}

// The single CustomResourceDefinition in a file.
inline nlohmann::json loadCrd(const std::filesystem::path& path) {
  auto docs = loadDocuments(path);
  EXPECT_EQ(docs.size(), 1u) << path;
  return docs.empty() ? nlohmann::json::object() : docs[0];
}

inline const nlohmann::json& openApiSchema(const nlohmann::json& crd) {
  return crd.at("spec").at("versions").at(0).at("schema").at("openAPIV3Schema");
}

}  // namespace modelops::testing
