#!/usr/bin/env bash
# deploy/ stays true: its configuration loads, and deploy/scaled-object.yaml
# is exactly what agentscale-serve generates for it (the command in the
# file's header), so the ScaledObject a user applies is the pass-through one.
#
#   bash tests/serve/deploy_test.sh AGENTSCALE_SERVE
set -euo pipefail
serve_bin="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mktemp)"
trap 'rm -f "${out}"' EXIT
"${serve_bin}" --config "${root}/deploy/config" --print-scaled-object agents --name agent \
  --namespace default --scaler-address agentscale.agentscale.svc.cluster.local:9443 >"${out}"
if ! diff <(grep -v '^#' "${root}/deploy/scaled-object.yaml") "${out}"; then
  echo "deploy_test: deploy/scaled-object.yaml differs from what agentscale-serve generates" >&2
  exit 1
fi
echo "deploy_test: deploy/config loads; deploy/scaled-object.yaml is current"
