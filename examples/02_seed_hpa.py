"""The seed autoscaler from Python: a day of diurnal agent load, evaluated in C++.

    python examples/02_seed_hpa.py [--manifest examples/hpa.yaml] [--out replicas.png]

Loads the production HorizontalPodAutoscaler manifest, drives it through 24 h
of synthetic load (a daily cycle with a morning and an evening peak, plus
noise), one sync every 15 s, applying every decision at once, and plots the
replicas against the load. The PNG goes to --out, or $AGENTSCALE_PLOT, or a
file in the temp directory. Needs the `plot` extra (matplotlib).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile

import numpy as np
import numpy.typing as npt

import agentscale

HERE = pathlib.Path(__file__).resolve().parent
SYNC_SECONDS = 15.0
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def diurnal_tasks(hours: npt.NDArray[np.float64], seed: int = 7) -> npt.NDArray[np.float64]:
    """Fleet-wide active tasks: quiet at night, peaks at 10:00 and 19:00."""
    rng = np.random.default_rng(seed)
    morning = 450 * np.exp(-(((hours - 10) / 2.5) ** 2))
    evening = 300 * np.exp(-(((hours - 19) / 2.0) ** 2))
    base = 80 + 40 * np.sin(2 * np.pi * (hours - 6) / 24)
    noise = rng.normal(0, 15, hours.shape)
    tasks: npt.NDArray[np.float64] = np.clip(base + morning + evening + noise, 0, None)
    return tasks


def simulate(manifest: pathlib.Path) -> tuple[agentscale.AutoscalerSpec, agentscale.SeriesResult, npt.NDArray[np.float64]]:
    spec = agentscale.load_single_autoscaler(manifest)
    hpa = agentscale.HorizontalAutoscaler(spec)
    steps = int(24 * 3600 / SYNC_SECONDS)
    times = np.asarray(START + SYNC_SECONDS * np.arange(steps), dtype=np.float64)
    tasks = diurnal_tasks((times - START) / 3600.0)
    result = hpa.evaluate_series(
        times,
        fleet_totals={"app_active_task_count": tasks, "app_active_request_count": 0.6 * tasks},
    )
    return spec, result, tasks


def plot(spec: agentscale.AutoscalerSpec, result: agentscale.SeriesResult, tasks: npt.NDArray[np.float64], out: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hours = np.asarray((result.times - START) / 3600.0, dtype=np.float64)
    fig, ax_load = plt.subplots(figsize=(10, 4.5))
    ax_load.plot(hours, tasks, color="tab:gray", linewidth=0.8, label="active tasks (fleet)")
    ax_load.set_xlabel("hour of day (UTC)")
    ax_load.set_ylabel("active tasks")
    ax_rep = ax_load.twinx()
    ax_rep.step(hours, result.desired_replicas, where="post", color="tab:blue", label="replicas")
    ax_rep.axhline(spec.max_replicas, color="tab:red", linestyle=":", linewidth=1, label="maxReplicas")
    ax_rep.set_ylabel("replicas")
    ax_rep.set_ylim(0, spec.max_replicas + 1)
    ax_load.set_xlim(0, 24)
    handles = ax_load.get_legend_handles_labels()[0] + ax_rep.get_legend_handles_labels()[0]
    ax_load.legend(handles=handles, loc="upper left")
    ax_load.set_title(f"{spec.name}: replicas against a day of load")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=pathlib.Path, default=HERE / "hpa.yaml")
    default_out = os.environ.get("AGENTSCALE_PLOT") or str(pathlib.Path(tempfile.gettempdir()) / "agentscale_02_seed_hpa.png")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(default_out))
    args = parser.parse_args(argv)

    spec, result, tasks = simulate(args.manifest)
    scale_ups = int(np.count_nonzero(result.rescale & (result.desired_replicas > result.current_replicas)))
    scale_downs = int(np.count_nonzero(result.rescale & (result.desired_replicas < result.current_replicas)))
    replica_hours = float(result.desired_replicas.sum() * SYNC_SECONDS / 3600.0)
    at_max = float(np.mean(result.desired_replicas == spec.max_replicas) * 100)
    print(f"autoscaler {spec.name}: {len(result)} syncs over 24 h")
    print(f"replicas: min {result.desired_replicas.min()}, max {result.desired_replicas.max()}, "
          f"{replica_hours:.1f} replica-hours, {at_max:.1f}% of the day at maxReplicas")
    print(f"rescales: {scale_ups} up, {scale_downs} down")
    limited = agentscale.Reason.SCALE_UP_LIMIT.value
    print(f"syncs limited by the scale-up policy: {int(np.count_nonzero(result.limit_reason == limited))}")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("plot skipped: it needs matplotlib: pip install 'agentscale[plot]'")
        return 0
    plot(spec, result, tasks, args.out)
    print(f"plot: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
