"""Python-side benchmarks of agentscale: binding overhead against C++.

    python bench/python/bench_python.py [--pods 10] [--steps 100000] [--cpp-bench build/bench/engine_bench]

1. Per-call overhead of one HorizontalAutoscaler.evaluate() from Python: the
   same observation is evaluated (a) in a Python loop over
   `hpa.evaluate(now, obs, out=decision)` and (b) in a C++ loop over the
   same HorizontalAutoscaler::Evaluate() call (agentscale._core.
   _bench_evaluate_loop). Overhead = (a) - (b) per call. Also reported: the
   call returning a new Decision, and building the observation in Python.
2. The vectorized call: evaluate_series() over a day-long trace against the
   same loop in C++ (one evaluate per step with the observation rebuilt,
   which is what evaluate_series does), i.e. its cost per step against the
   per-call C++ time of (b) plus observation building. If the C++ Google
   Benchmark binary is given (BM_Engine_EvaluateSeed), its figure is shown too.

Prints a table and, with --json FILE, writes the figures as JSON. Reports,
does not assert.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import time
from typing import Any

import numpy as np

import agentscale
from agentscale import _core

T0 = 1_767_258_000.0
TASKS = "app_active_task_count"
REQUESTS = "app_active_request_count"


def best_of(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        times.append(fn())
    return min(times)


def bench_single(pods: int, iterations: int, repeats: int) -> dict[str, float]:
    spec = agentscale.preset("production")
    spec.max_replicas = 2 * pods
    # On target (70 tasks, 50 requests per pod): every sync takes the metrics
    # path, computes both metrics and holds.
    obs = agentscale.make_observation(pods, {TASKS: 70.0, REQUESTS: 50.0}, T0)

    def python_out() -> float:
        hpa = agentscale.HorizontalAutoscaler(spec)
        d = agentscale.Decision()
        evaluate = hpa.evaluate
        start = time.perf_counter()
        now = T0
        for _ in range(iterations):
            evaluate(now, obs, out=d)
            now += 15.0
        return (time.perf_counter() - start) / iterations

    def python_new() -> float:
        hpa = agentscale.HorizontalAutoscaler(spec)
        evaluate = hpa.evaluate
        start = time.perf_counter()
        now = T0
        for _ in range(iterations):
            evaluate(now, obs)
            now += 15.0
        return (time.perf_counter() - start) / iterations

    def cpp() -> float:
        hpa = agentscale.HorizontalAutoscaler(spec)
        return _core._bench_evaluate_loop(hpa, obs, T0, 15.0, iterations) / iterations

    def build_obs() -> float:
        n = max(1, iterations // 10)
        start = time.perf_counter()
        for i in range(n):
            agentscale.make_observation(pods, {TASKS: 70.0, REQUESTS: 50.0}, T0 + i)
        return (time.perf_counter() - start) / n

    c = best_of(cpp, repeats)
    p_out = best_of(python_out, repeats)
    p_new = best_of(python_new, repeats)
    return {
        "pods": pods,
        "cpp_evaluate_us": c * 1e6,
        "python_evaluate_out_us": p_out * 1e6,
        "python_evaluate_new_decision_us": p_new * 1e6,
        "overhead_out_us": (p_out - c) * 1e6,
        "overhead_new_decision_us": (p_new - c) * 1e6,
        "python_make_observation_us": best_of(build_obs, repeats) * 1e6,
    }


def bench_series(steps: int, repeats: int) -> dict[str, float]:
    spec = agentscale.preset("production")
    times = T0 + 15.0 * np.arange(steps)
    x = np.arange(steps) / (4 * 60 * 24)
    load = 350 + 300 * np.sin(2 * np.pi * x) + 50 * np.sin(2 * np.pi * 37 * x)
    totals = {TASKS: load, REQUESTS: 0.6 * load}

    def series() -> float:
        hpa = agentscale.HorizontalAutoscaler(spec)
        start = time.perf_counter()
        hpa.evaluate_series(times, fleet_totals=totals)
        return (time.perf_counter() - start) / steps

    # The C++ reference: the same decisions, one Evaluate() per step on an
    # observation with the same pods, measured in C++ in chunks of equal
    # replica count (evaluate_series' replica counts come from a first run).
    reference = agentscale.HorizontalAutoscaler(spec).evaluate_series(times, fleet_totals=totals)
    counts = reference.current_replicas
    mean_pods = float(np.mean(counts))

    def cpp_reference() -> float:
        total = 0.0
        for n in np.unique(counts):
            k = int(np.count_nonzero(counts == n))
            obs = agentscale.make_observation(int(n), {TASKS: 70.0, REQUESTS: 50.0}, T0)
            s2 = agentscale.preset("production")
            s2.max_replicas = max(int(n), s2.max_replicas)
            hpa = agentscale.HorizontalAutoscaler(s2)
            total += _core._bench_evaluate_loop(hpa, obs, T0, 15.0, k)
        return total / steps

    s = best_of(series, repeats)
    c = best_of(cpp_reference, repeats)
    return {
        "steps": steps,
        "mean_pods": mean_pods,
        "series_per_step_us": s * 1e6,
        "cpp_evaluate_per_step_us": c * 1e6,
        "series_vs_cpp_evaluate": s / c,
    }


def cpp_benchmark(binary: pathlib.Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(binary), "--benchmark_filter=BM_Engine_EvaluateSeed", "--benchmark_format=json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)["benchmarks"]
    return [{"name": r["name"], "cpu_time_ns": r["cpu_time"]} for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, nargs="*", default=[2, 10, 100])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=4 * 60 * 24 * 7)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cpp-bench", type=pathlib.Path, default=None)
    parser.add_argument("--json", type=pathlib.Path, default=None)
    args = parser.parse_args()

    results: dict[str, Any] = {"version": agentscale.__version__, "single": [], "series": None}
    print("single evaluate() from Python vs the same call in C++ (best of %d, us per call)" % args.repeats)
    print(f"{'pods':>5} {'C++':>8} {'Py out=':>8} {'Py new':>8} {'ovh out=':>9} {'ovh new':>8} {'make_obs':>9}")
    for pods in args.pods:
        r = bench_single(pods, args.iterations, args.repeats)
        results["single"].append(r)
        print(
            f"{pods:>5} {r['cpp_evaluate_us']:8.3f} {r['python_evaluate_out_us']:8.3f} "
            f"{r['python_evaluate_new_decision_us']:8.3f} {r['overhead_out_us']:9.3f} "
            f"{r['overhead_new_decision_us']:8.3f} {r['python_make_observation_us']:9.2f}"
        )
    r = bench_series(args.steps, args.repeats)
    results["series"] = r
    print()
    print(f"evaluate_series over {r['steps']} steps (mean {r['mean_pods']:.1f} pods):")
    print(f"  {r['series_per_step_us']:.3f} us/step vs C++ Evaluate() alone {r['cpp_evaluate_per_step_us']:.3f} us/step "
          f"(ratio {r['series_vs_cpp_evaluate']:.2f}; the series also builds each observation)")
    if args.cpp_bench and args.cpp_bench.exists():
        rows = cpp_benchmark(args.cpp_bench)
        results["cpp_benchmark"] = rows
        print()
        print("C++ Google Benchmark BM_Engine_EvaluateSeed:")
        for row in rows:
            print(f"  {row['name']}: {row['cpu_time_ns'] / 1000:.3f} us")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
