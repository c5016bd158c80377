// segments.expectedSegments' rules (see segment_count.h).
// Thread-safety: pure functions.
#include "modelops/api/segment_count.h"

namespace modelops::api {

void validateExpectedSegments(const SegmentCriteria& segments, const std::string& path, FieldErrors& errs) {
  const auto& declared = segments.expectedSegments;
  if (declared && (*declared < 1 || *declared > kMaxExpectedSegments))
    errs.push_back({path + ".expectedSegments",
                    "must be an integer from 1 to " + std::to_string(kMaxExpectedSegments)});
}

}  // namespace modelops::api
