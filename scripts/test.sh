#!/usr/bin/env bash
# Runs every agentscale test: the one command behind `.ci/run` and the README.
#
#   bash scripts/test.sh
#
# 1. installs the Debian packages the build needs (scripts/install-deps.sh);
# 2. builds build/ (RelWithDebInfo, Ninja) and runs all of its ctest tests,
#    including the examples and the CMake consumer tests;
# 3. builds build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer and
#    runs its tests (minus the consumer tests, label `consumer`);
# 4. the Python tests (to be added).
#
# Every stage runs even when an earlier one failed (except after a failed
# dependency install); the script exits non-zero if any stage failed and ends
# with a one-line summary of the test counts. Knobs: see scripts/common.sh,
# plus AGENTSCALE_SKIP_ASAN=1 to skip stage 3.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "${AGENTSCALE_ROOT}"

script_start=${SECONDS}
tests_passed=0
tests_failed=0
failed_stages=()
stage_report=()

# stage NAME COMMAND...: runs one stage, records its result and duration.
stage() {
  local name="$1"
  shift
  section "${name}"
  local start=${SECONDS} rc=0
  "$@" || rc=$?
  local took=$((SECONDS - start))
  if ((rc == 0)); then
    stage_report+=("  ok      ${name} (${took} s)")
  else
    stage_report+=("  FAILED  ${name} (${took} s, exit ${rc})")
    failed_stages+=("${name}")
  fi
  return "${rc}"
}

# run_ctest BUILD_DIR [ctest args...]: runs ctest, keeps its log next to the
# build and adds its counts to the totals.
run_ctest() {
  local build_dir="$1"
  shift
  local log="${build_dir}/ctest.log" rc=0
  ctest_in "${build_dir}" "$@" 2>&1 | tee "${log}" || rc=$?
  # ctest's closing line: "100% tests passed, 0 tests failed out of 13"
  # (CMake 3.x) or "100% tests passed out of 13" (4.x, when none failed).
  local line total failed=0
  line="$(grep -E '% tests passed.* out of [0-9]+' "${log}" | tail -n 1 || true)"
  if [[ "${line}" =~ out\ of\ ([0-9]+) ]]; then
    total=${BASH_REMATCH[1]}
    if [[ "${line}" =~ ([0-9]+)\ tests?\ failed ]]; then
      failed=${BASH_REMATCH[1]}
    fi
    tests_failed=$((tests_failed + failed))
    tests_passed=$((tests_passed + total - failed))
  elif ((rc != 0)); then
    tests_failed=$((tests_failed + 1))  # ctest itself failed; count it once
  fi
  return "${rc}"
}

# --- 1. dependencies --------------------------------------------------------
if ! stage "dependencies (Debian packages)" install_deps; then
  printf '%s\n' "${stage_report[@]}"
  echo "summary: 0 passed, 1 failed"
  exit 1
fi

section "toolchain"
pick_tools

# --- 2. main build ----------------------------------------------------------
release_dir="${AGENTSCALE_ROOT}/build"
if stage "configure build/ (RelWithDebInfo)" configure_release "${release_dir}" &&
   stage "build build/" build "${release_dir}"; then
  stage "test build/ (ctest)" run_ctest "${release_dir}" || true
else
  tests_failed=$((tests_failed + 1))
fi

# --- 3. sanitizer build -----------------------------------------------------
if [[ "${AGENTSCALE_SKIP_ASAN:-0}" == 1 ]]; then
  section "ASan/UBSan build skipped (AGENTSCALE_SKIP_ASAN=1)"
else
  asan_dir="${AGENTSCALE_ROOT}/build-asan"
  sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all"
  if stage "configure build-asan/ (ASan + UBSan)" configure "${asan_dir}" \
       -DCMAKE_BUILD_TYPE=Debug \
       "-DCMAKE_CXX_FLAGS=-O1 -fno-omit-frame-pointer ${sanitize}" \
       "-DCMAKE_EXE_LINKER_FLAGS=${sanitize}" \
       "-DCMAKE_SHARED_LINKER_FLAGS=${sanitize}" &&
     stage "build build-asan/" build "${asan_dir}"; then
    export ASAN_OPTIONS="halt_on_error=1:print_stacktrace=1:detect_leaks=1:strict_init_order=1${ASAN_OPTIONS:+:${ASAN_OPTIONS}}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:${UBSAN_OPTIONS}}"
    stage "test build-asan/ (ctest -LE consumer)" run_ctest "${asan_dir}" -LE consumer || true
  else
    tests_failed=$((tests_failed + 1))
  fi
fi

# --- 4. Python tests --------------------------------------------------------
# >>> PYTHON TESTS GO HERE (to be added) <<<
# Planned: create a venv under build-venv/, `pip install .` (scikit-build-core
# builds agentscale._core), `pip install pytest`, then run
# `python -m pytest tests/python` through `stage ... run_pytest` and add its
# counts to tests_passed / tests_failed. Treat pytest's exit 5 (no tests
# collected) as a failure once tests/python exists.
# <<< END PYTHON TESTS >>>

# --- summary ----------------------------------------------------------------
section "summary"
printf '%s\n' "${stage_report[@]}"
echo "total time: $((SECONDS - script_start)) s"
if ((${#failed_stages[@]} > 0)); then
  echo "FAILED: ${failed_stages[*]}"
  echo "summary: ${tests_passed} passed, ${tests_failed} failed"
  exit 1
fi
echo "summary: ${tests_passed} passed, ${tests_failed} failed"
