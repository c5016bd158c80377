// IdNonceGenerator: the unique part of a prediction id (PredictionId::nonce). Without it two predictions with
// the same facts (version, class, segment, row) in the same millisecond got the same id, and the second label
// was refused as a duplicate.
// Values are a bijection (the splitmix64 finalizer) of a 64-bit counter that starts at a random point
// (std::random_device) per generator: distinct within a generator until 2^64 values, and distinct across
// gateway replicas with overwhelming probability, with no coordination. The mixing only spreads the bits so an
// id does not show a plain request count at a glance; a nonce is not a secret (ids are signed, not encrypted).
// Thread-safety: next() is safe from any thread (one relaxed atomic add); one generator per process is enough.
#pragma once

#include <atomic>
#include <cstdint>

namespace modelops::gateway {

class IdNonceGenerator {
 public:
  IdNonceGenerator();                                  // random start
  explicit IdNonceGenerator(std::uint64_t start);      // fixed start: for tests and benchmarks
  IdNonceGenerator(const IdNonceGenerator&) = delete;
  IdNonceGenerator& operator=(const IdNonceGenerator&) = delete;

  std::uint64_t next() noexcept;

  // The bijection applied to the counter (exposed so a test can check it is one).
  static std::uint64_t mix(std::uint64_t counter) noexcept;

 private:
  std::atomic<std::uint64_t> counter_;
};

}  // namespace modelops::gateway
