#!/usr/bin/env bash
# Runs examples/03_controller against two example agents (agent_exporter) on
# free loopback ports for 3 one-second sync cycles, and checks that it
# printed 3 decisions, each reading the agents' load (2 pods at 210 tasks
# against the seed's target of 70 propose 6 replicas; the seed's 60 s
# scale-up stabilization window, seeded with the current count as Kubernetes
# does, holds the first minute at 2).
#
# The controller also serves its own metrics (--metrics-port 0, a free
# loopback port): the test scrapes them with curl while it runs (after the
# first decision) and once more after the last one (--linger keeps the
# endpoint up), and checks the decision metrics: Kubernetes' HPA controller
# counters and histograms and kube-state-metrics' gauges, with the values
# the 3 syncs must give. Then it stops the controller with SIGTERM, which
# must end it cleanly (exit 0).
#
#   bash tests/metrics/controller_e2e.sh AGENT_EXPORTER CONTROLLER MANIFEST
#
# Everything it starts is stopped on exit (trap EXIT).
set -euo pipefail

exporter="$1"
controller="$2"
manifest="$3"

work="$(mktemp -d "${TMPDIR:-/tmp}/agentscale-controller-e2e.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "${pid}" 2>/dev/null || true
  done
  rm -rf "${work}"
}
trap cleanup EXIT

# start_agent NAME TASKS REQUESTS: starts an exporter on a free port; its
# port ends up in ${work}/NAME.port.
start_agent() {
  "${exporter}" --port 0 --port-file "${work}/$1.port" --tasks "$2" \
    --requests "$3" --max-seconds 60 >"${work}/$1.log" 2>&1 &
  pids+=($!)
}
start_agent agent-0 200 100
start_agent agent-1 220 120

# Wait (at most 10 s) for both to listen.
for _ in $(seq 1 100); do
  [[ -s "${work}/agent-0.port" && -s "${work}/agent-1.port" ]] && break
  sleep 0.1
done
for a in agent-0 agent-1; do
  if [[ ! -s "${work}/${a}.port" ]]; then
    echo "controller_e2e: ${a} did not start:"; cat "${work}/${a}.log"; exit 1
  fi
done
p0="$(cat "${work}/agent-0.port")"
p1="$(cat "${work}/agent-1.port")"

out="${work}/controller.out"
"${controller}" --manifest "${manifest}" \
  --targets "agent-0=127.0.0.1:${p0},agent-1=127.0.0.1:${p1}" \
  --sync-period 1 --cycles 3 \
  --metrics-port 0 --metrics-port-file "${work}/metrics.port" --linger 30 \
  >"${out}" 2>&1 &
controller_pid=$!
pids+=("${controller_pid}")

# wait_for PATTERN SECONDS: waits until the controller's output has a line
# matching PATTERN.
wait_for() {
  for _ in $(seq 1 $(($2 * 10))); do
    grep -q "$1" "${out}" && return 0
    if ! kill -0 "${controller_pid}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  grep -q "$1" "${out}" && return 0
  echo "controller_e2e: FAILED: no line matching '$1' within $2 s:"
  cat "${out}"
  exit 1
}

# scrape FILE: GET /metrics from the controller; headers to FILE.headers.
scrape() {
  curl --silent --show-error --fail --max-time 5 \
    --dump-header "$1.headers" \
    "http://127.0.0.1:$(cat "${work}/metrics.port")/metrics" >"$1"
}

# expect FILE LINE: FILE has exactly this sample line.
expect() {
  if ! grep -qxF -- "$2" "$1"; then
    echo "controller_e2e: FAILED: /metrics lacks the line"
    echo "  $2"
    echo "it served:"; cat "$1"
    exit 1
  fi
}

# value FILE SAMPLE: the value of the sample named exactly SAMPLE (name and
# labels as served), or nothing.
value() {
  awk -v s="$2" '$1 == s { print $2 }' "$1"
}

wait_for '^decision 1: ' 20
[[ -s "${work}/metrics.port" ]] || { echo "controller_e2e: FAILED: no metrics port file"; exit 1; }

# While it runs: at least the first sync is recorded (a second one may have
# happened by the time the request arrives).
scrape "${work}/during.txt"
grep -qi '^content-type: text/plain; version=0.0.4' "${work}/during.txt.headers" || {
  echo "controller_e2e: FAILED: /metrics content type:"; cat "${work}/during.txt.headers"; exit 1; }
reconciled="$(value "${work}/during.txt" 'horizontal_pod_autoscaler_controller_reconciliations_total{action="none",error="none"}')"
if [[ -z "${reconciled}" || "${reconciled}" -lt 1 || "${reconciled}" -gt 3 ]]; then
  echo "controller_e2e: FAILED: while running, want 1..3 reconciliations, got '${reconciled}':"
  cat "${work}/during.txt"; exit 1
fi

# After the last sync (the endpoint lingers): exactly the 3 syncs.
wait_for '^decision 3: ' 20
scrape "${work}/after.txt"
m="${work}/after.txt"
expect "${m}" '# TYPE horizontal_pod_autoscaler_controller_reconciliations_total counter'
expect "${m}" 'horizontal_pod_autoscaler_controller_reconciliations_total{action="none",error="none"} 3'
expect "${m}" '# TYPE horizontal_pod_autoscaler_controller_reconciliation_duration_seconds histogram'
expect "${m}" 'horizontal_pod_autoscaler_controller_reconciliation_duration_seconds_bucket{action="none",error="none",le="+Inf"} 3'
expect "${m}" 'horizontal_pod_autoscaler_controller_reconciliation_duration_seconds_count{action="none",error="none"} 3'
# Both seed metrics propose more than the 2 current pods in every sync: 6
# computations labelled scale_up, even though the window held the decision.
expect "${m}" 'horizontal_pod_autoscaler_controller_metric_computation_total{action="scale_up",error="none",metric_type="Pods"} 6'
expect "${m}" '# TYPE horizontal_pod_autoscaler_controller_metric_computation_duration_seconds histogram'
expect "${m}" 'horizontal_pod_autoscaler_controller_metric_computation_duration_seconds_count{action="scale_up",error="none",metric_type="Pods"} 6'
expect "${m}" 'horizontal_pod_autoscaler_controller_metric_computation_duration_seconds_bucket{action="scale_up",error="none",metric_type="Pods",le="+Inf"} 6'
hpa='horizontalpodautoscaler="agent-hpa",namespace="default"'
expect "${m}" "kube_horizontalpodautoscaler_status_desired_replicas{${hpa}} 2"
expect "${m}" "kube_horizontalpodautoscaler_status_current_replicas{${hpa}} 2"
expect "${m}" "kube_horizontalpodautoscaler_spec_min_replicas{${hpa}} 2"
expect "${m}" "kube_horizontalpodautoscaler_spec_max_replicas{${hpa}} 10"
expect "${m}" 'kube_horizontalpodautoscaler_status_target_metric{horizontalpodautoscaler="agent-hpa",metric_name="app_active_task_count",metric_target_type="average",namespace="default"} 210'
expect "${m}" 'agentscale_decisions_total{action="none",horizontalpodautoscaler="agent-hpa",namespace="default",reason="ScaleUpStabilized"} 3'

# SIGTERM ends the linger early, and cleanly.
kill -TERM "${controller_pid}"
rc=0
wait "${controller_pid}" || rc=$?
if [[ "${rc}" != 0 ]]; then
  echo "controller_e2e: FAILED: the controller exited with ${rc} after SIGTERM"
  cat "${out}"; exit 1
fi
cat "${out}"

decisions="$(grep -c '^decision [0-9]*: ' "${out}" || true)"
if [[ "${decisions}" != 3 ]]; then
  echo "controller_e2e: FAILED: want 3 decisions, got ${decisions}"; exit 1
fi
if grep -q 'scrape failed' "${out}"; then
  echo "controller_e2e: FAILED: a scrape failed"; exit 1
fi
proposals="$(grep -c '^decision [0-9]*: 2 -> 2 (hold): pods metric app_active_task_count 210/70 proposes 6 (highest).*(ScaleUpStabilized)' "${out}" || true)"
if [[ "${proposals}" != 3 ]]; then
  echo "controller_e2e: FAILED: want 3 decisions proposing 6 replicas for" \
    "210 tasks per pod, held by the scale-up window; got ${proposals}"
  exit 1
fi
echo "controller_e2e: ok (3 decisions; /metrics served while running)"
