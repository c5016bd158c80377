// libFuzzer entry point for the kubeconfig target; the body is modelops::fuzz::kubeconfig (targets.cpp).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  modelops::fuzz::kubeconfig(data, size);
  return 0;
}
