#!/usr/bin/env bash
# The test command: installs dependencies, builds, runs every test suite (unit, integration, e2e, chaos short
# form), compiles a subset in Release (warnings GCC reports only when optimising), then builds the unit
# suites and the fuzz targets with clang under AddressSanitizer + UBSan, runs the unit suites there, and runs
# each fuzz target briefly.
# Usage: scripts/test.sh            (CI runs exactly this through .ci/run)
# Each stage prints its duration; CI has 2 cores.
#
# Why two builds overlap the suites: the suites spend most of their time waiting (on processes, watches,
# Prometheus scrapes), not computing, so the Release subset and the sanitizer build run at the lowest CPU
# priority (nice 19) while ctest runs: they take only the CPU the suites leave idle, and the suites keep
# their timing. Their output goes to build/background-builds.log, printed when they finish.
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

background_builds() {
  local started=$SECONDS
  echo "== build types (GCC -Werror at -O3: Release on a subset; scripts/check-build-types.sh for all)"
  JOBS=$jobs bash scripts/check-build-types.sh Release
  echo "== sanitizer build (clang, ASan + UBSan: unit suites and fuzz targets) at $((SECONDS - started)) s"
  BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_CXX_COMPILER=clang++ -DMODELOPS_SANITIZE=ON \
    -DMODELOPS_UNIT_TESTS_ONLY=ON -DMODELOPS_BUILD_PROGRAMS=OFF -DMODELOPS_BUILD_BENCH=OFF -DMODELOPS_FUZZ=ON
  echo "== background builds done in $((SECONDS - started)) s"
}
stage "tests, with the Release subset and the sanitizer build at nice 19 in the background"
nice -n 19 bash -c "set -euo pipefail; $(declare -f background_builds); jobs=$jobs; background_builds" >build/background-builds.log 2>&1 &
background=$!
tests_status=0
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600) || tests_status=$?
stage "waiting for the background builds"
background_status=0
wait "$background" || background_status=$?
cat build/background-builds.log
[ "$tests_status" -eq 0 ] || { echo "test suites failed (ctest exit $tests_status)"; exit "$tests_status"; }
[ "$background_status" -eq 0 ] || { echo "a background build failed (exit $background_status)"; exit "$background_status"; }

stage "sanitizer tests"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs" -L unit)
stage "fuzzing (10 s per target, two at a time, fixed seed; a long run is scripts/fuzz.sh 3600)"
FUZZ_BUILD_DIR="$PWD/build-asan" FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_PARALLEL=${FUZZ_PARALLEL:-$jobs} bash scripts/fuzz.sh 10
stage "done"
echo "total: ${SECONDS} s"
