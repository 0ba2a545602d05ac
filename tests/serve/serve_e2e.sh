#!/usr/bin/env bash
# agentscale serve end to end: three example agents exporting metrics on
# loopback, a real Prometheus (Debian package `prometheus`) scraping them
# every second, agentscale-serve reading them through Prometheus, and a real
# gRPC client in Python (grpcio; stubs generated from the service's proto at
# test time, tests/serve/keda_poll.py) polling as KEDA does.
#
#   bash tests/serve/serve_e2e.sh AGENT_EXPORTER AGENTSCALE_SERVE
#
# The fleet's policy: the agents' average app_active_task_count against a
# target of 70, 2..10 replicas, no scale-up window, a 30 s scale-down
# window. A fourth exporter stands in for kube-state-metrics: its gauge is
# the Deployment's replica count (serve.yaml's replicasQuery), and the test
# sets it to each decision, as Kubernetes would follow it. So:
#   - at 210 tasks per agent the decision is 3 x 210 / 70 = 9, and the
#     replicas become 9;
#   - when the load falls to 10 tasks per agent, the window holds 9 for 30 s
#     after the last high recommendation; 15 s after the fall the service is
#     killed with SIGKILL and started again on the same state directory. Its
#     first answer must still be 9, and it must come down to 2 less than
#     25 s after the restart: a service that forgot would seed a new window
#     at the restart and hold 9 for 30 s from there.
#
# The gRPC client runs in a virtual environment at build/serve-e2e-venv
# (created on first use: grpcio and grpcio-tools from PyPI). Exits 77
# (ctest: skipped) saying why only when Prometheus cannot be installed.
set -euo pipefail

exporter="$1"
serve_bin="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { echo "serve_e2e: $*"; }
fail() { log "FAILED: $*"; exit 1; }

source "${root}/tests/metrics/prometheus_common.sh"
ensure_prometheus

venv="${AGENTSCALE_SERVE_E2E_VENV:-${root}/build/serve-e2e-venv}"
if [[ ! -x "${venv}/bin/python" ]] ||
   ! "${venv}/bin/python" -c 'import grpc, grpc_tools' 2>/dev/null; then
  log "creating ${venv} (grpcio, grpcio-tools)"
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install -q grpcio grpcio-tools >"${venv}.log" 2>&1 ||
    fail "pip install grpcio grpcio-tools failed: $(tail -n 5 "${venv}.log")"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/agentscale-serve-e2e.XXXXXX")"
pids=()
serve_pid=""
cleanup() {
  [[ -n "${serve_pid}" ]] && kill "${serve_pid}" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# --- three agents at high load ----------------------------------------------
pods=(agent-0 agent-1 agent-2)
for pod in "${pods[@]}"; do
  "${exporter}" --port 0 --port-file "${work}/${pod}.port" --tasks 210 \
    --requests 10 --max-seconds 300 >"${work}/${pod}.log" 2>&1 &
  pids+=($!)
done
"${exporter}" --port 0 --port-file "${work}/kube-state.port" --tasks 3 \
  --requests 0 --max-seconds 300 >"${work}/kube-state.log" 2>&1 &
pids+=($!)
declare -A port
for pod in "${pods[@]}" kube-state; do
  for _ in $(seq 1 100); do [[ -s "${work}/${pod}.port" ]] && break; sleep 0.1; done
  [[ -s "${work}/${pod}.port" ]] || fail "${pod} did not start: $(cat "${work}/${pod}.log")"
  port[${pod}]="$(cat "${work}/${pod}.port")"
done

# --- Prometheus ---------------------------------------------------------------
{
  echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
  echo "scrape_configs:"
  echo "  - job_name: agents"
  echo "    static_configs:"
  for pod in "${pods[@]}"; do
    echo "      - targets: ['127.0.0.1:${port[${pod}]}']"
    echo "        labels: {pod: '${pod}', namespace: 'default'}"
  done
  echo "  - job_name: kube-state"
  echo "    static_configs:"
  echo "      - targets: ['127.0.0.1:${port[kube-state]}']"
  echo "        labels: {namespace: 'kube-system'}"
} >"${work}/prometheus.yml"
start_prometheus "${work}/prometheus.yml" "${work}/data" "${work}/prometheus.log"

# --- agentscale serve -----------------------------------------------------------
mkdir -p "${work}/config" "${work}/state"
cat >"${work}/config/hpa.yaml" <<'EOF'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: agents, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agents}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric: {name: app_active_task_count}
      target: {type: AverageValue, averageValue: "70"}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      policies: [{type: Pods, value: 10, periodSeconds: 1}]
    scaleDown:
      stabilizationWindowSeconds: 30
      policies: [{type: Percent, value: 100, periodSeconds: 1}]
EOF
cat >"${work}/config/serve.yaml" <<EOF
apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: 127.0.0.1:${prom_port}
  fleets:
  - name: agents
    policy: hpa.yaml
    window: 3s
    replicasQuery: 'app_active_task_count{namespace="kube-system"}'
EOF

start_serve() {
  rm -f "${work}/grpc.port"
  "${serve_bin}" --config "${work}/config" --listen 127.0.0.1:0 \
    --grpc-port-file "${work}/grpc.port" --http-port 0 --http-port-file "${work}/http.port" \
    --state-dir "${work}/state" --decide-interval 1 >>"${work}/serve.out" 2>>"${work}/serve.err" &
  serve_pid=$!
  for _ in $(seq 1 100); do [[ -s "${work}/grpc.port" ]] && break; sleep 0.1; done
  [[ -s "${work}/grpc.port" ]] || fail "agentscale-serve did not start: $(cat "${work}/serve.err")"
}
poll() {
  "${venv}/bin/python" "${root}/tests/serve/keda_poll.py" \
    --proto "${root}/src/serve/proto/externalscaler.proto" --port-file "${work}/grpc.port" \
    --name agents --namespace default --fleet agents "$@"
}
start_serve
log "agentscale-serve listening on 127.0.0.1:$(cat "${work}/grpc.port")"

# replicas N: the Deployment now runs N (what kube-state-metrics would say).
replicas() {
  http_get "${port[kube-state]}" "/set?tasks=$1&requests=0" >/dev/null || fail "could not set replicas"
  sleep 2  # scraped every second
}

# --- high load: 9 ----------------------------------------------------------------
poll --until 9 --timeout 40 >"${work}/poll-up.log" ||
  fail "the decision did not reach 9 at high load: $(tail -n 5 "${work}/poll-up.log"; tail -n 3 "${work}/serve.out")"
log "high load: $(tail -n 1 "${work}/poll-up.log")"
replicas 9

# --- low load: the window holds 9, across a kill -9 ----------------------------------
for pod in "${pods[@]}"; do
  http_get "${port[${pod}]}" "/set?tasks=10&requests=1" >/dev/null || fail "could not set ${pod}'s load"
done
dropped=${SECONDS}
sleep 15
poll --until 9 --first 9 --timeout 5 >"${work}/poll-hold.log" ||
  fail "the window did not hold 9 before the restart: $(cat "${work}/poll-hold.log")"
kill -9 "${serve_pid}"
wait "${serve_pid}" 2>/dev/null || true
start_serve
restarted=${SECONDS}
log "killed with SIGKILL and restarted $((restarted - dropped)) s after the load fell"
poll --until 9 --first 9 --timeout 5 >"${work}/poll-restart.log" ||
  fail "after the restart the window was lost: $(cat "${work}/poll-restart.log"; tail -n 3 "${work}/serve.out")"
log "after the restart: $(tail -n 1 "${work}/poll-restart.log")"
poll --until 2 --timeout 40 >"${work}/poll-down.log" ||
  fail "the decision did not come down to 2: $(tail -n 5 "${work}/poll-down.log"; tail -n 3 "${work}/serve.out")"
took=$((SECONDS - restarted))
log "low load: $(tail -n 1 "${work}/poll-down.log") ${took} s after the restart"
((took < 25)) ||
  fail "2 came ${took} s after the restart: the window restarted with the service"
replicas 2

# --- its own metrics -------------------------------------------------------------------
metrics="$(http_get "$(cat "${work}/http.port")" /metrics)"
[[ "${metrics}" == *'agentscale_serve_desired_replicas{scaled_object="default/agents",fleet="agents"} 2'* ]] ||
  fail "/metrics lacks the decision: ${metrics}"
[[ "$(http_get "$(cat "${work}/http.port")" /healthz)" == ok* ]] || fail "/healthz is not ok"
grep -q '"held":false' "${work}/serve.out" || fail "no decision was logged"
log "ok: decisions 9 at high load, 9 held across kill -9, 2 when the window ended (${SECONDS} s)"
