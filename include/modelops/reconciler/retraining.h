// The reconciler's side of retraining (spec.retraining; the decisions are the planner's,
// rollout/retraining.h): render and create a run's Job or object (owner reference to the
// ModelDeployment, name <md>-retrain-<n>, the evidence as MODELOPS_* env vars or annotations), send the
// CloudEvent of a webhook run through notify::WebhookSender, observe the run in flight (a Job from the
// Job cache and, once it finished, its Pod's termination message; an object by GET), and write the
// candidate into spec.model with rollout Automatic (the one spec write).
// Jobs: watched through a cache-only informer on batch/v1 Jobs labelled modelops.dev/name whose changes
// enqueue the owner (cmd/operator wires it). Objects of other kinds are not watched: a run in flight is
// looked at every rollout::kRetrainingPollInterval.
// Thread-safety: free functions; RetrainingOptions' members are used from the reconcile threads
// (ObjectCache reads and WebhookSender::enqueue are thread-safe).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "modelops/api/cron.h"
#include "modelops/api/model_deployment.h"
#include "modelops/common/cancel.h"
#include "modelops/common/result.h"
#include "modelops/kube/client.h"
#include "modelops/notify/webhook_sender.h"
#include "modelops/rollout/planner.h"
#include "modelops/runtime/informer.h"

namespace modelops::reconciler {

const kube::Resource& jobsResource();  // batch/v1 jobs
const kube::Resource& podsResource();  // v1 pods

// The resource of a kind named in spec.retraining.object: group and version from apiVersion, the
// plural as Kubernetes forms it for these kinds (lowercase; "s", "es" after s/x/ch/sh, "ies" after a
// consonant + y): Workflow -> workflows, PipelineRun -> pipelineruns.
kube::Resource resourceForKind(const std::string& apiVersion, const std::string& kind);

// Annotation a finished custom object may carry with the candidate ({"version", "uri"}), the way a Job
// reports it in its termination message.
inline constexpr const char* kCandidateAnnotation = "modelops.dev/candidate";
// Annotations on a created object carrying the evidence (the Job gets env vars as well).
inline constexpr const char* kEvidenceAnnotationPrefix = "modelops.dev/retraining-";

struct RetrainingOptions {
  // The Job cache once synced (null before, or without one: the Job is read with GET).
  std::function<const runtime::ObjectCache*()> jobs;
  notify::WebhookSender* webhooks = nullptr;  // null: webhook runs cannot start (an error says so)
  // Secrets for the webhook's URL and token (the operator's Secret cache); with requiredLabel set only a
  // Secret labelled <requiredLabel>: "true" is used.
  std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)> secrets;
  std::string requiredLabel;
  api::UtcOffsetAt utcOffset;  // the schedules' time zone; empty: UTC
};

nlohmann::json renderRetrainingJob(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch);
nlohmann::json renderRetrainingObject(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch);
// The CloudEvent (structured JSON) of a webhook run: type dev.modelops.retraining.requested, id
// <uid>/<run>, data {modelDeployment, namespace, model, version, revision, uri, run, trigger, reason,
// attempt, evidence{metric,value,bound,samples,segment}}.
nlohmann::json retrainingCloudEvent(const api::ModelDeployment& md, const rollout::RetrainingLaunch& launch);

// The run in flight (status.retraining.current) as it stands; nullopt when there is none or it could not
// be looked at now (an API error: the planner then waits).
std::optional<rollout::ObservedRetrainingRun> observeRetrainingRun(const api::ModelDeployment& md,
                                                                   kube::KubeClient& client,
                                                                   const RetrainingOptions& options);

// Carries out the plan's retraining part: starts the run (a create that finds the object already there
// is fine: the run's name is its identity), then, with rollout Automatic, merge-patches spec.model.
struct RetrainingApplied {
  std::string failure;              // what failed ("" when everything was done)
  std::string specResourceVersion;  // the ModelDeployment's resourceVersion after a spec write ("" when none)
};
RetrainingApplied applyRetraining(const api::ModelDeployment& md, const rollout::Plan& plan,
                                                 kube::KubeClient& client, const CancelToken& cancel,
                                                 const RetrainingOptions& options);

}  // namespace modelops::reconciler
