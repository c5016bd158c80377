#!/usr/bin/env bash
# The local demo of modelops, with no cluster: the dev API server, the operator, one simulated model server
# per model version (standing in for the pods the operator's Deployments would run) and a real Prometheus
# scraping them. It deploys fraud-detector 1.0, rolls out 1.1 (0.95 accurate overall but 0.70 in the
# eu-west segment) and watches the operator roll it back on the measured accuracy, then rolls out 1.2 (good)
# to promotion. Everything listens on 127.0.0.1 on ports chosen at run time; every process it starts is
# stopped and its temporary directory removed at the end, on failure and on Ctrl-C.
#
# Usage: bash scripts/run-demo.sh BUILD_DIR        (scripts/demo.sh builds, then runs this; docs/demo.md)
# Exit status: 0 when the story happened (1.1 rolled back, 1.2 promoted); 1 when it did not (a timeout, an
# unexpected phase, a process that died); 2 for a usage or missing-program error; 130 on Ctrl-C.
# Environment: MODELOPS_DEMO_STEP_TIMEOUT (seconds per wait, default 150), MODELOPS_DEMO_KEEP=1 (keep the
# temporary directory with every log), NO_COLOR (no colour even on a terminal),
# MODELOPS_DEMO_BAD_SEGMENT_ACCURACY (1.1's accuracy in eu-west, default 0.70; e2e.demo_unexpected sets
# 0.95 to check that the demo fails when the bad version is not rolled back).
set -euo pipefail

REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
readonly REPO_DIR
readonly NAME=fraud-detector NS=ml
readonly STEP_TIMEOUT=${MODELOPS_DEMO_STEP_TIMEOUT:-150}
readonly BAD_SEGMENT_ACCURACY=${MODELOPS_DEMO_BAD_SEGMENT_ACCURACY:-0.70}
DEMO_START=$(date +%s)
readonly DEMO_START

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILD_DIR   (the CMake build directory holding bin/modelops-operator ...)" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
readonly BIN=$BUILD_DIR/bin

# ---------------------------------------------------------------------------------------------------- output
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  BOLD=$'\e[1m' DIM=$'\e[2m' RED=$'\e[31m' GREEN=$'\e[32m' RESET=$'\e[0m'
else
  BOLD='' DIM='' RED='' GREEN='' RESET=''
fi
stamp() { printf '%s +%ss' "$(date -u +%H:%M:%S)" "$(($(date +%s) - DEMO_START))"; }
SECTION=0
section() {
  SECTION=$((SECTION + 1))
  printf '\n%s== %d. %s%s  %s[%s]%s\n' "$BOLD" "$SECTION" "$1" "$RESET" "$DIM" "$(stamp)" "$RESET"
}
say() { printf '%s[%s]%s %s\n' "$DIM" "$(stamp)" "$RESET" "$*"; }
indent() { sed 's/^/    /'; }
# Runs a command, showing it first, its output indented; its failure is the demo's.
show() {
  printf '  %s$ %s%s\n' "$BOLD" "$*" "$RESET"
  local rc=0
  "$@" 2>&1 | indent || rc=$?
  [ "$rc" = 0 ] || fail "'$*' failed (exit status $rc)"
}
fail() {
  printf '\n%sDEMO FAILED%s [%s]: %s\n' "$RED$BOLD" "$RESET" "$(stamp)" "$*" >&2
  exit 1
}

# ----------------------------------------------------------------------------------- processes and cleanup
TMP=''
declare -a PROC_NAMES=()
declare -A PROC_PID=()

# stop_proc NAME: SIGTERM, then up to 10 s for it to exit, then SIGKILL.
stop_proc() {
  local name=$1 pid=${PROC_PID[$1]:-}
  [ -n "$pid" ] || return 0
  unset "PROC_PID[$name]"
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(date +%s) + 10))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "  $name (pid $pid) did not stop in 10 s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ $rc -eq 1 ] && [ -n "$TMP" ] && [ -d "$TMP" ]; then   # a failure of the story, not Ctrl-C
    for log in operator.log devserver.log prometheus.log; do
      if [ -s "$TMP/$log" ]; then
        printf '\n--- last lines of %s ---\n' "$log" >&2
        tail -n 15 "$TMP/$log" >&2
      fi
    done
  fi
  if [ ${#PROC_NAMES[@]} -gt 0 ]; then
    printf '\n%s== cleanup%s  %s[%s]%s\n' "$BOLD" "$RESET" "$DIM" "$(stamp)" "$RESET"
    local i
    for ((i = ${#PROC_NAMES[@]} - 1; i >= 0; i--)); do   # reverse start order: the API server last
      local name=${PROC_NAMES[$i]}
      if [ -n "${PROC_PID[$name]:-}" ]; then
        echo "  stopping $name (pid ${PROC_PID[$name]})"
        stop_proc "$name"
      fi
    done
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then
    if [ "${MODELOPS_DEMO_KEEP:-}" = 1 ]; then
      echo "  kept $TMP (logs, configuration, Prometheus data)"
    else
      rm -rf "$TMP"
      echo "  removed $TMP"
    fi
  fi
  exit $rc
}
trap cleanup EXIT
trap 'echo; echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

# start_proc NAME CMD...: in the background, stdout to $TMP/NAME.out, stderr to $TMP/NAME.log.
start_proc() {
  local name=$1
  shift
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" </dev/null &
  PROC_PID[$name]=$!
  PROC_NAMES+=("$name")
}

# wait_line NAME REGEX SECONDS: prints the first line of NAME's stdout matching REGEX; fails if the process
# exits or the deadline passes first.
wait_line() {
  local name=$1 regex=$2 deadline=$(($(date +%s) + $3)) line
  while :; do
    if line=$(grep -m1 -E "$regex" "$TMP/$name.out" 2>/dev/null); then
      printf '%s\n' "$line"
      return 0
    fi
    kill -0 "${PROC_PID[$name]}" 2>/dev/null || fail "$name exited before it was ready: $(tail -n 5 "$TMP/$name.log")"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$name not ready within $3 s"
    sleep 0.1
  done
}

# wait_http URL SECONDS NAME: until URL answers 2xx; fails if process NAME exits or the deadline passes.
wait_http() {
  local url=$1 deadline=$(($(date +%s) + $2)) name=$3
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    kill -0 "${PROC_PID[$name]}" 2>/dev/null || fail "$name exited: $(tail -n 5 "$TMP/$name.log")"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$url did not answer within $2 s"
    sleep 0.2
  done
}

# A TCP port nobody listens on (checked in /proc/net), below Linux's ephemeral range. For Prometheus,
# which cannot report the port it bound when given port 0; a lost race is retried by the caller.
free_port() {
  local used port hex
  # Local address "0100007F:1F90" with state 0A (LISTEN): the port in hex (plain awk, not only gawk).
  used=$(awk 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
  while :; do
    port=$((20000 + RANDOM % 12000))
    hex=$(printf '%04X' "$port")
    grep -qx "$hex" <<<"$used" || { echo "$port"; return; }
  done
}

# ------------------------------------------------------------------------------------------- the pieces
# Fails at once when a program the story needs has died (rather than at the next deadline).
check_alive() {
  local name
  for name in "$@"; do
    [ -z "${PROC_PID[$name]:-}" ] || kill -0 "${PROC_PID[$name]}" 2>/dev/null ||
      fail "$name exited unexpectedly: $(tail -n 5 "$TMP/$name.log" 2>/dev/null)"
  done
}

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

show_route_weights() {
  printf '  %sHTTPRoute %s/%s weights:%s ' "$BOLD" "$NS" "$NAME" "$RESET"
  kubectl get httproute "$NAME" -n "$NS" \
    -o jsonpath='{range .spec.rules[0].backendRefs[*]}{.name}={.weight}  {end}' 2>/dev/null || true
  echo
}

# start_model VERSION ACCURACY SEED [--segment-accuracy S:A]: one model-sim standing in for the pods of a
# version, registered as a Prometheus target (file_sd); waits until Prometheus has scraped its counters.
start_model() {
  local version=$1 accuracy=$2 seed=$3
  shift 3
  local name="model-sim-$version" port
  start_proc "$name" "$BIN/modelops-model-sim" --model "$NAME" --version "$version" \
    --model-uri "s3://models/$NAME/$version" --port 0 --segments eu-west:1,us-east:4,ap-south:5 \
    --accuracy "$accuracy" "$@" --rate 200 --label-ratio 0.5 --seed "$seed" --log-level warn
  port=$(wait_line "$name" 'port=[0-9]+' 20 | sed -E 's/.*port=([0-9]+).*/\1/')
  printf '[{"targets": ["127.0.0.1:%s"]}]\n' "$port" >"$TMP/targets/$name.json.tmp"
  mv "$TMP/targets/$name.json.tmp" "$TMP/targets/$name.json"
  say "model server for $version on 127.0.0.1:$port: $(curl -sf "http://127.0.0.1:$port/admin/accuracy")"
  local deadline=$(($(date +%s) + 30)) q="model_feedback_labeled_total{model=\"$NAME\",version=\"$version\"}"
  until curl -sf -G --max-time 2 "$PROM_URL/api/v1/query" --data-urlencode "query=$q" | grep -q '"result":\[{'; do
    kill -0 "${PROC_PID[$name]}" 2>/dev/null || fail "$name exited: $(tail -n 5 "$TMP/$name.log")"
    [ "$(date +%s)" -lt "$deadline" ] || fail "Prometheus did not scrape $name within 30 s"
    sleep 0.5
  done
  say "Prometheus scrapes it (job model-servers, every 1s)"
}

stop_model() {
  rm -f "$TMP/targets/model-sim-$1.json"
  stop_proc "model-sim-$1"
  say "model server for $1 stopped (its Deployment has no replicas left)"
}

# The manifest as it would be committed to git for VERSION.
render_md() {
  sed -e "s|__VERSION__|$1|g" -e "s|__PROMETHEUS_URL__|$PROM_URL|g" "$REPO_DIR/demo/modeldeployment.yaml"
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
    check_alive devserver operator prometheus "model-sim-$version"
    state=$(md_field "$fmt")
    IFS='|' read -r gen obs phase sv sw cv cw msg <<<"$state"
    if [ -n "$state" ] && [ "$state" != "$last" ]; then
      last=$state
      local weights="stable ${sv:-?} ${sw:-?}%" route
      [ -z "$cv" ] || weights+="  canary $cv ${cw:-0}%"
      route=$(kubectl get httproute "$NAME" -n "$NS" -o jsonpath='{.spec.rules[0].backendRefs[*].weight}' 2>/dev/null | tr ' ' '/')
      printf '  %s[%s]%s %-12s %-30s route %-7s %s\n' "$DIM" "$(stamp)" "$RESET" "${phase:-?}" "$weights" "$route" "$msg"
      # Keep the latest measurement: after a rollback the status may no longer carry it.
      local runs
      runs=$(md_field '{range .status.analysis.runs[*]}{.metric}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}')
      [ -z "$runs" ] || LAST_RUNS=$runs
    fi
    if [ -n "$gen" ] && [ "$gen" = "$obs" ]; then
      case "$want:$phase" in
        RolledBack:RolledBack) return 0 ;;
        Healthy:Healthy) [ "$sv" = "$version" ] && [ -z "$cv" ] && return 0 ;;
        RolledBack:Healthy) [ "$sv" = "$version" ] && fail "version $version was promoted; the demo expected a rollback" ;;
        Healthy:RolledBack) fail "version $version was rolled back; the demo expected a promotion: $msg" ;;
        *:Failed | *:Invalid | *:Degraded | *:Paused) fail "unexpected phase $phase: $msg" ;;
      esac
      # Once per rollout, the plugin's whole view while an analysis is running.
      if [ "$snapshot" = 0 ] && [ -n "$cv" ] && [[ "$msg" == *"analysis running"* ]]; then
        snapshot=1
        echo
        say "the canary is being measured; the whole rollout as kubectl shows it now:"
        show_md
      fi
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "no phase $want for version $version within $3 s (phase ${phase:-none}: ${msg:-no message})"
    sleep 1
  done
}

# ============================================================================================== the story
section "Checking the programs"
for p in modelops-devserver modelops-operator modelops-model-sim; do
  [ -x "$BIN/$p" ] || { echo "missing $BIN/$p: build it first (cmake --build $BUILD_DIR)" >&2; exit 2; }
done
for p in kubectl prometheus curl; do
  command -v "$p" >/dev/null || { echo "missing $p on PATH (bash scripts/install-deps.sh installs it)" >&2; exit 2; }
done
export PATH="$BIN:$PATH"
HAVE_PLUGIN=0
if [ -x "$BIN/kubectl-modelops" ] && kubectl modelops version >/dev/null 2>&1; then HAVE_PLUGIN=1; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelops-demo.XXXXXX")
mkdir -p "$TMP/targets" "$TMP/prometheus-data"
export KUBECONFIG=$TMP/kubeconfig KUBECACHEDIR=$TMP/kube-cache
say "build:      $BUILD_DIR"
say "kubectl:    $(kubectl version --client 2>/dev/null | head -n 1)"
say "prometheus: $(prometheus --version 2>&1 | head -n 1)"
if [ "$HAVE_PLUGIN" = 1 ]; then
  say "plugin:     kubectl modelops ($BIN/kubectl-modelops, $(kubectl modelops version 2>&1 | head -n 1))"
else
  say "plugin:     kubectl-modelops is not built; showing 'kubectl get md' instead"
fi
say "work dir:   $TMP"

section "Starting the dev API server (a Kubernetes API on 127.0.0.1, no cluster)"
TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
start_proc devserver "$BIN/modelops-devserver" --port 0 --tls --token "$TOKEN" \
  --kubeconfig-out "$KUBECONFIG" --ready-delay-ms 200 --log-level warn
READY_LINE=$(wait_line devserver '^modelops-devserver ready' 30)
say "$READY_LINE"
say "Deployments become available one replica per 200 ms (there are no real pods)"

section "Installing the CRDs, the namespace and the HTTPRoute"
show kubectl apply -f "$REPO_DIR/crds/" -f "$REPO_DIR/crds/testing/"
show kubectl apply -f "$REPO_DIR/examples/00-namespace.yaml"
say "every example in examples/ is accepted by the API server (server-side dry run: nothing is created):"
show kubectl apply --dry-run=server -f "$REPO_DIR/examples/"
show kubectl apply -f "$REPO_DIR/demo/httproute.yaml"

section "Starting the operator"
start_proc operator "$BIN/modelops-operator" --kubeconfig "$KUBECONFIG" \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 --log-format text \
  --webhook-bind-address 0
deadline=$(($(date +%s) + 30))
until OPERATOR_PORT=$(grep -m1 -oE 'serving port=[0-9]+' "$TMP/operator.log" | grep -oE '[0-9]+$'); do
  kill -0 "${PROC_PID[operator]}" 2>/dev/null || fail "the operator exited: $(tail -n 5 "$TMP/operator.log")"
  [ "$(date +%s)" -lt "$deadline" ] || fail "the operator did not start serving within 30 s"
  sleep 0.1
done
wait_http "http://127.0.0.1:$OPERATOR_PORT/readyz" 30 operator
say "modelops-operator ready: caches synced; /healthz, /readyz and /metrics on 127.0.0.1:$OPERATOR_PORT"

section "Starting Prometheus (scrapes the simulated model servers every second)"
sed "s|__TARGETS_DIR__|$TMP/targets|g" "$REPO_DIR/demo/prometheus.yml" >"$TMP/prometheus.yml"
PROM_URL=''
for _ in 1 2 3 4 5; do
  port=$(free_port)
  start_proc prometheus prometheus --config.file="$TMP/prometheus.yml" \
    --storage.tsdb.path="$TMP/prometheus-data" --storage.tsdb.retention.time=1h \
    --web.listen-address="127.0.0.1:$port" --log.level=warn
  deadline=$(($(date +%s) + 60))
  while kill -0 "${PROC_PID[prometheus]}" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
    # Ours, not another server that took the port: the flags name our data directory.
    if curl -sf --max-time 2 "http://127.0.0.1:$port/-/ready" >/dev/null &&
       curl -sf --max-time 2 "http://127.0.0.1:$port/api/v1/status/flags" | grep -qF "$TMP/prometheus-data"; then
      PROM_URL="http://127.0.0.1:$port"
      break
    fi
    sleep 0.2
  done
  [ -z "$PROM_URL" ] || break
  grep -q 'address already in use' "$TMP/prometheus.log" 2>/dev/null || fail "Prometheus did not start: $(tail -n 5 "$TMP/prometheus.log")"
  stop_proc prometheus
  say "port $port was taken; trying another"
done
[ -n "$PROM_URL" ] || fail "Prometheus could not find a free port"
say "Prometheus ready at $PROM_URL (targets: file_sd in $TMP/targets)"

section "Version 1.0: the first deploy"
start_model 1.0 0.95 10
say "applying demo/modeldeployment.yaml with version 1.0 (Prometheus at $PROM_URL)"
render_md 1.0 | show kubectl apply -f -
follow Healthy 1.0 "$STEP_TIMEOUT"
say "${GREEN}1.0 is Healthy${RESET}"
show kubectl get md -n "$NS"
show kubectl get deployments,services -n "$NS" -l "modelops.dev/name=$NAME"
show_route_weights
show_md

section "Version 1.1: a model that is 0.95 accurate overall but $BAD_SEGMENT_ACCURACY in eu-west"
start_model 1.1 0.95 11 --segment-accuracy "eu-west:$BAD_SEGMENT_ACCURACY"
say "the change, as a GitOps commit would make it (kubectl diff):"
render_md 1.1 >"$TMP/md-1.1.yaml"
printf '  %s$ kubectl diff -f md-1.1.yaml%s\n' "$BOLD" "$RESET"
(kubectl diff -f "$TMP/md-1.1.yaml" 2>&1 || true) | grep -E '^[-+] ' | grep -vE 'generation|resourceVersion|managedFields|time:' | indent || true
show kubectl apply -f "$TMP/md-1.1.yaml"
say "following the rollout (one line per change of status; in another terminal, live:"
say "  KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH kubectl modelops get $NAME -n $NS --watch )"
follow RolledBack 1.1 "$STEP_TIMEOUT"
RB_VERSION=$(md_field '{.status.history[0].version}')
RB_OUTCOME=$(md_field '{.status.history[0].outcome}')
RB_REASON=$(md_field '{.status.history[0].reason}')
[ "$RB_VERSION" = 1.1 ] && [ "$RB_OUTCOME" = RolledBack ] ||
  fail "expected history[0] to be 1.1 RolledBack, got '$RB_VERSION' '$RB_OUTCOME'"
echo
say "${RED}${BOLD}1.1 was rolled back automatically${RESET}"
say "status.history[0].reason: $RB_REASON"
RUNS=$(md_field '{range .status.analysis.runs[*]}{.metric}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}')
[ -n "$RUNS" ] || RUNS=$LAST_RUNS
SEGMENTS=$(md_field '{range .status.analysis.runs[*]}{range .segments[*]}{.segment}|{.phase}|{.value}|{.lowerBound}|{.upperBound}|{.samples}{"\n"}{end}{end}')
say "the measurements behind it (status.analysis.runs; one-sided 95% Wilson bounds, per segment corrected for the number of segments):"
printf '%s\n%s\n' "$RUNS" "$SEGMENTS" | awk -F'|' 'NF >= 6 && $3 != "" {
  printf "    %-20s %-12s accuracy %.3f  bounds [%.3f, %.3f]  n=%d\n", $1, $2, $3, $4, $5, $6 }'
show_md
show_route_weights
stop_model 1.1

section "Version 1.2: a good model"
start_model 1.2 0.96 12
render_md 1.2 >"$TMP/md-1.2.yaml"
show kubectl apply -f "$TMP/md-1.2.yaml"
follow Healthy 1.2 "$STEP_TIMEOUT"
PASSED=$(md_field '{.status.conditions[?(@.type=="AccuracyHealthy")].message}')
echo
say "${GREEN}${BOLD}1.2 was promoted${RESET} after its last analysis passed: ${PASSED:-(no message)}"
show_md
show_route_weights
if [ "$HAVE_PLUGIN" = 1 ]; then
  show kubectl modelops history "$NAME" -n "$NS"
fi
show kubectl get deployments -n "$NS" -l "modelops.dev/name=$NAME" -L modelops.dev/revision,modelops.dev/track
show kubectl get events -n "$NS" --field-selector "involvedObject.name=$NAME" --sort-by=.lastTimestamp

section "Summary"
cat <<EOF
  1.0  deployed and Healthy.
  1.1  ROLLED BACK by the operator on its measured accuracy:
         $RB_REASON
  1.2  PROMOTED: stable 1.2 at 100% after passing the analysis at 20% and 50%.
  Took $(($(date +%s) - DEMO_START)) s.

Where to look next
  docs/demo.md           what this demo did, step by step, and how to change it
  demo/                  the ModelDeployment, HTTPRoute and Prometheus configuration it used
  examples/              ModelDeployments for canary with Prometheus, A/B tests, Gateway API, Istio
  docs/statistics.md     how accuracy is judged: Wilson bounds, segments, the always-valid comparison with stable
  docs/rollout.md        the canary and A/B state machines, rollback, monitoring, Events
  docs/plugin.md         kubectl modelops: get --watch, list, promote, abort, retry, history, undo, status --wait
  docs/install.md        installing the operator in a real cluster (Helm chart, kustomize)
  Try it yourself: the dev server, Prometheus and model-sim commands are in docs/demo.md.
EOF
echo
printf '%sDEMO OK%s: 1.1 rolled back on accuracy, 1.2 promoted.\n' "$GREEN$BOLD" "$RESET"
