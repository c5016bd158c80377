// Semantic validation of a ModelDeployment: returns every problem at once, each with its field path.
// Meant to run after applyDefaults() (absent defaulted fields are then not reported as missing).
//
// Rules (the message texts are part of the contract that the InvalidSpec condition shows):
// - apiVersion modelops.dev/v1alpha1 and kind ModelDeployment when present (list items may omit them);
//   metadata.name present;
// - spec.replicas >= 0; spec.model.version required; spec.template.spec.containers non-empty, each with
//   a name; service.port in 1..65535;
// - strategy: not both canary and abTest;
// - canary steps: exactly one of setWeight / pause / analysis each; setWeight in 0..100; pause duration
//   parsable and >= 0; an analysis step needs spec.analysis. "Weights that never reach 100": a canary
//   only reaches 100% by promotion after its last step, so what can be wrong is a canary whose traffic
//   never reaches it: steps that contain setWeight but none above 0 are an error
//   (spec.strategy.canary.steps: "no step sends traffic to the canary (every setWeight is 0)"). Steps
//   without any setWeight are fine (the canary goes to 100% after them). Decreasing weights are allowed
//   (a deliberate step back).
// - abTest: at least 2 variants; names required, unique, DNS-1123 labels (they become Service names and
//   track labels); weights in 0..100 summing to exactly 100 (error on spec.strategy.abTest.variants);
//   match rules: exactly one of header / cookie, both with name and value; duration parsable and > 0;
//   winnerSelection Auto or Manual;
// - trafficRouting: at most one of gatewayAPI / istio; gatewayAPI.httpRoute required, ruleIndex >= 0,
//   not both ruleIndex and port; istio.virtualService.name required and routes non-empty;
// - canary.scaleDownDelaySeconds >= 0, progressDeadlineSeconds > 0, revisionHistoryLimit >= 0;
// - analysis: interval > 0; at least one metric; unique metric names; maxDuration > 0; onTimeout one of
//   Rollback / Hold / Promote; each metric: provider with exactly one of prometheus / web (address or url
//   required, method GET or POST, timeouts > 0, at most one auth kind, secret refs with names); exactly
//   one kind: accuracy (successes + trials + accuracy, no query/threshold) or threshold (query + threshold
//   with min or max, min <= max; no successes/trials/accuracy/segments/predictions), except that a web
//   threshold metric may give the value's location as provider.web.jsonPath instead of query;
//   accuracy.min and maxDropVsStable, minLabelCoverage in [0,1]; confidence strictly in (0,1);
//   minSamples >= 1 (segments too; a segment value inherited from accuracy is not reported twice);
//   minLabelCoverage needs predictions; segments.by required;
//   failureLimit, inconclusiveLimit >= 0, consecutiveErrorLimit >= 1;
//   provider bounds: address/url with a host, a port 1..65535, no user info, no spaces or control
//   characters, at most 2048 characters; at most 32 headers, names HTTP tokens other than Host,
//   Content-Length, Transfer-Encoding, Connection and hop-by-hop headers, values at most 8192 characters
//   without control characters; web body at most 64 KiB; provider timeout at most 5m;
// - templates (query, successes, trials, predictions, web url, web body, web header values) may use only
//   {{name}} {{namespace}} {{model}} {{version}} {{revision}} {{track}} and {{args.KEY}} for a KEY in
//   the metric's args (spaces inside the braces allowed); anything else, or an unclosed "{{", is an error
//   on that field;
// - monitoring.onDegraded Rollback or Alert; monitoring.interval > 0; enabled monitoring needs
//   spec.analysis.
// - retraining: exactly one of job / object / webhook; job.template a JobTemplateSpec whose
//   spec.template.spec has containers (each with name and image) and restartPolicy Never or OnFailure
//   when set; object.apiVersion, kind and template required; webhook.urlSecretRef (with name) required;
//   triggers.schedule a valid cron expression (cron.h); cooldown >= 0; historyLimit 1..100; maxAttempts
//   1..10; rollout Manual or Automatic; metadata.name at most 48 characters (runs are <name>-retrain-<n>).
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api {

FieldErrors validate(const ModelDeployment& md);

// The placeholders allowed in metric templates (without braces), shared with the analysis module.
// analysis.elapsed: the time since the analysis' counts start, for increase(...[{{analysis.elapsed}}]).
inline constexpr std::string_view kTemplatePlaceholders[] = {"name",     "namespace", "model",
                                                             "version",  "revision",  "track",
                                                             "analysis.elapsed"};

// Checks one template: returns a message per problem ("unknown placeholder {{foo}}"), empty when fine.
// `args` are the metric's declared arg names.
std::vector<std::string> checkTemplate(std::string_view text, const std::vector<std::string>& args);

}  // namespace modelops::api
