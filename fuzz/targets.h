// The bodies of the fuzz targets, shared by the libFuzzer executables (fuzz_<name>.cpp) and the GCC
// replay suite (tests/unit/fuzz_regressions), which feeds fuzz/corpus/<name>/* and
// fuzz/regressions/<name>/* through the same functions.
// Each body accepts any bytes, must neither crash nor hang, and aborts (fuzzCheck) when a documented
// property of the code under test does not hold: a crash, sanitizer report or abort is a finding.
// Thread-safety: the bodies keep no state between calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace modelops::fuzz {

using Body = void (*)(const std::uint8_t* data, std::size_t size);

struct Target {
  std::string_view name;  // the folder name under fuzz/corpus and fuzz/regressions
  Body body;
};

// YAML stream -> JSON documents (modelops::yaml::loadYamlDocuments).
void yamlLoader(const std::uint8_t* data, std::size_t size);
// JSON text -> ModelDeployment: decode, defaults, validation, encode round trip (modelops::api).
void apiDecode(const std::uint8_t* data, std::size_t size);
// kubeconfig text -> merged kubeconfig -> ClientConfig, with every file reference removed first.
void kubeconfig(const std::uint8_t* data, std::size_t size);
// Watch stream bytes cut into chunks -> lines -> WatchEvents (modelops::kube::LineSplitter).
void watchLines(const std::uint8_t* data, std::size_t size);
// Prometheus /api/v1/query answer -> samples (modelops::analysis::parsePrometheusResponse).
void prometheusResponse(const std::uint8_t* data, std::size_t size);
// Label and field selector text (and the metav1.LabelSelector JSON form) -> selectors.
void labelSelector(const std::uint8_t* data, std::size_t size);
// POST /v1/feedback body -> per-item answers (modelops::gateway::FeedbackService). The first byte picks the
// Content-Type (JSON, JSON lines, other); every "@ID@" in the rest is replaced by a valid prediction id (a
// fixed key and time), so the fuzzer reaches verification, dedupe and counting, not only the parser.
void feedbackBody(const std::uint8_t* data, std::size_t size);
// Prediction id text -> verifyPredictionId; and the input cut into fields -> encode -> verify round trip.
void predictionId(const std::uint8_t* data, std::size_t size);

// Every target, in a fixed order.
std::span<const Target> allTargets();

}  // namespace modelops::fuzz
