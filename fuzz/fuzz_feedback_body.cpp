// libFuzzer entry point for the feedback_body target; the body is modelops::fuzz::feedbackBody (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::feedbackBody(data, size);
  return 0;
}
