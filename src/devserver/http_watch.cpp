// Watch streaming: one chunked HTTP response per watch, one JSON event per line (ADDED, MODIFIED,
// DELETED, BOOKMARK, ERROR). A resourceVersion older than the kept history is answered, as
// kube-apiserver does, with HTTP 200 and a single ERROR event carrying a 410 Expired Status.
// Streams end at timeoutSeconds, at the fault injector's watch-close interval, when the watcher is
// dropped (slow consumer), or at server stop. The watch-close interval is read again while a stream
// is open, so setting it also ends streams that were opened before (measured from their start).
// Thread-safety: the provider runs on the connection's worker thread; the Watcher is thread-safe.
#include <chrono>

#include "http_api.h"

namespace modelops::devserver {

namespace {
// How long an idle stream waits before it looks at the fault injector's watch-close interval again:
// an interval set while the stream is open takes effect within this (or at the next event).
constexpr std::chrono::milliseconds kWatchCloseRecheck{250};

struct WatchState {
  std::shared_ptr<Watcher> watcher;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point timeoutEnd;  // from timeoutSeconds / maxWatchTimeout
  std::chrono::steady_clock::time_point end;         // timeoutEnd, or earlier by the watch-close fault
  std::chrono::steady_clock::time_point nextBookmark;
  bool bookmarks = false;
  bool table = false;
  bool finished = false;

  // Applies the current watch-close interval (it may have been set after the stream opened) and
  // returns how long the next wait for an event may last.
  std::chrono::steady_clock::time_point nextWake(std::chrono::milliseconds closeEvery) {
    end = timeoutEnd;
    if (closeEvery.count() > 0) end = std::min(end, started + closeEvery);
    auto wake = std::min(end, std::chrono::steady_clock::now() + kWatchCloseRecheck);
    if (bookmarks) wake = std::min(wake, nextBookmark);
    return wake;
  }
};
}  // namespace

void HttpApi::handleWatch(const httplib::Request& req, httplib::Response& res, const ResourceType& type,
                          const RequestInfo& info) {
  std::string fieldSelector = req.has_param("fieldSelector") ? req.get_param_value("fieldSelector") : "";
  if (!info.name.empty()) fieldSelector = "metadata.name=" + info.name + (fieldSelector.empty() ? "" : "," + fieldSelector);
  auto pred = ApiCore::selectorPredicate(req.has_param("labelSelector") ? req.get_param_value("labelSelector") : "",
                                         fieldSelector);
  if (!pred) {
    writeStatus(res, pred.error());
    return;
  }
  std::string rvText = req.has_param("resourceVersion") ? req.get_param_value("resourceVersion") : "";
  std::uint64_t fromRv = 0;
  if (!rvText.empty()) {
    char* endp = nullptr;
    fromRv = std::strtoull(rvText.c_str(), &endp, 10);
    if (!endp || *endp != '\0') {
      writeStatus(res, badRequest("invalid resource version: " + rvText));
      return;
    }
  }
  auto now = std::chrono::steady_clock::now();
  auto timeout = std::chrono::seconds(options_.maxWatchTimeout);
  if (req.has_param("timeoutSeconds")) {
    long t = std::strtol(req.get_param_value("timeoutSeconds").c_str(), nullptr, 10);
    if (t > 0) timeout = std::min(timeout, std::chrono::seconds(t));
  }
  auto state = std::make_shared<WatchState>();
  state->started = now;
  state->timeoutEnd = now + timeout;
  state->end = state->timeoutEnd;
  state->bookmarks = queryParamBool(req.has_param("allowWatchBookmarks"), req.get_param_value("allowWatchBookmarks"));
  state->nextBookmark = now + options_.bookmarkInterval;
  state->table = wantsTable(req);

  std::uint64_t oldest = 0;
  const std::string ns = type.namespaced ? info.ns : "";
  state->watcher = core_.store().watch(type.storageKey(), ns, fromRv, pred.value(), &oldest);
  res.status = 200;
  if (!state->watcher) {
    ApiStatus s = expired("too old resource version: " + std::to_string(fromRv) + " (" + std::to_string(oldest) + ")");
    nlohmann::json ev = {{"type", "ERROR"}, {"object", s.toJson()}};
    res.set_content(ev.dump() + "\n", "application/json");
    return;
  }
  if (stopping_) state->watcher->close();
  auto typeCopy = std::make_shared<ResourceType>(type);
  // The media-type parameter keeps cpp-httplib from gzip-compressing the stream (it compresses only
  // an exact "application/json"), which would hold events in the compressor's buffer.
  res.set_chunked_content_provider(
      "application/json;stream=watch",
      [this, state, typeCopy, &req](std::size_t, httplib::DataSink& sink) {
        if (state->finished) return false;
        auto deadline = state->nextWake(faults_.watchCloseInterval());
        WatchEvent ev;
        auto r = state->watcher->pop(ev, deadline);
        std::string line;
        if (r == Watcher::Pop::Event) {
          nlohmann::json object = ApiCore::forVersion(*typeCopy, std::move(ev.object));
          if (state->table) object = toTable(*typeCopy, {object}, "", "", req);
          line = nlohmann::json{{"type", ev.type}, {"object", object}}.dump() + "\n";
        } else if (r == Watcher::Pop::Closed) {
          state->finished = true;
        } else {
          auto t = std::chrono::steady_clock::now();
          if (state->bookmarks && t >= state->nextBookmark) {
            state->nextBookmark = t + options_.bookmarkInterval;
            nlohmann::json bookmark = {
                {"type", "BOOKMARK"},
                {"object",
                 {{"kind", typeCopy->kind},
                  {"apiVersion", typeCopy->apiVersion()},
                  {"metadata", {{"resourceVersion", std::to_string(state->watcher->progressRv())}}}}}};
            line = bookmark.dump() + "\n";
          }
        }
        // Checked after events too: a stream that never goes quiet still ends on time.
        if (!state->finished && std::chrono::steady_clock::now() >= state->end) state->finished = true;
        if (!line.empty() && !sink.write(line.data(), line.size())) return false;
        if (state->finished) {
          if (state->bookmarks && r != Watcher::Pop::Closed) {
            // A final bookmark at timeout tells the client where to resume.
            nlohmann::json bookmark = {
                {"type", "BOOKMARK"},
                {"object",
                 {{"kind", typeCopy->kind},
                  {"apiVersion", typeCopy->apiVersion()},
                  {"metadata", {{"resourceVersion", std::to_string(state->watcher->progressRv())}}}}}};
            std::string last = bookmark.dump() + "\n";
            sink.write(last.data(), last.size());
          }
          sink.done();
        }
        return true;
      },
      [this, state](bool) { core_.store().unwatch(state->watcher); });
}

}  // namespace modelops::devserver
