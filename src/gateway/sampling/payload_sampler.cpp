// PayloadSampler; see payload_sampler.h.
#include "modelops/gateway/sampling/payload_sampler.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "modelops/common/logging.h"
#include "rotating_files.h"
#include "sample_line.h"

namespace modelops::gateway {

using sampling_detail::SampleRecord;

namespace {

Error invalidOption(const std::string& message) { return Error{"InvalidSamplingOption", message}; }

bool isFraction(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }

bool isPrefixChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

}  // namespace

Status validatePayloadSamplerOptions(const PayloadSamplerOptions& o) {
  if (o.dir.empty()) return invalidOption("dir: a directory is required");
  if (o.prefix.empty() || o.prefix.size() > 64 || o.prefix.front() == '.' ||
      !std::all_of(o.prefix.begin(), o.prefix.end(), isPrefixChar))
    return invalidOption("prefix: 1 to 64 of [A-Za-z0-9._-], not starting with '.', got \"" + o.prefix + "\"");
  if (!isFraction(o.rate)) return invalidOption("rate: must be between 0 and 1");
  for (const auto& [key, rate] : o.modelRates) {
    auto slash = key.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == key.size() || key.find('/', slash + 1) != std::string::npos)
      return invalidOption("model rate: expected NAMESPACE/MODELDEPLOYMENT, got \"" + key + "\"");
    if (!isFraction(rate)) return invalidOption("model rate of " + key + ": must be between 0 and 1");
  }
  if (o.maxFileBytes < 1024) return invalidOption("maxFileBytes: must be at least 1024");
  if (o.maxFiles < 1 || o.maxFiles > 100000) return invalidOption("maxFiles: must be between 1 and 100000");
  if (o.maxBodyBytes < 1 || o.maxBodyBytes > (std::size_t{64} << 20))
    return invalidOption("maxBodyBytes: must be between 1 and 67108864");
  if (o.maxIds < 1) return invalidOption("maxIds: must be at least 1");
  if (o.queueRecords < 1 || o.queueBytes < 1) return invalidOption("queueRecords and queueBytes: must be positive");
  return {};
}

UniformSource defaultUniformSource() {
  return [] {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  };
}

struct PayloadSampler::Impl {
  Impl(PayloadSamplerOptions o, const Clock& c, UniformSource u)
      : options(std::move(o)), clock(c), uniform(std::move(u)),
        files(options.dir, options.prefix, options.maxFileBytes, options.maxFiles) {}

  void run();
  void writeBatch(std::deque<SampleRecord>& batch);
  void noteDiskError(const Error& error);

  const PayloadSamplerOptions options;
  const Clock& clock;
  const UniformSource uniform;

  std::mutex mu;
  std::condition_variable wake;     // the writer: records queued or stopping
  std::condition_variable advanced; // flush(): records done
  std::deque<SampleRecord> queue;
  std::size_t queuedBytes = 0;
  std::uint64_t queuedTotal = 0, doneTotal = 0;
  bool stopping = false, writerDone = false;

  std::atomic<std::uint64_t> written{0}, truncated{0}, dropped{0}, error{0};

  // Writer thread only.
  sampling_detail::RotatingJsonlFiles files;
  std::optional<Clock::MonoTime> lastErrorLog;
  std::uint64_t errorsNotLogged = 0;

  std::mutex stopMu;  // serializes stop()
  std::thread writer;
};

void PayloadSampler::Impl::run() {
  std::unique_lock lock(mu);
  for (;;) {
    wake.wait(lock, [this] { return stopping || !queue.empty(); });
    if (queue.empty() && stopping) break;
    std::deque<SampleRecord> batch;
    batch.swap(queue);
    queuedBytes = 0;
    lock.unlock();
    auto count = batch.size();
    if (options.beforeWriteForTest) options.beforeWriteForTest();
    writeBatch(batch);
    lock.lock();
    doneTotal += count;
    advanced.notify_all();
  }
  lock.unlock();
  if (auto st = files.close(); !st) noteDiskError(st.error());
  lock.lock();
  writerDone = true;
  advanced.notify_all();
}

void PayloadSampler::Impl::writeBatch(std::deque<SampleRecord>& batch) {
  for (auto& record : batch) {
    Status st;
    try {
      st = files.append(sampling_detail::toJsonLine(record));
    } catch (const std::exception& e) {  // out of memory rendering a line: lose the record, keep the writer
      st = Error{"SampleLost", e.what()};
    }
    if (!st) {
      error.fetch_add(1, std::memory_order_relaxed);
      noteDiskError(st.error());
    } else if (record.truncated) {
      truncated.fetch_add(1, std::memory_order_relaxed);
    } else {
      written.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void PayloadSampler::Impl::noteDiskError(const Error& e) {
  auto now = clock.monotonic();
  if (lastErrorLog && now - *lastErrorLog < options.errorLogInterval) {
    ++errorsNotLogged;
    return;
  }
  logWarn("payload sampling: records lost to a disk error",
          {{"dir", options.dir}, {"err", e.message}, {"errorsSinceLastLog", errorsNotLogged}});
  lastErrorLog = now;
  errorsNotLogged = 0;
}

Result<std::unique_ptr<PayloadSampler>> PayloadSampler::create(PayloadSamplerOptions options, const Clock& clock,
                                                               UniformSource uniform) {
  if (auto st = validatePayloadSamplerOptions(options); !st) return st.error();
  if (!uniform) return invalidOption("uniform: a random source is required");
  auto impl = std::make_unique<Impl>(std::move(options), clock, std::move(uniform));
  if (auto st = impl->files.open(); !st) return st.error();
  impl->writer = std::thread([raw = impl.get()] { raw->run(); });
  return std::unique_ptr<PayloadSampler>(new PayloadSampler(std::move(impl)));
}

PayloadSampler::PayloadSampler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PayloadSampler::~PayloadSampler() { stop(); }

double PayloadSampler::rateFor(std::string_view ns, std::string_view deployment) const {
  const auto& rates = impl_->options.modelRates;
  if (!rates.empty()) {
    std::string key;
    key.reserve(ns.size() + 1 + deployment.size());
    key.append(ns).append("/").append(deployment);
    if (auto it = rates.find(key); it != rates.end()) return it->second;
  }
  return impl_->options.rate;
}

bool PayloadSampler::maybeRecord(const PayloadSample& sample) {
  auto rate = rateFor(sample.ns, sample.deployment);
  if (rate <= 0) return false;
  if (rate < 1 && impl_->uniform() >= rate) return false;
  auto record = sampling_detail::makeRecord(sample, impl_->clock.now(), impl_->options.maxBodyBytes, impl_->options.maxIds);
  auto bytes = record.memoryBytes();
  {
    std::lock_guard lock(impl_->mu);
    bool full = impl_->queue.size() >= impl_->options.queueRecords ||
                (!impl_->queue.empty() && impl_->queuedBytes + bytes > impl_->options.queueBytes);
    if (!impl_->stopping && !full) {
      impl_->queue.push_back(std::move(record));
      impl_->queuedBytes += bytes;
      ++impl_->queuedTotal;
      impl_->wake.notify_one();
      return true;
    }
  }
  impl_->dropped.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void PayloadSampler::flush() {
  std::unique_lock lock(impl_->mu);
  auto target = impl_->queuedTotal;
  impl_->advanced.wait(lock, [&] { return impl_->doneTotal >= target || impl_->writerDone; });
}

void PayloadSampler::stop() {
  std::lock_guard stopLock(impl_->stopMu);
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    impl_->wake.notify_one();
  }
  if (impl_->writer.joinable()) impl_->writer.join();
}

PayloadSampleCounters PayloadSampler::counters() const {
  return {impl_->written.load(), impl_->truncated.load(), impl_->dropped.load(), impl_->error.load()};
}

std::string PayloadSampler::metricsText() const {
  auto c = counters();
  std::string text =
      "# HELP modelops_payload_samples_total Sampled predictions by outcome: written whole, written truncated, "
      "dropped (writer queue full) or lost to a disk error.\n"
      "# TYPE modelops_payload_samples_total counter\n";
  text += "modelops_payload_samples_total{outcome=\"written\"} " + std::to_string(c.written) + "\n";
  text += "modelops_payload_samples_total{outcome=\"truncated\"} " + std::to_string(c.truncated) + "\n";
  text += "modelops_payload_samples_total{outcome=\"dropped\"} " + std::to_string(c.dropped) + "\n";
  text += "modelops_payload_samples_total{outcome=\"error\"} " + std::to_string(c.error) + "\n";
  return text;
}

}  // namespace modelops::gateway
