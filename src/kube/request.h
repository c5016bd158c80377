// Internal helpers shared by the ordinary verbs (client_impl.cpp) and watch (watch.cpp): the
// headers every request carries and the Authorization header, a prepared request, and the abort of
// an in-flight request when its CancelToken fires. Internal to modelops_kube.
// Thread-safety: requestHeaders is pure; InFlightAbort's state is shared with the token's callback
// (which may run on any thread, even after the registration is removed) and is behind a mutex.
#pragma once

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "modelops/common/cancel.h"
#include "auth.h"
#include "modelops/kube/config.h"
#include "transport.h"

namespace modelops::kube::detail {

inline httplib::Headers requestHeaders(const ClientConfig& config, const Transport& transport,
                                       const Credentials& credentials) {
  httplib::Headers headers{{"User-Agent", config.userAgent}, {"Accept", "application/json"}};
  if (!transport.hostHeader().empty()) headers.emplace("Host", transport.hostHeader());
  if (!credentials.bearerToken.empty()) {
    headers.emplace("Authorization", "Bearer " + credentials.bearerToken);
  } else if (!credentials.basicUser.empty()) {
    headers.emplace(httplib::make_basic_authentication_header(credentials.basicUser, credentials.basicPassword));
  }
  return headers;
}

// One attempt, ready to send: a fresh HTTP client and the headers with the current credentials.
struct PreparedRequest {
  std::unique_ptr<httplib::ClientImpl> client;
  httplib::Headers headers;
};

// Stops the client (shuts its socket down, waking a blocked read or write) when cancel fires while
// the request is in flight. A cancel before httplib opens its socket makes stop() a no-op, so
// callers check stopped() after constructing this and before sending, and again afterwards.
class InFlightAbort {
 public:
  InFlightAbort(httplib::ClientImpl* client, const CancelToken& cancel)
      : state_(std::make_shared<State>(client)), registration_(cancel.scopedOnCancel([state = state_] {
          std::lock_guard lock(state->mu);
          state->stop = true;
          if (state->client) state->client->stop();
        })) {}
  ~InFlightAbort() { release(); }
  InFlightAbort(const InFlightAbort&) = delete;
  InFlightAbort& operator=(const InFlightAbort&) = delete;

  bool stopped() const { return state_->stop.load(); }
  // The request has ended: the callback must not touch the client from now on.
  void release() {
    std::lock_guard lock(state_->mu);
    state_->client = nullptr;
  }

 private:
  struct State {
    explicit State(httplib::ClientImpl* c) : client(c) {}
    std::mutex mu;
    httplib::ClientImpl* client;
    std::atomic<bool> stop{false};
  };
  std::shared_ptr<State> state_;
  CancelRegistration registration_;
};

}  // namespace modelops::kube::detail
