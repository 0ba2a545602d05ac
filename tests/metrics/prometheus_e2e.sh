#!/usr/bin/env bash
# End to end with a real Prometheus server: three example agents on free
# loopback ports, a Prometheus (Debian package `prometheus`) started by hand
# on 127.0.0.1 scraping them every second, and examples/03_controller
# querying avg_over_time(app_active_task_count[5s]) per pod through the
# query client and evaluating the seed manifest. The agents are told to
# report high load, then low load; the engine must scale up, then down.
#
#   bash tests/metrics/prometheus_e2e.sh AGENT_EXPORTER CONTROLLER MANIFEST \
#       [RULES_FILE]
#
# RULES_FILE (optional): an alerting rules file that `promtool check rules`
# must accept and that Prometheus loads.
#
# Installs the package when `prometheus` is missing (as root; with a
# policy-rc.d that keeps the package's own service from starting), never
# uses the packaged service, and exits 77 (ctest: skipped) saying why only
# when the package cannot be installed. The seed manifest's stabilization
# windows (60 s up, 300 s down) are set to 0 in a copy, so that one run
# shows both directions in seconds; its policies (+2 pods per 30 s, -1 pod
# per 60 s) stay. Everything it starts is stopped on exit (trap EXIT); the
# whole run is bounded (about 30 s when Prometheus is installed).
set -euo pipefail

exporter="$1"
controller="$2"
manifest="$3"
rules="${4:-}"
if [[ -n "${rules}" ]]; then  # absolute: the generated config lives elsewhere
  rules="$(cd "$(dirname "${rules}")" && pwd)/$(basename "${rules}")"
fi

log() { echo "prometheus_e2e: $*"; }
fail() { log "FAILED: $*"; exit 1; }

# --- Prometheus, installed if missing ---------------------------------------
source "$(dirname "${BASH_SOURCE[0]}")/prometheus_common.sh"
ensure_prometheus
log "$(prometheus --version 2>&1 | head -n 1)"
deadline=$((SECONDS + 80))  # the run itself, after any install

work="$(mktemp -d "${TMPDIR:-/tmp}/agentscale-prometheus-e2e.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT


if [[ -n "${rules}" ]]; then
  log "promtool check rules ${rules}"
  promtool check rules "${rules}" || fail "promtool check rules ${rules}"
fi

# --- three agents at high load ----------------------------------------------
pods=(agent-0 agent-1 agent-2)
for pod in "${pods[@]}"; do
  "${exporter}" --port 0 --port-file "${work}/${pod}.port" --tasks 210 \
    --requests 100 --max-seconds 120 >"${work}/${pod}.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  ready=1
  for pod in "${pods[@]}"; do [[ -s "${work}/${pod}.port" ]] || ready=0; done
  ((ready)) && break
  sleep 0.1
done
declare -A port
for pod in "${pods[@]}"; do
  [[ -s "${work}/${pod}.port" ]] || fail "${pod} did not start: $(cat "${work}/${pod}.log")"
  port[${pod}]="$(cat "${work}/${pod}.port")"
done

# --- Prometheus on a free loopback port -------------------------------------
{
  echo "global:"
  echo "  scrape_interval: 1s"
  echo "  scrape_timeout: 1s"
  echo "  evaluation_interval: 1s"
  if [[ -n "${rules}" ]]; then
    echo "rule_files:"
    echo "  - ${rules}"
  fi
  echo "scrape_configs:"
  echo "  - job_name: agents"
  echo "    static_configs:"
  for pod in "${pods[@]}"; do
    echo "      - targets: ['127.0.0.1:${port[${pod}]}']"
    echo "        labels: {pod: '${pod}', namespace: 'default'}"
  done
} >"${work}/prometheus.yml"
promtool check config "${work}/prometheus.yml" >/dev/null ||
  fail "promtool check config rejected the generated configuration"

start_prometheus "${work}/prometheus.yml" "${work}/data" "${work}/prometheus.log"

# The seed manifest with both stabilization windows set to 0.
sed 's/stabilizationWindowSeconds: [0-9]*/stabilizationWindowSeconds: 0/' \
  "${manifest}" >"${work}/hpa.yaml"

pod_list="$(IFS=,; echo "${pods[*]}")"
# run_until WANT_VALUE: runs one controller sync per second until every pod's
# app_active_task_count average over 5 s equals WANT_VALUE (Prometheus has
# scraped only the new load for a whole window); leaves the output in
# ${work}/out.
run_until() {
  local want="$1"
  while ((SECONDS < deadline)); do
    timeout 20 "${controller}" --manifest "${work}/hpa.yaml" \
      --prometheus "127.0.0.1:${prom_port}" --pods "${pod_list}" \
      --window 5s --cycles 1 >"${work}/out" 2>&1 || true
    local line
    line="$(grep '^  app_active_task_count:' "${work}/out" || true)"
    # Prometheus returns the series in no particular order.
    local pod all=1
    for pod in "${pods[@]}"; do
      [[ " ${line} " == *" ${pod}=${want} "* ]] || all=0
    done
    if ((all)); then
      cat "${work}/out"
      return 0
    fi
    sleep 1
  done
  cat "${work}/out"
  fail "the averages did not reach ${want} per pod in time"
}

# --- high load: scale up ----------------------------------------------------
log "agents report 210 tasks, 100 requests each (targets 70 and 50)"
run_until 210
# 3 pods x 210 / 70 = 9 replicas proposed; the seed's +2 pods per 30 s.
grep -q '^decision 1: 3 -> 5 (scale up): pods metric app_active_task_count 210/70 proposes 9 (highest)' "${work}/out" ||
  fail "high load did not scale 3 -> 5"

# --- low load: scale down ---------------------------------------------------
for pod in "${pods[@]}"; do
  http_get "${port[${pod}]}" "/set?tasks=10&requests=5" >/dev/null ||
    fail "could not set ${pod}'s load"
done
log "agents report 10 tasks, 5 requests each"
run_until 10
# 3 x 10 / 70 -> 1, min 2; the seed's -1 pod per 60 s.
grep -q '^decision 1: 3 -> 2 (scale down): pods metric app_active_task_count 10/70 proposes' "${work}/out" ||
  fail "low load did not scale 3 -> 2"

log "ok: decisions followed the load (3 -> 5 at high load, 3 -> 2 at low load) in ${SECONDS} s"
