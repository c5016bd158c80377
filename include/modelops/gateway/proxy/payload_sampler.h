// PayloadSampler (issue 16 item 6, off by default): a sampled JSON-lines log of prediction requests, answers
// and their ids, raw material for retraining. Lines go through a bounded queue to one writer thread (the io
// threads never touch a file; a full queue drops the line, counted) into `<dir>/payloads.jsonl`, rotated
// when it would pass maxFileBytes to payloads.1.jsonl ... payloads.<maxFiles-1>.jsonl (the oldest deleted),
// so the disk used is at most maxFiles * maxFileBytes. Bodies longer than maxBodyBytes are cut (marked).
// Thread-safety: sample() and record() from any thread; the destructor flushes what is queued.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "modelops/common/result.h"

namespace modelops::gateway::proxy {

struct PayloadSamplerOptions {
  double rate = 0;                          // share of successful predictions logged, 0..1
  std::string dir;                          // required when rate > 0
  std::size_t maxFileBytes = 64u << 20;     // per file
  int maxFiles = 4;                         // payloads.jsonl plus maxFiles-1 rotated ones
  std::size_t maxQueued = 1000;             // lines waiting for the writer
  std::size_t maxBodyBytes = 64u << 10;     // request or answer body kept per line
};

class PayloadSampler {
 public:
  // Fails when the directory cannot be written.
  static Result<std::unique_ptr<PayloadSampler>> open(PayloadSamplerOptions options);
  ~PayloadSampler();
  PayloadSampler(const PayloadSampler&) = delete;
  PayloadSampler& operator=(const PayloadSampler&) = delete;

  bool sample() const;  // one draw against the rate
  // Queues one line: {ts, namespace, model, version, revision, ids, request, response}.
  void record(nlohmann::json line);
  // A body as a line holds it: parsed JSON when it is JSON and short enough, else the (cut) text.
  nlohmann::json body(std::string_view text) const;

  std::uint64_t written() const { return written_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  explicit PayloadSampler(PayloadSamplerOptions options);
  void run();
  void write(const std::string& line);
  void rotate();
  std::string path(int index) const;

  PayloadSamplerOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::ofstream out_;
  std::size_t fileBytes_ = 0;
  std::atomic<std::uint64_t> written_{0}, dropped_{0};
  std::thread writer_;
};

}  // namespace modelops::gateway::proxy
