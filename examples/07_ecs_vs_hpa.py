"""The seed's ECS target tracking (Terraform) and the seed's HPA on one workload, with a plot.

    python examples/07_ecs_vs_hpa.py [--tf examples/ecs.tf]
        [--hpa examples/hpa.yaml] [--days 28] [--out ecs_vs_hpa.png]

examples/ecs.tf is the seed's Terraform as written: a scalable target (2..10
tasks) with two target tracking policies, ECS service CPU at 70 % and memory
at 80 % (scale-out cooldown 60 s, scale-in cooldown 300 s). It references an
ECS cluster and service defined elsewhere, so its ResourceId stays text and
the loader says so. It needs the `aws` extra (python-hcl2).

Both replay the embedded NASA trace (requests per minute, July 1995), read as
the fleet's demand, in the fluid model: the HPA's agents each report
demand / replicas for app_active_task_count (target 70 per agent); each ECS
task's CPU and memory utilization is demand / tasks percent (the trace is the
fleet's total use in percent of one task's reservation), read by the AWS
policy as one-minute datapoints with its 3-of-3 and 15-of-15 alarms. The table
compares cost, peaks and churn; the plot shows both counts over the demand.
Needs the `plot` extra (matplotlib) for the PNG.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import tempfile

import numpy as np

import agentscale

HERE = pathlib.Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tf", type=pathlib.Path, default=HERE / "ecs.tf")
    parser.add_argument("--hpa", type=pathlib.Path, default=HERE / "hpa.yaml")
    parser.add_argument("--days", type=float, default=28.0,
                        help="how much of the trace to replay (default: all of it)")
    default_out = os.environ.get("AGENTSCALE_PLOT") or str(
        pathlib.Path(tempfile.gettempdir()) / "agentscale_07_ecs_vs_hpa.png")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(default_out))
    args = parser.parse_args(argv)

    ecs = agentscale.aws_from_terraform(args.tf)
    for w in ecs.warnings:
        print(f"warning: {w}", file=sys.stderr)
    spec = ecs.spec
    print(f"{args.tf.name}: {spec.service_namespace} {spec.resource_id}, "
          f"{spec.min_capacity}..{spec.max_capacity} tasks")
    for p in spec.target_tracking:
        print(f"  {p.name}: {p.metric.label} target {p.target_value:g}, "
              f"scale-out cooldown {p.scale_out_cooldown:g} s, scale-in cooldown {p.scale_in_cooldown:g} s")

    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + args.days * 86400)
    comparison = agentscale.compare([("hpa", str(args.hpa)), ("ecs", spec)], trace, model="fluid")
    hpa_run, ecs_run = comparison.runs
    hpa_result, ecs_result = hpa_run.result, ecs_run.result
    assert isinstance(hpa_result, agentscale.FluidResult) and isinstance(ecs_result, agentscale.FluidResult)
    print(f"{len(trace)} minutes of {trace.name}, fluid replay")
    print(f"{'':>4}  {'replica-hours':>13}  {'mean':>5}  {'peak':>4}  {'ups':>4}  {'downs':>5}")
    for run in comparison.runs:
        s = run.summary
        print(f"{run.label:>4}: {s.replica_hours:13.1f}  {s.mean_replicas:5.2f}  {s.peak_replicas:4d}  "
              f"{s.scale_ups:4d}  {s.scale_downs:5d}")

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
             label="HPA (app_active_task_count 70)")
    ecs_hours = (np.asarray(ecs_result.time_seconds) - trace.start) / 3600.0
    rep.step(ecs_hours, ecs_result.replicas, where="post", color="tab:green", linewidth=0.9,
             label="ECS (CPU 70 %, memory 80 %)")
    rep.set_ylabel("replicas / tasks")
    handles = ax.get_legend_handles_labels()[0] + rep.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left")
    ax.set_title("the seed's ECS target tracking and its HPA on the same demand")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    plt.close(fig)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
