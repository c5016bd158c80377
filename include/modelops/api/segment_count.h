// segments.expectedSegments: the number of segments the author declares (issue 15 item 2), read from the
// `extra` member the codec keeps for fields it does not itself know (so this file is its whole codec).
// The judge splits the segment family's budget over at least this many, whatever a query returns.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api {

inline constexpr std::int64_t kMaxExpectedSegments = 10000;

// The declared count, nullopt when absent or unusable (validation reports an unusable one).
std::optional<std::int64_t> expectedSegments(const SegmentCriteria& segments);

// An integer from 1 to kMaxExpectedSegments; `path` is the segments object's path.
void validateExpectedSegments(const SegmentCriteria& segments, const std::string& path, FieldErrors& errs);

}  // namespace modelops::api
