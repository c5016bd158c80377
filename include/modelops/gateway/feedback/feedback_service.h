// FeedbackService: the body of POST /v1/feedback. Accepts one object {"predictionId": "...", "label": ...}, a JSON
// array of such objects, or JSON lines (Content-Type application/x-ndjson), verifies each id, counts each label
// once (LabelDeduper) and answers per item.
// Answer: a single object gets the item's status as the HTTP status (200, 400, 403, 410) and the item's result as
// the body; a batch gets 200 and {"accepted": n, "rejected": m, "results": [...]} with each item's status. The
// whole body is refused (nothing counted) with 400 when it is not readable as a whole (not JSON, not an object or
// array), 413 when over limits (bytes or items), 415 for another Content-Type, 503 before the signing keys load.
// An item: {"index": i, "status": 200, "result": "correct"|"incorrect"|"counted"|"duplicate"} or
// {"index": i, "status": 4xx, "error": "<field>: <reason>"}. A duplicate (label already counted for that id) is
// 200 "duplicate" and not counted again, so clients may retry safely.
// Thread-safety: handle() is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "modelops/common/clock.h"
#include "modelops/gateway/feedback/gateway_metrics.h"
#include "modelops/gateway/feedback/key_ring_source.h"
#include "modelops/gateway/feedback/label_deduper.h"

namespace modelops::gateway {

struct FeedbackLimits {
  std::size_t maxBodyBytes = 1 << 20;             // 1 MiB
  std::size_t maxItems = 1000;                     // per request
  std::size_t maxLabelBytes = 128;                 // a label's text
  std::int64_t maxIdAgeMs = 7LL * 24 * 3600 * 1000;  // ids older than this are 410 (and the dedupe window)
};

struct FeedbackAnswer {
  int status = 200;
  std::string body;  // JSON
};

class FeedbackService {
 public:
  FeedbackService(std::shared_ptr<const KeyRingSource> keys, std::shared_ptr<LabelDeduper> deduper,
                  GatewayMetrics& metrics, const Clock& clock, FeedbackLimits limits = {});
  FeedbackAnswer handle(std::string_view body, std::string_view contentType) const;
  const FeedbackLimits& limits() const { return limits_; }

 private:
  std::shared_ptr<const KeyRingSource> keys_;
  std::shared_ptr<LabelDeduper> deduper_;
  GatewayMetrics& metrics_;
  const Clock& clock_;
  FeedbackLimits limits_;
};

}  // namespace modelops::gateway
