# Shared by scripts/test.sh and scripts/run-example.sh; source it, don't run it.
#
# Environment knobs (all optional):
#   AGENTSCALE_JOBS=N        build and test parallelism (default 2: the CI and
#                            developer machines have 2 cores)
#   AGENTSCALE_SKIP_DEPS=1   don't run scripts/install-deps.sh
#   CMAKE=/path/to/cmake     which cmake to use (default: the first in PATH;
#                            CMake 3.25 from Debian and 4.x both work)

AGENTSCALE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AGENTSCALE_JOBS="${AGENTSCALE_JOBS:-2}"
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
