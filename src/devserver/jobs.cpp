// JobSimulator: batch/v1 Jobs run by the dev server; see jobs.h.
#include "jobs.h"

#include <set>

#include "modelops/common/time.h"
#include "object_meta.h"

namespace modelops::devserver {
namespace {

// The annotation from the Job, else from its pod template's metadata; nullopt when on neither.
std::optional<std::string> devAnnotation(const Json& job, const char* key) {
  const Json own = metaField(job, "annotations");
  if (own.is_object() && own.contains(key) && own[key].is_string()) return own[key].get<std::string>();
  const Json spec = job.value("spec", Json::object());
  if (!spec.is_object() || !spec.contains("template") || !spec["template"].is_object()) return std::nullopt;
  const Json meta = spec["template"].value("metadata", Json::object());
  const Json annotations = meta.is_object() ? meta.value("annotations", Json()) : Json();
  if (annotations.is_object() && annotations.contains(key) && annotations[key].is_string())
    return annotations[key].get<std::string>();
  return std::nullopt;
}

bool jobFinished(const Json& job) {
  const Json status = job.value("status", Json::object());
  if (!status.is_object() || !status.contains("conditions") || !status["conditions"].is_array()) return false;
  for (const auto& c : status["conditions"]) {
    if (!c.is_object() || c.value("status", "") != "True") continue;
    const std::string type = c.value("type", "");
    if (type == "Complete" || type == "Failed") return true;
  }
  return false;
}

std::string podNameFor(const Json& job) {
  std::string suffix;
  for (char c : metaString(job, "uid")) {
    if (std::isalnum(static_cast<unsigned char>(c))) suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (suffix.size() == 5) break;
  }
  return metaString(job, "name") + "-" + (suffix.empty() ? std::string("pod00") : suffix);
}

Json podFor(const Json& job) {
  const std::string name = metaString(job, "name"), uid = metaString(job, "uid");
  const Json spec = job.value("spec", Json::object());
  Json tmpl = spec.is_object() ? spec.value("template", Json::object()) : Json::object();
  if (!tmpl.is_object()) tmpl = Json::object();
  Json meta = tmpl.value("metadata", Json::object());
  if (!meta.is_object()) meta = Json::object();
  Json labels = meta.value("labels", Json::object());
  if (!labels.is_object()) labels = Json::object();
  labels["job-name"] = name;
  labels["batch.kubernetes.io/job-name"] = name;
  labels["controller-uid"] = uid;
  labels["batch.kubernetes.io/controller-uid"] = uid;
  meta["labels"] = labels;
  meta["name"] = podNameFor(job);
  meta["namespace"] = metaString(job, "namespace");
  meta["ownerReferences"] = Json::array({{{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", name}, {"uid", uid},
                                          {"controller", true}, {"blockOwnerDeletion", true}}});
  Json podSpec = tmpl.value("spec", Json::object());
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", meta}, {"spec", podSpec.is_object() ? podSpec : Json::object()}};
}

std::string firstContainerName(const Json& pod) {
  const Json spec = pod.value("spec", Json::object());
  if (spec.is_object() && spec.contains("containers") && spec["containers"].is_array() && !spec["containers"].empty() &&
      spec["containers"][0].is_object())
    return spec["containers"][0].value("name", "main");
  return "main";
}

std::string firstContainerImage(const Json& pod) {
  const Json spec = pod.value("spec", Json::object());
  if (spec.is_object() && spec.contains("containers") && spec["containers"].is_array() && !spec["containers"].empty() &&
      spec["containers"][0].is_object())
    return spec["containers"][0].value("image", "");
  return "";
}

// Cut to the kubelet's limit at a UTF-8 boundary.
std::string boundedMessage(std::string text) {
  if (text.size() <= kTerminationMessageLimit) return text;
  std::size_t end = kTerminationMessageLimit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

WriteOptions controllerWrite() {
  WriteOptions opts;
  opts.fieldManager = "kube-controller-manager";
  return opts;
}

// What the annotations ask for, or the error naming the bad one.
struct JobOutcome {
  std::chrono::milliseconds duration{1000};
  bool succeeded = true;
  std::string invalid;  // non-empty: the Job fails with reason InvalidDevAnnotation and this message
};

JobOutcome outcomeOf(const Json& job) {
  JobOutcome out;
  if (auto d = devAnnotation(job, kDevJobDurationAnnotation)) {
    auto parsed = parseDuration(*d);
    if (!parsed || parsed->count() < 0) {
      out.invalid = std::string(kDevJobDurationAnnotation) + ": \"" + d->substr(0, 64) +
                    "\" is not a Go duration (e.g. 1s, 500ms, 2m)";
      out.duration = std::chrono::milliseconds(0);
    } else {
      out.duration = *parsed;
    }
  }
  if (auto r = devAnnotation(job, kDevJobResultAnnotation)) {
    if (*r == "Failed") {
      out.succeeded = false;
    } else if (*r != "Succeeded" && out.invalid.empty()) {
      out.invalid = std::string(kDevJobResultAnnotation) + ": \"" + r->substr(0, 64) + "\" must be Succeeded or Failed";
    }
  }
  if (!out.invalid.empty()) out.succeeded = false;
  return out;
}

}  // namespace

bool JobSimulator::pass() {
  auto jobs = core_.registry().find("batch", "v1", "jobs");
  auto pods = core_.registry().find("", "v1", "pods");
  if (!jobs || !pods) return false;
  bool wrote = false;
  std::set<std::string> seen;
  for (const auto& job : core_.store().all(jobs->storageKey())) {
    seen.insert(metaString(job, "uid"));
    if (hasDeletionTimestamp(job) || jobFinished(job)) continue;
    const Json spec = job.value("spec", Json::object());
    if (spec.is_object() && spec.value("suspend", false) == true) continue;
    wrote = step(*jobs, *pods, job) || wrote;
  }
  for (auto it = started_.begin(); it != started_.end();) it = seen.count(it->first) ? std::next(it) : started_.erase(it);
  return wrote;
}

bool JobSimulator::step(const ResourceType& jobs, const ResourceType& pods, const Json& job) {
  const std::string uid = metaString(job, "uid");
  auto it = started_.find(uid);
  const Json status = job.value("status", Json::object());
  if (it == started_.end()) {
    started_[uid] = core_.clock().monotonic();
    // A Job this process has not seen start (new, or the server restarted): start (again) its clock.
    if (!status.is_object() || !status.contains("startTime")) return startJob(jobs, pods, job);
    return false;
  }
  if (core_.clock().monotonic() - it->second < outcomeOf(job).duration) return false;
  return finishJob(jobs, pods, job);
}

bool JobSimulator::startJob(const ResourceType& jobs, const ResourceType& pods, const Json& job) {
  const std::string ns = metaString(job, "namespace");
  const std::string now = formatRfc3339(core_.clock().now());
  Json pod = podFor(job);
  auto created = core_.create(pods, ns, pod, controllerWrite());
  if (created.ok()) {
    Json running = created.value();
    running["status"] = {{"phase", "Running"}, {"startTime", now},
                         {"containerStatuses", Json::array({{{"name", firstContainerName(pod)},
                                                             {"image", firstContainerImage(pod)},
                                                             {"ready", true},
                                                             {"restartCount", 0},
                                                             {"started", true},
                                                             {"state", {{"running", {{"startedAt", now}}}}}}})}};
    (void)core_.update(pods, ns, metaString(running, "name"), running, "status", controllerWrite());
  }
  Json body = job;
  body["status"] = {{"startTime", now}, {"active", 1}, {"ready", 0}, {"uncountedTerminatedPods", Json::object()}};
  auto r = core_.update(jobs, ns, metaString(job, "name"), body, "status", controllerWrite());
  return r.ok();
}

bool JobSimulator::finishJob(const ResourceType& jobs, const ResourceType& pods, const Json& job) {
  const std::string ns = metaString(job, "namespace");
  const std::string now = formatRfc3339(core_.clock().now());
  const JobOutcome outcome = outcomeOf(job);
  const std::string message = boundedMessage(devAnnotation(job, kDevJobMessageAnnotation).value_or(""));
  // The Pod: terminated with the message (created now if it was deleted meanwhile).
  auto pod = core_.get(pods, ns, podNameFor(job));
  if (!pod.ok()) pod = core_.create(pods, ns, podFor(job), controllerWrite());
  if (pod.ok()) {
    Json terminated = {{"exitCode", outcome.succeeded ? 0 : 1},
                       {"reason", outcome.succeeded ? "Completed" : "Error"},
                       {"message", message},
                       {"startedAt", job.value("status", Json::object()).value("startTime", now)},
                       {"finishedAt", now}};
    if (message.empty()) terminated.erase("message");
    Json body = pod.value();
    body["status"] = {{"phase", outcome.succeeded ? "Succeeded" : "Failed"},
                      {"containerStatuses", Json::array({{{"name", firstContainerName(body)},
                                                          {"image", firstContainerImage(body)},
                                                          {"ready", false},
                                                          {"restartCount", 0},
                                                          {"started", false},
                                                          {"state", {{"terminated", terminated}}}}})}};
    (void)core_.update(pods, ns, metaString(body, "name"), body, "status", controllerWrite());
  }
  Json status = job.value("status", Json::object());
  if (!status.is_object()) status = Json::object();
  status.erase("active");
  status["ready"] = 0;
  if (!status.contains("startTime")) status["startTime"] = now;
  Json condition = {{"status", "True"}, {"lastProbeTime", now}, {"lastTransitionTime", now}};
  if (outcome.succeeded) {
    condition["type"] = "Complete";
    status["succeeded"] = 1;
    status["completionTime"] = now;
  } else {
    condition["type"] = "Failed";
    condition["reason"] = outcome.invalid.empty() ? "BackoffLimitExceeded" : "InvalidDevAnnotation";
    condition["message"] = outcome.invalid.empty() ? "Job has reached the specified backoff limit" : outcome.invalid;
    status["failed"] = 1;
  }
  status["conditions"] = Json::array({condition});
  Json body = job;
  body["status"] = status;
  return core_.update(jobs, ns, metaString(job, "name"), body, "status", controllerWrite()).ok();
}

}  // namespace modelops::devserver
