// Operator wiring; see app.h.
#include "app.h"

#include <iostream>

#include "modelops/common/logging.h"

namespace modelops::cmd {

int runOperator(const OperatorOptions& options) {
  auto format = parseLogFormat(options.logFormat);
  if (auto st = configureLogging(options.logLevel, *format); !st) {
    std::cerr << "modelops-operator: " << st.error().message << "\n";
    return 2;
  }
  logError("the reconcile loop is not wired into this build yet");
  return 1;
}

}  // namespace modelops::cmd
