#!/usr/bin/env bash
# bench/gateway/run.sh: builds what the gateway benchmark needs in an optimised build tree
# (RelWithDebInfo: a data plane is measured as it ships, not at the test build's -O1) and runs it.
#   bench/gateway/run.sh                          # one round, the table and the goals
#   bench/gateway/run.sh --rounds 2               # twice, with the spread between rounds
#   bench/gateway/run.sh --soak-seconds 600       # plus a 10-minute soak sampling the gateway's RSS
# Every other flag goes to gateway_bench (see the header of gateway_bench.cpp).
# Environment: BUILD_DIR (default <repo>/build-bench), JOBS (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
jobs=${JOBS:-2}

for tool in /usr/sbin/nginx /usr/bin/wrk; do
  if [[ ! -x $tool ]]; then
    echo "run.sh: $tool is missing (Debian nginx-light and wrk; scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
done
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMODELOPS_BUILD_BENCH=ON \
    -DMODELOPS_BUILD_TESTS=OFF >/dev/null
fi
targets=(gateway_bench bench-upstream modelops-devserver)
if ninja -C "$build" -t targets all | grep -q '^bin/modelops-gateway:'; then
  targets+=(modelops-gateway)
else
  echo "run.sh: this tree has no modelops-gateway target: measuring direct and nginx only" >&2
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >/dev/null
exec "$build/bench/gateway/gateway_bench" "$@"
