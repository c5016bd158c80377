// libFuzzer entry point for the label_selector target; the body is modelops::fuzz::labelSelector (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::labelSelector(data, size);
  return 0;
}
