#!/usr/bin/env bash
# Builds and tests the agentscale Python package the way a user installs it.
#
#   bash scripts/python-test.sh
#
# 1. creates a virtual environment at .venv (python3 -m venv; reused when it
#    exists, AGENTSCALE_VENV=path to put it elsewhere);
# 2. `pip install '.[test]'`: scikit-build-core builds agentscale._core
#    (Release, -j2; the CMake tree under build/python-<tag> is reused between
#    runs) and pip brings the test tools from PyPI;
# 3. mypy --strict on examples/*.py, tests/python and bench/python;
# 4. pytest tests/python, which also runs the example script and notebook.
#
# Needs the Debian packages of scripts/install-deps.sh and PyPI; nothing else.
# cpp-httplib is one of them, so the scraper and Prometheus-client tests must
# run here: AGENTSCALE_REQUIRE_HTTP=1 (the default; set it to 0 to let them
# skip) makes them fail, not skip, when the module was built without it.
# Exits non-zero if any step fails, including pytest's exit 5 (no tests ran).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="${AGENTSCALE_ROOT}"
cd "${root}"

venv_install test
venv="${AGENTSCALE_VENV_DIR}"

section "mypy --strict examples/*.py tests/python bench/python"
"${venv}/bin/python" -m mypy --strict examples/*.py tests/python bench/python

section "pytest tests/python"
export AGENTSCALE_REQUIRE_HTTP="${AGENTSCALE_REQUIRE_HTTP:-1}"
rc=0
# Run from outside the source tree's package directory, against the installed
# package. pytest's exit code 5 (no tests collected) is a failure too.
"${venv}/bin/python" -m pytest tests/python -q -p no:cacheprovider || rc=$?
if ((rc == 5)); then
  echo "python-test: pytest collected no tests" >&2
fi
exit "${rc}"
