// Name resolution under a deadline and the request watchdog for provider calls (see http_call.h).
// Thread-safety: resolveHost() runs getaddrinfo on a detached helper thread that owns its state through
// a shared_ptr, so a caller that gave up (deadline, cancel) leaves nothing dangling; the resolver's own
// timeouts (resolv.conf) end that thread. RequestWatchdog joins its thread in its destructor; its
// callbacks run on that thread.
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http_call.h"

namespace modelops::analysis::detail {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = ProviderError::Kind;

struct PendingLookup {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  std::vector<IpAddress> addresses;
};

std::vector<IpAddress> addressesOf(const addrinfo* list) {
  std::vector<IpAddress> out;
  for (const addrinfo* ai = list; ai != nullptr && out.size() < kMaxResolvedAddresses; ai = ai->ai_next) {
    char text[NI_MAXHOST] = {};
    if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
    std::string s = text;
    if (const auto zone = s.find('%'); zone != std::string::npos) s.resize(zone);
    auto address = parseIpAddress(s);
    if (address && std::find(out.begin(), out.end(), *address) == out.end()) out.push_back(*address);
  }
  return out;
}

void lookUp(const std::shared_ptr<PendingLookup>& pending, const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  std::vector<IpAddress> addresses = rc == 0 ? addressesOf(list) : std::vector<IpAddress>{};
  if (list != nullptr) ::freeaddrinfo(list);
  {
    std::lock_guard lock(pending->mu);
    pending->rc = rc;
    pending->addresses = std::move(addresses);
    pending->done = true;
  }
  pending->cv.notify_all();
}

std::string millisText(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

Result<std::vector<IpAddress>, ProviderError> resolveHost(const std::string& host, Clock::time_point deadline,
                                                          const std::string& what, const CancelToken& cancel) {
  if (auto literal = parseIpAddress(host)) return std::vector<IpAddress>{*literal};
  const auto started = Clock::now();
  auto pending = std::make_shared<PendingLookup>();
  try {
    std::thread([pending, host] { lookUp(pending, host); }).detach();
  } catch (const std::system_error&) {
    return ProviderError{Kind::DnsFailure, what + ": DNSFailure: cannot start resolving host \"" + host + "\"", ""};
  }
  std::unique_lock lock(pending->mu);
  // Short slices so a cancel is seen promptly (CancelToken cannot wake this condition variable).
  while (!pending->done) {
    if (cancel.cancelled()) return ProviderError{Kind::Cancelled, what + ": Cancelled: cancelled", ""};
    const auto now = Clock::now();
    if (now >= deadline) {
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
      return ProviderError{Kind::Timeout,
                           what + ": Timeout: resolving host \"" + host + "\" took longer than " + millisText(took), ""};
    }
    pending->cv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
  }
  if (pending->rc != 0 || pending->addresses.empty()) {
    const std::string why = pending->rc == EAI_AGAIN ? " (temporary resolver failure)" : "";
    return ProviderError{Kind::DnsFailure, what + ": DNSFailure: cannot resolve host \"" + host + "\"" + why, ""};
  }
  return pending->addresses;
}

struct RequestWatchdog::State {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  StopReason reason = StopReason::None;
  std::thread thread;
};

RequestWatchdog::RequestWatchdog(Clock::time_point deadline, std::function<bool()> overBudget,
                                 std::function<void()> stop)
    : state_(std::make_shared<State>()) {
  state_->thread = std::thread([state = state_, deadline, overBudget = std::move(overBudget), stop = std::move(stop)] {
    std::unique_lock lock(state->mu);
    while (!state->finished && state->reason == StopReason::None) {
      const auto next = std::min(deadline, Clock::now() + std::chrono::milliseconds(50));
      if (state->cv.wait_until(lock, next, [&] { return state->finished; })) return;
      if (Clock::now() >= deadline) state->reason = StopReason::Deadline;
      else if (overBudget()) state->reason = StopReason::TooLarge;
    }
    while (!state->finished) {
      lock.unlock();
      stop();
      lock.lock();
      state->cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return state->finished; });
    }
  });
}

RequestWatchdog::~RequestWatchdog() {
  {
    std::lock_guard lock(state_->mu);
    state_->finished = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

StopReason RequestWatchdog::stopReason() const {
  std::lock_guard lock(state_->mu);
  return state_->reason;
}

}  // namespace modelops::analysis::detail
