// libFuzzer entry point for the prediction_id target; the body is modelops::fuzz::predictionId (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::predictionId(data, size);
  return 0;
}
