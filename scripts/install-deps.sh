#!/usr/bin/env bash
# Installs the Debian 12 packages that agentscale needs to build and test.
#
#   bash scripts/install-deps.sh
#
# Idempotent: when every package is already installed it changes nothing and
# does not run `apt-get update`. Runs apt-get directly as root, through sudo
# otherwise.
set -euo pipefail

PACKAGES=(
  build-essential
  cmake
  ninja-build
  pkg-config
  libabsl-dev
  libyaml-cpp-dev
  libre2-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  nlohmann-json3-dev
  libcpp-httplib-dev
  pybind11-dev
  python3-venv
  python3-dev
  clang
  libclang-rt-14-dev
  tzdata
  libgrpc++-dev
  libprotobuf-dev
  protobuf-compiler
  protobuf-compiler-grpc
  openssl
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "${pkg}" 2>/dev/null || true)"
  if [[ "${status}" != "installed" ]]; then
    missing+=("${pkg}")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} Debian packages are installed"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: missing ${missing[*]}; run this script as root (no sudo here)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
log="$(mktemp "${TMPDIR:-/tmp}/agentscale-apt.XXXXXX")"
trap 'rm -f "${log}"' EXIT

# Runs apt-get quietly: its progress goes to ${log}, shown only on failure;
# errors and warnings (stderr) always show.
apt() {
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get -qq -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 "$@" \
      >"${log}" </dev/null; then
    echo "install-deps: 'apt-get $*' failed; its output:" >&2
    cat "${log}" >&2
    return 1
  fi
}

# A mirror can be briefly unreachable; try the update a few times.
for attempt in 1 2 3; do
  if apt update; then break; fi
  if ((attempt == 3)); then exit 1; fi
  echo "install-deps: apt-get update failed, retrying in $((attempt * 10)) s" >&2
  sleep $((attempt * 10))
done
apt install -y --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
