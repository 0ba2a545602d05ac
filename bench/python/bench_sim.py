"""Python-side benchmarks of the simulator against C++.

    python bench/python/bench_sim.py [--repeats 3] [--sweep-points 1000] [--workers 2]
                                     [--cpp-bench build/bench/sim_bench] [--json FILE]

1. A whole agent-model run of the embedded NASA trace (1,891,714 tasks,
   production preset, default options) and a fluid replay of it (158,769
   decisions) from Python — agentscale.run_agent_model / fluid_replay, i.e.
   the C++ run plus handing its result arrays to numpy — against the same
   runs in bench/sim_bench.cc (BM_Sim_AgentModelNasa, BM_Sim_FluidReplayNasa)
   when --cpp-bench names the built binary (run with
   --benchmark_repetitions=3; its median is used). Target: Python within 10%
   of C++.
2. The same through the Pythonic layer (agentscale.simulate), which adds
   resolving the preset and building the Run.
3. A sweep of --sweep-points fluid replays of the NASA trace (a grid over
   target, scale-down window and scale-up window) on --workers processes.
   Target: 1,000 points in at most 30 s on 2 cores.

Times are the best of --repeats. Prints a table; with --json FILE writes the
figures as JSON. Reports, does not assert.
"""

from __future__ import annotations

import argparse
import json
import math
import pathlib
import subprocess
import time
from typing import Any, Callable

import agentscale


def best_of(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cpp_figures(binary: str) -> dict[str, float]:
    """Median real time in seconds of each sim_bench benchmark."""
    out = subprocess.run(
        [binary, "--benchmark_repetitions=3", "--benchmark_format=json",
         "--benchmark_filter=BM_Sim_.*Nasa"],
        capture_output=True, text=True, check=True,
    ).stdout
    figures: dict[str, float] = {}
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            figures[b["run_name"]] = b["real_time"] * scale[b["time_unit"]]
    return figures


def sweep_grid(points: int) -> dict[str, list[float]]:
    """A grid of about `points` points over three axes."""
    n = max(1, round(points ** (1 / 3)))
    targets: list[float] = [40 + 10 * i for i in range(n)]
    down: list[float] = [60 * i for i in range(n)]
    up: list[float] = [15 * i for i in range(max(1, math.ceil(points / (n * n))))]
    return {"target": targets, "scale_down_window_seconds": down, "scale_up_window_seconds": up}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sweep-points", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cpp-bench", default=None, help="path to the built bench/sim_bench")
    parser.add_argument("--json", default=None, metavar="FILE")
    args = parser.parse_args()

    spec = agentscale.preset("production")
    trace = agentscale.default_trace()
    results: dict[str, Any] = {}

    agent_s = best_of(lambda: agentscale.run_agent_model(spec, trace), args.repeats)
    fluid_s = best_of(lambda: agentscale.fluid_replay(spec, trace), args.repeats)
    agent_layer_s = best_of(lambda: agentscale.simulate("production", model="agent"), args.repeats)
    fluid_layer_s = best_of(lambda: agentscale.simulate("production", model="fluid"), args.repeats)
    results["python"] = {
        "agent_model_nasa_s": agent_s,
        "fluid_replay_nasa_s": fluid_s,
        "simulate_agent_nasa_s": agent_layer_s,
        "simulate_fluid_nasa_s": fluid_layer_s,
    }
    cpp: dict[str, float] = {}
    if args.cpp_bench and pathlib.Path(args.cpp_bench).exists():
        cpp = cpp_figures(args.cpp_bench)
        results["cpp"] = cpp

    grid = sweep_grid(args.sweep_points)
    points = math.prod(len(v) for v in grid.values())
    start = time.perf_counter()
    sweep = agentscale.sweep("production", grid, model="fluid", workers=args.workers, progress=False)
    sweep_s = time.perf_counter() - start
    assert not sweep.errors, sweep.errors[:1]
    results["sweep"] = {"points": points, "workers": args.workers, "seconds": sweep_s,
                        "per_point_ms": 1000 * sweep_s / points}

    def row(name: str, py: float, cpp_name: str) -> str:
        c = cpp.get(cpp_name)
        vs = f"{c * 1000:9.1f} ms  {100 * (py / c - 1):+6.1f}%" if c else "         -        -"
        return f"{name:<34} {py * 1000:9.1f} ms  {vs}"

    print(f"{'':<34} {'Python':>12}  {'C++':>12}  {'diff':>6}")
    print(row("agent model, NASA (1.9M tasks)", agent_s, "BM_Sim_AgentModelNasa"))
    print(row("fluid replay, NASA (158,769 syncs)", fluid_s, "BM_Sim_FluidReplayNasa"))
    print(row("simulate(model='agent'), NASA", agent_layer_s, "BM_Sim_AgentModelNasa"))
    print(row("simulate(model='fluid'), NASA", fluid_layer_s, "BM_Sim_FluidReplayNasa"))
    print(f"sweep: {points} fluid replays of the NASA trace on {args.workers} workers: "
          f"{sweep_s:.1f} s ({1000 * sweep_s / points:.1f} ms per point)")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
