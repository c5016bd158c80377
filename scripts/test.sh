#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test suite (unit, integration, e2e, chaos short
# form), compiles a subset in Release (warnings GCC reports only when optimising), then builds the unit
# suites and the fuzz targets with clang under AddressSanitizer + UBSan, runs the unit suites there, and runs
# each fuzz target briefly.
# Usage: scripts/test.sh            (CI runs exactly this through .ci/run)
# Each stage prints its duration; CI has 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
stage_start=$SECONDS
stage() {
  echo "== $1 (previous stage: $((SECONDS - stage_start)) s)"
  stage_start=$SECONDS
}

bash scripts/install-deps.sh

stage "build (Check: -O1, -Werror)"
BUILD_DIR=build bash scripts/build.sh -DMODELOPS_BUILD_BENCH=ON
stage "tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

stage "build types (GCC -Werror at -O3: Release on a subset; scripts/check-build-types.sh for all)"
JOBS=$jobs bash scripts/check-build-types.sh Release
stage "sanitizer build (clang, ASan + UBSan: unit suites and fuzz targets)"
BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_CXX_COMPILER=clang++ -DMODELOPS_SANITIZE=ON \
  -DMODELOPS_UNIT_TESTS_ONLY=ON -DMODELOPS_BUILD_PROGRAMS=OFF -DMODELOPS_BUILD_BENCH=OFF -DMODELOPS_FUZZ=ON
stage "sanitizer tests"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs" -L unit)
stage "fuzzing (20 s per target, two at a time, fixed seed; a long run is scripts/fuzz.sh 3600)"
FUZZ_BUILD_DIR="$PWD/build-asan" FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_PARALLEL=${FUZZ_PARALLEL:-$jobs} bash scripts/fuzz.sh 20
stage "done"
echo "total: ${SECONDS} s"
