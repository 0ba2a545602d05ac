#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them all, the way the figures in
# docs/benchmarks.md were produced.
#
#   bash bench/run.sh [OUT_DIR]      (default: build-bench/results)
#
# Each program writes Google Benchmark JSON (OUT_DIR/<program>.json, medians
# of 5 repetitions) so that runs can be compared across commits, and prints
# the human-readable medians.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${root}/build-bench"
out="${1:-${build}/results}"
cmake -S "${root}" -B "${build}" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DAGENTSCALE_BUILD_BENCHMARKS=ON -DAGENTSCALE_BUILD_TESTS=OFF \
  -DAGENTSCALE_BUILD_EXAMPLES=OFF -DAGENTSCALE_INSTALL=OFF > /dev/null
cmake --build "${build}" -j "${AGENTSCALE_JOBS:-2}"
mkdir -p "${out}"
for program in replica_calculator_bench engine_bench config_bench sim_bench keda_bench \
    keda_formula_bench schedule_bench forecast_bench aws_bench tune_bench metrics_bench metrics_http_bench; do
  # metrics_http_bench is built only with AGENTSCALE_WITH_HTTP (the default).
  [[ -x "${build}/bench/${program}" ]] || continue
  echo "== ${program}"
  "${build}/bench/${program}" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true \
    --benchmark_out="${out}/${program}.json" --benchmark_out_format=json |
    grep -E "median|^-|Benchmark"
done
