// PayloadSampler: the gateway's optional payload log (issue 16 item 6, off by default). A configured fraction
// of predictions (per model when a model rate is set) is written as one JSON line each (route facts, request,
// response, prediction ids, status, time) to DIR/<prefix>-<n>.jsonl, rotated at a size limit, keeping at most
// maxFiles files (the oldest deleted): raw material for retraining. Format in docs/gateway.md "Payload sampling".
//
// A request never waits for the disk: maybeRecord() copies the (size-bounded) bodies and hands the record to a
// background writer thread through a queue bounded in records and bytes; when the queue is full the record is
// dropped and counted. Disk errors lose the record, are counted and logged at most once a minute; the writer
// opens a fresh file on the next record. stop() writes what is queued, syncs and closes (the gateway's drain).
// Every sampled record ends in exactly one outcome of modelops_payload_samples_total{outcome}:
//   written (whole), truncated (written with a body or the id list cut), dropped (queue full or stopped),
//   error (lost to a disk error).
// Thread-safety: maybeRecord(), counters() and metricsText() are safe from any thread; stop() may be called
// from any thread, once or more (later calls do nothing).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelops/common/clock.h"
#include "modelops/common/result.h"

namespace modelops::gateway {

struct PayloadSamplerOptions {
  std::string dir;                             // created when missing
  std::string prefix = "payloads";             // files are <prefix>-<n>.jsonl, n counting up from 1
  double rate = 0;                             // fraction sampled, 0..1 (0: only models with their own rate)
  std::map<std::string, double> modelRates;    // "namespace/ModelDeployment name" -> fraction, instead of `rate`
  std::uint64_t maxFileBytes = 64ull << 20;    // rotate before a line would take a file past this
  std::size_t maxFiles = 10;                   // files kept in dir (this prefix), the newest included
  std::size_t maxBodyBytes = 64u << 10;        // request and response bodies cut to this (truncated: true)
  std::size_t maxIds = 1000;                   // prediction ids kept per record (batch responses)
  std::size_t queueRecords = 4096;             // records waiting for the writer
  std::size_t queueBytes = 16u << 20;          // bytes of bodies and ids waiting for the writer
  std::chrono::seconds errorLogInterval{60};   // a disk error is logged at most this often
  // Tests only: called on the writer thread before it writes each batch (a test holds the writer here to
  // fill the queue). Empty in production.
  std::function<void()> beforeWriteForTest;
};

// Checks the options; the message names the option (the gateway maps them to its --sample-* flags).
Status validatePayloadSamplerOptions(const PayloadSamplerOptions& options);

// One answered prediction, as the gateway saw it. Views are read during maybeRecord() only.
struct PayloadSample {
  std::string_view ns, deployment;  // the ModelDeployment (per-model rates are keyed by it)
  std::string_view model, version, revision, track;  // spec.model.name, the track's version and revision, its name
  std::string_view segment;  // the route's segment of this request (empty when none)
  std::string_view requestBody, responseBody;
  const std::vector<std::string>* predictionIds = nullptr;  // may be null (not stamped)
  int status = 0;
  std::optional<Clock::WallTime> time;  // default: the sampler's clock at maybeRecord()
};

struct PayloadSampleCounters {
  std::uint64_t written = 0, truncated = 0, dropped = 0, error = 0;
};

// A uniform draw in [0, 1); called from request threads concurrently, so it must be thread-safe.
using UniformSource = std::function<double()>;
// The production source: a thread-local 64-bit Mersenne Twister seeded from std::random_device.
UniformSource defaultUniformSource();

class PayloadSampler {
 public:
  // Validates the options, creates the directory, finds the highest <n> already there (a restart continues
  // after it and counts those files against maxFiles) and starts the writer thread.
  static Result<std::unique_ptr<PayloadSampler>> create(PayloadSamplerOptions options, const Clock& clock,
                                                        UniformSource uniform = defaultUniformSource());
  ~PayloadSampler();  // stop()
  PayloadSampler(const PayloadSampler&) = delete;
  PayloadSampler& operator=(const PayloadSampler&) = delete;

  // Draws whether this prediction is sampled and, if so, queues it. True when queued.
  bool maybeRecord(const PayloadSample& sample);
  // The fraction sampled for a ModelDeployment (its own rate, else the default).
  double rateFor(std::string_view ns, std::string_view deployment) const;
  // Blocks until every record queued before the call is written (or lost): for tests.
  void flush();
  // Writes what is queued, syncs and closes the file, joins the writer. Later maybeRecord() calls drop.
  void stop();

  PayloadSampleCounters counters() const;
  // modelops_payload_samples_total{outcome} in the Prometheus text format, for the gateway's /metrics.
  std::string metricsText() const;

  struct Impl;

 private:
  explicit PayloadSampler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelops::gateway
