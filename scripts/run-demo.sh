#!/usr/bin/env bash
# The local demo of modelops, with no cluster: the dev API server, the operator, modelops-gateway, two real
# scikit-learn model servers (demo/model-server: a digits classifier trained at start-up, KServe v1), a real
# Prometheus scraping the gateway, and an application (demo/driver) that sends held-out rows through the
# gateway and posts their true labels back to /v1/feedback two seconds later. It deploys digits 1.0, rolls out
# 1.1 (as accurate overall, but trained with 90% of the 8s withheld) and watches the operator roll it back on
# class 8's floor, then rolls out 1.2 (good) to promotion; then 1.2 degrades in production: monitoring returns
# traffic to 1.0 and starts a retraining Job (run by the dev server), which reports a candidate, and a local
# webhook receiver prints the CloudEvents the operator sent at each step. Everything listens on 127.0.0.1 on
# ports chosen at run time; every process it starts is stopped and its temporary directory removed at the end,
# on failure and on Ctrl-C.
#
# Usage: bash scripts/run-demo.sh BUILD_DIR        (scripts/demo.sh builds, then runs this; docs/demo.md)
# Exit status: 0 when the story happened; 1 when it did not (a timeout, an unexpected phase, a process that
# died); 2 for a usage or missing-program error; 130 on Ctrl-C.
# Environment: MODELOPS_DEMO_STEP_TIMEOUT (seconds per wait, default 150), MODELOPS_DEMO_KEEP=1 (keep the
# temporary directory with every log), NO_COLOR (no colour even on a terminal), MODELOPS_DEMO_BAD_QUALITY
# (the model 1.1 really is: bad, the default, or good: e2e.demo_unexpected checks that the demo then fails),
# MODELOPS_DEMO_RATE (predictions per second, default 100).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
readonly REPO_DIR
readonly NAME=digits NS=ml KEY_SECRET=modelops-gateway-keys PYTHON=/usr/bin/python3
readonly STEP_TIMEOUT=${MODELOPS_DEMO_STEP_TIMEOUT:-150}
readonly BAD_QUALITY=${MODELOPS_DEMO_BAD_QUALITY:-bad}
readonly RATE=${MODELOPS_DEMO_RATE:-100}
DEMO_START=$(date +%s)
readonly DEMO_START

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR   (the CMake build directory holding bin/modelops-operator ...)" >&2
  exit 2
fi
case "$BAD_QUALITY" in good | bad) ;; *) echo "MODELOPS_DEMO_BAD_QUALITY must be good or bad" >&2; exit 2 ;; esac
BUILD_DIR=$(cd "$1" && pwd)
readonly BUILD_DIR BIN=$BUILD_DIR/bin
TMP=''
# shellcheck source=../demo/demo-lib.sh
source "$REPO_DIR/demo/demo-lib.sh"

# ------------------------------------------------------------------------------------------- the pieces
md_field() { kubectl get md "$NAME" -n "$NS" -o jsonpath="$1" 2>/dev/null || true; }

# The plugin's tree when it is built, else what kubectl alone shows.
show_md() {
  if [ "$HAVE_PLUGIN" = 1 ]; then
    show kubectl modelops get "$NAME" -n "$NS"
  else
    show kubectl get md "$NAME" -n "$NS" -o wide
    printf '  %s$ kubectl get md %s -n %s -o jsonpath={.status.message}%s\n' "$BOLD" "$NAME" "$NS" "$RESET"
    md_field '{.status.message}' | indent
    echo
  fi
}

# start_model_server TRACK VERSION QUALITY: the pods behind Service digits-TRACK (one process stands for them);
# wait_model_server TRACK: until it serves (it trains first: a few seconds), then sets PORT_<TRACK>.
start_model_server() {
  start_proc "model-$1" "$PYTHON" "$REPO_DIR/demo/model-server/server.py" --model "$NAME" \
    --version "$2" --quality "$3" --port 0
}
wait_model_server() {
  local track=$1 line port
  line=$(wait_line "model-$track" 'ready port=[0-9]+' 60)
  port=$(sed -E 's/.*port=([0-9]+).*/\1/' <<<"$line")
  printf -v "PORT_${track^^}" '%s' "$port"
  say "Service $NAME-$track -> 127.0.0.1:$port: $(sed -E 's/.*(version=[^ ]+ quality=[^ ]+).*/\1/' <<<"$line")"
}

# kubelet TRACK VERSION QUALITY: the dev server runs no pods, so the demo plays the kubelet: the pods behind
# Service digits-TRACK now run VERSION (the server trains that model and swaps it in).
kubelet() {
  local track=$1 version=$2 quality=$3 port
  port=$(eval "echo \$PORT_${track^^}")
  curl -sf --max-time 30 -X POST "http://127.0.0.1:$port/admin/load" \
    -d "{\"version\": \"$version\", \"quality\": \"$quality\"}" >/dev/null ||
    fail "the model server behind $NAME-$track did not load $version"
  say "(kubelet) the pods behind Service $NAME-$track now run $version ($quality model)"
}

render_md() {
  sed -e "s|__VERSION__|$1|g" -e "s|__PROMETHEUS_URL__|$PROM_URL|g" "$REPO_DIR/demo/modeldeployment.yaml"
}

# One held-out row of the digits data set as a KServe v1 body, and its true label.
sample_request() {
  "$PYTHON" - "$REPO_DIR/demo/model-server" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from digits_models import held_out_rows
rows, labels = held_out_rows()
print(labels[3], json.dumps({"instances": [rows[3]]}))
PY
}

# follow UNTIL_PHASE VERSION SECONDS: prints one line per change of the rollout until the operator has
# observed the current generation and the phase is UNTIL_PHASE (for Healthy: with VERSION stable and no
# canary). Fails on a phase that contradicts the story, or at the deadline.
LAST_RUNS=''
follow() {
  local want=$1 version=$2 deadline=$(($(date +%s) + $3)) last='' snapshot=0
  local fmt='{.metadata.generation}|{.status.observedGeneration}|{.status.phase}|{.status.stable.version}|{.status.stable.weight}|{.status.canary.version}|{.status.canary.weight}|{.status.message}'
  while :; do
    local state gen obs phase sv sw cv cw msg
    check_alive devserver operator gateway prometheus model-stable model-canary driver
    state=$(md_field "$fmt")
    IFS='|' read -r gen obs phase sv sw cv cw msg <<<"$state"
    if [ -n "$state" ] && [ "$state" != "$last" ]; then
      last=$state
      local weights="stable ${sv:-?} ${sw:-?}%"
      [ -z "$cv" ] || weights+="  canary $cv ${cw:-0}%"
      printf '  %s[%s]%s %-12s %-30s %s\n' "$DIM" "$(stamp)" "$RESET" "${phase:-?}" "$weights" "$msg"
      local runs  # keep the latest measurement: after a rollback the status may no longer carry it
      runs=$(md_field '{range .status.analysis.runs[*]}{.metric}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}')
      [ -z "$runs" ] || LAST_RUNS=$runs
    fi
    if [ -n "$gen" ] && [ "$gen" = "$obs" ]; then
      case "$want:$phase" in
        RolledBack:RolledBack) return 0 ;;
        Healthy:Healthy) [ "$sv" = "$version" ] && [ -z "$cv" ] && return 0 ;;
        Degraded:Degraded) [ "$sv" != "$version" ] && return 0 ;;  # traffic is back on the last good version
        Degraded:Healthy) ;;
        RolledBack:Healthy) [ "$sv" = "$version" ] && fail "version $version was promoted; the demo expected a rollback" ;;
        Healthy:RolledBack) fail "version $version was rolled back; the demo expected a promotion: $msg" ;;
        *:Failed | *:Invalid | *:Degraded | *:Paused) fail "unexpected phase $phase: $msg" ;;
      esac
      if [ "$snapshot" = 0 ] && [ -n "$cv" ] && [[ "$msg" == *"analysis running"* ]]; then
        snapshot=1
        echo
        say "the canary is being measured; the whole rollout as kubectl shows it now:"
        show_md
      fi
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "no phase $want for version $version within $3 s (phase ${phase:-none}: ${msg:-no message})"
    sleep 0.5
  done
}

# The measurements behind the last verdict, overall and per class.
show_measurements() {
  local runs segments
  runs=$(md_field '{range .status.analysis.runs[*]}{.metric}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}')
  [ -n "$runs" ] || runs=$LAST_RUNS
  segments=$(md_field '{range .status.analysis.runs[*]}{range .segments[*]}{.segment}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}{end}')
  say "the measurements behind it (status.analysis.runs; one-sided 95% bounds, per class corrected for the number of classes):"
  printf '%s\n%s\n' "$runs" "$segments" | awk -F'|' 'NF >= 6 && $3 != "" {
    printf "    %-20s %-12s accuracy %.3f  bounds [%.3f, %.3f]  n=%d\n", $1, $2, $3, $4, $5, $6 }'
}

# The gateway's own counts for VERSION, from Prometheus: predictions, labels, accuracy, recall of class 8.
show_gateway_counts() {
  local v=$1 sel preds labeled correct l8 c8
  sel="namespace=\"$NS\",model=\"$NAME\",version=\"$v\""
  preds=$(prom_value "sum(modelops_predictions_total{$sel})")
  labeled=$(prom_value "sum(modelops_feedback_labeled_total{$sel})")
  correct=$(prom_value "sum(modelops_feedback_correct_total{$sel})")
  l8=$(prom_value "sum(modelops_feedback_labeled_total{$sel,class=\"8\"})")
  c8=$(prom_value "sum(modelops_feedback_correct_total{$sel,class=\"8\"})")
  awk -v v="$v" -v p="${preds:-0}" -v l="${labeled:-0}" -v c="${correct:-0}" -v l8="${l8:-0}" -v c8="${c8:-0}" 'BEGIN {
    printf "    version %-4s predictions %6d  labels %6d  accuracy %s  recall of 8 %s (n=%d)\n", v, p, l,
      (l > 0 ? sprintf("%.3f", c / l) : "n/a"), (l8 > 0 ? sprintf("%.3f", c8 / l8) : "n/a"), l8 }'
}

# follow_degradation BAD GOOD SECONDS: after BAD was promoted and started to fail, one line per change of status
# until monitoring has declared it degraded and traffic is back on GOOD (phase Degraded, stable GOOD). When the
# phase turns Degraded the pods of GOOD take the stable Service back: the demo's kubelet loads GOOD at once.
follow_degradation() {
  local bad=$1 good=$2 deadline=$(($(date +%s) + $3)) last='' loaded=0 state phase sv sw msg
  while :; do
    check_alive devserver operator gateway prometheus model-stable model-canary driver webhook
    state=$(md_field '{.status.phase}|{.status.stable.version}|{.status.stable.weight}|{.status.message}')
    IFS='|' read -r phase sv sw msg <<<"$state"
    if [ -n "$state" ] && [ "$state" != "$last" ]; then
      last=$state
      printf '  %s[%s]%s %-12s %-30s %s\n' "$DIM" "$(stamp)" "$RESET" "${phase:-?}" "stable ${sv:-?} ${sw:-?}%" "$msg"
    fi
    if [ "$phase" = Degraded ]; then
      [ "$loaded" = 1 ] || { kubelet stable "$good" good; loaded=1; }
      [ "$sv" = "$good" ] && return 0
    fi
    case "$phase" in Failed | Invalid | Paused | RolledBack) fail "unexpected phase $phase while $bad degrades: $msg" ;; esac
    [ "$(date +%s)" -lt "$deadline" ] || fail "monitoring did not find $bad degraded within $3 s (phase ${phase:-none}: ${msg:-no message})"
    sleep 0.2
  done
}

# wait_retraining_candidate SECONDS: one line per change of status.retraining until a run has reported a
# candidate; fails when the run fails or at the deadline.
wait_retraining_candidate() {
  local deadline=$(($(date +%s) + $1)) last='' state current outcome message candidate
  while :; do
    check_alive devserver operator
    state=$(md_field '{.status.retraining.current.name}|{.status.retraining.history[0].outcome}|{.status.retraining.history[0].message}|{.status.retraining.candidate.version}')
    IFS='|' read -r current outcome message candidate <<<"$state"
    if [ -n "$state" ] && [ "$state" != "$last" ]; then
      last=$state
      if [ -n "$current" ]; then
        printf '  %s[%s]%s run %s in flight (%s)\n' "$DIM" "$(stamp)" "$RESET" "$current" \
          "$(md_field '{.status.retraining.current.trigger}: {.status.retraining.current.reason}')"
      elif [ -n "$outcome" ]; then
        printf '  %s[%s]%s last run %s%s\n' "$DIM" "$(stamp)" "$RESET" "$outcome" "${message:+: $message}"
      fi
    fi
    [ -n "$candidate" ] && return 0
    [ "$outcome" != Failed ] || fail "the retraining run failed: $message"
    [ "$(date +%s)" -lt "$deadline" ] || fail "no retraining candidate within $1 s (status.retraining: $state)"
    sleep 0.5
  done
}

# The receiver's lines, one per delivery, shortened: the CloudEvent type and the start of data.message.
show_webhook_deliveries() {
  local line type message
  while IFS= read -r line; do
    type=$(grep -oE ' type=[^ ]+' <<<"$line" | head -n 1 | sed 's/^ type=//')
    message=$(grep -oE '"message":"([^"\\]|\\.)*"' <<<"$line" | head -n 1 | sed -E 's/^"message":"//; s/"$//')
    [ ${#message} -le 110 ] || message="${message:0:107}..."
    printf '    %-46s %s\n' "$type" "$message"
  done < <(grep '^webhook received: ' "$TMP/webhook.out")
}

# wait_webhook REGEX SECONDS: until the webhook receiver has printed a delivery matching REGEX.
wait_webhook() {
  local deadline=$(($(date +%s) + $2))
  until grep -qE "$1" "$TMP/webhook.out" 2>/dev/null; do
    check_alive webhook operator
    [ "$(date +%s)" -lt "$deadline" ] || fail "the webhook receiver got no delivery matching '$1' within $2 s"
    sleep 0.2
  done
}

source "$REPO_DIR/demo/story.sh"
