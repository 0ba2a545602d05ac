# Shared by the real-Prometheus tests (prometheus_e2e.sh,
# prometheus_range_e2e.sh, tests/serve/serve_e2e.sh); sourced, with log()
# and fail() defined by the caller.
#
# ensure_prometheus: installs the Debian package `prometheus` when the
# command is missing (as root; with a policy-rc.d that keeps the package's
# own service from starting), and exits 77 (ctest: skipped) saying why only
# when it cannot be installed.
ensure_prometheus() {
  local policy added_policy rc
  if ! command -v prometheus >/dev/null 2>&1; then
    if [[ "$(id -u)" -ne 0 ]]; then
      log "SKIP: prometheus is not installed and this is not root"
      exit 77
    fi
    log "installing the Debian package prometheus"
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e "${policy}" ]]; then
      # Keeps invoke-rc.d from starting the packaged service.
      printf '#!/bin/sh\nexit 101\n' >"${policy}"
      chmod 755 "${policy}"
      added_policy=1
    fi
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends -o DPkg::Lock::Timeout=120 prometheus \
      </dev/null >/tmp/agentscale-apt-prometheus.log 2>&1 || rc=$?
    if ((rc != 0)); then
      DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        >>/tmp/agentscale-apt-prometheus.log 2>&1 || true
      rc=0
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends -o DPkg::Lock::Timeout=120 prometheus \
        </dev/null >>/tmp/agentscale-apt-prometheus.log 2>&1 || rc=$?
    fi
    ((added_policy)) && rm -f "${policy}"
    if ((rc != 0)) || ! command -v prometheus >/dev/null 2>&1; then
      log "SKIP: 'apt-get install prometheus' failed (exit ${rc}):"
      tail -n 5 /tmp/agentscale-apt-prometheus.log
      exit 77
    fi
    # The package's service may still have been started (systemd without
    # invoke-rc.d); it is not ours and is left alone: this test uses its own
    # port, storage and configuration.
  fi
}

# http_get PORT PATH: GET http://127.0.0.1:PORT/PATH with bash's /dev/tcp
# (no curl on a fresh machine); prints the body, fails on no connection.
http_get() {
  local body
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  body="$(timeout 5 cat <&3)" || { exec 3<&-; return 1; }
  exec 3<&-
  printf '%s\n' "${body#*$'\r\n\r\n'}"
}

# start_prometheus CONFIG STORAGE LOG [FLAG...]: starts Prometheus with
# CONFIG and its TSDB in STORAGE on a free loopback port, with any further
# flags; waits up to 15 s for /-/ready, and tries three ports before it
# gives up (fail). Sets prom_port and adds the server's pid to the caller's
# `pids` array, which the caller's cleanup kills.
start_prometheus() {
  local config="$1" storage="$2" log_file="$3" attempt candidate pid
  shift 3
  prom_port=""
  for attempt in 1 2 3; do
    candidate="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    prometheus --config.file="${config}" --storage.tsdb.path="${storage}" \
      --web.listen-address="127.0.0.1:${candidate}" "$@" >"${log_file}" 2>&1 &
    pid=$!
    pids+=("${pid}")
    for _ in $(seq 1 150); do
      if [[ "$(http_get "${candidate}" /-/ready 2>/dev/null)" == *"Ready"* ]]; then
        prom_port="${candidate}"
        break
      fi
      kill -0 "${pid}" 2>/dev/null || break
      sleep 0.1
    done
    [[ -n "${prom_port}" ]] && break
    kill "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
    log "Prometheus did not get ready on port ${candidate} (attempt ${attempt}):"
    tail -n 5 "${log_file}"
  done
  [[ -n "${prom_port}" ]] || fail "Prometheus did not start"
  log "Prometheus ready on 127.0.0.1:${prom_port}"
}
