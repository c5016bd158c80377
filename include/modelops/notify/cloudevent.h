// CloudEvents 1.0 (https://github.com/cloudevents/spec, JSON format, structured content mode): the body
// modelops sends to a webhook for notifications (format CloudEvents) and for retraining's webhook action.
// The event's attributes are fixed by the caller; data is any JSON value.
// Thread-safety: plain data and pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace modelops::notify {

struct CloudEvent {
  std::string id;       // unique per (source, id): receivers dedupe on it; retries of one delivery keep it
  std::string source;   // URI-reference, e.g. "/apis/modelops.dev/v1alpha1/namespaces/ml/modeldeployments/fraud"
  std::string type;     // reverse-DNS, e.g. "dev.modelops.notification.Promoted"
  std::string subject;  // e.g. "ml/fraud"
  std::string time;     // RFC 3339
  nlohmann::json data;
};

// The structured-mode JSON object: specversion "1.0", datacontenttype "application/json", the attributes
// above (subject and time omitted when empty) and data.
nlohmann::json toStructuredJson(const CloudEvent& event);

// The Content-Type of a structured-mode CloudEvent.
inline constexpr const char* kCloudEventContentType = "application/cloudevents+json; charset=utf-8";

}  // namespace modelops::notify
