// segments.expectedSegments (see segment_count.h).
// Thread-safety: pure functions.
#include "modelops/api/segment_count.h"

namespace modelops::api {
namespace {

constexpr const char* kField = "expectedSegments";

const Json* declared(const SegmentCriteria& segments) {
  if (!segments.extra.is_object()) return nullptr;
  auto it = segments.extra.find(kField);
  return it == segments.extra.end() ? nullptr : &*it;
}

bool usable(const Json& v) {
  return v.is_number_integer() && v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= kMaxExpectedSegments;
}

}  // namespace

std::optional<std::int64_t> expectedSegments(const SegmentCriteria& segments) {
  const Json* v = declared(segments);
  if (!v || !usable(*v)) return std::nullopt;
  return v->get<std::int64_t>();
}

void validateExpectedSegments(const SegmentCriteria& segments, const std::string& path, FieldErrors& errs) {
  const Json* v = declared(segments);
  if (v && !usable(*v))
    errs.push_back({path + "." + kField, "must be an integer from 1 to " + std::to_string(kMaxExpectedSegments)});
}

}  // namespace modelops::api
