// The operator's retraining wiring (spec.retraining): builds the reconciler's RetrainingOptions from the
// flags and the parts app.cpp owns. Wiring only.
// Thread-safety: built on the main thread; the result is read by the reconcile threads.
#pragma once

#include "modelops/notify/webhook_sender.h"
#include "modelops/reconciler/retraining.h"
#include "options.h"

namespace modelops::cmd {

// `jobs` points at the Job cache informer once app.cpp has created it (read at each reconcile, so the
// informer may be created after this call). The schedules use the process's local time zone (TZ).
reconciler::RetrainingOptions retrainingOptions(
    const OperatorOptions& options, notify::WebhookSender* sender, const runtime::Informer* const* jobs,
    std::function<std::optional<nlohmann::json>(const std::string&, const std::string&)> secrets);

}  // namespace modelops::cmd
