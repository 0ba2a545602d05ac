"""Python-side benchmarks of the metrics layer: numpy batch appends and parsing.

    python bench/python/bench_metrics.py [--batches 1000 10000 100000] [--cpp-bench build-bench/bench/metrics_bench]

1. SeriesStore.append_batch(refs, timestamps, values) with uint64 ids from
   refs_for() and float64 arrays: one batch is one scrape of B series (B
   series, all at one timestamp, advancing 15 s per batch, as
   BM_SeriesStore_AppendBatchHandles does in C++), at B = 1k, 10k, 100k;
   samples/s. Also with one timestamp for the whole batch (a scalar), and
   append_labeled() with a dict of labels per sample.
2. The same samples through a Python loop of store.append(ref, t, v), the
   per-call path, for the speed-up of the batch call.
3. Parsing the Prometheus text format (the page of BM_Exposition_Parse: one
   gauge family with `queue` and `worker` labels, plus a small histogram), in
   MB/s: parse_exposition() (parses into the C++ Exposition value; Python
   objects are made only when its fields are read), the same plus reading
   `.samples` (a ParsedSample object per sample), and append_exposition()
   (parse and append to a store, all in C++).

If the C++ Google Benchmark binary is given (--cpp-bench), its
AppendBatchHandles and Exposition_Parse figures are shown for comparison.
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

T0 = 1_767_258_000.0
SCRAPE = 15.0
TASKS = "app_active_task_count"


def best_of(fn: Callable[[], float], repeats: int) -> float:
    return min(fn() for _ in range(repeats))


def pod_labels(n: int) -> list[dict[str, str]]:
    return [{"namespace": "default", "pod": f"agent-{i}", "job": "agents"} for i in range(n)]


def bench_batch(batch: int, total: int, repeats: int) -> dict[str, float]:
    """Samples/s of append_batch, append_batch with a scalar timestamp, and append_labeled."""
    batches = max(2, total // batch)
    labels = pod_labels(batch)
    values = (np.arange(batch) & 127).astype(np.float64)
    stamps = [np.full(batch, T0 + SCRAPE * (k + 1)) for k in range(batches)]

    def arrays() -> float:
        store = agentscale.SeriesStore()
        ids = store.refs_for(TASKS, labels)
        start = time.perf_counter()
        for ts in stamps:
            store.append_batch(ids, ts, values)
        elapsed = time.perf_counter() - start
        assert store.stats().appended == batches * batch
        return elapsed / (batches * batch)

    def scalar_time() -> float:
        store = agentscale.SeriesStore()
        ids = store.refs_for(TASKS, labels)
        start = time.perf_counter()
        for k in range(batches):
            store.append_batch(ids, T0 + SCRAPE * (k + 1), values)
        return (time.perf_counter() - start) / (batches * batch)

    def labeled() -> float:
        store = agentscale.SeriesStore()
        n = max(2, batches // 10)  # slower: fewer batches
        start = time.perf_counter()
        for k in range(n):
            store.append_labeled(TASKS, labels, T0 + SCRAPE * (k + 1), values)
        return (time.perf_counter() - start) / (n * batch)

    per_sample = best_of(arrays, repeats)
    return {
        "batch": batch,
        "append_batch_samples_per_s": 1.0 / per_sample,
        "append_batch_ns_per_sample": per_sample * 1e9,
        "append_batch_scalar_time_samples_per_s": 1.0 / best_of(scalar_time, repeats),
        "append_labeled_samples_per_s": 1.0 / best_of(labeled, repeats),
    }


def bench_per_call(series: int, scrapes: int, repeats: int) -> dict[str, float]:
    """Samples/s of a Python loop over store.append(ref, t, v)."""
    labels = pod_labels(series)
    values = [float(i & 127) for i in range(series)]

    def loop() -> float:
        store = agentscale.SeriesStore()
        refs = [store.get_or_create(TASKS, lab) for lab in labels]
        append = store.append
        start = time.perf_counter()
        for k in range(scrapes):
            t = T0 + SCRAPE * (k + 1)
            for ref, v in zip(refs, values):
                append(ref, t, v)
        return (time.perf_counter() - start) / (series * scrapes)

    per_sample = best_of(loop, repeats)
    return {
        "series": series,
        "append_samples_per_s": 1.0 / per_sample,
        "append_ns_per_sample": per_sample * 1e9,
    }


def agent_page(series: int) -> str:
    """BM_Exposition_Parse's page (bench/metrics_bench.cc AgentPage)."""
    lines = [
        "# HELP app_active_task_count Tasks the agent is working on.",
        "# TYPE app_active_task_count gauge",
    ]
    lines += [f'app_active_task_count{{queue="q{i}",worker="w-{i % 7}"}} {i * 3 + 0.5:g}' for i in range(series)]
    lines += [
        "# TYPE rpc_seconds histogram",
        'rpc_seconds_bucket{le="0.1"} 3',
        'rpc_seconds_bucket{le="+Inf"} 5',
        "rpc_seconds_sum 0.7",
        "rpc_seconds_count 5",
    ]
    return "\n".join(lines) + "\n"


def bench_parse(series: int, repeats: int, min_bytes: int) -> dict[str, float]:
    page = agent_page(series)
    body = page.encode()
    size = len(body)
    rounds = max(3, min_bytes // size)

    def parse() -> float:
        start = time.perf_counter()
        for _ in range(rounds):
            agentscale.parse_exposition(body)
        return (time.perf_counter() - start) / rounds

    def parse_and_read() -> float:
        n = max(1, rounds // 10)
        start = time.perf_counter()
        for _ in range(n):
            agentscale.parse_exposition(body).samples
        return (time.perf_counter() - start) / n

    def append() -> float:
        store = agentscale.SeriesStore()
        target = {"pod": "agent-0", "namespace": "default"}
        start = time.perf_counter()
        for k in range(rounds):
            agentscale.append_exposition(body, store, T0 + SCRAPE * (k + 1), target_labels=target)
        return (time.perf_counter() - start) / rounds

    samples = len(agentscale.parse_exposition(body).samples)
    t_parse = best_of(parse, repeats)
    t_read = best_of(parse_and_read, repeats)
    t_append = best_of(append, repeats)
    return {
        "series": series,
        "page_bytes": size,
        "samples": samples,
        "parse_exposition_mb_per_s": size / t_parse / 1e6,
        "parse_exposition_samples_per_s": samples / t_parse,
        "parse_and_read_samples_mb_per_s": size / t_read / 1e6,
        "parse_and_read_samples_samples_per_s": samples / t_read,
        "append_exposition_mb_per_s": size / t_append / 1e6,
        "append_exposition_samples_per_s": samples / t_append,
    }


def cpp_benchmark(binary: pathlib.Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [
            str(binary),
            "--benchmark_filter=BM_SeriesStore_AppendBatchHandles|BM_Exposition_Parse|BM_Exposition_AppendToStore",
            "--benchmark_format=json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows: list[dict[str, Any]] = json.loads(out)["benchmarks"]
    return [
        {
            "name": r["name"],
            "items_per_second": r.get("items_per_second"),
            "bytes_per_second": r.get("bytes_per_second"),
        }
        for r in rows
    ]


def millions(x: float) -> str:
    return f"{x / 1e6:8.2f} M"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--samples", type=int, default=2_000_000, help="samples per batch measurement")
    parser.add_argument("--per-call-series", type=int, default=1_000)
    parser.add_argument("--per-call-scrapes", type=int, default=200)
    parser.add_argument("--pages", type=int, nargs="*", default=[10, 1_000, 10_000], help="series per page")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cpp-bench", type=pathlib.Path, default=None)
    parser.add_argument("--json", type=pathlib.Path, default=None)
    args = parser.parse_args()

    results: dict[str, Any] = {"version": agentscale.__version__, "batch": [], "per_call": None, "parse": []}
    print(f"SeriesStore appends from Python (best of {args.repeats}, samples/s)")
    print(f"{'batch':>8} {'append_batch':>12} {'ns/sample':>10} {'scalar ts':>12} {'append_labeled':>15}")
    for b in args.batches:
        r = bench_batch(b, args.samples, args.repeats)
        results["batch"].append(r)
        print(
            f"{b:>8} {millions(r['append_batch_samples_per_s']):>12} {r['append_batch_ns_per_sample']:10.2f} "
            f"{millions(r['append_batch_scalar_time_samples_per_s']):>12} "
            f"{millions(r['append_labeled_samples_per_s']):>15}"
        )
    pc = bench_per_call(args.per_call_series, args.per_call_scrapes, args.repeats)
    results["per_call"] = pc
    print(
        f"per-call store.append(ref, t, v) loop over {pc['series']} series: "
        f"{millions(pc['append_samples_per_s']).strip()} samples/s ({pc['append_ns_per_sample']:.0f} ns/sample)"
    )
    best_batch = max(r["append_batch_samples_per_s"] for r in results["batch"])
    print(f"  append_batch is {best_batch / pc['append_samples_per_s']:.0f}x the per-call loop at its best batch size")

    print()
    print("Prometheus text format (BM_Exposition_Parse's page)")
    print(
        f"{'series':>7} {'bytes':>9} {'parse_exposition':>17} {'samples/s':>11} {'+ .samples':>12} "
        f"{'samples/s':>11} {'append_exposition':>18} {'samples/s':>11}"
    )
    for n in args.pages:
        r = bench_parse(n, args.repeats, min_bytes=20_000_000)
        results["parse"].append(r)
        print(
            f"{n:>7} {r['page_bytes']:>9} {r['parse_exposition_mb_per_s']:12.1f} MB/s "
            f"{millions(r['parse_exposition_samples_per_s']):>11} {r['parse_and_read_samples_mb_per_s']:7.1f} MB/s "
            f"{millions(r['parse_and_read_samples_samples_per_s']):>11} {r['append_exposition_mb_per_s']:13.1f} MB/s "
            f"{millions(r['append_exposition_samples_per_s']):>11}"
        )
    if args.cpp_bench and args.cpp_bench.exists():
        rows = cpp_benchmark(args.cpp_bench)
        results["cpp_benchmark"] = rows
        print()
        print("C++ Google Benchmark (bench/metrics_bench.cc):")
        for row in rows:
            items = row["items_per_second"]
            rate = row["bytes_per_second"]
            parts = []
            if items:
                parts.append(f"{items / 1e6:.2f} M items/s")
            if rate:
                parts.append(f"{rate / 1e6:.1f} MB/s")
            print(f"  {row['name']}: {', '.join(parts)}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
