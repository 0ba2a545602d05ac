# Shared by scripts/test.sh and scripts/run-example.sh; source it, don't run it.
#
# Environment knobs (all optional):
#   AGENTSCALE_JOBS=N        build and test parallelism (default 2: the CI and
#                            developer machines have 2 cores)
#   AGENTSCALE_SKIP_DEPS=1   don't run scripts/install-deps.sh
#   AGENTSCALE_DEBUG_INFO    -g1 (default) or -g, for build/ and build-asan/
#   CMAKE=/path/to/cmake     which cmake to use (default: the first in PATH;
#                            CMake 3.25 from Debian and 4.x both work)

AGENTSCALE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AGENTSCALE_JOBS="${AGENTSCALE_JOBS:-2}"
# The debug information scripts/test.sh builds with: -g1 (functions and line
# tables, enough for sanitizer and crash stack traces) compiles in about half
# the time of -g; AGENTSCALE_DEBUG_INFO=-g for a debugger's full view.
AGENTSCALE_DEBUG_INFO="${AGENTSCALE_DEBUG_INFO:--g1}"
CMAKE="${CMAKE:-cmake}"

# Prints a section header that stands out in a CI log.
section() {
  printf '\n==== %s ====\n' "$*"
}

install_deps() {
  if [[ "${AGENTSCALE_SKIP_DEPS:-0}" == 1 ]]; then
    echo "AGENTSCALE_SKIP_DEPS=1: not checking Debian packages"
    return 0
  fi
  bash "${AGENTSCALE_ROOT}/scripts/install-deps.sh"
}

# pick_tools: after install_deps, falls back to Debian's cmake and ninja when
# the ones first in PATH (e.g. pyenv shims for pip's cmake and ninja) do not
# run, and prints what will be used.
AGENTSCALE_CONFIGURE_ARGS=()
pick_tools() {
  if ! "${CMAKE}" --version >/dev/null 2>&1; then
    echo "'${CMAKE} --version' failed; using /usr/bin/cmake"
    CMAKE=/usr/bin/cmake
  fi
  if ! ninja --version >/dev/null 2>&1; then
    echo "'ninja --version' failed; using /usr/bin/ninja"
    AGENTSCALE_CONFIGURE_ARGS+=(-DCMAKE_MAKE_PROGRAM=/usr/bin/ninja)
  fi
  echo "cmake: $(command -v "${CMAKE}") ($("${CMAKE}" --version | head -n 1))"
  echo "c++:   $(c++ --version | head -n 1)"
  echo "jobs:  ${AGENTSCALE_JOBS}"
}

# configure BUILD_DIR [extra cmake args...]: configures a Ninja build of the
# repository in BUILD_DIR.
configure() {
  local build_dir="$1"
  shift
  "${CMAKE}" -S "${AGENTSCALE_ROOT}" -B "${build_dir}" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "${AGENTSCALE_CONFIGURE_ARGS[@]}" "$@"
}

# build BUILD_DIR [cmake --build args...]
build() {
  local build_dir="$1"
  shift
  "${CMAKE}" --build "${build_dir}" --parallel "${AGENTSCALE_JOBS}" "$@"
}

# ctest_in BUILD_DIR [ctest args...]: runs the build's tests. The ctest next
# to the chosen cmake is used, so the two always match.
ctest_in() {
  local build_dir="$1"
  shift
  local ctest
  ctest="$(dirname "$(command -v "${CMAKE}")")/ctest"
  [[ -x "${ctest}" ]] || ctest=ctest
  (cd "${build_dir}" && "${ctest}" --output-on-failure --no-tests=error \
    --parallel "${AGENTSCALE_JOBS}" --timeout 1500 "$@")
}

# The main build: optimized with debug info, every optional part whose sources
# exist switched on.
configure_release() {
  local build_dir="$1"
  shift
  local extra=()
  if [[ -f "${AGENTSCALE_ROOT}/bench/CMakeLists.txt" ]]; then
    extra+=(-DAGENTSCALE_BUILD_BENCHMARKS=ON)
  fi
  configure "${build_dir}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${extra[@]}" "$@"
}

# venv_install EXTRAS: creates the virtual environment (AGENTSCALE_VENV,
# default .venv; reused when it exists) and runs `pip install '.[EXTRAS]'` in
# it: scikit-build-core builds agentscale._core (the CMake tree under
# build/python-<tag> is reused between runs). Sets AGENTSCALE_VENV_DIR.
venv_install() {
  local extras="$1" python="${PYTHON:-python3}"
  AGENTSCALE_VENV_DIR="${AGENTSCALE_VENV:-${AGENTSCALE_ROOT}/.venv}"
  section "virtual environment ${AGENTSCALE_VENV_DIR}"
  if [[ ! -x "${AGENTSCALE_VENV_DIR}/bin/python" ]]; then
    "${python}" -m venv "${AGENTSCALE_VENV_DIR}" || return 1
  fi
  "${AGENTSCALE_VENV_DIR}/bin/python" --version
  section "pip install '.[${extras}]'"
  local start=${SECONDS}
  "${AGENTSCALE_VENV_DIR}/bin/python" -m pip install --disable-pip-version-check \
    --progress-bar off "${AGENTSCALE_ROOT}[${extras}]" || return 1
  echo "pip install took $((SECONDS - start)) s"
}

# --- fuzzing ------------------------------------------------------------------
# Every libFuzzer target, as NAME:CORPUS (tests/fuzz/corpus/CORPUS), one per
# loader of outside input; scripts/test.sh runs them all briefly, and
# scripts/fuzz.sh for as long as asked.
AGENTSCALE_FUZZ_TARGETS=(exposition_fuzz:exposition trace_fuzz:trace
  scaled_object_fuzz:scaled_object formula_fuzz:formula cron_fuzz:cron
  schedule_fuzz:schedule agent_model_fuzz:agent_model alert_rules_fuzz:alert_rules
  state_json_fuzz:state_json observation_json_fuzz:observation_json
  adapter_rules_fuzz:adapter_rules manifest_fuzz:manifest aws_json_fuzz:aws_json
  tune_fuzz:tune node_pools_fuzz:node_pools serve_fuzz:serve)

# configure_fuzz BUILD_DIR: the clang build of the fuzz targets only (a
# unity build, its batches grouped by layer: tests/fuzz/CMakeLists.txt).
configure_fuzz() {
  configure "$1" -DCMAKE_CXX_COMPILER=clang++ -DAGENTSCALE_BUILD_FUZZERS=ON \
    -DCMAKE_UNITY_BUILD=ON \
    -DAGENTSCALE_BUILD_TESTS=OFF -DAGENTSCALE_BUILD_EXAMPLES=OFF \
    -DAGENTSCALE_BUILD_BENCHMARKS=OFF -DAGENTSCALE_INSTALL=OFF \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 ${AGENTSCALE_DEBUG_INFO} -DNDEBUG"
}

# run_fuzz_target BUILD_DIR NAME CORPUS SECONDS: runs one target for SECONDS
# on the seed corpus (read only; new inputs go to a scratch directory), with
# a 10 s per-input timeout and a 2 GB memory limit. Its log is
# BUILD_DIR/NAME.log; a crash leaves its reproducer (crash-*, timeout-*,
# oom-*) in BUILD_DIR. Prints the log's tail and the closing statistics.
run_fuzz_target() {
  local dir="$1" name="$2" corpus="$3" seconds="$4" work rc=0
  work="$(mktemp -d "${TMPDIR:-/tmp}/agentscale-fuzz.XXXXXX")"
  (cd "${dir}" && "${dir}/tests/fuzz/${name}" \
      -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 "${work}" \
      "${AGENTSCALE_ROOT}/tests/fuzz/corpus/${corpus}") \
    >"${dir}/${name}.log" 2>&1 || rc=$?
  tail -n 25 "${dir}/${name}.log"
  rm -rf "${work}"
  return "${rc}"
}
