#!/usr/bin/env bash
# e2e.demo / e2e.demo_unexpected: runs scripts/run-demo.sh against the build in MODELOPS_BINARY_DIR, in its own
# session and with its own TMPDIR, under a time limit, and checks what it printed, its exit status, that no
# process of its session is left and that it left nothing in TMPDIR.
#   demo_test.sh story       the demo must exit 0: 1.1 rolled back on class 8 with its measured accuracy, 1.2
#                            promoted, every label the application sent accepted by the gateway; 1.2 degraded,
#                            traffic back on 1.0, a retraining Job with the evidence and its candidate, the
#                            webhook told
#   demo_test.sh unexpected  1.1 made good (MODELOPS_DEMO_BAD_QUALITY=good): it gets promoted, so the demo must
#                            exit 1 and say why
set -uo pipefail
: "${MODELOPS_SOURCE_DIR:?set by ctest}" "${MODELOPS_BINARY_DIR:?set by ctest}"
readonly CASE=${1:-story} LIMIT=${MODELOPS_DEMO_TEST_LIMIT:-300}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tmp"
out=$work/demo.out
failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   - $1"; else echo "FAIL - $1"; failures=$((failures + 1)); fi
}
has() { grep -Eq -- "$1" "$out"; }

extra_env=()
[ "$CASE" = unexpected ] && extra_env=(MODELOPS_DEMO_BAD_QUALITY=good MODELOPS_DEMO_STEP_TIMEOUT=120)

# In a new session (setsid does not fork here: a background job is not a group leader), so its sid is $pid
# and every process it starts can be found afterwards.
env TMPDIR="$work/tmp" NO_COLOR=1 "${extra_env[@]}" \
  setsid bash "$MODELOPS_SOURCE_DIR/scripts/run-demo.sh" "$MODELOPS_BINARY_DIR" >"$out" 2>&1 </dev/null &
pid=$!
start=$SECONDS
timed_out=0
while kill -0 "$pid" 2>/dev/null; do
  if [ $((SECONDS - start)) -ge "$LIMIT" ]; then
    timed_out=1
    kill -TERM "$pid" 2>/dev/null   # the demo's trap stops what it started
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    break
  fi
  sleep 0.5
done
wait "$pid"
rc=$?
elapsed=$((SECONDS - start))

# Processes still in the demo's session (field 6 of /proc/PID/stat; after the ") " ending the command name,
# it is the 4th).
leftovers() {
  local stat sid p
  for stat in /proc/[0-9]*/stat; do
    p=${stat#/proc/}; p=${p%/stat}
    sid=$(sed 's/.*) //' "$stat" 2>/dev/null | awk '{ print $4 }')
    [ "$sid" = "$pid" ] && echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
  done
  return 0
}
left=$(leftovers)
# Do not leave them running whatever the verdict.
[ -z "$left" ] || kill -KILL -- "-$pid" 2>/dev/null

echo "=== demo output ($CASE, exit $rc, ${elapsed}s) ==="
cat "$out"
echo "=== checks ==="
check "finished within ${LIMIT}s" test "$timed_out" = 0
check "no process of the demo is left" test -z "$left"
[ -z "$left" ] || echo "$left"
check "nothing left in TMPDIR (the demo's work directory is removed)" test -z "$(ls -A "$work/tmp")"
check "the work directory was announced and removed" has '^  removed .*/modelops-demo\.'
check "the programs were stopped" has '^  stopping operator \(pid [0-9]+\)'

if [ "$CASE" = story ]; then
  check "exit status 0" test "$rc" = 0
  check "1.0 became Healthy" has '1\.0 is Healthy'
  check "1.1 rolled back" has '1\.1 was rolled back automatically'
  check "the rollback reason names class 8 with a measured bound and n" \
    has 'status\.history\[0\]\.reason: .*class=8.* [0-9]\.[0-9]+ < 0\.[0-9]+( \([^)]*\))?, n=[0-9]+'
  check "the measured accuracy of class 8 with its confidence bounds is shown" \
    has 'class=8 +Failed +accuracy 0\.[0-9]{3} +bounds \[[01]\.[0-9]{3}, [01]\.[0-9]{3}\] +n=[0-9]+'
  check "a prediction through the gateway carries X-Prediction-Id" has '^    [Xx]-[Pp]rediction-[Ii]d: [A-Za-z0-9_.~-]+'
  check "a forged id is refused with 403" has '\(HTTP 403\)'
  check "the gateway's counts show 1.1 poor on 8" has 'version 1\.1 +predictions +[0-9]+ +labels +[0-9]+ +accuracy 0\.[0-9]{3} +recall of 8 0\.[0-6]'
  check "the canary's weight was moved to 25%" has 'canary 1\.1 25%'
  check "1.2 promoted" has '1\.2 was promoted'
  check "1.2 stable at 100%" has 'Healthy +stable 1\.2 100%'
  check "every label the application sent was accepted" \
    has 'the application: predictions=[0-9]+ ok=[0-9]+ errors=0 ids=[0-9]+ labels_posted=([0-9]+) accepted=\1 rejected=0 '
  check "monitoring found 1.2 degraded and traffic went back to 1.0" has '^  \[[^]]*\] Degraded +stable 1\.0 100% +version 1\.2 was degraded after promotion'
  check "a retraining Job got the evidence" has '^    MODELOPS_TRIGGER=Degraded$'
  check "the Job reported candidate 1.3" has 'candidate reported by digits-retrain-1: 1\.3 s3://models/digits/1\.3'
  check "the webhook got the degradation and the retraining" \
    bash -c "grep -q 'dev\.modelops\.notification\.Degraded ' '$out' && grep -q 'dev\.modelops\.notification\.RetrainingFinished ' '$out'"
  check "the rollback comes before the promotion" \
    test "$(grep -n '1\.1 was rolled back' "$out" | head -n1 | cut -d: -f1)" \
         -lt "$(grep -n '1\.2 was promoted' "$out" | head -n1 | cut -d: -f1)"
  check "where to look next" has '^Where to look next'
  check "DEMO OK" has '^DEMO OK'
else
  check "exit status 1" test "$rc" = 1
  check "says the story did not happen" has 'DEMO FAILED.*version 1\.1 was promoted; the demo expected a rollback'
  check "no DEMO OK" bash -c "! grep -q 'DEMO OK' '$out'"
fi

[ "$failures" = 0 ] && echo "e2e.demo ($CASE): all checks passed" && exit 0
echo "e2e.demo ($CASE): $failures check(s) failed"
exit 1
