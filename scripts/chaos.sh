#!/usr/bin/env bash
# Runs the chaos suite (tests/chaos/rollouts): rollouts of mixed scenarios while the operator is SIGKILLed
# and restarted and the dev API server injects faults. See docs/reliability.md.
#
#   scripts/chaos.sh            short form (12 rollouts, what ctest runs by default)
#   scripts/chaos.sh --long     long form (50 rollouts)
#   scripts/chaos.sh --rollouts N --seed S --report FILE
#
# Uses the build in ${BUILD_DIR:-build} (configured by scripts/build.sh); builds the test and the operator
# there if needed. Exit status: the test's.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build_dir=${BUILD_DIR:-build}
rollouts=12
seed=${MODELOPS_CHAOS_SEED:-}
report=
while [ $# -gt 0 ]; do
  case "$1" in
    --long) rollouts=50 ;;
    --rollouts) rollouts=${2:?--rollouts needs a number}; shift ;;
    --seed) seed=${2:?--seed needs a number}; shift ;;
    --report) report=${2:?--report needs a file}; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  echo "chaos.sh: no build in $build_dir (run scripts/build.sh or set BUILD_DIR)" >&2
  exit 2
fi
cmake --build "$build_dir" -j"${JOBS:-2}" --target test_chaos_rollouts modelops-operator
binary=$(find "$build_dir/tests/chaos/rollouts" -maxdepth 1 -type f -name test_chaos_rollouts -perm -u+x | head -n1)
if [ -z "$binary" ]; then
  echo "chaos.sh: test_chaos_rollouts was not built in $build_dir" >&2
  exit 2
fi

export MODELOPS_SOURCE_DIR=$root
export MODELOPS_BINARY_DIR=$(cd "$build_dir" && pwd)
export MODELOPS_CHAOS_ROLLOUTS=$rollouts
[ -n "$seed" ] && export MODELOPS_CHAOS_SEED=$seed
[ -n "$report" ] && export MODELOPS_CHAOS_REPORT=$report
echo "chaos.sh: $rollouts rollouts, build $MODELOPS_BINARY_DIR, seed ${seed:-default}"
start=$(date +%s)
status=0
"$binary" --gtest_brief=0 || status=$?
echo "chaos.sh: exit status $status after $(( $(date +%s) - start )) s"
exit $status
