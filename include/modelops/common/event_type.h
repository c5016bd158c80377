// The type of a Kubernetes Event (core/v1 Event.type), shared by the planner, which decides Events, and
// the runtime's EventRecorder, which writes them: one enum instead of the strings "Normal" / "Warning".
// Thread-safety: constants and a pure function.
#pragma once

#include <string_view>

namespace modelops {

enum class EventType { Normal, Warning };

// The API spelling of `type` ("Normal" / "Warning").
constexpr std::string_view eventTypeName(EventType type) {
  return type == EventType::Warning ? std::string_view("Warning") : std::string_view("Normal");
}

}  // namespace modelops
