"""Python-side benchmarks of agentscale: binding overhead against C++.

    python bench/python/bench_python.py [--pods 10] [--steps 40320] [--cpp-bench build-bench/bench/engine_bench]

1. Per-call overhead of one HorizontalAutoscaler.evaluate() from Python: the
   same observation is evaluated (a) in a Python loop over
   `hpa.evaluate(now, obs, out=decision)` and (b) in a C++ loop over the
   same HorizontalAutoscaler::Evaluate() call (agentscale._core.
   _bench_evaluate_loop). Overhead = (a) - (b) per call. Also reported: the
   call returning a new Decision, and building the observation in Python.
2. The vectorized call: evaluate_series() over a week-long trace (40,320
   steps at 15 s) against a bare C++ Evaluate() per step on a prebuilt
   observation (the per-call time of (b), which does less work: no
   observation is built). With --cpp-bench (engine_bench of a Release build,
   e.g. build-bench/bench/engine_bench) the equal-work figure is shown next
   to it: BM_Engine_EvaluateSeries runs agentscale::EvaluateSeries(), the C++
   loop behind evaluate_series(), on exactly this input, so the ratio of the
   two is the cost of the Python call itself (argument conversion, the lock
   and GIL release, wrapping the columns as numpy arrays). Python's figure
   is wall time (best of --repeats), C++'s CPU time (best of as many
   repetitions). The binary's BM_Engine_EvaluateSeed figures are shown too.

Prints a table and, with --json FILE, writes the figures as JSON. Reports,
does not assert.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import agentscale
from agentscale import _core

T0 = 1_767_258_000.0
TASKS = "app_active_task_count"
REQUESTS = "app_active_request_count"


def best_of(fn: Callable[[], float], repeats: int) -> float:
    return min(fn() for _ in range(repeats))


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


NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def run_cpp(binary: pathlib.Path, benchmark_filter: str, repetitions: int = 1) -> list[dict[str, Any]]:
    """Runs a Google Benchmark binary; its per-repetition rows (aggregates dropped)."""
    out = subprocess.run(
        [
            str(binary),
            f"--benchmark_filter={benchmark_filter}",
            f"--benchmark_repetitions={repetitions}",
            "--benchmark_format=json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)["benchmarks"]
    return [r for r in rows if r.get("run_type", "iteration") == "iteration"]


def cpp_benchmark(binary: pathlib.Path) -> list[dict[str, Any]]:
    rows = run_cpp(binary, "BM_Engine_EvaluateSeed")
    return [{"name": r["name"], "cpu_time_ns": r["cpu_time"] * NS_PER_UNIT[r["time_unit"]]} for r in rows]


def cpp_series_benchmark(binary: pathlib.Path, steps: int, repeats: int) -> dict[str, Any] | None:
    """BM_Engine_EvaluateSeries/<steps>: the same work as bench_series in C++.

    Best (and median) of `repeats` repetitions, CPU time per step; None when
    the binary has no case for this many steps.
    """
    rows = run_cpp(binary, f"BM_Engine_EvaluateSeries/{steps}$", repeats)
    if not rows:
        return None
    per_step = sorted(r["cpu_time"] * NS_PER_UNIT[r["time_unit"]] / steps for r in rows)
    return {
        "name": rows[0]["name"],
        "repetitions": len(rows),
        "best_ns_per_step": per_step[0],
        "median_ns_per_step": per_step[len(per_step) // 2],
        "mean_pods": rows[0]["mean_pods"],
        "rescales": rows[0]["rescales"],
        "allocs_per_step": rows[0]["allocs_per_step"],
    }


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
    print(f"evaluate_series over {r['steps']} steps (mean {r['mean_pods']:.2f} pods):")
    print(f"  {r['series_per_step_us']:.3f} us/step vs C++ Evaluate() alone {r['cpp_evaluate_per_step_us']:.3f} us/step "
          f"(ratio {r['series_vs_cpp_evaluate']:.2f}; the series also builds each observation)")
    if args.cpp_bench and not args.cpp_bench.exists():
        print(f"\n--cpp-bench {args.cpp_bench}: no such file")
    if args.cpp_bench and args.cpp_bench.exists():
        eq = cpp_series_benchmark(args.cpp_bench, args.steps, args.repeats)
        results["cpp_series"] = eq
        if eq is None:
            print(f"  C++ equal work: {args.cpp_bench.name} has no BM_Engine_EvaluateSeries/{args.steps} "
                  "(its cases: 5760 and 40320 steps)")
        else:
            ratio = r["series_per_step_us"] * 1e3 / eq["best_ns_per_step"]
            eq["python_vs_cpp"] = ratio
            print(f"  C++ equal work ({eq['name']}, CPU time, best of {eq['repetitions']}): "
                  f"{eq['best_ns_per_step'] / 1e3:.3f} us/step (median {eq['median_ns_per_step'] / 1e3:.3f}); "
                  f"Python / C++ = {ratio:.3f} ({(ratio - 1) * 100:+.1f} %)")
            if abs(eq["mean_pods"] - r["mean_pods"]) > 1e-9:
                print(f"  warning: the C++ run averaged {eq['mean_pods']:.6f} pods, the Python run "
                      f"{r['mean_pods']:.6f}: the inputs differ")
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
