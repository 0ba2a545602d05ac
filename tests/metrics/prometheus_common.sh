# Shared by the real-Prometheus tests (prometheus_e2e.sh,
# prometheus_range_e2e.sh); sourced, with log() and fail() defined by the
# caller.
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
