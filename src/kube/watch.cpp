// KubeClientImpl::watch: a chunked GET ?watch=1 read line by line into WatchEvents.
// One HTTP client per watch (cpp-httplib serialises requests per client). The read timeout is set
// 30 s above timeoutSeconds so a quiet but healthy stream is not cut by the client. Cancellation:
// detail::InFlightAbort calls the client's stop() when the token fires (which shuts the socket down
// and wakes the blocked read) and the receivers return false on their next call. Rate limit,
// credentials, headers and the 401 refresh are the verbs' own (prepare(), refreshAfter401()). The receivers never throw: a
// handler exception is carried out and rethrown on the watching thread after the request ends.
// Thread-safety: as KubeClientImpl; the state shared with the cancel callback is InFlightAbort's.
#include <atomic>
#include <exception>

#include "json_util.h"
#include "modelops/common/logging.h"
#include "client_impl.h"
#include "modelops/kube/status.h"
#include "modelops/kube/watch_lines.h"
#include "request.h"
#include "transport.h"
#include "url.h"

namespace modelops::kube {
namespace {

Json syntheticGoneStatus(const std::string& body) {
  auto parsed = Json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && detail::stringOr(parsed, "kind") == "Status") return parsed;
  return Json{{"kind", "Status"},     {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
              {"reason", "Expired"}, {"code", 410},        {"message", "the watch resourceVersion is too old"}};
}

}  // namespace

KubeResult<void> KubeClientImpl::watch(const Resource& r, const std::string& ns, const WatchOptions& opts,
                                       const WatchHandler& handler, const CancelToken& cancel) {
  std::string query = detail::queryString({{"watch", "true"},
                                           {"resourceVersion", opts.resourceVersion},
                                           {"labelSelector", opts.labelSelector},
                                           {"fieldSelector", opts.fieldSelector},
                                           {"allowWatchBookmarks", opts.allowBookmarks ? "true" : ""},
                                           {"timeoutSeconds", opts.timeoutSeconds > 0 ? std::to_string(opts.timeoutSeconds) : ""}});
  const std::string path = r.collectionPath(r.namespaced ? ns : "") + query;
  const std::string what = "watch " + transport_->serverText() + path;
  auto cancelled = [&] { return transportError("Cancelled", what + ": cancelled"); };
  auto readTimeout = std::chrono::seconds(std::max(opts.timeoutSeconds, 0) + 30);

  bool refreshedAfter401 = false;
  while (true) {
    if (cancel.cancelled()) return cancelled();
    auto prepared = prepare(what, readTimeout, cancel);
    if (!prepared) return cancel.cancelled() ? cancelled() : prepared.error();
    auto client = std::move(prepared->client);
    const httplib::Headers& headers = prepared->headers;
    detail::InFlightAbort inFlight(client.get(), cancel);
    // A cancel before httplib opens its socket makes stop() a no-op; the response handler then
    // ends the request when the headers arrive (API servers send them at once).
    if (inFlight.stopped()) return cancelled();

    int status = 0;
    std::optional<std::string> retryAfter;
    std::string errorBody;
    LineSplitter splitter;
    std::optional<ApiError> streamError;
    std::exception_ptr handlerException;
    bool handlerStopped = false;

    auto deliver = [&](std::string_view line) -> bool {
      auto event = parseWatchEvent(line);
      if (!event) {
        streamError = event.error();
        streamError->message = what + ": " + streamError->message;
        return false;
      }
      try {
        if (!handler(*event)) {
          handlerStopped = true;
          return false;
        }
      } catch (...) {
        handlerException = std::current_exception();
        return false;
      }
      return !inFlight.stopped();
    };

    auto result = client->Get(
        path, headers,
        [&](const httplib::Response& response) {
          status = response.status;
          if (response.has_header("Retry-After")) retryAfter = response.get_header_value("Retry-After");
          return !inFlight.stopped();
        },
        [&](const char* data, std::size_t length) {
          if (inFlight.stopped()) return false;
          if (status != 200) {
            if (errorBody.size() < 64 * 1024) errorBody.append(data, length);
            return true;
          }
          bool keepGoing = splitter.feed(std::string_view(data, length), deliver);
          if (!keepGoing && splitter.overflowed() && !streamError)
            streamError = transportError("BadResponse", what + ": a watch event is longer than the line limit");
          return keepGoing;
        });
    inFlight.release();  // the cancel callback must not touch the client from now on
    bool wasStopped = inFlight.stopped();
    long verifyResult = 0;
    if (auto* ssl = dynamic_cast<httplib::SSLClient*>(client.get())) verifyResult = ssl->get_openssl_verify_result();
    client.reset();

    if (handlerException) std::rethrow_exception(handlerException);
    if (handlerStopped) return {};
    if (streamError) return *streamError;
    if (wasStopped || cancel.cancelled()) return cancelled();
    if (!result) {
      bool sentRequest = true;
      return transportErrorFor(result.error(), what, verifyResult, sentRequest);
    }
    if (status == 200) {
      // A last line without a trailing newline.
      if (!splitter.pending().empty()) {
        std::string last = splitter.pending();
        if (!deliver(last)) {
          if (handlerException) std::rethrow_exception(handlerException);
          if (streamError) return *streamError;
        }
      }
      return {};
    }
    if (status == 410) {  // some servers answer a too-old resourceVersion with HTTP 410 itself
      WatchEvent event;
      event.type = WatchEvent::Type::Error;
      event.object = syntheticGoneStatus(errorBody);
      handler(event);
      return {};
    }
    ApiError error = apiErrorFromResponse(status, errorBody, retryAfter);
    if (refreshAfter401(error, refreshedAfter401, what)) continue;
    return error;
  }
}

}  // namespace modelops::kube
