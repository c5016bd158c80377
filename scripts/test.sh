#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test suite (unit, integration, e2e),
# then builds the unit suites again under AddressSanitizer + UBSan and runs them.
# Usage: scripts/test.sh            (CI runs exactly this through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo, -Werror)"
BUILD_DIR=build bash scripts/build.sh -DMODELOPS_BUILD_BENCH=ON
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

echo "== sanitizer build (Debug, ASan + UBSan, unit suites)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMODELOPS_WERROR=ON -DMODELOPS_SANITIZE=ON \
  -DMODELOPS_UNIT_TESTS_ONLY=ON -DMODELOPS_BUILD_PROGRAMS=OFF -DMODELOPS_BUILD_BENCH=OFF
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs" -L unit)
