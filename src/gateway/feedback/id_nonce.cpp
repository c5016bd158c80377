// IdNonceGenerator. See id_nonce.h.
// Thread-safety: the counter is one atomic; the constructor runs before any concurrent use.
#include "modelops/gateway/feedback/id_nonce.h"

#include <chrono>
#include <exception>
#include <random>

#include <unistd.h>

namespace modelops::gateway {

namespace {

// 64 random bits from the OS. std::random_device can throw where no entropy source is available (a sandbox
// without getrandom or /dev/urandom): the start then comes from the clock, the pid and an address, which
// still differs between replicas almost always, rather than failing the gateway's start.
std::uint64_t randomStart() {
  try {
    std::random_device device;
    return (std::uint64_t(device()) << 32) ^ std::uint64_t(device());
  } catch (const std::exception&) {
    const auto ticks = std::uint64_t(std::chrono::high_resolution_clock::now().time_since_epoch().count());
    int onStack = 0;
    return IdNonceGenerator::mix(ticks ^ (std::uint64_t(::getpid()) << 40) ^
                                 std::uint64_t(reinterpret_cast<std::uintptr_t>(&onStack)));
  }
}

}  // namespace

IdNonceGenerator::IdNonceGenerator() : counter_(randomStart()) {}

IdNonceGenerator::IdNonceGenerator(std::uint64_t start) : counter_(start) {}

std::uint64_t IdNonceGenerator::next() noexcept { return mix(counter_.fetch_add(1, std::memory_order_relaxed)); }

std::uint64_t IdNonceGenerator::mix(std::uint64_t z) noexcept {
  // splitmix64's finalizer: xor-shifts and multiplications by odd constants, each invertible, so distinct
  // counters give distinct values.
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace modelops::gateway
