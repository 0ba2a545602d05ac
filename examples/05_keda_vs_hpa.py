"""The seed's HPA and the seed's KEDA ScaledObject on one workload, with a plot.

    python examples/05_keda_vs_hpa.py [--hpa examples/hpa.yaml]
        [--keda examples/keda.yaml] [--days 3] [--out keda_vs_hpa.png]

Both autoscalers replay the embedded NASA trace (requests per minute, July
1995), read as the fleet's demand: the HPA's agents each report demand /
replicas for app_active_task_count (target 70 per agent, 2..10 agents); the
ScaledObject's prometheus trigger reads the demand itself (50 per replica,
0..100 replicas, scale to zero after 300 s without activity). The table
compares cost, peaks, churn and time at zero; the plot shows both replica
counts over the demand. Needs the `plot` extra (matplotlib) for the PNG.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile

import numpy as np

import agentscale

HERE = pathlib.Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hpa", type=pathlib.Path, default=HERE / "hpa.yaml")
    parser.add_argument("--keda", type=pathlib.Path, default=HERE / "keda.yaml")
    parser.add_argument("--days", type=float, default=3.0, help="how much of the trace to replay")
    default_out = os.environ.get("AGENTSCALE_PLOT") or str(
        pathlib.Path(tempfile.gettempdir()) / "agentscale_05_keda_vs_hpa.png")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(default_out))
    args = parser.parse_args(argv)

    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + args.days * 86400)
    comparison = agentscale.compare([str(args.hpa), str(args.keda)], trace, model="fluid")
    hpa_run, keda_run = comparison.runs
    hpa_result, keda_result = hpa_run.result, keda_run.result
    assert isinstance(hpa_result, agentscale.FluidResult) and isinstance(keda_result, agentscale.FluidResult)
    print(f"{len(trace)} minutes of {trace.name}, fluid replay")
    for run in comparison.runs:
        s = run.summary
        print(f"{run.label:>6}: {s.replica_hours:8.1f} replica-hours, peak {s.peak_replicas:3d}, "
              f"{s.scale_ups} ups / {s.scale_downs} downs, {s.time_at_zero_seconds / 60:.0f} min at zero, "
              f"{s.scales_from_zero} scales from zero")

    try:
        import matplotlib
    except ImportError:
        print("plot skipped: it needs matplotlib: pip install 'agentscale[plot]'")
        return 0

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = (np.asarray(hpa_result.time_seconds) - trace.start) / 3600.0
    fig, ax = plt.subplots(figsize=(11, 4.5))
    ax.plot(hours, hpa_result.demand, color="tab:gray", linewidth=0.5, alpha=0.6, label="demand (trace)")
    ax.set_xlabel("hours from the trace start")
    ax.set_ylabel("demand per minute")
    rep = ax.twinx()
    rep.step(hours, hpa_result.replicas, where="post", color="tab:blue", linewidth=0.9,
             label=f"HPA {hpa_run.spec.name}")
    keda_hours = (np.asarray(keda_result.time_seconds) - trace.start) / 3600.0
    rep.step(keda_hours, keda_result.replicas, where="post", color="tab:orange", linewidth=0.9,
             label=f"KEDA {keda_run.spec.name}")
    rep.set_ylabel("replicas")
    handles = ax.get_legend_handles_labels()[0] + rep.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left")
    ax.set_title("the seed's HPA and its KEDA ScaledObject on the same demand")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
