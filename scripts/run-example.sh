#!/usr/bin/env bash
# The main job: compares the seed's production, development and bursty
# profiles on the embedded NASA trace (July 1995, 39,693 minutes, 1.9 million
# requests) with the agent model, through the same engine code a live
# controller runs, and prints the comparison table and writes a PNG.
#
#   bash scripts/run-example.sh [extra agentscale compare args...]
#
# On a fresh Debian 12 machine it
# 1. installs the Debian packages the build needs (scripts/install-deps.sh;
#    AGENTSCALE_SKIP_DEPS=1 skips this);
# 2. creates a virtual environment at .venv (reused when it exists;
#    AGENTSCALE_VENV=path puts it elsewhere);
# 3. `pip install '.[plot]'`: scikit-build-core builds agentscale._core
#    (the CMake tree under build/python-<tag> is reused between runs) and pip
#    brings numpy, rich and matplotlib from PyPI;
# 4. runs
#      agentscale compare production development bursty --plot build/compare.png
#    (AGENTSCALE_PLOT=path changes the PNG's path; extra arguments are passed
#    on, e.g. --model fluid, --service-seconds 60, --json).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "${AGENTSCALE_ROOT}"

plot="${AGENTSCALE_PLOT:-build/compare.png}"

section "dependencies (Debian packages)"
install_deps

venv_install plot
venv="${AGENTSCALE_VENV_DIR}"

section "agentscale compare production development bursty --plot ${plot} $*"
mkdir -p "$(dirname "${plot}")"
start=${SECONDS}
"${venv}/bin/agentscale" compare production development bursty --plot "${plot}" "$@"
echo "compare took $((SECONDS - start)) s"
