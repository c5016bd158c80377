# The story of the local demo, sourced by scripts/run-demo.sh after its helpers (bash only; docs/demo.md
# describes it section by section).

section "Checking the programs"
for p in modelops-devserver modelops-operator modelops-gateway; do
  [ -x "$BIN/$p" ] || { echo "missing $BIN/$p: build it first (cmake --build $BUILD_DIR)" >&2; exit 2; }
done
for p in kubectl prometheus curl; do
  command -v "$p" >/dev/null || { echo "missing $p on PATH (bash scripts/install-deps.sh installs it)" >&2; exit 2; }
done
"$PYTHON" -c 'import sklearn, fastapi, uvicorn' 2>/dev/null ||
  { echo "$PYTHON cannot import sklearn, fastapi and uvicorn (bash scripts/install-deps.sh installs them)" >&2; exit 2; }
export PATH="$BIN:$PATH"
HAVE_PLUGIN=0
if [ -x "$BIN/kubectl-modelops" ] && kubectl modelops version >/dev/null 2>&1; then HAVE_PLUGIN=1; fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelops-demo.XXXXXX")
mkdir -p "$TMP/prometheus-data"
export KUBECONFIG=$TMP/kubeconfig KUBECACHEDIR=$TMP/kube-cache
say "build:      $BUILD_DIR"
say "kubectl:    $(kubectl version --client 2>/dev/null | head -n 1)"
say "prometheus: $(prometheus --version 2>&1 | head -n 1)"
say "python:     $("$PYTHON" -c 'import sklearn, fastapi, uvicorn; print("scikit-learn", sklearn.__version__, "fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__)')"
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

section "Installing the CRDs, the namespace and the gateway's signing key"
show kubectl apply -f "$REPO_DIR/crds/" -f "$REPO_DIR/crds/testing/"
show kubectl apply -f "$REPO_DIR/examples/00-namespace.yaml"
say "every example in examples/ is accepted by the API server (server-side dry run: nothing is created):"
show kubectl apply --dry-run=server -f "$REPO_DIR/examples/"
say "the Secret whose key signs prediction ids (HMAC-SHA256; any gateway replica can verify any id):"
show kubectl create secret generic "$KEY_SECRET" -n "$NS" \
  --from-literal=current="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"

section "Starting the team's webhook receiver"
start_proc webhook "$PYTHON" "$REPO_DIR/demo/webhook-receiver/receiver.py" --port 0
WEBHOOK_PORT=$(wait_line webhook 'ready port=[0-9]+' 20 | sed -E 's/.*port=([0-9]+).*/\1/')
say "a webhook receiver on 127.0.0.1:$WEBHOOK_PORT prints every delivery (it stands for the team's chat or pager)"
say "its URL goes into a Secret (never into the spec; never logged), labelled so the operator's Secret cache sees it:"
show kubectl create secret generic demo-webhook -n "$NS" \
  --from-literal=url="http://127.0.0.1:$WEBHOOK_PORT/hooks/modelops"
show kubectl label secret demo-webhook -n "$NS" modelops.dev/provider-credentials=true

section "Starting the operator"
start_proc operator "$BIN/modelops-operator" --kubeconfig "$KUBECONFIG" \
  --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 --log-format text \
  --webhook-bind-address 0
deadline=$(($(date +%s) + 30))
until OPERATOR_PORT=$(grep -m1 -oE 'serving port=[0-9]+' "$TMP/operator.log" 2>/dev/null | grep -oE '[0-9]+$'); do
  kill -0 "${PROC_PID[operator]}" 2>/dev/null || fail "the operator exited: $(tail -n 5 "$TMP/operator.log")"
  [ "$(date +%s)" -lt "$deadline" ] || fail "the operator did not start serving within 30 s"
  sleep 0.1
done
wait_http "http://127.0.0.1:$OPERATOR_PORT/readyz" 30 operator
say "modelops-operator ready: caches synced; /healthz, /readyz and /metrics on 127.0.0.1:$OPERATOR_PORT"

section "Starting the model servers (scikit-learn, trained at start-up on the digits data set)"
say "the dev server runs no pods: one model server stands for the pods behind each Service of the model"
start_model_server stable 1.0 good
start_model_server canary 1.1 "$BAD_QUALITY"
wait_model_server stable
wait_model_server canary

section "Starting modelops-gateway and Prometheus"
start_proc gateway "$BIN/modelops-gateway" --kubeconfig "$KUBECONFIG" --listen-address 127.0.0.1:0 \
  --namespace "$NS" --key-secret "$KEY_SECRET" --log-format text \
  --service-address "$NS/$NAME-stable=127.0.0.1:$PORT_STABLE" \
  --service-address "$NS/$NAME-canary=127.0.0.1:$PORT_CANARY"
deadline=$(($(date +%s) + 30))
until GATEWAY_PORT=$(grep -m1 -oE 'serving.*port=[0-9]+' "$TMP/gateway.log" "$TMP/gateway.out" 2>/dev/null | grep -oE '[0-9]+$'); do
  kill -0 "${PROC_PID[gateway]}" 2>/dev/null || fail "the gateway exited: $(tail -n 5 "$TMP/gateway.log")"
  [ "$(date +%s)" -lt "$deadline" ] || fail "the gateway did not start serving within 30 s"
  sleep 0.1
done
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
say "modelops-gateway on $GATEWAY: it watches ModelDeployments in $NS (read-only) and routes by their status"
sed "s|__GATEWAY__|127.0.0.1:$GATEWAY_PORT|g" "$REPO_DIR/demo/prometheus.yml" >"$TMP/prometheus.yml"
start_prometheus "$TMP/prometheus.yml"
say "Prometheus ready at $PROM_URL, scraping $GATEWAY/metrics every second"

section "Version 1.0: the first deploy"
say "applying demo/modeldeployment.yaml with version 1.0 (trafficRouting.gateway; Prometheus at $PROM_URL)"
render_md 1.0 | show kubectl apply -f -
follow Healthy 1.0 "$STEP_TIMEOUT"
say "${GREEN}1.0 is Healthy${RESET}"
show kubectl get md -n "$NS"
show kubectl get deployments,services -n "$NS" -l "modelops.dev/name=$NAME"
wait_http "$GATEWAY/readyz" 30 gateway
read -r LABEL BODY < <(sample_request)
say "an application asks for a prediction through the gateway (one held-out image of the digit $LABEL):"
printf '  %s$ curl -si %s/v1/models/%s:predict -d '"'"'{"instances": [[64 pixels]]}'"'"'%s\n' "$BOLD" "$GATEWAY" "$NAME" "$RESET"
ANSWER=$(curl -si --max-time 5 "$GATEWAY/v1/models/$NAME:predict" -H 'Content-Type: application/json' -d "$BODY") ||
  fail "the gateway did not answer a prediction"
tr -d '\r' <<<"$ANSWER" | grep -iE '^(HTTP/|x-prediction-id|\{)' | indent
PREDICTION_ID=$(tr -d '\r' <<<"$ANSWER" | grep -i '^x-prediction-id:' | sed -E 's/^[^:]*: *//')
[ -n "$PREDICTION_ID" ] || fail "the gateway's answer carries no X-Prediction-Id"
say "later, the application learns the truth and sends it back with the id (nothing else to store):"
FEEDBACK="{\"predictionId\": \"$PREDICTION_ID\", \"label\": $LABEL}"
show curl -s --max-time 5 -w '\n' "$GATEWAY/v1/feedback" -H 'Content-Type: application/json' -d "$FEEDBACK"
say "sending the same label again is safe: it is counted once"
show curl -s --max-time 5 -w '\n' "$GATEWAY/v1/feedback" -H 'Content-Type: application/json' -d "$FEEDBACK"
say "a forged id is refused (403) and counted as rejected, never as a label:"
show curl -s --max-time 5 -w ' (HTTP %{http_code})\n' "$GATEWAY/v1/feedback" -H 'Content-Type: application/json' \
  -d "{\"predictionId\": \"${PREDICTION_ID%?????}AAAAA\", \"label\": $LABEL}"
say "from now on, the application (demo/driver) sends $RATE predictions a second and posts each true label 2 s later:"
start_proc driver "$PYTHON" "$REPO_DIR/demo/driver/driver.py" --gateway "$GATEWAY" --model "$NAME" \
  --rate "$RATE" --count 10000000 --duration 1800 --label-delay 2 --label-batch 50 --progress 10 --seed 1
say "  driver.py --gateway $GATEWAY --rate $RATE --label-delay 2 --label-batch 50"

section "Version 1.1: as accurate overall, but trained with 90% of the 8s withheld"
kubelet canary 1.1 "$BAD_QUALITY"
render_md 1.1 >"$TMP/md-1.1.yaml"
say "the change, as a GitOps commit would make it (kubectl diff):"
printf '  %s$ kubectl diff -f md-1.1.yaml%s\n' "$BOLD" "$RESET"
(kubectl diff -f "$TMP/md-1.1.yaml" 2>&1 || true) | grep -E '^[-+] ' | grep -vE 'generation|resourceVersion|managedFields|time:' | indent || true
show kubectl apply -f "$TMP/md-1.1.yaml"
say "following the rollout (one line per change of status; in another terminal, live:"
say "  KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH kubectl modelops get $NAME -n $NS --watch"
say "  or in a browser: KUBECONFIG=$KUBECONFIG PATH=$BIN:\$PATH kubectl modelops dashboard -n $NS   (open the URL it prints) )"
follow RolledBack 1.1 "$STEP_TIMEOUT"
RB_VERSION=$(md_field '{.status.history[0].version}')
RB_OUTCOME=$(md_field '{.status.history[0].outcome}')
RB_REASON=$(md_field '{.status.history[0].reason}')
[ "$RB_VERSION" = 1.1 ] && [ "$RB_OUTCOME" = RolledBack ] ||
  fail "expected history[0] to be 1.1 RolledBack, got '$RB_VERSION' '$RB_OUTCOME'"
echo
say "${RED}${BOLD}1.1 was rolled back automatically${RESET}"
say "status.history[0].reason: $RB_REASON"
show_measurements
say "what the gateway counted (Prometheus, from the labels the application sent back):"
show_gateway_counts 1.0
show_gateway_counts 1.1
show_md

section "Version 1.2: a good model"
kubelet canary 1.2 good
render_md 1.2 >"$TMP/md-1.2.yaml"
show kubectl apply -f "$TMP/md-1.2.yaml"
follow Healthy 1.2 "$STEP_TIMEOUT"
kubelet stable 1.2 good   # the stable Service now selects 1.2's pods
PASSED=$(md_field '{.status.conditions[?(@.type=="AccuracyHealthy")].message}')
echo
say "${GREEN}${BOLD}1.2 was promoted${RESET} after its last analysis passed: ${PASSED:-(no message)}"
show_gateway_counts 1.2
show_md
if [ "$HAVE_PLUGIN" = 1 ]; then
  show kubectl modelops history "$NAME" -n "$NS"
fi
show kubectl get deployments -n "$NS" -l "modelops.dev/name=$NAME" -L modelops.dev/revision,modelops.dev/track
show kubectl get events -n "$NS" --field-selector "involvedObject.name=$NAME" --sort-by=.lastTimestamp

section "After promotion: 1.2 degrades in production"
say "the world drifts: the model behind digits-stable now answers wrongly on about a third of the inputs"
show curl -s --max-time 5 -w '\n' -X POST "http://127.0.0.1:$PORT_STABLE/admin/quality" -d '{"quality": "degraded"}'
say "monitoring keeps judging 1.2 on the labels that keep coming; following it:"
follow_degradation 1.2 1.0 "$STEP_TIMEOUT"
DEGRADED_REASON=$(md_field '{.status.history[?(@.outcome=="Degraded")].reason}')
echo
say "${RED}${BOLD}1.2 was found degraded after promotion${RESET}; traffic is back on 1.0 (the last good version)"
say "reason: ${DEGRADED_REASON:-$(md_field '{.status.message}')}"
show_gateway_counts 1.2

section "Retraining: a Job started by the degradation reports a candidate"
wait_retraining_candidate "$STEP_TIMEOUT"
show kubectl get jobs -n "$NS" -l "modelops.dev/name=$NAME" -L modelops.dev/retraining-run
RUN=$(md_field '{.status.retraining.history[0].name}')
say "the evidence the Job was given (its environment, set by the operator):"
kubectl get job "$RUN" -n "$NS" -o jsonpath='{range .spec.template.spec.containers[0].env[*]}{.name}={.value}{"\n"}{end}' |
  grep -E '^MODELOPS_(VERSION|TRIGGER|REASON|EVIDENCE_[A-Z]+)=' | indent
CANDIDATE=$(md_field '{.status.retraining.candidate.version} {.status.retraining.candidate.uri}')
say "${GREEN}candidate reported by $RUN: $CANDIDATE${RESET} (rollout: Manual, so modelops only says what to commit:)"
kubectl get events -n "$NS" --field-selector "involvedObject.name=$NAME,reason=CandidateReady" \
  -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' | indent
show_md

section "What the team's webhook received"
wait_webhook 'notification\.RetrainingFinished' 60
say "one CloudEvent per decision (application/cloudevents+json; the full bodies are in webhook.out):"
show_webhook_deliveries

section "Summary"
stop_proc driver
say "the application: $(grep -m1 '^driver summary' "$TMP/driver.out" | sed 's/^driver summary: //')"
cat <<EOF
  1.0  deployed and Healthy.
  1.1  ROLLED BACK by the operator on class 8's floor, measured on real labels through the gateway:
         $RB_REASON
  1.2  PROMOTED: stable 1.2 at 100% after passing the analysis at 25% and 50%;
       then DEGRADED in production: monitoring returned traffic to 1.0, started retraining run $RUN,
       which reported candidate $CANDIDATE; the team's webhook was told at every step.
  Took $(($(date +%s) - DEMO_START)) s.

Where to look next
  docs/demo.md           what this demo did, step by step, and how to change it
  docs/gateway.md        the gateway: routing, prediction ids, /v1/feedback, metrics
  demo/                  the model server, the application (driver), the ModelDeployment, the Prometheus config
  examples/              ModelDeployments for canary with Prometheus, A/B tests, the gateway, Gateway API, Istio
  docs/statistics.md     how accuracy is judged: confidence bounds, segments, the always-valid comparison
  docs/rollout.md        the canary and A/B state machines, rollback, monitoring, Events
  docs/plugin.md         kubectl modelops: get --watch, list, promote, abort, retry, history, undo, status --wait
  docs/dashboard.md      kubectl modelops dashboard: the rollouts, accuracy with confidence bands, one click to act
EOF
echo
printf '%sDEMO OK%s: 1.1 rolled back on class 8, 1.2 promoted, degraded, rolled back to 1.0, retrained (candidate %s).\n' \
  "$GREEN$BOLD" "$RESET" "${CANDIDATE%% *}"
