// Where a webhook may be sent: the host is resolved (getaddrinfo on a detached helper thread, so a hung
// resolver costs at most the attempt's deadline), and the name and every address are checked against the
// built-in denials of analysis::DestinationPolicy (link-local and cloud metadata ranges, "this host"), the
// same that metric providers always get (every address must pass). The caller connects to checked addresses only (never resolving
// again). Private to modelops_notify.
// Thread-safety: stateless; safe to call concurrently.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "modelops/analysis/destination_policy.h"
#include "modelops/common/cancel.h"

namespace modelops::notify::detail {

struct CheckedDestination {
  bool ok = false;
  std::vector<std::string> addresses;  // the checked addresses to connect to (text, resolver order), when ok
  std::string error;    // short and fixed ("destination denied", "dns failure", "timeout"), when not ok
};

CheckedDestination checkDestination(const std::string& host, std::chrono::steady_clock::time_point deadline,
                                    const CancelToken& cancel);

}  // namespace modelops::notify::detail
