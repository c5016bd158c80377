#!/usr/bin/env bash
# Checks that the build types users pick (Debug, Release, RelWithDebInfo) compile warning-free with GCC:
# optimisation levels differ, and so do the warnings GCC reports (e.g. a false -Wrestrict at -O2/-O3 in
# std::string concatenation, GCC bug 105329). The project's own build (scripts/build.sh) is Check (-O1),
# which does not see those. A full build per type would cost CI minutes it does not have, so this
# compiles, with -Werror, a fixed subset per type: the api library (the codec's templates over every
# field), the judge library, and the one test that failed a Release build before (tests/e2e/argocd).
# Usage: scripts/check-build-types.sh [BUILD_TYPE ...]   (default: Debug Release RelWithDebInfo)
# Build trees: ${CHECK_BUILD_ROOT:-build-types}/<type>. Exits non-zero at the first warning.
set -euo pipefail
cd "$(dirname "$0")/.."
root=${CHECK_BUILD_ROOT:-build-types}
jobs=${JOBS:-2}
types=("$@")
[ ${#types[@]} -gt 0 ] || types=(Debug Release RelWithDebInfo)
subset=(modelops_api modelops_analysis_judge
        tests/e2e/argocd/CMakeFiles/test_e2e_argocd.dir/Unity/unity_0_cxx.cxx.o)
for type in "${types[@]}"; do
  dir="$root/$type"
  mkdir -p "$root"  # the configure log sits next to the build tree
  echo "== $type: configure $dir"
  generator=()
  if [ ! -f "$dir/CMakeCache.txt" ] && command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
  cmake -S . -B "$dir" "${generator[@]+"${generator[@]}"}" -DCMAKE_BUILD_TYPE="$type" -DMODELOPS_WERROR=ON \
    -DMODELOPS_BUILD_BENCH=OFF >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; exit 1; }
  echo "== $type: compile ${subset[*]}"
  cmake --build "$dir" -j"$jobs" --target "${subset[@]}"
done
echo "== build types ${types[*]}: warning-free"
