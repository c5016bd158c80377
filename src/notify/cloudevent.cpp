// CloudEvents 1.0 structured JSON; see include/modelops/notify/cloudevent.h.
#include "modelops/notify/cloudevent.h"

namespace modelops::notify {

nlohmann::json toStructuredJson(const CloudEvent& event) {
  nlohmann::json out = {
      {"specversion", "1.0"},
      {"id", event.id},
      {"source", event.source},
      {"type", event.type},
      {"datacontenttype", "application/json"},
  };
  if (!event.subject.empty()) out["subject"] = event.subject;
  if (!event.time.empty()) out["time"] = event.time;
  out["data"] = event.data;
  return out;
}

}  // namespace modelops::notify
