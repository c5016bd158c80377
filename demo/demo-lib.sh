# Helpers of the local demo (scripts/run-demo.sh sources this file; bash only): coloured, timestamped output;
# background processes with their logs in $TMP, stopped in reverse order on exit, failure and Ctrl-C; waits
# with deadlines (a line on a process' stdout, an HTTP answer); a free loopback port for Prometheus.
# Expects DEMO_START, TMP (set once the work directory exists) and the failure convention of run-demo.sh:
# exit 1 is a failure of the story, 2 a usage error, 130/143 a signal.
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
    for log in operator.log devserver.log gateway.log prometheus.log model-stable.log model-canary.log driver.log; do
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


# Fails at once when a program the story needs has died (rather than at the next deadline).
check_alive() {
  local name
  for name in "$@"; do
    [ -z "${PROC_PID[$name]:-}" ] || kill -0 "${PROC_PID[$name]}" 2>/dev/null ||
      fail "$name exited unexpectedly: $(tail -n 5 "$TMP/$name.log" 2>/dev/null)"
  done
}

# start_prometheus CONFIG: a prometheus on a free loopback port with its TSDB in $TMP; sets PROM_URL.
start_prometheus() {
  local config=$1 port deadline
  PROM_URL=''
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    start_proc prometheus prometheus --config.file="$config" \
      --storage.tsdb.path="$TMP/prometheus-data" --storage.tsdb.retention.time=1h \
      --web.listen-address="127.0.0.1:$port" --log.level=warn
    deadline=$(($(date +%s) + 60))
    while kill -0 "${PROC_PID[prometheus]}" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
      # Ours, not another server that took the port: the flags name our data directory.
      if curl -sf --max-time 2 "http://127.0.0.1:$port/-/ready" >/dev/null &&
         curl -sf --max-time 2 "http://127.0.0.1:$port/api/v1/status/flags" | grep -qF "$TMP/prometheus-data"; then
        PROM_URL="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.2
    done
    grep -q 'address already in use' "$TMP/prometheus.log" 2>/dev/null || fail "Prometheus did not start: $(tail -n 5 "$TMP/prometheus.log")"
    stop_proc prometheus
    say "port $port was taken; trying another"
  done
  fail "Prometheus could not find a free port"
}

# prom_value PROMQL: the first sample's value, or empty.
prom_value() {
  curl -sf -G --max-time 3 "$PROM_URL/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    grep -oE '"value":\[[0-9.]+,"[^"]*"\]' | head -n 1 | sed -E 's/.*,"([^"]*)"\]/\1/'
}
