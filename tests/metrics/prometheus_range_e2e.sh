#!/usr/bin/env bash
# Prometheus history as a trace, end to end with a real Prometheus server:
# known samples are written into a TSDB with `promtool tsdb
# create-blocks-from openmetrics`, a Prometheus (Debian package
# `prometheus`) is started by hand on 127.0.0.1 over that data, and
#   1. examples/04_prometheus_trace runs query_range through the C++ query
#      client and turns the response into a trace; its timestamps and values
#      must be exactly the loaded samples (one series by a label matcher, the
#      sum of two, a stale gap as an error naming it and as zeros, a bad
#      query as Prometheus' own error), and the summed trace is replayed
#      through the manifest (fluid replay);
#   2. when this checkout's Python package is installed in .venv
#      (AGENTSCALE_VENV to use another), `agentscale fetch` writes the same
#      trace, and
#      `agentscale replay --trace` replays it with the same outcome as the
#      C++ replay. Skipped, saying why, when it is not installed.
#
#   bash tests/metrics/prometheus_range_e2e.sh PROMETHEUS_TRACE_TOOL MANIFEST
#
# Installs the package when `prometheus` is missing (prometheus_common.sh)
# and exits 77 (ctest: skipped) only when it cannot be installed.
# Everything it starts is stopped on exit; the run takes a few seconds.
set -euo pipefail

tool="$1"
manifest="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { echo "prometheus_range_e2e: $*"; }
fail() { log "FAILED: $*"; exit 1; }

source "$(dirname "${BASH_SOURCE[0]}")/prometheus_common.sh"
ensure_prometheus
log "$(prometheus --version 2>&1 | head -n 1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/agentscale-prometheus-range.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT

# --- the samples -------------------------------------------------------------
# agent_tasks{pod="agent-0"} = 100 + 10 i at T0 + 60 i (i = 0..59);
# agent_tasks{pod="agent-1"} = 100.25 - i at the same times, except i =
# 20..34 (a 15-minute hole). The queries run from T0 + 30 s every 60 s, so
# step k sees sample i = k; agent-1 is absent (stale: its last sample older
# than the 5-minute lookback) at k = 24..34 and holds sample 19 at k = 20..23.
# expected.py prints the trace each query must give.
t0=1709294400  # 2024-03-01T12:00:00Z
cat >"${work}/expected.py" <<PY
import sys
T0 = ${t0}
a0 = {i: 100.0 + 10 * i for i in range(60)}
a1 = {i: 100.25 - i for i in range(60) if not 20 <= i <= 34}
def at(series, k):
    t = T0 + 30 + 60 * k
    past = [i for i in series if T0 + 60 * i <= t and t - (T0 + 60 * i) <= 300]
    return series[max(past)] if past else None
which = sys.argv[1]
for k in range(60):
    v0, v1 = at(a0, k), at(a1, k)
    if which == "agent-0":
        v = v0
    elif which == "agent-1-zero":
        v = 0.0 if v1 is None else v1
    else:
        v = v0 + (v1 or 0.0)
    print(f"{T0 + 30 + 60 * k},{v}")
PY
python3 - "${work}" <<'PY'
import pathlib, sys
work = pathlib.Path(sys.argv[1])
T0 = 1709294400
lines = ["# TYPE agent_tasks gauge"]
for pod, value, skip in (("agent-0", lambda i: 100 + 10 * i, lambda i: False),
                         ("agent-1", lambda i: 100.25 - i, lambda i: 20 <= i <= 34)):
    for i in range(60):
        if not skip(i):
            lines.append(f'agent_tasks{{pod="{pod}"}} {value(i)} {T0 + 60 * i}')
lines.append("# EOF")
(work / "samples.om").write_text("\n".join(lines) + "\n")
PY
mkdir -p "${work}/data"
promtool tsdb create-blocks-from openmetrics "${work}/samples.om" "${work}/data" \
  >"${work}/promtool.log" 2>&1 || { cat "${work}/promtool.log"; fail "promtool could not write the blocks"; }
log "loaded $(grep -c '^agent_tasks' "${work}/samples.om") samples with promtool tsdb create-blocks-from openmetrics"

# expect_rows WHICH CSV: the CSV's data rows equal expected.py WHICH.
expect_rows() {
  python3 "${work}/expected.py" "$1" >"${work}/want.csv"
  grep -v '^#' "$2" | tail -n +2 >"${work}/got.csv"
  python3 - "${work}/want.csv" "${work}/got.csv" <<'PY' || fail "$2: the trace is not the loaded samples (${1})"
import sys
want = [tuple(map(float, l.split(","))) for l in open(sys.argv[1]) if l.strip()]
got = [tuple(map(float, l.split(","))) for l in open(sys.argv[2]) if l.strip()]
if want != got:
    print(f"want {len(want)} rows, got {len(got)}")
    for w, g in zip(want, got):
        if w != g:
            print(f"  first difference: want {w}, got {g}")
            break
    sys.exit(1)
PY
}

# --- Prometheus over those blocks, on a free loopback port ----------------------
printf 'global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n' >"${work}/prometheus.yml"
start_prometheus "${work}/prometheus.yml" "${work}/data" "${work}/prometheus.log" \
  --storage.tsdb.retention.time=100y

start=$((t0 + 30))
end=$((t0 + 30 + 59 * 60))
query=(--prometheus "127.0.0.1:${prom_port}" --query agent_tasks --start "${start}" --end "${end}" --step 60)

# --- 1. the C++ query client ----------------------------------------------------
"${tool}" "${query[@]}" --match 'pod="agent-0"' --output "${work}/agent0.csv" ||
  fail "query_range for agent-0 failed"
expect_rows agent-0 "${work}/agent0.csv"
grep -q '^# series: agent_tasks{pod="agent-0"}$' "${work}/agent0.csv" || fail "no series comment"
log "ok: one series by a label matcher: 60 rows, timestamps and values as loaded"

"${tool}" "${query[@]}" --sum --output "${work}/sum.csv" --manifest "${manifest}" \
  2>"${work}/replay.log" || { cat "${work}/replay.log"; fail "query_range --sum failed"; }
expect_rows sum "${work}/sum.csv"
log "ok: the sum of two series per timestamp (agent-1 stale for 11 steps)"
cat "${work}/replay.log"
grep -q '^replay: 237 syncs driving app_active_task_count, replicas ' "${work}/replay.log" ||
  fail "the C++ fluid replay of the fetched trace did not run over 237 syncs"

if "${tool}" "${query[@]}" --match 'pod="agent-1"' >/dev/null 2>"${work}/gap.log"; then
  fail "a stale gap was accepted without --gaps"
fi
grep -qF "no point from $((t0 + 30 + 24 * 60)) to $((t0 + 30 + 34 * 60)) (11 steps of 60 s; the series was stale or absent)" \
  "${work}/gap.log" || { cat "${work}/gap.log"; fail "the gap error does not name the gap"; }
"${tool}" "${query[@]}" --match 'pod="agent-1"' --gaps zero --output "${work}/agent1.csv" ||
  fail "query_range for agent-1 with --gaps zero failed"
expect_rows agent-1-zero "${work}/agent1.csv"
log "ok: the stale gap is an error naming it, and zeros with --gaps zero"

if "${tool}" "${query[@]}" >/dev/null 2>"${work}/two.log"; then fail "two series were accepted"; fi
grep -q 'the response has 2 series' "${work}/two.log" || { cat "${work}/two.log"; fail "no 2-series error"; }
bad=(--prometheus "127.0.0.1:${prom_port}" --query 'agent_tasks[' --start "${start}" --end "${end}" --step 60)
if "${tool}" "${bad[@]}" >/dev/null 2>"${work}/bad.log"; then fail "a bad query was accepted"; fi
grep -q 'HTTP status 400: bad_data' "${work}/bad.log" || { cat "${work}/bad.log"; fail "no bad_data error"; }
log "ok: several series and a bad query fail with the reason ($(cut -c1-100 "${work}/bad.log"))"

# --- 2. agentscale fetch, when the Python package is installed -------------------
venv="${AGENTSCALE_VENV:-${root}/.venv}"
python="${venv}/bin/python"
if [[ ! -x "${python}" ]] || ! "${python}" -c 'import agentscale' 2>/dev/null; then
  log "SKIP (Python half): no agentscale package in ${venv} (bash scripts/python-test.sh installs it)"
  log "ok: the C++ half passed"
  exit 0
fi
if ! "${python}" -c 'import agentscale, sys; sys.exit(0 if agentscale.HAVE_HTTP else 1)'; then
  log "SKIP (Python half): the agentscale in ${venv} was built without cpp-httplib (HAVE_HTTP False)"
  exit 0
fi
# A package installed from an older checkout would test old code (test.sh
# runs this stage before it reinstalls the package).
installed_cli="$("${python}" -c 'import agentscale.cli as c; print(c.__file__)')"
if ! cmp -s "${installed_cli}" "${root}/bindings/python/agentscale/cli.py"; then
  log "SKIP (Python half): the agentscale in ${venv} is not this checkout's (its cli.py differs;" \
    "bash scripts/python-test.sh reinstalls it)"
  exit 0
fi
"${python}" -m agentscale fetch --prometheus "http://127.0.0.1:${prom_port}" --query agent_tasks \
  --start 2024-03-01T12:00:30Z --end 2024-03-01T12:59:30Z --step 1m --sum \
  --output "${work}/fetched.csv" --save-json "${work}/fetched.json" ||
  fail "agentscale fetch failed"
expect_rows sum "${work}/fetched.csv"
grep -q '^# query: agent_tasks$' "${work}/fetched.csv" || fail "agentscale fetch wrote no query comment"
log "ok: agentscale fetch wrote the same trace"
"${python}" -m agentscale replay "${manifest}" --trace "${work}/fetched.csv" --json >"${work}/replay.json" ||
  fail "agentscale replay --trace failed"
"${python}" -m agentscale replay "${manifest}" --trace "${work}/fetched.json" --sum --trace-step 60 --json \
  >"${work}/replay-json.json" || fail "agentscale replay of the saved response failed"
python3 - "${work}/replay.json" "${work}/replay-json.json" "${work}/replay.log" <<'PY' || fail "the Python replay differs from the C++ one"
import json, re, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
line = open(sys.argv[3]).read()
m = re.search(r"replay: (\d+) syncs .*replicas (\d+)\.\.(\d+), (\d+) scale-ups, (\d+) scale-downs, final (\d+)", line)
syncs, low, high, ups, downs, final = map(int, m.groups())
r = a["replicas"]
got = (len(r), min(r), max(r), a["summary"]["scale_ups"], a["summary"]["scale_downs"], r[-1])
print(f"C++ replay {(syncs, low, high, ups, downs, final)}, agentscale replay {got}")
assert got == (syncs, low, high, ups, downs, final)
assert b["replicas"] == r, "the saved response replays differently from the CSV"
PY
log "ok: agentscale replay --trace (CSV and the saved response) matches the C++ replay"
