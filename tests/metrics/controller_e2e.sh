#!/usr/bin/env bash
# Runs examples/03_controller against two example agents (agent_exporter) on
# free loopback ports for 3 one-second sync cycles, and checks that it
# printed 3 decisions, each reading the agents' load (2 pods at 210 tasks
# against the seed's target of 70 propose 6 replicas; the seed's 60 s
# scale-up stabilization window, seeded with the current count as Kubernetes
# does, holds the first minute at 2).
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
timeout 30 "${controller}" --manifest "${manifest}" \
  --targets "agent-0=127.0.0.1:${p0},agent-1=127.0.0.1:${p1}" \
  --sync-period 1 --cycles 3 | tee "${out}"

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
echo "controller_e2e: ok (3 decisions)"
