#!/usr/bin/env bash
# The main job: installs dependencies, builds, and runs the local demo.
# Until the demo driver exists in the build, it shows the operator's command line instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=build bash scripts/build.sh -DMODELOPS_BUILD_BENCH=OFF
if [ -x scripts/run-demo.sh ]; then
  exec bash scripts/run-demo.sh build
fi
./build/bin/modelops-operator --help
