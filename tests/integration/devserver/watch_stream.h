// WatchStream: reads a Kubernetes watch (GET ...?watch=true) from a DevServer on its own thread
// and its own cpp-httplib client, splitting the chunked body into JSON events. Tests wait on the
// collected events with deadlines.
// Thread-safety: events()/waitFor() from the test thread while the reader thread appends.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace modelops::devserver::testing {

class WatchStream {
 public:
  WatchStream(int port, const std::string& path, httplib::Headers headers = {}) : client_("127.0.0.1", port) {
    client_.set_read_timeout(60, 0);
    client_.set_connection_timeout(5, 0);
    thread_ = std::thread([this, path, headers] {
      auto res = client_.Get(path.c_str(), headers, [this](const char* data, size_t len) {
        std::lock_guard lock(mu_);
        buffer_.append(data, len);
        std::size_t nl;
        while ((nl = buffer_.find('\n')) != std::string::npos) {
          auto ev = nlohmann::json::parse(buffer_.substr(0, nl), nullptr, false);
          buffer_.erase(0, nl + 1);
          if (!ev.is_discarded()) events_.push_back(std::move(ev));
        }
        cv_.notify_all();
        return !stop_.load();
      });
      std::lock_guard lock(mu_);
      status_ = res ? res->status : -1;
      ended_ = true;
      cv_.notify_all();
    });
  }
  ~WatchStream() {
    stop_ = true;
    bool ended;
    {
      std::lock_guard lock(mu_);
      ended = ended_;
    }
    if (!ended) client_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool waitFor(const std::function<bool(const std::vector<nlohmann::json>&)>& pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return pred(events_) || ended_; });
    return pred(events_);
  }
  bool waitEnded(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ended_; });
  }
  std::vector<nlohmann::json> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  int status() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  httplib::Client client_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string buffer_;
  std::vector<nlohmann::json> events_;
  std::atomic<bool> stop_{false};
  bool ended_ = false;
  int status_ = 0;
};

inline bool hasEvent(const std::vector<nlohmann::json>& events, const std::string& type, const std::string& name = "") {
  for (const auto& e : events)
    if (e.value("type", "") == type &&
        (name.empty() || e["object"]["metadata"].value("name", "") == name))
      return true;
  return false;
}

}  // namespace modelops::devserver::testing
