// SampleRecord: one sampled prediction, owned (bodies already cut to the bound), and its JSON line.
// Internal to the sampling library: the request thread builds the record, the writer thread renders it.
// Thread-safety: plain value type and pure functions.
#pragma once

#include <string>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/gateway/sampling/payload_sampler.h"

namespace modelops::gateway::sampling_detail {

struct SampleRecord {
  std::string ns, deployment, model, version, revision, track, segment;
  std::string request, response;             // at most maxBodyBytes each
  std::size_t requestBytes = 0, responseBytes = 0;  // the sizes before cutting
  std::vector<std::string> predictionIds;    // at most maxIds
  int status = 0;
  Clock::WallTime time;
  bool truncated = false;                    // a body or the id list was cut

  std::size_t memoryBytes() const;  // what the record holds, for the queue's byte bound
};

SampleRecord makeRecord(const PayloadSample& sample, Clock::WallTime now, std::size_t maxBodyBytes, std::size_t maxIds);

// The record as one line of JSON (no newline). A body that is complete, valid JSON is embedded as JSON (its
// line breaks, which JSON allows only as whitespace, become spaces); any other body is a string (bytes that are
// not UTF-8 become U+FFFD).
std::string toJsonLine(const SampleRecord& record);

}  // namespace modelops::gateway::sampling_detail
