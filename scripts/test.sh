#!/usr/bin/env bash
# Runs every agentscale test: the one command behind `.ci/run` and the README.
#
#   bash scripts/test.sh
#
# 1. installs the Debian packages the build needs (scripts/install-deps.sh);
# 2. builds build/ (RelWithDebInfo, Ninja) and runs all of its ctest tests,
#    including the examples and the CMake consumer tests, except the one
#    labelled `prometheus`, which runs next in a stage of its own:
#    end to end with a real Prometheus server (tests/metrics/
#    prometheus_e2e.sh: scraping and the controller; prometheus_range_e2e.sh:
#    query_range as a trace, through the C++ client and, when .venv holds
#    this checkout's package, `agentscale fetch`; tests/serve/serve_e2e.sh:
#    agentscale-serve polled by a Python gRPC client as KEDA polls it, a
#    kill -9 and restart inside a stabilization window; they install the Debian
#    package `prometheus` if missing, and are skipped, saying why, only when
#    it cannot be installed);
# 3. builds build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer at
#    -O0 (with GCC, UBSan's instrumentation makes an -O1 compile nearly three
#    times slower; see docs/benchmarks.md) and runs its tests (minus the
#    consumer tests, label `consumer`, and the real-Prometheus test, label
#    `prometheus`); a unity build
#    (CMAKE_UNITY_BUILD: each target's .cc files compiled a batch at a time,
#    so the headers are parsed and instrumented once per batch, not once per
#    file), which is why helpers local to a .cc file have names of their own
#    within their target (a developer's own sanitizer or debug build can add
#    -DCMAKE_UNITY_BUILD=ON too; build/'s libraries are built file by file,
#    its test programs as a unity build: AGENTSCALE_UNITY_TESTS);
# 4. builds build-tsan/ with ThreadSanitizer and runs only the concurrency
#    tests (label `tsan`);
# 5. builds the libFuzzer targets in build-fuzz/ with clang and runs them on
#    their seed corpora (tests/fuzz/corpus/), 120 s split evenly between them;
# 6. the Python package: venv, pip install '.[test]', mypy --strict, pytest
#    (scripts/python-test.sh).
#
# Every stage runs even when an earlier one failed (except after a failed
# dependency install); the script exits non-zero if any stage failed and ends
# with a one-line summary of the test counts. Knobs: see scripts/common.sh,
# plus AGENTSCALE_SKIP_ASAN=1, AGENTSCALE_SKIP_TSAN=1, AGENTSCALE_SKIP_FUZZ=1
# and AGENTSCALE_SKIP_PYTHON=1 to skip stages 3, 4, 5 and 6;
# AGENTSCALE_FUZZ_SECONDS=N changes the fuzzing time (default 120, for all
# targets together).
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
  local log="${build_dir}/${CTEST_LOG_NAME:-ctest.log}" rc=0
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

# run_prometheus_e2e BUILD_DIR: the real-Prometheus test; says so loudly when
# it was skipped.
run_prometheus_e2e() {
  local rc=0
  CTEST_LOG_NAME=ctest-prometheus.log run_ctest "$1" -L prometheus || rc=$?
  if grep -q 'Skipped' "$1/ctest-prometheus.log"; then
    echo "NOTE: the real-Prometheus end-to-end test was SKIPPED (see above)"
  fi
  return "${rc}"
}

# --- 2. main build ----------------------------------------------------------
release_dir="${AGENTSCALE_ROOT}/build"
if stage "configure build/ (RelWithDebInfo)" configure_release "${release_dir}" \
     "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 ${AGENTSCALE_DEBUG_INFO} -DNDEBUG" \
     -DAGENTSCALE_UNITY_TESTS=ON &&
   stage "build build/" build "${release_dir}"; then
  stage "test build/ (ctest -LE prometheus)" run_ctest "${release_dir}" -LE prometheus || true
  stage "Prometheus end to end (ctest -L prometheus)" run_prometheus_e2e "${release_dir}" || true
else
  tests_failed=$((tests_failed + 1))
fi

# sanitizer_stage NAME DIR SKIP_VAR FLAGS CTEST_ARGS -- [cmake args] [-- build args]:
# configures DIR with the sanitizer FLAGS (compile and link), builds it and
# runs ctest with CTEST_ARGS (a space-separated list), each as its own stage;
# skipped when the variable named SKIP_VAR is 1. The caller exports the
# sanitizer's *_OPTIONS first.
sanitizer_stage() {
  local name="$1" dir="$2" skip_var="$3" flags="$4" ctest_args="$5"
  shift 5
  [[ "${1:-}" == -- ]] && shift
  local cmake_args=() build_args=()
  while (($#)) && [[ "$1" != -- ]]; do cmake_args+=("$1"); shift; done
  [[ "${1:-}" == -- ]] && shift
  build_args=("$@")
  if [[ "${!skip_var:-0}" == 1 ]]; then
    section "${name} build skipped (${skip_var}=1)"
    return 0
  fi
  local rel="${dir#"${AGENTSCALE_ROOT}"/}"
  if stage "configure ${rel}/ (${name})" configure "${dir}" \
       "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}" \
       "-DCMAKE_SHARED_LINKER_FLAGS=${flags}" "${cmake_args[@]}" &&
     stage "build ${rel}/" build "${dir}" "${build_args[@]}"; then
    # shellcheck disable=SC2086  # ctest_args is a word list
    stage "test ${rel}/ (ctest ${ctest_args})" run_ctest "${dir}" ${ctest_args} || true
  else
    tests_failed=$((tests_failed + 1))
  fi
}

# --- 3. ASan + UBSan: every test but the consumer and Prometheus ones ------
export ASAN_OPTIONS="halt_on_error=1:print_stacktrace=1:detect_leaks=1:strict_init_order=1${ASAN_OPTIONS:+:${ASAN_OPTIONS}}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:${UBSAN_OPTIONS}}"
sanitizer_stage "ASan + UBSan" "${AGENTSCALE_ROOT}/build-asan" AGENTSCALE_SKIP_ASAN \
  "-O0 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
  "-LE consumer|prometheus" -- -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=${AGENTSCALE_DEBUG_INFO}" \
  -DCMAKE_UNITY_BUILD=ON

# --- 4. ThreadSanitizer: the concurrency tests only -------------------------
# Only the targets labelled `tsan` are built; ctest -L tsan skips the rest
# (their tests are not built here).
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=${AGENTSCALE_ROOT}/tests/tsan.supp${TSAN_OPTIONS:+:${TSAN_OPTIONS}}"
sanitizer_stage "TSan" "${AGENTSCALE_ROOT}/build-tsan" AGENTSCALE_SKIP_TSAN \
  "-fsanitize=thread -fno-omit-frame-pointer" "-L tsan" -- \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTSCALE_BUILD_EXAMPLES=OFF \
  -DAGENTSCALE_BUILD_BENCHMARKS=OFF -DAGENTSCALE_INSTALL=OFF \
  -- --target metrics_concurrency_test tune_concurrency_test serve_concurrency_test

# --- 5. fuzzing: each libFuzzer target for a bounded time -------------------
# New inputs go to a scratch directory; the seed corpus in the repository is
# only read. A crash leaves its reproducer (crash-*) in build-fuzz/.
# The stage's time (AGENTSCALE_FUZZ_SECONDS, default 120) is split evenly
# between the targets, so adding a target does not make the stage longer.
run_fuzzers() {
  local dir="${AGENTSCALE_ROOT}/build-fuzz" total="${AGENTSCALE_FUZZ_SECONDS:-120}"
  local seconds=$((total / ${#AGENTSCALE_FUZZ_TARGETS[@]}))
  ((seconds >= 1)) || seconds=1
  configure_fuzz "${dir}" || return 1
  local names=() entry
  for entry in "${AGENTSCALE_FUZZ_TARGETS[@]}"; do names+=("${entry%%:*}"); done
  build "${dir}" --target "${names[@]}" || return 1
  local status=0
  for entry in "${AGENTSCALE_FUZZ_TARGETS[@]}"; do
    local name="${entry%%:*}" corpus="${entry#*:}" rc=0
    run_fuzz_target "${dir}" "${name}" "${corpus}" "${seconds}" || rc=$?
    if ((rc == 0)); then
      echo "${name}: no crash in ${seconds} s"
      tests_passed=$((tests_passed + 1))
    else
      echo "${name}: FAILED (exit ${rc}); log: ${dir}/${name}.log"
      tests_failed=$((tests_failed + 1))
      status=1
    fi
  done
  return "${status}"
}
if [[ "${AGENTSCALE_SKIP_FUZZ:-0}" == 1 ]]; then
  section "fuzzing skipped (AGENTSCALE_SKIP_FUZZ=1)"
else
  stage "fuzz every loader of outside input (${#AGENTSCALE_FUZZ_TARGETS[@]} libFuzzer targets, ${AGENTSCALE_FUZZ_SECONDS:-120} s in all)" \
    run_fuzzers || true
fi

# --- 6. Python tests --------------------------------------------------------
# The package as a user installs it: a venv, `pip install '.[test]'`,
# mypy --strict, and pytest (which also runs the example script and
# notebook). Its counts join the totals.
run_python_tests() {
  local log="${AGENTSCALE_ROOT}/build/python-test.log" rc=0
  mkdir -p "$(dirname "${log}")"
  bash "${AGENTSCALE_ROOT}/scripts/python-test.sh" 2>&1 | tee "${log}" || rc=$?
  # pytest's closing line, e.g. "128 passed, 2 skipped in 30.1s".
  local line passed=0 failed=0
  line="$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "${log}" | tail -n 1 || true)"
  [[ "${line}" =~ ([0-9]+)\ passed ]] && passed=${BASH_REMATCH[1]}
  [[ "${line}" =~ ([0-9]+)\ failed ]] && failed=${BASH_REMATCH[1]}
  [[ "${line}" =~ ([0-9]+)\ errors? ]] && failed=$((failed + BASH_REMATCH[1]))
  if ((rc != 0 && failed == 0)); then failed=1; fi
  tests_passed=$((tests_passed + passed))
  tests_failed=$((tests_failed + failed))
  return "${rc}"
}
if [[ "${AGENTSCALE_SKIP_PYTHON:-0}" == 1 ]]; then
  section "Python tests skipped (AGENTSCALE_SKIP_PYTHON=1)"
else
  stage "Python package (pip install, mypy --strict, pytest)" run_python_tests || true
fi

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
