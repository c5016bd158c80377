// The bad-input corpus; see corpus.h.
#include "corpus.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "modelops/yaml/yaml.h"

namespace modelops::itest::badinput {

std::vector<BadItem> loadCorpus(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<BadItem> out;
  for (const auto& file : files) {
    auto docs = yaml::loadYamlFile(file.string());
    if (!docs) throw std::runtime_error(docs.error().message);
    for (auto& doc : *docs) {
      const Json& meta = doc.value("metadata", Json::object());
      std::string name = meta.value("name", "");
      std::string field = meta.value("annotations", Json::object()).value(kExpectFieldAnnotation, "");
      if (name.empty() || field.empty())
        throw std::runtime_error(file.string() + ": needs metadata.name and the " + kExpectFieldAnnotation + " annotation");
      out.push_back({name, field, std::move(doc)});
    }
  }
  return out;
}

Json validBase(const std::string& name) {
  Json md = Json::parse(R"({"apiVersion": "modelops.dev/v1alpha1", "kind": "ModelDeployment", "metadata": {},
    "spec": {"replicas": 1, "model": {"version": "1.0.0"},
             "template": {"spec": {"containers": [{"name": "server", "image": "registry.example/model-server:1.3"}]}}}})");
  md["metadata"]["name"] = name;
  return md;
}

BadItem hugeStepArray() {
  BadItem item{"huge-step-array", "spec.strategy.canary.steps[0].setWeight", validBase("huge-step-array")};
  Json steps = Json::array();
  for (int i = 0; i < 50'000; ++i) steps.push_back({{"setWeight", 101 + i % 7}});
  item.object["spec"]["strategy"] = {{"canary", {{"steps", std::move(steps)}}}};
  return item;
}

BadItem deepNesting(std::size_t depth) {
  BadItem item{"deep-nesting", "spec.model.version", validBase("deep-nesting")};
  Json nested = "innermost";
  for (std::size_t i = 0; i < depth; ++i) nested = Json::array({std::move(nested)});
  item.object["spec"]["x-deep"] = nested;  // unknown: kept, never interpreted
  item.object["spec"]["model"]["version"] = std::move(nested);
  return item;
}

BadItem longVariantName(std::size_t bytes) {
  BadItem item{"long-variant-name", "spec.strategy.abTest.variants[1].name", validBase("long-variant-name")};
  item.object["spec"]["strategy"] = {
      {"abTest",
       {{"variants",
         {{{"name", "control"}, {"weight", 50}},
          {{"name", std::string(bytes, 'a')}, {"weight", 50}, {"model", {{"version", "2.0.0"}}}}}}}}};
  return item;
}

BadItem longDuration(std::size_t bytes) {
  BadItem item{"long-duration", "spec.strategy.canary.steps[0].pause.duration", validBase("long-duration")};
  // Multi-byte characters, so that any cut of the echoed value must respect UTF-8.
  std::string text;
  while (text.size() + 3 <= bytes) text += "\xE2\x8F\xB3";  // U+23F3, hourglass
  item.object["spec"]["strategy"] = {{"canary", {{"steps", {{{"pause", {{"duration", text}}}}}}}}};
  return item;
}

}  // namespace modelops::itest::badinput
