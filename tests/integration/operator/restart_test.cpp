// integration.operator: the operator SIGKILLed at a random point of a canary rollout and restarted
// resumes at the step it had reached (never restarts the rollout or goes back a step) and ends in the
// same final state as a rollout without a kill, revision numbers included. 20 seeded kill points, drawn
// inside the reference run's duration and checked to have fallen inside the rollout; one dev server, a
// fresh ModelDeployment per iteration. The "resumed" checks read every status version from a watch
// that is checked to have caught up, so they cannot pass on an empty recording.
#include <iostream>
#include <random>
#include <set>

#include "operator_fixture.h"

namespace modelops::itest {
namespace {

class RestartTest : public OperatorTest {
 protected:
  Json steps() {
    return Json::parse(R"([{"setWeight": 20}, {"pause": {"duration": "500ms"}}, {"setWeight": 60},
                           {"pause": {"duration": "500ms"}}])");
  }

  // What kubectl shows once the rollout has settled, with the object's name replaced by X.
  std::string finalState(const std::string& name) {
    Json out;
    auto st = status(name);
    out["phase"] = st.value("phase", "");
    out["stable"] = st.value("stable", Json::object());
    out["stable"].erase("hash");
    out["canary"] = st.value("canary", Json());
    out["currentStepIndex"] = st.value("currentStepIndex", Json());
    Json history = Json::array();
    for (const auto& h : st.value("history", Json::array()))
      history.push_back({h.value("version", ""), h.value("outcome", ""), h.value("reason", "")});
    out["history"] = history;
    std::map<std::string, std::string> hashToRevision;
    for (const auto& d : deploymentsOf(name)) {
      const auto& labels = d["metadata"]["labels"];
      std::string rev = labels.value("modelops.dev/revision", "?");
      hashToRevision[labels.value("modelops.dev/revision-hash", "")] = rev;
      out["deployments"][rev] = {{"replicas", replicasOf(d)}, {"track", labels.value("modelops.dev/track", "")}};
    }
    for (const auto& s : cluster().list(res::services(), kNs, "modelops.dev/name=" + name)) {
      std::string svc = s["metadata"].value("name", "");
      svc.replace(0, name.size(), "X");
      auto hash = s["spec"]["selector"].value("modelops.dev/revision-hash", "");
      out["services"][svc] = hash.empty() ? "all" : "revision " + hashToRevision[hash];
    }
    for (const auto& [backend, weight] : httpRouteWeights(cluster().get(res::httpRoutes(), kNs, name))) {
      std::string b = backend;
      b.replace(0, name.size(), "X");
      out["route"][b] = weight;
    }
    return out.dump(1);
  }

  // The stable revision in status differs from the revision label of the Deployment serving it.
  std::string revisionMismatch(const std::string& name) {
    auto st = status(name);
    auto d = deploymentFor(name, "2.0.0");
    auto label = d.is_null() ? std::string("?") : d["metadata"]["labels"].value("modelops.dev/revision", "?");
    auto rev = std::to_string(st["stable"].value("revision", std::int64_t{0}));
    return label == rev ? "" : name + ": status.stable.revision " + rev + " but its Deployment is labelled revision " + label;
  }

  // Where the rollout stood when the operator was killed, as a coarse stage name.
  static std::string stageOf(const Json& st) {
    if (st.contains("canary")) return "step " + std::to_string(st.value("currentStepIndex", std::int64_t{-1}));
    if (st.contains("stable") && st["stable"].value("version", "") == "2.0.0") return "promoted";
    return "not started";
  }

  bool settled(const std::string& name, const std::string& oldName) {
    return phase(name) == "Healthy" && stableVersion(name) == "2.0.0" && !status(name).contains("canary") &&
           replicasOf(cluster().get(res::deployments(), kNs, oldName)) <= 0;
  }
};

TEST_F(RestartTest, SigkilledOperatorResumesAtTheSameStepAndEndsInTheSameState) {
  constexpr int kIterations = 20;
  std::mt19937 rng(20261125);
  startOperator();
  std::string reference;
  std::chrono::milliseconds referenceDuration{0};
  std::set<std::string> stagesAtKill;
  int killsAfterTheEnd = 0;
  for (int i = 0; i <= kIterations; ++i) {  // iteration 0: the reference run without a kill
    const std::string name = "kill-" + std::to_string(i);
    // Kill points inside the reference run's duration (to promotion and scale-down of the old revision),
    // short of its end so that a run a little faster than the reference is still in progress.
    const int killAt = i == 0 ? -1
                              : std::uniform_int_distribution<int>(
                                    0, static_cast<int>(referenceDuration.count() * 75 / 100))(rng);
    SCOPED_TRACE("iteration " + std::to_string(i) + " (" + name + "), kill after " + std::to_string(killAt) + " ms");
    cluster().create(res::httpRoutes(), kNs, httpRoute(name, name));
    cluster().create(res::modelDeployments(), kNs, modelDeployment(name, "1.0.0", 2, canaryStrategy(steps(), gatewayRouting(name))));
    ASSERT_TRUE(waitHealthyAt(name, "1.0.0", 20s));
    const std::string oldName = deploymentFor(name, "1.0.0")["metadata"].value("name", "");
    WatchRecorder mds(cluster().client(), res::modelDeployments(), kNs);
    const auto changedAt = std::chrono::steady_clock::now();
    ASSERT_EQ(setVersion(name, "2.0.0"), "");
    Json atKill;
    if (killAt >= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(killAt));  // the kill point (input, not a wait)
      op().process().kill();
      atKill = status(name);
      // A run faster than the reference can end before its kill point: the restart must still change
      // nothing, but the kill did not interrupt the rollout (counted and bounded below).
      if (settled(name, oldName)) ++killsAfterTheEnd;
      else stagesAtKill.insert(stageOf(atKill));
      startOperator();
    }
    SCOPED_TRACE(killAt >= 0 ? "killed at stage " + stageOf(atKill) : std::string("no kill"));
    ASSERT_TRUE(waitFor([&] { return settled(name, oldName); }, 30s))
        << status(name).dump(1) << "\n" << logTail();
    if (i == 0) referenceDuration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - changedAt);
    EXPECT_EQ(revisionMismatch(name), "");
    auto state = finalState(name);
    if (i == 0)
      reference = state;
    else
      EXPECT_EQ(state, reference);

    // Resumed, not restarted: one canary revision, one rollout start time, steps never going back.
    // The watch must have caught up with the final version, or the checks below would look at nothing.
    ASSERT_TRUE(caughtUp(mds, res::modelDeployments(), name));
    EXPECT_EQ(mds.gaps(), 0) << mds.lastError();
    std::set<std::int64_t> canaryRevisions;
    std::set<std::string> rolloutStarts;
    std::vector<std::int64_t> stepsSeen;
    for (const auto& v : mds.versions(name)) {
      const auto& s = v.value("status", Json::object());
      if (!s.contains("canary")) continue;
      canaryRevisions.insert(s["canary"].value("revision", std::int64_t{0}));
      if (s.contains("rolloutStartedAt")) rolloutStarts.insert(s["rolloutStartedAt"].get<std::string>());
      if (s.contains("currentStepIndex")) stepsSeen.push_back(s["currentStepIndex"].get<std::int64_t>());
    }
    ASSERT_FALSE(stepsSeen.empty()) << "no status version with a canary was recorded";
    EXPECT_EQ(canaryRevisions, std::set<std::int64_t>{2});
    EXPECT_EQ(rolloutStarts.size(), 1u);
    EXPECT_TRUE(std::is_sorted(stepsSeen.begin(), stepsSeen.end())) << seqText(stepsSeen);
    if (atKill.contains("currentStepIndex")) {
      EXPECT_GE(stepsSeen.back(), atKill["currentStepIndex"].get<std::int64_t>());
    }
    EXPECT_LE(eventsWithReason(name, "RolloutStarted", 0ms).size(), 1u);
    if (HasFailure()) break;
  }
  // The 20 kill points spread over the rollout, not all before it started or after its steps.
  std::string stages;
  for (const auto& s : stagesAtKill) stages += (stages.empty() ? "" : ", ") + s;
  EXPECT_GE(stagesAtKill.size(), 3u) << "kill stages: " << stages;
  EXPECT_LE(killsAfterTheEnd, kIterations / 4) << "most kill points must fall inside the rollout";
  std::cout << "[ restart  ] kill stages covered: " << stages << std::endl;
}

}  // namespace
}  // namespace modelops::itest
