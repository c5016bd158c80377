// The dev server runs batch/v1 Jobs (src/devserver/jobs.h): status after the annotated delay, a Pod with
// the job-name labels, an ownerReference and the termination message, the Failed path, annotations on
// the pod template, and a clear failure for a bad annotation.
#include <gtest/gtest.h>

#include "support/cluster.h"

namespace modelops::itest {
namespace {

const kube::Resource& jobsResource() {
  static const kube::Resource r{"batch", "v1", "jobs", "Job", true};
  return r;
}
const kube::Resource& podsResource() {
  static const kube::Resource r{"", "v1", "pods", "Pod", true};
  return r;
}

Json job(const std::string& name, const Json& annotations, const Json& templateAnnotations = Json::object()) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"annotations", annotations}}},
          {"spec",
           {{"backoffLimit", 0},
            {"template",
             {{"metadata", {{"annotations", templateAnnotations}, {"labels", {{"app", "retrain"}}}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"containers", Json::array({{{"name", "train"}, {"image", "trainer:1"}}})}}}}}}}};
}

Json condition(const Json& job, const std::string& type) {
  const Json status = job.value("status", Json::object());
  for (const auto& c : status.value("conditions", Json::array()))
    if (c.value("type", "") == type) return c;
  return nullptr;
}

bool finished(const Json& job) {
  return condition(job, "Complete").is_object() || condition(job, "Failed").is_object();
}

Json podOf(Cluster& cluster, const std::string& jobName) {
  auto pods = cluster.list(podsResource(), "default", "batch.kubernetes.io/job-name=" + jobName);
  return pods.size() == 1 ? pods[0] : Json();
}

TEST(DevServerJobs, SucceedsAfterTheDelayWithAPodCarryingTheTerminationMessage) {
  Cluster cluster;
  const std::string message = R"({"version":"v7","uri":"s3://models/fraud/v7"})";
  const auto created = cluster.create(jobsResource(), "default",
                                      job("train-ok", {{"modelops.dev/dev-job-duration", "300ms"},
                                                       {"modelops.dev/dev-job-termination-message", message}}));
  const auto start = std::chrono::steady_clock::now();
  // Running first: startTime, active 1, a Running Pod.
  ASSERT_TRUE(waitFor([&] { return cluster.get(jobsResource(), "default", "train-ok").value("status", Json::object()).value("active", 0) == 1; },
                      std::chrono::seconds(5)));
  Json pod = podOf(cluster, "train-ok");
  ASSERT_TRUE(pod.is_object());
  ASSERT_TRUE(waitFor([&] { return finished(cluster.get(jobsResource(), "default", "train-ok")); }, std::chrono::seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));

  const Json done = cluster.get(jobsResource(), "default", "train-ok");
  EXPECT_EQ(condition(done, "Complete").value("status", ""), "True");
  EXPECT_EQ(done["status"].value("succeeded", 0), 1);
  EXPECT_FALSE(done["status"].contains("active"));
  EXPECT_TRUE(done["status"].contains("startTime"));
  EXPECT_TRUE(done["status"].contains("completionTime"));

  pod = podOf(cluster, "train-ok");
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["metadata"]["labels"].value("job-name", ""), "train-ok");
  EXPECT_EQ(pod["metadata"]["labels"].value("app", ""), "retrain");
  const Json owner = pod["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner.value("kind", ""), "Job");
  EXPECT_EQ(owner.value("uid", ""), created["metadata"].value("uid", ""));
  EXPECT_TRUE(owner.value("controller", false));
  EXPECT_EQ(pod["status"].value("phase", ""), "Succeeded");
  const Json terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(terminated.value("exitCode", -1), 0);
  EXPECT_EQ(terminated.value("message", ""), message);
  EXPECT_EQ(pod["status"]["containerStatuses"][0].value("name", ""), "train");
}

TEST(DevServerJobs, FailsWhenAskedOnThePodTemplateAndBadAnnotationsFailClearly) {
  Cluster cluster;
  cluster.create(jobsResource(), "default",
                 job("train-bad", Json::object(),
                     {{"modelops.dev/dev-job-duration", "50ms"},
                      {"modelops.dev/dev-job-result", "Failed"},
                      {"modelops.dev/dev-job-termination-message", "out of memory"}}));
  cluster.create(jobsResource(), "default", job("train-typo", {{"modelops.dev/dev-job-duration", "soon"}}));
  ASSERT_TRUE(waitFor([&] {
    return finished(cluster.get(jobsResource(), "default", "train-bad")) &&
           finished(cluster.get(jobsResource(), "default", "train-typo"));
  }, std::chrono::seconds(10)));

  const Json failed = cluster.get(jobsResource(), "default", "train-bad");
  EXPECT_EQ(condition(failed, "Failed").value("reason", ""), "BackoffLimitExceeded");
  EXPECT_EQ(failed["status"].value("failed", 0), 1);
  EXPECT_FALSE(failed["status"].contains("completionTime"));  // as a real Job: only on success
  const Json pod = podOf(cluster, "train-bad");
  ASSERT_TRUE(pod.is_object());
  EXPECT_EQ(pod["status"].value("phase", ""), "Failed");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"].value("exitCode", -1), 1);
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"].value("message", ""), "out of memory");

  const Json typo = cluster.get(jobsResource(), "default", "train-typo");
  EXPECT_EQ(condition(typo, "Failed").value("reason", ""), "InvalidDevAnnotation");
  EXPECT_NE(condition(typo, "Failed").value("message", "").find("modelops.dev/dev-job-duration"), std::string::npos);
}

TEST(DevServerJobs, DeletingAJobCollectsItsPod) {
  Cluster cluster;
  cluster.create(jobsResource(), "default", job("train-gone", {{"modelops.dev/dev-job-duration", "10ms"}}));
  ASSERT_TRUE(waitFor([&] { return finished(cluster.get(jobsResource(), "default", "train-gone")); }, std::chrono::seconds(10)));
  ASSERT_TRUE(podOf(cluster, "train-gone").is_object());
  ASSERT_TRUE(cluster.client().remove(jobsResource(), "default", "train-gone").ok());
  EXPECT_TRUE(waitFor([&] { return cluster.list(podsResource(), "default", "job-name=train-gone").empty(); },
                      std::chrono::seconds(10)));
}

}  // namespace
}  // namespace modelops::itest
