#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs the local demo (docs/demo.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=build bash scripts/build.sh -DMODELOPS_BUILD_BENCH=OFF
exec bash scripts/run-demo.sh build
