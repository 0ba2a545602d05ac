"""PNG plots of simulated runs and comparisons (needs matplotlib: the plot
extra). Figures are drawn with matplotlib's Agg canvas directly, so no GUI
backend and no pyplot global state are involved."""

from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import numpy.typing as npt

from agentscale.sim._resolve import spec_bounds

if TYPE_CHECKING:
    from agentscale.sim import Comparison, Run

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the extra
        raise ImportError(
            "plots need matplotlib: pip install 'agentscale[plot]'"
        ) from e
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _time_axis(t: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], str]:
    """Elapsed time in hours (or days for runs longer than three days)."""
    if t.size == 0:
        return t, "hours"
    elapsed = t - t[0]
    if elapsed[-1] > 3 * 86400:
        return elapsed / 86400.0, "days since trace start"
    return elapsed / 3600.0, "hours since trace start"


def _save(fig: Any, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
    out = pathlib.Path(path)
    # A mistyped directory is an error, not something to create.
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write {out}: the directory {out.parent} does not exist")
    fig.savefig(out, format="png")
    return out


def _busiest_day(t: npt.NDArray[np.float64], demand: npt.NDArray[np.float64]) -> tuple[float, float]:
    """[start, end) seconds of the 24 h window with the most demand (the
    whole run if it is shorter than two days)."""
    if t.size == 0 or t[-1] - t[0] < 2 * 86400:
        return (float(t[0]) if t.size else 0.0, float(t[-1]) if t.size else 0.0)
    step = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    width = max(1, int(round(86400.0 / step)))
    csum = np.concatenate([[0.0], np.cumsum(demand)])
    sums = csum[width:] - csum[:-width]
    i = int(np.argmax(sums))
    return float(t[i]), float(t[i]) + 86400.0


def plot_run(run: Run, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
    """Demand with desired and ready replicas; queue and running tasks (agent)
    or the per-pod value against its target (fluid); the wait distribution
    (agent). Returns the path written."""
    s = run.series
    x, unit = _time_axis(s["time_seconds"])
    agent = run.model == "agent"
    fig = _figure(12, 9 if agent else 6.5)
    axes = fig.subplots(3 if agent else 2, 1)
    fig.suptitle(
        f"{run.label}: {run.model} model over {run.trace.name or 'trace'} "
        f"({run.summary.replica_hours:.0f} replica-hours, peak {run.summary.peak_ready_replicas} "
        f"ready, {run.summary.peak_replicas} alive)"
    )

    ax = axes[0]
    ax.plot(x, s["desired_replicas"], drawstyle="steps-post", color=_COLORS[1], lw=0.8, label="desired replicas")
    ax.plot(x, s["ready_replicas"], drawstyle="steps-post", color=_COLORS[0], lw=0.8, label="ready replicas")
    if "alive_replicas" in s:
        ax.plot(x, s["alive_replicas"], drawstyle="steps-post", color=_COLORS[4], lw=0.6, alpha=0.7,
                label="alive (starting, ready, draining: billed)")
    max_replicas = spec_bounds(run.spec)[1]
    ax.axhline(max_replicas, color="gray", ls=":", lw=0.8, label="maxReplicas")
    ax.set_ylabel("replicas")
    ax.set_ylim(0, max_replicas * 1.15 + 0.5)
    twin = ax.twinx()
    twin.plot(x, s["demand"], color="gray", alpha=0.35, lw=0.5, label="demand (trace)")
    twin.set_ylabel("demand (trace value)")
    ax.set_zorder(twin.get_zorder() + 1)
    ax.patch.set_visible(False)
    lines = ax.get_legend_handles_labels()
    tl = twin.get_legend_handles_labels()
    ax.legend(lines[0] + tl[0], lines[1] + tl[1], loc="upper left", fontsize=8, ncol=4)
    ax.set_xlabel(unit)

    ax = axes[1]
    if agent:
        ax.plot(x, s["running_tasks"], color=_COLORS[2], lw=0.6, label="running tasks")
        ax.plot(x, s["queue_length"], color=_COLORS[3], lw=0.6, label="queued tasks")
        ax.set_ylabel("tasks")
        ax.legend(loc="upper left", fontsize=8)
    else:
        value_keys = [k for k in s if k.startswith("value:")]
        if value_keys:
            key = value_keys[0]
            ax.plot(x, s[key], color=_COLORS[2], lw=0.6, label=f"per-pod {key[6:]}")
            target = run.fluid_metrics()["target"]
            if target is not None:
                ax.axhline(target, color="black", ls="--", lw=0.8, label=f"target {target:g}")
            ax.legend(loc="upper left", fontsize=8)
        ax.set_ylabel("per-pod value")
    ax.set_xlabel(unit)

    if agent:
        ax = axes[2]
        waits = run.waits
        summary = run.summary
        if waits.size:
            top = max(float(waits.max()), 1.0)
            bins = np.linspace(0.0, top, 80)
            ax.hist(waits, bins=bins, color=_COLORS[0], alpha=0.8)
            ax.set_yscale("log")
            for q, name, color in (
                (summary.wait_p50, "p50", _COLORS[2]),
                (summary.wait_p95, "p95", _COLORS[3]),
                (summary.wait_p99, "p99", _COLORS[1]),
            ):
                ax.axvline(q, color=color, ls="--", lw=1, label=f"{name} {q:.1f} s")
            ax.legend(fontsize=8)
        ax.set_xlabel("task wait (s)")
        ax.set_ylabel("tasks")
        ax.set_title(
            f"waits: {waits.size:,} tasks, {summary.share_over_slo:.2%} over the SLO", fontsize=9
        )
    return _save(fig, path)


def plot_comparison(comparison: Comparison, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
    """Replicas over time per spec (the whole run and its busiest day, with
    the demand behind), and bars of cost and wait p99 (fluid: time over
    target) per spec. Returns the path written."""
    runs = comparison.runs
    fig = _figure(13, 10)
    grid = fig.add_gridspec(3, 2, height_ratios=[1.0, 1.0, 0.9])
    ax_all = fig.add_subplot(grid[0, :])
    ax_day = fig.add_subplot(grid[1, :])
    ax_cost = fig.add_subplot(grid[2, 0])
    ax_wait = fig.add_subplot(grid[2, 1])
    first = runs[0]
    fig.suptitle(
        f"{' vs '.join(r.label for r in runs)}: {comparison.model} model over "
        f"{first.trace.name or 'trace'}"
    )
    t0 = first.series["time_seconds"]
    day = _busiest_day(t0, first.series["demand"])
    key = "ready_replicas" if comparison.model == "agent" else "desired_replicas"
    for ax, window in ((ax_all, None), (ax_day, day)):
        twin = ax.twinx()
        for i, run in enumerate(runs):
            s = run.series
            t = s["time_seconds"]
            sel = slice(None) if window is None else (t >= window[0]) & (t < window[1])
            x = (t[sel] - t0[0]) / (86400.0 if window is None and t0[-1] - t0[0] > 3 * 86400 else 3600.0)
            ax.plot(x, s[key][sel], drawstyle="steps-post", lw=0.9 if window else 0.6,
                    color=_COLORS[i % len(_COLORS)], alpha=0.9, label=run.label)
            if i == 0:
                twin.fill_between(x, s["demand"][sel], color="gray", alpha=0.15, lw=0, step="post")
        twin.set_ylabel("demand (trace value)", color="gray")
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.set_ylabel("ready replicas" if comparison.model == "agent" else "replicas")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", fontsize=8, ncol=len(runs))
    long_run = t0.size and t0[-1] - t0[0] > 3 * 86400
    ax_all.set_xlabel("days since trace start" if long_run else "hours since trace start")
    ax_all.set_title("whole trace", fontsize=9)
    ax_day.set_xlabel("hours since trace start")
    ax_day.set_title("busiest 24 hours (most demand)", fontsize=9)

    labels = [r.label for r in runs]
    colors = [_COLORS[i % len(_COLORS)] for i in range(len(runs))]
    rows = comparison.table()
    costs = [r["cost"] for r in rows]
    bars = ax_cost.bar(labels, costs, color=colors)
    ax_cost.bar_label(bars, labels=[f"{c:,.0f}" for c in costs], fontsize=8)
    ax_cost.set_ylabel("cost (replica-hours x price)")
    ax_cost.margins(y=0.15)
    ax_cost.set_title("cost", fontsize=9)
    if comparison.model == "agent":
        values = [r["wait_p99"] or 0.0 for r in rows]
        ax_wait.set_ylabel("wait p99 (s)")
        ax_wait.set_title("task wait p99 (lower is better)", fontsize=9)
        fmt = "{:,.1f} s"
    else:
        values = [(r.get("time_over_target_seconds") or 0.0) / 3600.0 for r in rows]
        ax_wait.set_ylabel("time over target (h)")
        ax_wait.set_title("per-pod value above target (lower is better)", fontsize=9)
        fmt = "{:,.1f} h"
    bars = ax_wait.bar(labels, values, color=colors)
    ax_wait.bar_label(bars, labels=[fmt.format(v) for v in values], fontsize=8)
    ax_wait.margins(y=0.15)
    return _save(fig, path)
