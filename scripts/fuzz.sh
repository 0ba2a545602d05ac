#!/usr/bin/env bash
# Runs agentscale's libFuzzer targets for longer than CI does, one after
# another, and ends with a table of what each did.
#
#   bash scripts/fuzz.sh                      # every target, 600 s each
#   bash scripts/fuzz.sh -t 60 trace_fuzz     # one target, 60 s
#   bash scripts/fuzz.sh -j 2                 # two targets at a time
#
# Builds build-fuzz/ with clang (the Debian packages come from
# scripts/install-deps.sh unless AGENTSCALE_SKIP_DEPS=1). Each target reads
# its seed corpus in tests/fuzz/corpus/ and writes new inputs to a scratch
# directory; a crash, timeout or out-of-memory input is left in build-fuzz/
# (crash-*, timeout-*, oom-*) and named in the table. Exits non-zero if any
# target failed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "${AGENTSCALE_ROOT}"

seconds=600
parallel=1
while getopts "t:j:h" opt; do
  case "${opt}" in
    t) seconds="${OPTARG}" ;;
    j) parallel="${OPTARG}" ;;
    *) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))

declare -A corpus_of=()
for entry in "${AGENTSCALE_FUZZ_TARGETS[@]}"; do corpus_of["${entry%%:*}"]="${entry#*:}"; done
names=("$@")
if ((${#names[@]} == 0)); then
  for entry in "${AGENTSCALE_FUZZ_TARGETS[@]}"; do names+=("${entry%%:*}"); done
fi
for name in "${names[@]}"; do
  if [[ -z "${corpus_of[${name}]:-}" ]]; then
    echo "fuzz.sh: unknown target '${name}'; the targets are:" >&2
    printf '  %s\n' "${!corpus_of[@]}" >&2
    exit 2
  fi
done

install_deps
pick_tools
dir="${AGENTSCALE_ROOT}/build-fuzz"
configure_fuzz "${dir}"
build "${dir}" --target "${names[@]}"

# One line per target from its log: libFuzzer's closing statistics and the
# last coverage figures.
summarize() {
  local name="$1" rc="$2" log="${dir}/$1.log" execs cov ft crash
  execs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "${log}" | grep -oE '[0-9]+$' || true)"
  cov="$(grep -oE 'cov: [0-9]+' "${log}" | tail -n 1 | grep -oE '[0-9]+' || true)"
  ft="$(grep -oE 'ft: [0-9]+' "${log}" | tail -n 1 | grep -oE '[0-9]+' || true)"
  crash="$(grep -oE "Test unit written to [^ ]+" "${log}" | sed 's/Test unit written to //' || true)"
  printf '%-24s %6s s  %12s execs  cov %6s  ft %7s  %s\n' "${name}" "${seconds}" \
    "${execs:-?}" "${cov:-?}" "${ft:-?}" "$( ((rc == 0)) && echo ok || echo "FAILED ${crash}")"
}

status=0
results=()
run_one() {
  local name="$1" rc=0
  run_fuzz_target "${dir}" "${name}" "${corpus_of[${name}]}" "${seconds}" >/dev/null || rc=$?
  summarize "${name}" "${rc}" >"${dir}/${name}.summary"
  return "${rc}"
}
pids=()
for name in "${names[@]}"; do
  run_one "${name}" &
  pids+=($!)
  if ((${#pids[@]} >= parallel)); then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "${pid}" || status=1; done

section "fuzzing: ${#names[@]} target(s), ${seconds} s each"
for name in "${names[@]}"; do cat "${dir}/${name}.summary"; done
exit "${status}"
