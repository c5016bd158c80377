// File and environment helpers shared by the e2e.manifests tests.
// Thread-safety: pure functions (EXPECT_* from loadOneYaml reports into the running test).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/yaml/yaml.h"

namespace modelops::testing {

// The variable's value, or fallback when it is unset or empty.
inline std::string envOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The whole file, "" when it cannot be read (the callers' expectations then name what is missing).
inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The one YAML document in p; a load error or another document count fails the test and gives null.
inline nlohmann::json loadOneYaml(const std::filesystem::path& p) {
  auto docs = yaml::loadYamlFile(p.string());
  EXPECT_TRUE(docs.ok()) << p << ": " << (docs.ok() ? "" : docs.error().message);
  EXPECT_TRUE(!docs.ok() || docs.value().size() == 1) << p << " should hold exactly one document";
  return docs.ok() && docs.value().size() == 1 ? docs.value()[0] : nlohmann::json();
}

}  // namespace modelops::testing
