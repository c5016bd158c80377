// The operator's retraining wiring; see retraining.h.
#include "retraining.h"

#include <ctime>

#include "modelops/reconciler/measurer.h"

namespace modelops::cmd {

reconciler::RetrainingOptions retrainingOptions(
    const OperatorOptions& options, notify::WebhookSender* sender, const runtime::Informer* const* jobs,
    std::function<std::optional<nlohmann::json>(const std::string&, const std::string&)> secrets) {
  reconciler::RetrainingOptions r;
  r.webhooks = sender;
  r.secrets = std::move(secrets);
  if (options.providerCredentialsRequireLabel) r.requiredLabel = std::string(reconciler::kProviderCredentialsLabel);
  r.jobs = [jobs]() -> const runtime::ObjectCache* {
    if (!jobs || !*jobs || !(*jobs)->hasSynced()) return nullptr;
    return &(*jobs)->cache();
  };
  // The local zone's offset at an instant (localtime_r reads TZ / /etc/localtime).
  r.utcOffset = [](WallTime at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm local{};
    if (!localtime_r(&t, &local)) return std::chrono::seconds(0);
    return std::chrono::seconds(local.tm_gmtoff);
  };
  return r;
}

}  // namespace modelops::cmd
