#!/usr/bin/env bash
# Configures and builds modelops into ${BUILD_DIR:-build}, warnings as errors.
# BUILD_TYPE defaults to Check (-O1, line tables: the fastest to compile, used by the demo and the tests);
# benchmarks are measured with BUILD_TYPE=RelWithDebInfo (see docs/benchmarks.md).
# Uses Ninja when it is installed, unless the build directory was already configured with another generator.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
build_type=${BUILD_TYPE:-Check}
jobs=${JOBS:-2}
generator=()
if [ ! -f "$build_dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S . -B "$build_dir" "${generator[@]+"${generator[@]}"}" -DCMAKE_BUILD_TYPE="$build_type" -DMODELOPS_WERROR=ON "$@"
cmake --build "$build_dir" -j"$jobs"
