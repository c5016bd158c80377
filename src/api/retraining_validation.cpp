// Validation of spec.retraining (called by validate()); the rules are listed in validation.h.
// Thread-safety: pure functions.
#include <string>

#include "modelops/api/cron.h"
#include "modelops/api/defaults.h"
#include "validation_internal.h"

namespace modelops::api::detail {
namespace {

// Job and object names are "<md>-retrain-<n>" and the Job's pods carry the name in a 63-character
// label: room is kept for six digits of run number.
constexpr std::size_t kMaxNameWithRetraining = 63 - std::string_view("-retrain-").size() - 6;

void validateJobTemplate(const std::optional<Json>& t, const std::string& path, FieldErrors& errs) {
  if (!t) {
    errs.push_back({path, "required (a batch/v1 JobTemplateSpec)"});
    return;
  }
  if (!t->is_object()) {
    errs.push_back({path, "must be an object (a batch/v1 JobTemplateSpec)"});
    return;
  }
  const Json* podSpec = nullptr;
  if (auto spec = t->find("spec"); spec != t->end() && spec->is_object())
    if (auto tmpl = spec->find("template"); tmpl != spec->end() && tmpl->is_object())
      if (auto ps = tmpl->find("spec"); ps != tmpl->end() && ps->is_object()) podSpec = &*ps;
  const std::string podPath = path + ".spec.template.spec";
  if (!podSpec) {
    errs.push_back({podPath, "required (the pod the Job runs)"});
    return;
  }
  auto containers = podSpec->find("containers");
  if (containers == podSpec->end() || !containers->is_array() || containers->empty()) {
    errs.push_back({podPath + ".containers", "must have at least one container"});
  } else {
    for (std::size_t i = 0; i < containers->size(); ++i) {
      const Json& c = (*containers)[i];
      const std::string p = podPath + ".containers[" + std::to_string(i) + "]";
      if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || c["name"].get<std::string>().empty())
        errs.push_back({p + ".name", "required"});
      else if (!c.contains("image") || !c["image"].is_string() || c["image"].get<std::string>().empty())
        errs.push_back({p + ".image", "required"});
    }
  }
  if (auto rp = podSpec->find("restartPolicy"); rp != podSpec->end()) {
    if (!rp->is_string() || (*rp != "Never" && *rp != "OnFailure"))
      errs.push_back({podPath + ".restartPolicy", "must be Never or OnFailure (a Job's pods); absent: Never"});
  }
}

void validateObjectAction(const RetrainingObjectAction& o, const std::string& path, FieldErrors& errs) {
  if (!o.apiVersion || o.apiVersion->empty()) errs.push_back({path + ".apiVersion", "required"});
  if (!o.kind || o.kind->empty()) errs.push_back({path + ".kind", "required"});
  if (!o.template_) errs.push_back({path + ".template", "required (the object's metadata and spec)"});
  else if (!o.template_->is_object()) errs.push_back({path + ".template", "must be an object"});
}

void validateSecretRef(const std::optional<SecretKeyRef>& ref, const std::string& path, bool required,
                       FieldErrors& errs) {
  if (!ref) {
    if (required) errs.push_back({path, "required"});
    return;
  }
  if (!ref->name || ref->name->empty()) errs.push_back({path + ".name", "required"});
  if (ref->key && ref->key->empty()) errs.push_back({path + ".key", "must not be empty"});
}

}  // namespace

void validateRetraining(const ModelDeployment& md, FieldErrors& errs) {
  if (!md.spec.retraining) return;
  const RetrainingSpec& r = *md.spec.retraining;
  const std::string path = "spec.retraining";
  const int actions = int(r.job.has_value()) + int(r.object.has_value()) + int(r.webhook.has_value());
  if (actions != 1) errs.push_back({path, "exactly one of job, object, webhook is required"});
  if (r.job) validateJobTemplate(r.job->template_, path + ".job.template", errs);
  if (r.object) validateObjectAction(*r.object, path + ".object", errs);
  if (r.webhook) {
    validateSecretRef(r.webhook->urlSecretRef, path + ".webhook.urlSecretRef", true, errs);
    validateSecretRef(r.webhook->tokenSecretRef, path + ".webhook.tokenSecretRef", false, errs);
  }
  if (r.triggers && r.triggers->schedule) {
    auto cron = parseCron(*r.triggers->schedule);
    if (!cron) errs.push_back({path + ".triggers.schedule", "invalid cron expression: " + cron.error()});
  }
  checkDuration(r.cooldown, path + ".cooldown", ZeroDuration::Allowed, errs);
  if (r.historyLimit && (*r.historyLimit < 1 || *r.historyLimit > defaults::kRetrainingHistoryLimitMax))
    errs.push_back({path + ".historyLimit", "must be between 1 and 100"});
  if (r.maxAttempts && (*r.maxAttempts < 1 || *r.maxAttempts > defaults::kRetrainingMaxAttemptsMax))
    errs.push_back({path + ".maxAttempts", "must be between 1 and 10"});
  checkEnum(r.rollout, path + ".rollout", {kRetrainingRolloutManual, kRetrainingRolloutAutomatic}, errs);
  if (md.name().size() > kMaxNameWithRetraining)
    errs.push_back({"metadata.name", "at most " + std::to_string(kMaxNameWithRetraining) +
                                         " characters with spec.retraining (runs are named <name>-retrain-<n>)"});
}

}  // namespace modelops::api::detail
