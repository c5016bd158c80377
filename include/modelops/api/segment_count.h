// The rules for segments.expectedSegments (SegmentCriteria::expectedSegments, issue 15 item 2): the
// number of segments the author declares. The judge splits the segment family's budget over at least
// this many, whatever a query returns.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "modelops/api/field_error.h"
#include "modelops/api/model_deployment.h"

namespace modelops::api {

inline constexpr std::int64_t kMaxExpectedSegments = 10000;

// An integer from 1 to kMaxExpectedSegments (the codec reports one that is not an integer); `path` is the
// segments object's path.
void validateExpectedSegments(const SegmentCriteria& segments, const std::string& path, FieldErrors& errs);

}  // namespace modelops::api
