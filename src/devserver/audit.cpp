// AuditLog; see include/modelops/devserver/audit.h.
// Thread-safety: mu_ guards the records.
#include "modelops/devserver/audit.h"

namespace modelops::devserver {

nlohmann::json AuditRecord::toJson() const {
  return {{"seq", seq},           {"time", time},           {"userAgent", userAgent},
          {"method", method},     {"path", path},           {"verb", verb},
          {"group", group},       {"version", version},     {"resource", resource},
          {"subresource", subresource}, {"namespace", ns},  {"name", name},
          {"fieldManager", fieldManager}, {"patchType", patchType}, {"code", code},
          {"dryRun", dryRun},     {"changed", changed},     {"specChanged", specChanged},
          {"statusChanged", statusChanged}};
}

void AuditLog::add(AuditRecord record) {
  std::lock_guard lock(mu_);
  record.seq = ++seq_;
  records_.push_back(std::move(record));
  while (records_.size() > capacity_) records_.pop_front();
}

std::vector<AuditRecord> AuditLog::records() const {
  std::lock_guard lock(mu_);
  return {records_.begin(), records_.end()};
}

void AuditLog::clear() {
  std::lock_guard lock(mu_);
  records_.clear();
}

nlohmann::json AuditLog::toJson() const {
  auto list = nlohmann::json::array();
  for (const auto& r : records()) list.push_back(r.toJson());
  return {{"items", list}};
}

}  // namespace modelops::devserver
