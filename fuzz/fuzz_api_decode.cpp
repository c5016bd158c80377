// libFuzzer entry point for the api_decode target; the body is modelops::fuzz::apiDecode (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::apiDecode(data, size);
  return 0;
}
