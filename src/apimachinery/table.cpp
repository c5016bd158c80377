// meta.k8s.io/v1 Table rendering (see table.h), after apiextensions-apiserver's tableconvertor
// (custom resources), the apiserver's default convertor (CRDs: "Created At" as an RFC 3339 string) and
// pkg/printers/internalversion (built-in kinds), plus duration.HumanDuration for ages.
// Thread-safety: pure functions.
#include "modelops/apimachinery/table.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "modelops/apimachinery/jsonpath.h"
#include "modelops/apimachinery/schema.h"
#include "modelops/common/time.h"

namespace modelops::apimachinery {

using nlohmann::json;

namespace {

constexpr const char* kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
constexpr const char* kCreationTimestampDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const json& at(const json& v, std::initializer_list<const char*> path) {
  static const json null;
  const json* cur = &v;
  for (const char* p : path) {
    if (!cur->is_object()) return null;
    auto it = cur->find(p);
    if (it == cur->end()) return null;
    cur = &*it;
  }
  return *cur;
}

std::string str(const json& v, std::initializer_list<const char*> path, const std::string& dflt = "") {
  const json& x = at(v, path);
  return x.is_string() ? x.get<std::string>() : dflt;
}

std::int64_t num(const json& v, std::initializer_list<const char*> path, std::int64_t dflt = 0) {
  const json& x = at(v, path);
  return x.is_number() ? x.get<std::int64_t>() : dflt;
}

// The age of a timestamp as the server prints it; "<unknown>" when there is none.
std::string ageOf(const json& timestamp, Clock::WallTime now) {
  if (!timestamp.is_string()) return "<unknown>";
  auto t = parseRfc3339(timestamp.get<std::string>());
  if (!t) return "<invalid>";
  return humanDuration(std::chrono::duration_cast<std::chrono::milliseconds>(now - *t));
}

// Go's fmt.Fprint of a decoded JSON value, as jsonpath.PrintResults writes string cells.
std::string goPrint(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) {
    std::string s = formatGoValue(v);
    return s;
  }
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_object()) {
    std::string out = "map[";
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      out += (first ? "" : " ") + k + ":" + goPrint(x);
      first = false;
    }
    return out + "]";
  }
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + goPrint(v[i]);
    return out + "]";
  }
  return "<nil>";
}

json cellFor(const PrinterColumn& c, const json& object, Clock::WallTime now) {
  if (c.compute) return c.compute(object, now);
  auto results = evalJsonPath(object, c.jsonPath);
  if (!results.ok() || results->empty()) return nullptr;
  const json& value = results->front();
  if (value.is_null()) return nullptr;
  if (c.type == "string") return goPrint(value);
  if (c.type == "integer" && value.is_number()) {
    return value.is_number_float() ? json(static_cast<std::int64_t>(value.get<double>())) : value;
  }
  if (c.type == "number" && value.is_number()) return value.get<double>();
  if (c.type == "boolean" && value.is_boolean()) return value;
  if (c.type == "date" && value.is_string()) return ageOf(value, now);
  return nullptr;
}

PrinterColumn ageColumn() {
  return computedColumn("Age", kCreationTimestampDescription,
                  [](const json& o, Clock::WallTime now) { return json(ageOf(at(o, {"metadata", "creationTimestamp"}), now)); });
}

std::string servicePorts(const json& svc) {
  const json& ports = at(svc, {"spec", "ports"});
  if (!ports.is_array() || ports.empty()) return "<none>";
  std::string out;
  for (const auto& p : ports) {
    if (!out.empty()) out += ",";
    out += std::to_string(num(p, {"port"}));
    if (num(p, {"nodePort"}) > 0) out += ":" + std::to_string(num(p, {"nodePort"}));
    out += "/" + str(p, {"protocol"}, "TCP");
  }
  return out;
}

std::string serviceExternalIp(const json& svc) {
  std::string type = str(svc, {"spec", "type"}, "ClusterIP");
  std::vector<std::string> ips;
  if (const json& ext = at(svc, {"spec", "externalIPs"}); ext.is_array()) {
    for (const auto& ip : ext) if (ip.is_string()) ips.push_back(ip.get<std::string>());
  }
  if (type == "ExternalName") return str(svc, {"spec", "externalName"});
  if (type == "LoadBalancer") {
    if (const json& ing = at(svc, {"status", "loadBalancer", "ingress"}); ing.is_array()) {
      for (const auto& i : ing) {
        std::string v = str(i, {"ip"});
        if (v.empty()) v = str(i, {"hostname"});
        if (!v.empty()) ips.push_back(v);
      }
    }
    if (ips.empty()) return "<pending>";
  }
  if (ips.empty()) return "<none>";
  std::string out;
  for (const auto& ip : ips) out += (out.empty() ? "" : ",") + ip;
  return out;
}

std::string eventLastSeen(const json& e, Clock::WallTime now) {
  const json& last = at(e, {"lastTimestamp"});
  if (last.is_string()) return ageOf(last, now);
  const json& eventTime = at(e, {"eventTime"});
  if (eventTime.is_string()) return ageOf(eventTime, now);
  return ageOf(at(e, {"firstTimestamp"}), now);
}

}  // namespace

PrinterColumn computedColumn(std::string name, std::string description,
                             std::function<json(const json&, Clock::WallTime)> compute, int priority,
                             std::string type) {
  PrinterColumn c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.description = std::move(description);
  c.priority = priority;
  c.compute = std::move(compute);
  return c;
}

std::string humanDuration(std::chrono::milliseconds elapsed) {
  long long seconds = elapsed.count() / 1000;
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  long long hours = minutes / 60;
  if (hours < 8) {
    long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

json partialObjectMetadata(const json& object) {
  json meta = object.is_object() && object.contains("metadata") ? object["metadata"] : json::object();
  return json{{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
}

json renderTable(const std::vector<json>& objects, const std::vector<PrinterColumn>& columns,
                 const std::string& resourceVersion, const std::string& continueToken, Clock::WallTime now,
                 bool includeObjectMetadata) {
  return renderTable(objects, columns, resourceVersion, continueToken, now,
                     includeObjectMetadata ? IncludeObject::Metadata : IncludeObject::Object);
}

json renderTable(const std::vector<json>& objects, const std::vector<PrinterColumn>& columns,
                 const std::string& resourceVersion, const std::string& continueToken, Clock::WallTime now,
                 IncludeObject includeObject) {
  // The Name column comes first unless the printer places it itself (core Events list it last).
  bool hasName = std::any_of(columns.begin(), columns.end(), [](const PrinterColumn& c) { return c.name == "Name"; });
  json defs = json::array();
  if (!hasName) {
    defs.push_back({{"name", "Name"}, {"type", "string"}, {"format", "name"}, {"description", kNameDescription},
                    {"priority", 0}});
  }
  for (const auto& c : columns) {
    std::string description = c.description;
    if (description.empty()) description = "Custom resource definition column (in JSONPath format): " + c.jsonPath;
    defs.push_back({{"name", c.name}, {"type", c.type.empty() ? "string" : c.type}, {"format", c.format},
                    {"description", description}, {"priority", c.priority}});
  }
  json rows = json::array();
  for (const auto& o : objects) {
    json cells = json::array();
    if (!hasName) cells.push_back(str(o, {"metadata", "name"}));
    for (const auto& c : columns) cells.push_back(cellFor(c, o, now));
    json row = {{"cells", std::move(cells)}};
    switch (includeObject) {
      case IncludeObject::None: row["object"] = nullptr; break;
      case IncludeObject::Metadata: row["object"] = partialObjectMetadata(o); break;
      case IncludeObject::Object: row["object"] = o; break;
    }
    rows.push_back(std::move(row));
  }
  json metadata = json::object();
  if (!resourceVersion.empty()) metadata["resourceVersion"] = resourceVersion;
  if (!continueToken.empty()) metadata["continue"] = continueToken;
  return json{{"kind", "Table"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", std::move(metadata)},
              {"columnDefinitions", std::move(defs)},
              {"rows", std::move(rows)}};
}

std::vector<PrinterColumn> crdColumns(const json& additionalPrinterColumns) {
  std::vector<PrinterColumn> out;
  if (additionalPrinterColumns.is_array()) {
    for (const auto& c : additionalPrinterColumns) {
      if (!c.is_object()) continue;
      PrinterColumn p;
      p.name = c.value("name", "");
      p.type = c.value("type", "string");
      p.format = c.value("format", "");
      p.description = c.value("description", "");
      p.jsonPath = c.value("jsonPath", "");
      p.priority = c.value("priority", 0);
      out.push_back(std::move(p));
    }
  }
  if (out.empty()) {
    PrinterColumn age;
    age.name = "Age";
    age.type = "date";
    age.jsonPath = ".metadata.creationTimestamp";
    age.description = kCreationTimestampDescription;
    out.push_back(std::move(age));
  }
  return out;
}

std::vector<PrinterColumn> builtinColumns(const std::string& kind) {
  using C = std::vector<PrinterColumn>;
  auto field = [](std::initializer_list<const char*> path) {
    std::vector<const char*> p(path);
    return [p](const json& o, Clock::WallTime) -> json {
      const json* cur = &o;
      for (const char* k : p) {
        if (!cur->is_object() || !cur->contains(k)) return nullptr;
        cur = &(*cur)[k];
      }
      return *cur;
    };
  };
  if (kind == "Deployment") {
    return C{computedColumn("Ready", "Number of the pod with ready state",
                      [](const json& o, Clock::WallTime) {
                        return json(std::to_string(num(o, {"status", "readyReplicas"})) + "/" +
                                    std::to_string(num(o, {"spec", "replicas"}, 1)));
                      }),
             computedColumn("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
                      [](const json& o, Clock::WallTime) { return json(num(o, {"status", "updatedReplicas"})); }),
             computedColumn("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
                      [](const json& o, Clock::WallTime) { return json(num(o, {"status", "availableReplicas"})); }),
             ageColumn()};
  }
  if (kind == "Service") {
    return C{computedColumn("Type", "type determines how the Service is exposed.",
                      [](const json& o, Clock::WallTime) { return json(str(o, {"spec", "type"}, "ClusterIP")); }),
             computedColumn("Cluster-IP", "clusterIP is the IP address of the service.",
                      [](const json& o, Clock::WallTime) { return json(str(o, {"spec", "clusterIP"}, "<none>")); }),
             computedColumn("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.",
                      [](const json& o, Clock::WallTime) { return json(serviceExternalIp(o)); }),
             computedColumn("Port(s)", "The list of ports that are exposed by this service.",
                      [](const json& o, Clock::WallTime) { return json(servicePorts(o)); }),
             ageColumn()};
  }
  if (kind == "Namespace") {
    return C{computedColumn("Status", "The status of the namespace", field({"status", "phase"})), ageColumn()};
  }
  if (kind == "Event") {
    return C{computedColumn("Last Seen", "Time when last event occurred",
                      [](const json& o, Clock::WallTime now) { return json(eventLastSeen(o, now)); }),
             computedColumn("Type", "Type of this event (Normal, Warning), new types could be added in the future.", field({"type"})),
             computedColumn("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", field({"reason"})),
             computedColumn("Object", "The object that this event is about.",
                      [](const json& o, Clock::WallTime) {
                        std::string k = str(o, {"involvedObject", "kind"});
                        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
                        return json(k + "/" + str(o, {"involvedObject", "name"}));
                      }),
             computedColumn("Subobject", "The specific field of the object that this event is about.",
                      field({"involvedObject", "fieldPath"}), 1),
             computedColumn("Source", "The component reporting this event.",
                      [](const json& o, Clock::WallTime) {
                        std::string s = str(o, {"source", "component"});
                        if (s.empty()) s = str(o, {"reportingComponent"});
                        std::string host = str(o, {"source", "host"});
                        return json(host.empty() ? s : s + ", " + host);
                      }, 1),
             computedColumn("Message", "A human-readable description of the status of this operation.", field({"message"})),
             computedColumn("First Seen", "The time at which the event was first recorded.",
                      [](const json& o, Clock::WallTime now) { return json(ageOf(at(o, {"firstTimestamp"}), now)); }, 1),
             computedColumn("Count", "The number of times this event has occurred.",
                      [](const json& o, Clock::WallTime) { return json(num(o, {"count"}, 1)); }, 1, "string"),
             computedColumn("Name", kNameDescription, field({"metadata", "name"}), 1)};
  }
  if (kind == "Lease") {
    return C{computedColumn("Holder", "holderIdentity contains the identity of the holder of a current lease.",
                      [](const json& o, Clock::WallTime) { return json(str(o, {"spec", "holderIdentity"})); }),
             ageColumn()};
  }
  if (kind == "ConfigMap") {
    return C{computedColumn("Data", "Data contains the configuration data.",
                      [](const json& o, Clock::WallTime) {
                        std::size_t n = 0;
                        if (const json& d = at(o, {"data"}); d.is_object()) n += d.size();
                        if (const json& b = at(o, {"binaryData"}); b.is_object()) n += b.size();
                        return json(n);
                      }),
             ageColumn()};
  }
  if (kind == "Secret") {
    return C{computedColumn("Type", "The type of the secret",
                      [](const json& o, Clock::WallTime) { return json(str(o, {"type"}, "Opaque")); }),
             computedColumn("Data", "Data contains the secret data.",
                      [](const json& o, Clock::WallTime) {
                        std::size_t n = 0;
                        if (const json& d = at(o, {"data"}); d.is_object()) n += d.size();
                        return json(n);
                      }),
             ageColumn()};
  }
  if (kind == "CustomResourceDefinition") {
    return C{computedColumn("Created At", kCreationTimestampDescription, field({"metadata", "creationTimestamp"}), 0, "date")};
  }
  return C{ageColumn()};
}

}  // namespace modelops::apimachinery
