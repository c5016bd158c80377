#!/usr/bin/env bash
# Configures and builds modelops into ${BUILD_DIR:-build} (RelWithDebInfo, warnings as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-2}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODELOPS_WERROR=ON "$@"
cmake --build "$build_dir" -j"$jobs"
