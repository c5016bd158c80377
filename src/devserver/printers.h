// Printer columns for `kubectl get` Tables of the kinds the dev server serves: the apimachinery module's
// built-in printers, plus the ServiceAccount and rbac.authorization.k8s.io/v1 printers of kube-apiserver
// (kept here because only the dev server serves those kinds), or a CRD's additionalPrinterColumns.
// Thread-safety: pure functions.
#pragma once

#include <vector>

#include "modelops/apimachinery/table.h"
#include "registry.h"

namespace modelops::devserver {

std::vector<apimachinery::PrinterColumn> printerColumns(const ResourceType& type);

}  // namespace modelops::devserver
