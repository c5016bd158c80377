// PayloadSampler; see payload_sampler.h.
#include "modelops/gateway/proxy/payload_sampler.h"

#include <filesystem>
#include <random>

#include "modelops/common/logging.h"

namespace modelops::gateway::proxy {

namespace fs = std::filesystem;

Result<std::unique_ptr<PayloadSampler>> PayloadSampler::open(PayloadSamplerOptions options) {
  if (options.rate <= 0) return Error{"InvalidOption", "payload sampling: rate must be above 0"};
  if (options.dir.empty()) return Error{"InvalidOption", "payload sampling: a directory is required"};
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  std::unique_ptr<PayloadSampler> sampler(new PayloadSampler(std::move(options)));
  sampler->out_.open(sampler->path(0), std::ios::app | std::ios::binary);
  if (!sampler->out_) return Error{"CannotWrite", "payload sampling: cannot write " + sampler->path(0)};
  sampler->fileBytes_ = static_cast<std::size_t>(fs::file_size(sampler->path(0), ec));
  sampler->writer_ = std::thread([s = sampler.get()] { s->run(); });
  return sampler;
}

PayloadSampler::PayloadSampler(PayloadSamplerOptions options) : options_(std::move(options)) {}

PayloadSampler::~PayloadSampler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

bool PayloadSampler::sample() const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng) < options_.rate;
}

nlohmann::json PayloadSampler::body(std::string_view text) const {
  if (text.size() > options_.maxBodyBytes)
    return {{"truncated", true}, {"bytes", text.size()}, {"text", std::string(text.substr(0, options_.maxBodyBytes))}};
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return {{"text", std::string(text)}};
  return parsed;
}

void PayloadSampler::record(nlohmann::json line) {
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.maxQueued) {
      dropped_.fetch_add(1);
      return;
    }
    queue_.push_back(std::move(text));
  }
  cv_.notify_one();
}

void PayloadSampler::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) break;
    auto line = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    write(line);
    lock.lock();
  }
  out_.flush();
}

void PayloadSampler::write(const std::string& line) {
  if (fileBytes_ > 0 && fileBytes_ + line.size() > options_.maxFileBytes) rotate();
  out_ << line;
  out_.flush();  // a line is complete on disk once written (a reader may tail the file)
  if (!out_) {
    dropped_.fetch_add(1);
    out_.clear();
    return;
  }
  fileBytes_ += line.size();
  written_.fetch_add(1);
}

void PayloadSampler::rotate() {
  out_.close();
  std::error_code ec;
  fs::remove(path(options_.maxFiles - 1), ec);
  for (int i = options_.maxFiles - 2; i >= 0; --i) fs::rename(path(i), path(i + 1), ec);
  out_.open(path(0), std::ios::trunc | std::ios::binary);
  fileBytes_ = 0;
  if (!out_) logError("payload sampling: cannot write", {{"file", path(0)}});
}

std::string PayloadSampler::path(int index) const {
  return (fs::path(options_.dir) / (index == 0 ? "payloads.jsonl" : "payloads." + std::to_string(index) + ".jsonl")).string();
}

}  // namespace modelops::gateway::proxy
