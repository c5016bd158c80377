// SampleRecord and its JSON line; see sample_line.h.
#include "sample_line.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "modelops/common/time.h"

namespace modelops::gateway::sampling_detail {
namespace {

std::string cut(std::string_view body, std::size_t maxBytes, bool& truncated) {
  if (body.size() <= maxBytes) return std::string(body);
  truncated = true;
  return std::string(body.substr(0, maxBytes));
}

// Appends `"name":<body>` (see toJsonLine for the rule).
void appendBody(std::string& line, std::string_view name, const std::string& body, bool complete) {
  line += '"';
  line += name;
  line += "\":";
  // accept() is the SAX parser without building a value: no recursion, however deep the document.
  if (complete && !body.empty() && nlohmann::json::accept(body)) {
    auto start = line.size();
    line += body;
    std::replace_if(line.begin() + static_cast<std::ptrdiff_t>(start), line.end(),
                    [](char c) { return c == '\n' || c == '\r'; }, ' ');
  } else {
    line += nlohmann::json(body).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

std::size_t SampleRecord::memoryBytes() const {
  std::size_t bytes = sizeof(SampleRecord) + request.size() + response.size() + ns.size() + deployment.size() + model.size() +
                      version.size() + revision.size() + track.size() + segment.size();
  for (const auto& id : predictionIds) bytes += id.size() + sizeof(std::string);
  return bytes;
}

SampleRecord makeRecord(const PayloadSample& sample, Clock::WallTime now, std::size_t maxBodyBytes, std::size_t maxIds) {
  SampleRecord r;
  r.ns = sample.ns;
  r.deployment = sample.deployment;
  r.model = sample.model;
  r.version = sample.version;
  r.revision = sample.revision;
  r.track = sample.track;
  r.segment = sample.segment;
  r.requestBytes = sample.requestBody.size();
  r.responseBytes = sample.responseBody.size();
  r.request = cut(sample.requestBody, maxBodyBytes, r.truncated);
  r.response = cut(sample.responseBody, maxBodyBytes, r.truncated);
  if (sample.predictionIds) {
    auto keep = std::min(sample.predictionIds->size(), maxIds);
    if (keep < sample.predictionIds->size()) r.truncated = true;
    r.predictionIds.assign(sample.predictionIds->begin(), sample.predictionIds->begin() + static_cast<std::ptrdiff_t>(keep));
  }
  r.status = sample.status;
  r.time = sample.time.value_or(now);
  return r;
}

std::string toJsonLine(const SampleRecord& r) {
  nlohmann::json head = {{"time", formatRfc3339Micro(r.time)},
                         {"namespace", r.ns},
                         {"modelDeployment", r.deployment},
                         {"model", r.model},
                         {"version", r.version},
                         {"revision", r.revision},
                         {"track", r.track},
                         {"segment", r.segment},
                         {"status", r.status},
                         {"predictionIds", r.predictionIds},
                         {"truncated", r.truncated},
                         {"requestBytes", r.requestBytes},
                         {"responseBytes", r.responseBytes}};
  std::string line = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.pop_back();  // the closing brace: the bodies follow
  line.reserve(line.size() + r.request.size() + r.response.size() + 32);
  line += ',';
  appendBody(line, "request", r.request, r.request.size() == r.requestBytes);
  line += ',';
  appendBody(line, "response", r.response, r.response.size() == r.responseBytes);
  line += '}';
  return line;
}

}  // namespace modelops::gateway::sampling_detail
