// ReconcilerOptions::notifier, the reconciler's second event sink (notifications): it receives the
// pass's Events only once the status holding them is written (a 409 on status sends nothing; the retry
// sends each Event once), with the object they are about.
#include <gtest/gtest.h>

#include "reconciler_test_world.h"

namespace modelops::reconciler::testing {
namespace {

class RecordingNotifier final : public notify::EventNotifier {
 public:
  void eventRecorded(const api::ModelDeployment& md, EventType, const std::string& reason, const std::string&,
                     Clock::WallTime) override {
    reasons.push_back(reason);
    objects.push_back(md.namespace_() + "/" + md.name() + " " + md.spec.model.version.value_or(""));
  }
  std::vector<std::string> reasons, objects;
};

TEST(ReconcilerNotifier, EventsReachTheNotifierOnlyOnceTheirStatusIsWritten) {
  ReconcilerWorld w;
  w.server.put(res::httpRoutes(), fraudRoute());
  w.server.put(res::modelDeployments(), fraudModelDeployment("1.0.0"));
  w.settle();
  ASSERT_EQ(w.phase(), "Healthy") << w.status().dump(1);
  w.updateSpec([](Json& md) {
    md["spec"]["model"]["version"] = "2.0.0";
    md["spec"]["model"]["uri"] = "s3://m/2.0.0";
  });

  RecordingNotifier notifier;
  ReconcilerOptions options;
  options.notifier = &notifier;
  ModelDeploymentReconciler reconciler(options);
  auto pass = [&] {
    EXPECT_TRUE(w.cachesCaughtUp());
    runtime::ReconcileContext ctx{w.client, w.clock, w.caches, nullptr, CancelToken{}};
    return reconciler.reconcile(w.request, ctx);
  };
  w.client.failNext("updateStatus", modelops::testing::makeApiError(409, "Conflict", "modified"), 1, "modeldeployments");
  auto conflicted = pass();
  ASSERT_TRUE(conflicted.requeueAfter);
  EXPECT_TRUE(notifier.reasons.empty()) << "notified before the status was written: " << notifier.reasons.front();

  auto written = pass();
  EXPECT_FALSE(written.error);
  EXPECT_EQ(std::count(notifier.reasons.begin(), notifier.reasons.end(), "RolloutStarted"), 1)
      << ::testing::PrintToString(notifier.reasons);
  ASSERT_FALSE(notifier.objects.empty());
  EXPECT_EQ(notifier.objects.front(), "ml/fraud 2.0.0");
}

}  // namespace
}  // namespace modelops::reconciler::testing
