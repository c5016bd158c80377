// Integration tests of watch: 10,000 events served in awkward chunk sizes (1 and 7 bytes, boundaries
// inside multi-byte UTF-8 and next to '\n') parsed exactly and in order, over HTTP and HTTPS;
// cancellation of an open watch from another thread within 1 s; 410 Gone arriving as an ERROR
// event (in a 200 stream and as an HTTP 410); the handler ending the watch.
// Thread-safety: servers run on their own threads; hand-offs use condition variables with deadlines.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "integration/kube/test_pki.h"
#include "integration/kube/test_server.h"
#include "modelops/kube/factory.h"
#include "modelops/kube/watch_lines.h"
#include "fakes/fake_clock.h"

namespace modelops::kube::testing {
namespace {

using namespace std::chrono_literals;

const char* kTypes[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK"};

// Event i: multi-byte characters (2, 3 and 4 bytes) in the payload so chunk cuts land inside them.
std::string eventLine(int i) {
  Json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "obj-" + std::to_string(i)}, {"resourceVersion", std::to_string(i + 1)}}},
                 {"data", {{"text", "é-日本-🚀-" + std::to_string(i)}}}};
  return Json{{"type", kTypes[i % 4]}, {"object", object}}.dump() + "\n";
}

// Chunk sizes cycle through small awkward values; the first 4 KiB go one byte at a time.
std::vector<std::string> awkwardChunks(const std::string& stream) {
  static const std::size_t sizes[] = {1, 7, 1, 2, 7, 3, 1, 7, 13, 1, 7, 5, 640, 7, 1};
  std::vector<std::string> chunks;
  std::size_t pos = 0;
  for (std::size_t k = 0; pos < stream.size(); ++k) {
    std::size_t n = pos < 4096 ? 1 : sizes[k % std::size(sizes)];
    n = std::min(n, stream.size() - pos);
    chunks.push_back(stream.substr(pos, n));
    pos += n;
  }
  return chunks;
}

class WatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = makeTestPki().release(); }
  static void TearDownTestSuite() { delete pki_; }

  std::unique_ptr<TestServer> makeServer(bool tls) {
    if (!tls) return std::make_unique<TestServer>(std::make_unique<httplib::Server>());
    return std::make_unique<TestServer>(std::make_unique<httplib::SSLServer>(pki_->server.cert, pki_->server.key));
  }
  std::unique_ptr<KubeClient> client(const TestServer& server, bool tls) {
    ClientConfig config;
    config.server = server.url(tls);
    if (tls) config.caData = pki_->ca.certPem();
    config.qps = 0;
    auto c = makeKubeClient(config, clock_);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }

  // Serves `count` events in awkward chunks; checks the query the client sent.
  void streamEvents(bool tls, int count) {
    std::string stream;
    for (int i = 0; i < count; ++i) stream += eventLine(i);
    auto chunks = std::make_shared<std::vector<std::string>>(awkwardChunks(stream));
    auto server = makeServer(tls);
    std::string query;
    server->http().Get("/api/v1/namespaces/ns/configmaps", [&, chunks](const httplib::Request& req, httplib::Response& res) {
      query = req.params.count("watch") ? req.get_param_value("watch") + "|" + req.get_param_value("resourceVersion") + "|" +
                                              req.get_param_value("labelSelector") + "|" +
                                              req.get_param_value("allowWatchBookmarks") + "|" +
                                              req.get_param_value("timeoutSeconds")
                                        : "no watch param";
      res.set_chunked_content_provider("application/json", [chunks](std::size_t, httplib::DataSink& sink) {
        for (const auto& chunk : *chunks)
          if (!sink.write(chunk.data(), chunk.size())) return false;
        sink.done();
        return true;
      });
    });
    server->start();
    WatchOptions options;
    options.resourceVersion = "42";
    options.labelSelector = "app in (a,b)";
    options.timeoutSeconds = 60;
    int seen = 0;
    bool inOrder = true;
    auto result = client(*server, tls)->watch(resources::configMaps(), "ns", options,
        [&](const WatchEvent& event) {
          const int i = seen++;
          inOrder = inOrder && std::string(watchEventTypeName(event.type)) == kTypes[i % 4] &&
                    event.object["metadata"]["name"] == "obj-" + std::to_string(i) &&
                    event.object["data"]["text"] == "é-日本-🚀-" + std::to_string(i);
          return true;
        },
        CancelToken());
    ASSERT_TRUE(result.ok()) << result.error().describe();
    EXPECT_EQ(seen, count);
    EXPECT_TRUE(inOrder);
    EXPECT_EQ(query, "true|42|app in (a,b)|true|60");
  }

  static TestPki* pki_;
  modelops::testing::FakeClock clock_;
};
TestPki* WatchTest::pki_ = nullptr;

TEST_F(WatchTest, TenThousandEventsInAwkwardChunksAreParsedExactlyInOrder) { streamEvents(false, 10'000); }

TEST_F(WatchTest, EventsInAwkwardChunksOverTls) { streamEvents(true, 1'000); }

// A server that sends one event and then keeps the stream open until released (or 20 s pass).
struct OpenStream {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  void install(httplib::Server& server) {
    server.Get("/api/v1/namespaces/ns/configmaps", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/json", [this](std::size_t offset, httplib::DataSink& sink) {
        if (offset == 0) {
          std::string first = eventLine(0);
          return sink.write(first.data(), first.size());
        }
        std::unique_lock lock(mu);
        cv.wait_for(lock, 20s, [&] { return released; });
        sink.done();
        return true;
      });
    });
  }
  void release() {
    {
      std::lock_guard lock(mu);
      released = true;
    }
    cv.notify_all();
  }
};

// Starts a watch on another thread, waits for its first event, cancels, and measures how long the
// watch takes to return.
void expectCancelledWithinOneSecond(KubeClient& kube, OpenStream& stream) {
  CancelToken cancel;
  std::mutex mu;
  std::condition_variable cv;
  int events = 0;
  std::optional<KubeResult<void>> outcome;
  std::chrono::steady_clock::time_point returnedAt;
  std::thread watcher([&] {
    auto result = kube.watch(resources::configMaps(), "ns", WatchOptions{}, [&](const WatchEvent&) {
      std::lock_guard lock(mu);
      ++events;
      cv.notify_all();
      return true;
    }, cancel);
    std::lock_guard lock(mu);
    returnedAt = std::chrono::steady_clock::now();
    outcome = std::move(result);
    cv.notify_all();
  });
  bool firstEvent = false;
  {
    std::unique_lock lock(mu);
    firstEvent = cv.wait_for(lock, 10s, [&] { return events == 1; });
  }
  auto cancelledAt = std::chrono::steady_clock::now();
  cancel.cancel();
  bool returned = false;
  {
    std::unique_lock lock(mu);
    returned = cv.wait_for(lock, 5s, [&] { return outcome.has_value(); });
  }
  stream.release();  // lets the server's handler finish (and the watch, had cancel failed)
  watcher.join();
  ASSERT_TRUE(firstEvent) << "the first event was not delivered";
  ASSERT_TRUE(returned) << "watch did not return within 5 s of cancel";
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(returnedAt - cancelledAt);
  EXPECT_LT(took, 1000ms) << "cancellation took " << took.count() << " ms";
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->error().reason, "Cancelled");
}

TEST_F(WatchTest, CancellingAnOpenWatchReturnsWithinOneSecond) {
  OpenStream stream;
  auto server = makeServer(false);
  stream.install(server->http());
  server->start();
  auto kube = client(*server, false);
  expectCancelledWithinOneSecond(*kube, stream);
}

TEST_F(WatchTest, CancellingAnOpenTlsWatchReturnsWithinOneSecond) {
  OpenStream stream;
  auto server = makeServer(true);
  stream.install(server->http());
  server->start();
  auto kube = client(*server, true);
  expectCancelledWithinOneSecond(*kube, stream);
}

TEST_F(WatchTest, CancelledBeforeStartReturnsAtOnce) {
  OpenStream stream;
  auto server = makeServer(false);
  stream.install(server->http());
  server->start();
  CancelToken cancel;
  cancel.cancel();
  int events = 0;
  auto result = client(*server, false)->watch(resources::configMaps(), "ns", WatchOptions{},
                                              [&](const WatchEvent&) { return ++events, true; }, cancel);
  stream.release();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "Cancelled");
  EXPECT_EQ(events, 0);
}

TEST_F(WatchTest, HandlerReturningFalseEndsTheWatchWithoutError) {
  OpenStream stream;
  auto server = makeServer(false);
  stream.install(server->http());
  server->start();
  int events = 0;
  auto result = client(*server, false)->watch(resources::configMaps(), "ns", WatchOptions{},
                                              [&](const WatchEvent&) { return ++events, false; }, CancelToken());
  stream.release();
  EXPECT_TRUE(result.ok()) << result.error().describe();
  EXPECT_EQ(events, 1);
}

TEST_F(WatchTest, ExpiredResourceVersionArrivesAsAnErrorEvent) {
  auto server = makeServer(false);
  server->http().Get("/api/v1/namespaces/ns/configmaps", [](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("resourceVersion") == "old-in-stream") {
      // What a real API server does: HTTP 200 and one ERROR event carrying a 410 Status.
      std::string status = statusBody(410, "Expired", "too old resource version: 1 (5000)");
      res.set_content("{\"type\":\"ERROR\",\"object\":" + status + "}\n", "application/json");
    } else {
      res.status = 410;
      res.set_content(statusBody(410, "Gone", "too old resource version"), "application/json");
    }
  });
  server->start();
  auto kube = client(*server, false);
  for (std::string rv : {"old-in-stream", "old-as-http-410"}) {
    WatchOptions options;
    options.resourceVersion = rv;
    std::vector<WatchEvent> events;
    auto result = kube->watch(resources::configMaps(), "ns", options, [&](const WatchEvent& e) {
      events.push_back(e);
      return true;
    }, CancelToken());
    ASSERT_TRUE(result.ok()) << rv << ": " << result.error().describe();
    ASSERT_EQ(events.size(), 1u) << rv;
    EXPECT_EQ(events[0].type, WatchEvent::Type::Error) << rv;
    EXPECT_EQ(events[0].object["code"], 410) << rv;
  }
}

TEST_F(WatchTest, MalformedEventEndsTheWatchWithBadResponse) {
  auto server = makeServer(false);
  server->http().Get("/api/v1/namespaces/ns/configmaps", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(eventLine(0) + "{not json\n" + eventLine(1), "application/json");
  });
  server->start();
  int events = 0;
  auto result = client(*server, false)->watch(resources::configMaps(), "ns", WatchOptions{},
                                              [&](const WatchEvent&) { return ++events, true; }, CancelToken());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().reason, "BadResponse");
  EXPECT_EQ(events, 1);
}

}  // namespace
}  // namespace modelops::kube::testing
