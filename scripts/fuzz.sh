#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in build-fuzz/ and runs each for SECONDS_PER_TARGET
# (default 20, the CI form; `scripts/fuzz.sh 3600` is a long run), starting from a scratch copy of its
# seed corpus and former crash inputs, so the repository is never written to.
# Exits non-zero when a target crashes, leaks, times out or violates a checked property; the input is
# then left in the scratch dir (printed) to be fixed and copied to fuzz/regressions/<target>/.
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_WORK_DIR (default a new temp dir),
# FUZZ_TARGETS (space-separated subset), FUZZ_JOBS (build parallelism, default 2), FUZZ_PARALLEL (targets
# run at once, default 1), FUZZ_SEED (libFuzzer -seed; unset: a random seed per run).
set -euo pipefail

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: $0 [SECONDS_PER_TARGET]" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
work="${FUZZ_WORK_DIR:-$(mktemp -d /tmp/modelops-fuzz.XXXXXX)}"
targets="${FUZZ_TARGETS:-yaml_loader api_decode kubeconfig watch_lines prometheus_response label_selector feedback_body prediction_id}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

# A build directory already configured with MODELOPS_FUZZ=ON is reused as it is (scripts/test.sh builds the
# fuzz targets in its clang sanitizer build). Otherwise only the libraries the targets link are built.
if [ -f "$build/CMakeCache.txt" ] && grep -q '^MODELOPS_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "fuzz: reusing the configured build in $build"
else
  CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Check -DMODELOPS_WERROR=ON -DMODELOPS_FUZZ=ON \
    -DMODELOPS_BUILD_TESTS=OFF -DMODELOPS_BUILD_BENCH=OFF -DMODELOPS_BUILD_PROGRAMS=OFF >/dev/null
fi
build_targets=()
for t in $targets; do build_targets+=("fuzz_$t"); done
mkdir -p "$work"
if ! cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target "${build_targets[@]}" >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log"
  echo "fuzz build failed (log: $work/build.log)" >&2
  exit 1
fi

parallel="${FUZZ_PARALLEL:-1}"
seed_note="random seed"
if [ -n "${FUZZ_SEED:-}" ]; then seed_note="seed $FUZZ_SEED"; fi
echo "fuzzing for ${seconds}s per target, $parallel at a time, $seed_note; scratch dir $work"

# Runs one target from a scratch copy of its corpus; leaves its exit status in $work/<target>/status.
run_target() {
  local t="$1" corpus="$work/$1/corpus" artifacts="$work/$1/artifacts" status=0
  mkdir -p "$corpus" "$artifacts"
  cp -r "$root/fuzz/corpus/$t/." "$corpus/"
  if [ -d "$root/fuzz/regressions/$t" ]; then cp -r "$root/fuzz/regressions/$t/." "$corpus/"; fi
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
              -artifact_prefix="$artifacts/")
  if [ -f "$root/fuzz/$t.dict" ]; then args+=(-dict="$root/fuzz/$t.dict"); fi
  # A fixed seed (CI) makes a failure reproducible: the same seed replays the same mutations.
  if [ -n "${FUZZ_SEED:-}" ]; then args+=(-seed="$FUZZ_SEED"); fi
  "$build/fuzz/fuzz_$t" "${args[@]}" "$corpus" >"$work/$t/fuzz.log" 2>&1 || status=$?
  echo "$status" >"$work/$t/status"
}

running=0
for t in $targets; do
  if [ "$running" -ge "$parallel" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

failed=()
summary=()
for t in $targets; do
  log="$work/$t/fuzz.log"
  status="$(cat "$work/$t/status" 2>/dev/null || echo 1)"
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    summary+=("$(printf '%-22s FAILED (exit %s) after %s executions; inputs in %s' "$t" "$status" "${execs:-?}" "$work/$t/artifacts")")
    echo "---- $t failed; log tail:"
    tail -n 40 "$log"
  else
    summary+=("$(printf '%-22s ok  %10s executions in %ss, corpus %s files' "$t" "${execs:-?}" "$seconds" "$(ls "$work/$t/corpus" | wc -l)")")
  fi
done
echo
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "crashes in: ${failed[*]}" >&2
  exit 1
fi
