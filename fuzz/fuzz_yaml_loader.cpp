// libFuzzer entry point for the yaml_loader target; the body is modelops::fuzz::yamlLoader (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::yamlLoader(data, size);
  return 0;
}
