// The pure helpers of retraining runs shared by the planner and the reconciler; see rollout/retraining.h.
// Thread-safety: pure functions.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "modelops/rollout/retraining.h"

namespace modelops::rollout {
namespace {

std::string numberText(const std::optional<double>& v) {
  if (!v) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}

// A value a Job reported: non-empty, bounded, no whitespace, control characters, quotes or backslashes
// (it becomes an env var, a spec field and part of a printed shell command).
std::optional<std::string> badReportedText(const std::string& text, std::size_t max) {
  if (text.empty()) return "is empty";
  if (text.size() > max) return "is longer than " + std::to_string(max) + " characters";
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) return "contains whitespace or control characters";
    if (c == '\'' || c == '"' || c == '\\' || c == '`') return "contains a quote or backslash";
  }
  return std::nullopt;
}

}  // namespace

std::string retrainingRunName(const std::string& modelDeployment, std::int64_t number) {
  return modelDeployment + "-retrain-" + std::to_string(number);
}

std::vector<std::pair<std::string, std::string>> retrainingEnv(const api::ModelDeployment& md,
                                                               const api::RetrainingRun& run) {
  const api::RetrainingEvidence evidence = run.evidence.value_or(api::RetrainingEvidence{});
  return {
      {"MODELOPS_NAMESPACE", md.namespace_()},
      {"MODELOPS_MODELDEPLOYMENT", md.name()},
      {"MODELOPS_MODEL", md.spec.model.name.value_or(md.name())},
      {"MODELOPS_VERSION", run.version.value_or("")},
      {"MODELOPS_REVISION", run.revision ? std::to_string(*run.revision) : ""},
      {"MODELOPS_URI", md.spec.model.uri.value_or("")},
      {"MODELOPS_RUN", run.name.value_or("")},
      {"MODELOPS_TRIGGER", run.trigger.value_or("")},
      {"MODELOPS_REASON", run.reason.value_or("")},
      {"MODELOPS_ATTEMPT", std::to_string(run.attempt.value_or(1))},
      {"MODELOPS_EVIDENCE_METRIC", evidence.metric.value_or("")},
      {"MODELOPS_EVIDENCE_VALUE", numberText(evidence.value)},
      {"MODELOPS_EVIDENCE_BOUND", numberText(evidence.bound)},
      {"MODELOPS_EVIDENCE_SAMPLES", numberText(evidence.samples)},
      {"MODELOPS_EVIDENCE_SEGMENT", evidence.segment.value_or("")},
  };
}

Result<api::RetrainingCandidate, std::string> parseRetrainingCandidate(std::string_view message) {
  if (message.size() > kMaxTerminationMessage)
    return "the termination message is longer than " + std::to_string(kMaxTerminationMessage) + " bytes";
  auto j = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return std::string("the termination message is not a JSON object {\"version\": ..., \"uri\": ...}");
  api::RetrainingCandidate c;
  auto version = j.find("version");
  if (version == j.end() || !version->is_string()) return std::string("version: required, a string");
  if (auto bad = badReportedText(version->get<std::string>(), kMaxCandidateVersion)) return "version: " + *bad;
  c.version = version->get<std::string>();
  if (auto uri = j.find("uri"); uri != j.end() && !uri->is_null()) {
    if (!uri->is_string()) return std::string("uri: must be a string");
    if (auto bad = badReportedText(uri->get<std::string>(), kMaxCandidateUri)) return "uri: " + *bad;
    c.uri = uri->get<std::string>();
  }
  return c;
}

std::string candidatePatchCommand(const std::string& ns, const std::string& name, const api::RetrainingCandidate& c) {
  nlohmann::json model = {{"version", c.version.value_or("")}};
  if (c.uri) model["uri"] = *c.uri;
  const nlohmann::json patch = {{"spec", {{"model", model}}}};
  return "kubectl patch modeldeployment " + name + " -n " + ns + " --type merge -p '" + patch.dump() + "'";
}

}  // namespace modelops::rollout
