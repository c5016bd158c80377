// libFuzzer entry point for the prometheus_response target; the body is modelops::fuzz::prometheusResponse (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::prometheusResponse(data, size);
  return 0;
}
