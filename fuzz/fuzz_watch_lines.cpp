// libFuzzer entry point for the watch_lines target; the body is modelops::fuzz::watchLines (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::watchLines(data, size);
  return 0;
}
