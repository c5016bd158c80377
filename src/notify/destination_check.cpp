// Resolving and checking a webhook's host; see destination_check.h.
#include "destination_check.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace modelops::notify::detail {
namespace {

constexpr std::size_t kMaxAddresses = 32;

struct Lookup {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::vector<analysis::IpAddress> addresses;
};

void resolveInto(const std::shared_ptr<Lookup>& lookup, const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::vector<analysis::IpAddress> out;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &list) == 0) {
    for (const addrinfo* ai = list; ai != nullptr && out.size() < kMaxAddresses; ai = ai->ai_next) {
      char text[NI_MAXHOST] = {};
      if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) != 0) continue;
      std::string s = text;
      if (const auto zone = s.find('%'); zone != std::string::npos) s.resize(zone);
      auto address = analysis::parseIpAddress(s);
      if (address && std::find(out.begin(), out.end(), *address) == out.end()) out.push_back(*address);
    }
  }
  if (list != nullptr) ::freeaddrinfo(list);
  {
    std::lock_guard lock(lookup->mu);
    lookup->addresses = std::move(out);
    lookup->done = true;
  }
  lookup->cv.notify_all();
}

}  // namespace

CheckedDestination checkDestination(const std::string& host, std::chrono::steady_clock::time_point deadline,
                                    const CancelToken& cancel) {
  std::vector<analysis::IpAddress> addresses;
  if (auto literal = analysis::parseIpAddress(host)) {
    addresses.push_back(*literal);
  } else {
    auto lookup = std::make_shared<Lookup>();
    try {
      std::thread([lookup, host] { resolveInto(lookup, host); }).detach();  // owns its state: may outlive us
    } catch (const std::system_error&) {
      return {false, {}, "dns failure"};
    }
    std::unique_lock lock(lookup->mu);
    // Short slices: a cancel cannot wake this condition variable.
    while (!lookup->done) {
      if (cancel.cancelled()) return {false, {}, "cancelled"};
      if (std::chrono::steady_clock::now() >= deadline) return {false, {}, "timeout"};
      lookup->cv.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
    }
    addresses = lookup->addresses;
  }
  if (addresses.empty()) return {false, {}, "dns failure"};
  static const analysis::DestinationPolicy kBuiltIn;
  if (!kBuiltIn.check(host, addresses).allowed) return {false, {}, "destination denied"};
  CheckedDestination ok{true, {}, ""};
  for (const auto& a : addresses) ok.addresses.push_back(a.toString());
  return ok;
}

}  // namespace modelops::notify::detail
