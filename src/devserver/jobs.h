// JobSimulator: the dev server's Job controller and kubelet for batch/v1 Jobs, so that tests and the demo
// exercise retraining without a cluster. For each Job (not suspended, not being deleted):
//   1. at first sight: status.startTime, active 1, and one Pod (labels job-name, batch.kubernetes.io/
//      job-name, controller-uid, batch.kubernetes.io/controller-uid; ownerReference to the Job, controller)
//      running the pod template, phase Running;
//   2. after the annotation modelops.dev/dev-job-duration (Go duration, default 1s): the outcome of
//      modelops.dev/dev-job-result (Succeeded | Failed, default Succeeded). The Pod becomes Succeeded or
//      Failed with containerStatuses[0].state.terminated {exitCode 0|1, reason Completed|Error, message:
//      modelops.dev/dev-job-termination-message (at most 4096 bytes, as the kubelet cuts it)}; the Job gets
//      the condition Complete (succeeded 1, completionTime) or Failed (failed 1, reason BackoffLimitExceeded;
//      no completionTime, as a real Job).
// The annotations may sit on the Job or on its pod template's metadata (the Job's win). An unparseable
// annotation fails the Job with reason InvalidDevAnnotation and a message naming the annotation.
// Deleting a Job leaves its Pod to the garbage collector (ownerReference), as in a cluster.
// Thread-safety: as BackgroundLoop (controllers.h); pass() runs on the loop's thread only.
#pragma once

#include <map>
#include <string>

#include "controllers.h"

namespace modelops::devserver {

inline constexpr const char* kDevJobDurationAnnotation = "modelops.dev/dev-job-duration";
inline constexpr const char* kDevJobResultAnnotation = "modelops.dev/dev-job-result";
inline constexpr const char* kDevJobMessageAnnotation = "modelops.dev/dev-job-termination-message";
inline constexpr std::size_t kTerminationMessageLimit = 4096;

class JobSimulator : public BackgroundLoop {
 public:
  explicit JobSimulator(ApiCore& core) : core_(core) {}
  ~JobSimulator() override { stop(); }

 protected:
  bool pass() override;

 private:
  bool step(const ResourceType& jobs, const ResourceType& pods, const Json& job);
  bool startJob(const ResourceType& jobs, const ResourceType& pods, const Json& job);
  bool finishJob(const ResourceType& jobs, const ResourceType& pods, const Json& job);

  ApiCore& core_;
  std::map<std::string, Clock::MonoTime> started_;  // Job uid -> when this process saw it start
};

}  // namespace modelops::devserver
