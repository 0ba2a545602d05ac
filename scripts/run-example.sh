#!/usr/bin/env bash
# Builds and runs the seed example (examples/01_seed_hpa.cc) on its embedded
# default trace.
#
#   bash scripts/run-example.sh [example args...]
#
# Uses the same build/ directory and settings as scripts/test.sh, and builds
# only what the example needs.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "${AGENTSCALE_ROOT}"

section "dependencies (Debian packages)"
install_deps

section "toolchain"
pick_tools

section "configure build/"
configure_release build

section "build examples/01_seed_hpa"
# With Ninja an output path is a build target, whatever the CMake target is
# called.
build build --target examples/01_seed_hpa

section "run build/examples/01_seed_hpa $*"
exec build/examples/01_seed_hpa "$@"
