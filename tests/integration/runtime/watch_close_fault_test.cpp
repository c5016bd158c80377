// The dev server's watch-close fault must also end watch streams that were already open when it
// was set (measured from each stream's start), as its contract says ("every watch stream ends after
// this long"). integration.runtime's fault test relies on it: an informer watch opened just before
// the fault was set used to stay open for its full timeoutSeconds.
// Thread-safety: the watch runs on one std::thread, joined (after cancel) before the test returns.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fakes/wait.h"
#include "harness.h"
#include "modelops/common/cancel.h"

namespace modelops::runtime {
namespace {

using namespace std::chrono_literals;
using testing::waitFor;

TEST(RuntimeIntegration, WatchCloseFaultEndsStreamsOpenedBeforeIt) {
  SystemClock clock;
  auto server = devserver::DevServer::start({}).value();
  auto client = testing::clientFor(*server, clock, 1);
  ASSERT_TRUE(client);

  CancelToken cancel;
  std::atomic<bool> returned{false};
  std::atomic<bool> returnedOk{false};
  std::thread watcher([&] {
    kube::WatchOptions opts;
    opts.allowBookmarks = false;
    opts.timeoutSeconds = 120;  // far beyond the waits below: only the fault can end it in time
    auto r = client->watch(kube::resources::configMaps(), "default", opts, [](const kube::WatchEvent&) { return true; },
                           cancel);
    returnedOk = r.ok();
    returned = true;
  });
  struct JoinOnExit {
    CancelToken& cancel;
    std::thread& thread;
    ~JoinOnExit() {
      cancel.cancel();
      thread.join();
    }
  } joinOnExit{cancel, watcher};

  ASSERT_TRUE(waitFor([&] { return server->openWatches() == 1; }, 10s)) << "the watch never opened";
  server->faults().setWatchCloseInterval(1s);
  ASSERT_TRUE(waitFor([&] { return returned.load() && server->openWatches() == 0; }, 10s))
      << "a watch opened before the watch-close fault was set stayed open";
  EXPECT_TRUE(returnedOk.load()) << "the server should end the stream normally (the client re-watches)";
}

}  // namespace
}  // namespace modelops::runtime
