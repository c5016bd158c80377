// The two directions of the RBAC coverage check, shared by the cluster-scoped (rbac_coverage_test.cpp) and the
// namespace-scoped (namespaced_install_test.cpp) runs: every request the operator sent is allowed by the
// rights under test (RbacAuthorizer over the audit), and every grant of those rights was used by some request,
// unless it is listed with the reason it is kept (kUnusedGrants) or belongs to code that lands at merge time
// (kMergeTimeRules) and that code is not in the operator binary yet.
// Thread-safety: gtest main thread only (EXPECT_* report into the running test).
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e/manifests/rbac_authorizer.h"
#include "e2e/manifests/rbac_rules.h"

namespace modelops::testing {

// Grants the operator holds but a run against the dev server does not exercise, and why they stay.
inline const std::map<std::string, std::string>& unusedGrantsKept() {
  static const std::map<std::string, std::string> kUnusedGrants = {
      {"update modelops.dev/modeldeployments/finalizers",
       "the Deployments and Services it creates carry ownerReferences with blockOwnerDeletion, which needs this "
       "where the OwnerReferencesPermissionEnforcement admission plugin is on; the dev server has no admission plugins"},
      {"patch events", "the event recorder patches the count of an Event repeated within its aggregation window; "
                       "whether a run repeats one depends on timing"},
      {"create batch/jobs", "a retraining run's Job: created only when spec.retraining starts a run (integration.retraining)"},
      {"get batch/jobs", "a retraining Job is read directly only while the Job cache has not synced"},
      {"list pods", "a finished retraining Job's Pods are listed for its termination message (integration.retraining)"},
      {"update secrets", "the webhook's Role on its shared certificate Secret (manifests/webhook/rbac.yaml): updated "
                         "only when the self-managed certificate is renewed, long after a test run"},
  };
  return kUnusedGrants;
}

// A rule written for code another branch brings (the rights must be in place when it lands). The operator
// binary offering `flag` means the code is in: from then on the grants are checked like any other and the
// calls they replace are no longer tolerated. Until then the grants may go unused and the replaced calls pass.
// Once every branch is merged this list is empty: delete an entry when its flag is in main.
struct MergeTimeRule {
  std::string flag;
  std::set<std::string> grants;
  std::set<std::string> replacedCalls;
  std::string change;
  // Grants that code brings (in its own files) which a run may leave unused once it is in, and why.
  std::map<std::string, std::string> keptUnusedOnceIn = {};
};

// Empty since h/measure (--provider-credentials-require-label) and h/webhook (--webhook-configuration-name) are
// in main: their grants are checked like any other.
inline const std::vector<MergeTimeRule>& mergeTimeRules() {
  static const std::vector<MergeTimeRule> kMergeTimeRules = {};
  return kMergeTimeRules;
}

// What a run may leave out or do beyond its grants, given which merge-time code the binary has.
struct CoverageAllowances {
  std::map<std::string, std::string> unusedGrants;  // grant -> why it may go unused
  std::set<std::string> toleratedCalls;             // calls of code a merge-time rule replaces
};

inline CoverageAllowances coverageAllowances(const std::set<std::string>& flagsPresent) {
  CoverageAllowances a;
  a.unusedGrants = unusedGrantsKept();
  for (const auto& rule : mergeTimeRules()) {
    if (flagsPresent.count(rule.flag)) {
      a.unusedGrants.insert(rule.keptUnusedOnceIn.begin(), rule.keptUnusedOnceIn.end());
      continue;
    }
    std::cout << "[rbac] pending merge, not yet checked: " << rule.change << "\n";
    for (const auto& g : rule.grants) a.unusedGrants[g] = "merge time: " + rule.change;
    a.toleratedCalls.insert(rule.replacedCalls.begin(), rule.replacedCalls.end());
  }
  return a;
}

inline std::string grantOf(const ApiRequest& r) { return grantName(r.verb, r.group, r.resource); }

inline std::string joinedLines(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "\n  " + x;
  return out;
}

// The admission webhook's own calls (h/webhook): its configuration's caBundle, and the Secret in which replicas
// share its self-managed certificate (the operator creates and updates no other Secret). The chart grants them
// in templates/webhook.yaml under templated names, which the chart checks here do not read.
inline bool isWebhookRequest(const ApiRequest& r) {
  if (r.resource == "validatingwebhookconfigurations") return true;
  return r.group.empty() && r.resource == "secrets" &&
         (r.verb == "create" || r.verb == "update" || r.name.ends_with("-webhook-certs"));
}

// Direction 1: every request is allowed (or is a call a pending merge-time rule replaces, or one `skip` names
// as judged elsewhere). Returns the grants the requests used.
inline std::set<std::string> expectEveryRequestAllowed(const std::vector<nlohmann::json>& records,
                                                       const RbacAuthorizer& authorizer, const std::string& where,
                                                       const CoverageAllowances& allowances,
                                                       bool (*skip)(const ApiRequest&) = nullptr) {
  std::set<std::string> used;
  for (const auto& record : records) {
    const ApiRequest r = requestFromAudit(record);
    used.insert(grantOf(r));
    if (allowances.toleratedCalls.count(grantOf(r)) || (skip && skip(r))) continue;
    EXPECT_TRUE(authorizer.allows(r)) << "the operator sent `" << describe(r) << "` (" << record.value("method", "")
                                      << " " << record.value("path", "") << ") which " << where
                                      << " does not allow: kube-apiserver would answer 403 Forbidden";
  }
  return used;
}

// Direction 2: every grant of the rules was used, or may go unused for a stated reason.
inline void expectEveryGrantUsed(const nlohmann::json& rules, const std::set<std::string>& used,
                                 const std::string& where, const CoverageAllowances& allowances) {
  for (const auto& g : expandRules(rules))
    EXPECT_TRUE(used.count(g) || allowances.unusedGrants.count(g))
        << where << " grants `" << g << "` which the operator never used; remove it, or list it with the reason "
        << "it is kept in unusedGrantsKept() (rbac_coverage.h). It used:" << joinedLines(used);
}

}  // namespace modelops::testing
