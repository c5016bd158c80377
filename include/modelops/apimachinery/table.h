// meta.k8s.io/v1 Table rendering for `kubectl get` (Accept: application/json;as=Table;v=v1;g=meta.k8s.io),
// as kube-apiserver does it: a Name column first, then printer columns (CRD additionalPrinterColumns
// evaluated with JSONPath, or the built-in printers' columns), rows with cells and the object
// (PartialObjectMetadata when includeObject=Metadata). Cells of type date are humanised ages ("5m",
// "3h2m", "2d") computed on the server, as apiextensions-apiserver's TableConvertor does.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "modelops/common/clock.h"

namespace modelops::apimachinery {

struct PrinterColumn {
  std::string name;         // header, e.g. "Phase" (kubectl upper-cases it)
  std::string type;         // integer, number, string, boolean, date
  std::string format;       // optional: int32, int64, float, double, byte, date, date-time, password, name
  std::string description;  // shown by kubectl with --show-kind; defaults as the apiserver's
  std::string jsonPath;     // e.g. ".status.phase"
  int priority = 0;         // 0 = shown by default, >0 only with -o wide
  // Built-in printers compute some cells (e.g. Deployment READY "2/3"): when set, used instead of jsonPath.
  // `now` is the server's time for ages.
  std::function<nlohmann::json(const nlohmann::json& object, Clock::WallTime now)> compute;
};

// A column whose cells `compute` derives from the object (and the server's time, for ages).
PrinterColumn computedColumn(std::string name, std::string description,
                             std::function<nlohmann::json(const nlohmann::json& object, Clock::WallTime now)> compute,
                             int priority = 0, std::string type = "string");

enum class IncludeObject { None, Metadata, Object };

// `objects` are full objects (each with apiVersion, kind, metadata). The Table's metadata carries
// resourceVersion and continue (omitted when empty).
nlohmann::json renderTable(const std::vector<nlohmann::json>& objects, const std::vector<PrinterColumn>& columns,
                           const std::string& resourceVersion, const std::string& continueToken,
                           Clock::WallTime now, bool includeObjectMetadata);
nlohmann::json renderTable(const std::vector<nlohmann::json>& objects, const std::vector<PrinterColumn>& columns,
                           const std::string& resourceVersion, const std::string& continueToken,
                           Clock::WallTime now, IncludeObject includeObject);

// Columns of the built-in printers (excluding Name): Deployment, Service, Namespace, Event, Lease,
// ConfigMap, Secret, CustomResourceDefinition; any other kind gets AGE only.
std::vector<PrinterColumn> builtinColumns(const std::string& kind);

// Columns for a CRD version's additionalPrinterColumns (JSON array, as in the CRD); when absent or
// empty, the apiserver's default single Age column (.metadata.creationTimestamp, type date).
std::vector<PrinterColumn> crdColumns(const nlohmann::json& additionalPrinterColumns);

// Age as the apiserver writes it (duration.HumanDuration): "45s", "5m30s", "3h2m", "2d4h", "3y".
std::string humanDuration(std::chrono::milliseconds elapsed);

// metav1 PartialObjectMetadata for an object: {"kind":"PartialObjectMetadata",
// "apiVersion":"meta.k8s.io/v1","metadata":{...}}.
nlohmann::json partialObjectMetadata(const nlohmann::json& object);

}  // namespace modelops::apimachinery
