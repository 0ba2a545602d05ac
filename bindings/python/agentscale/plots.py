"""PNG plots of simulated runs and comparisons (needs matplotlib: the plot
extra). Figures are drawn with matplotlib's Agg canvas directly, so no GUI
backend and no pyplot global state are involved."""

from __future__ import annotations

import math
import os
import pathlib
from typing import TYPE_CHECKING, Any, Optional, Union

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


# ---------------------------------------------------------------------------
# The comparison figure: which config to deploy.
# ---------------------------------------------------------------------------

# The wait percentile held against the wait SLO (wait_slo_seconds, the CLI's
# --wait-slo): a config meets the SLO when its p99 wait is within it, that is
# when at most 1 % of its tasks wait longer than the SLO.
_SLO_PERCENTILE = "p99"

# Ticks of a log-scaled time axis: seconds, named as a reader reads them.
_TIME_TICKS: tuple[tuple[float, str], ...] = (
    (0.001, "1 ms"), (0.01, "10 ms"), (0.1, "0.1 s"), (1.0, "1 s"), (10.0, "10 s"),
    (60.0, "1 min"), (600.0, "10 min"), (3600.0, "1 h"), (6 * 3600.0, "6 h"),
    (86400.0, "1 day"), (7 * 86400.0, "1 week"), (30 * 86400.0, "30 days"),
    (365 * 86400.0, "1 year"),
)

# Aggregation steps (seconds) for series too long to draw point by point.
_BIN_STEPS = (60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0)
_MAX_BINS = 500

_DEMAND_FILL = "#c7c7c7"
_DEMAND_EDGE = "#4d4d4d"
_OVER_SLO = "#d62728"


def _fmt_seconds(v: float) -> str:
    if v <= 0:
        return "0 s"
    if v < 10:
        return f"{v:.2g} s"
    return f"{v:,.0f} s"


def _fmt_duration(seconds: float) -> str:
    """A total time for a legend: hours, or minutes under 0.1 h."""
    if seconds <= 0:
        return "0 h"
    hours = seconds / 3600.0
    if hours >= 100:
        return f"{hours:,.0f} h"
    if hours >= 0.1:
        return f"{hours:.1f} h"
    return f"{seconds / 60.0:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _fmt_step(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        return "day" if seconds == 86400 else f"{seconds / 86400:g} days"
    if seconds >= 3600 and seconds % 3600 == 0:
        return "hour" if seconds == 3600 else f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return "minute" if seconds == 60 else f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _log_floor(values: list[float]) -> float:
    """Where a log-scaled time axis draws zero: a decade below the smallest
    positive value, at most 1 s and at least 1 ms."""
    positive = [v for v in values if v > 0 and math.isfinite(v)]
    if not positive:
        return 1.0
    low = min(positive)
    decade = 10.0 ** math.floor(math.log10(low))
    if decade >= low:
        decade /= 10.0
    return min(1.0, max(1e-3, decade))


def _floor_note(values: list[float], floor: float) -> str:
    clipped_positive = any(0 < v < floor for v in values)
    where = _fmt_seconds(floor) if floor >= 0.1 else f"{floor * 1000:g} ms"
    if clipped_positive:
        return f"values under {where} drawn at {where}"
    return f"0 s drawn at {where}"


def _time_log_y(ax: Any, low: float, high: float) -> None:
    """A log-scaled y axis from low to high seconds, ticks named in s, min, h, days."""
    from matplotlib.ticker import FixedLocator, NullLocator

    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ticks = [(v, name) for v, name in _TIME_TICKS if low <= v <= high]
    ax.yaxis.set_major_locator(FixedLocator([v for v, _ in ticks]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticklabels([name for _, name in ticks])
    ax.grid(True, axis="y", color="#e5e5e5", lw=0.6, zorder=0)


def _binned(
    t: npt.NDArray[np.float64], y: npt.NDArray[Any], width: float, how: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(bin starts, per-bin max or mean) of y over bins `width` seconds wide."""
    idx = np.floor((t - t[0]) / width).astype(np.int64)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(idx)) + 1])
    values = np.asarray(y, dtype=np.float64)
    if how == "max":
        agg = np.maximum.reduceat(values, starts)
    else:
        counts = np.diff(np.concatenate([starts, [values.size]]))
        agg = np.add.reduceat(values, starts) / counts
    return t[0] + idx[starts] * width, agg


def _bin_width(span: float, step: float) -> float:
    """0 when span/step points are few enough to draw as they are, else the
    smallest of _BIN_STEPS that gives at most _MAX_BINS bins."""
    if step <= 0 or span / step <= _MAX_BINS:
        return 0.0
    for width in _BIN_STEPS:
        if width > step and span / width <= _MAX_BINS:
            return width
    return _BIN_STEPS[-1]


def _steps(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], last: float) -> tuple[
        npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """x and y for drawstyle steps-post with the last step drawn to `last`."""
    if x.size == 0:
        return x, y
    return np.append(x, last), np.append(y, y[-1])


def _at_max_intervals(
    t: npt.NDArray[np.float64], at_max: npt.NDArray[np.bool_], period: float
) -> list[tuple[float, float]]:
    """(start, width) seconds of each stretch of syncs with at_max set; each
    sync stands for its period (as the summary's time at max counts it)."""
    if t.size == 0 or not at_max.any():
        return []
    edges = np.diff(np.concatenate([[0], at_max.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return [(float(t[s]), float(t[e - 1] + period - t[s])) for s, e in zip(starts, ends)]


def _max_replicas(run: Run) -> int:
    return spec_bounds(run.spec)[1]


def _scatter_values(comparison: Comparison) -> tuple[str, list[Optional[float]], str]:
    """(mode, y per run in seconds, what y is). Mode 'wait' (the agent model's
    p99 wait), 'over-target' (fluid: time the per-pod value spent above its
    target) or 'at-max' (no waits and no target: time pinned at maxReplicas)."""
    runs = comparison.runs
    if all(r.summary.has_waits for r in runs):
        return "wait", [float(getattr(r.summary, f"wait_{_SLO_PERCENTILE}")) for r in runs], \
            f"task wait {_SLO_PERCENTILE}"
    over = [r.fluid_metrics()["time_over_target_seconds"] if r.model == "fluid" else None for r in runs]
    if any(v is not None for v in over):
        return "over-target", over, "time the per-pod value was above its target"
    return "at-max", [float(r.summary.time_at_max_seconds) for r in runs], "time pinned at maxReplicas"


def _place_labels(ax: Any, items: list[tuple[float, float, str, str]], obstacles: list[Any]) -> list[Any]:
    """Annotates each (x, y, text, color) point, trying offsets around it
    until the text is inside the axes and clear of the other labels, the
    markers and the obstacle boxes (display coordinates)."""
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scale = fig.dpi / 72.0
    marker_boxes = []
    for x, y, _, _ in items:
        px, py = ax.transData.transform((x, y))
        r = 7 * scale
        marker_boxes.append(Bbox.from_extents(px - r, py - r, px + r, py + r))
    taken: list[Any] = list(obstacles) + marker_boxes
    near = [(9, 0, "left", "center"), (-9, 0, "right", "center"), (0, 10, "center", "bottom"),
            (0, -10, "center", "top"), (8, 8, "left", "bottom"), (8, -8, "left", "top"),
            (-8, 8, "right", "bottom"), (-8, -8, "right", "top")]
    far = [(dx * 3, dy * 3, ha, va) for dx, dy, ha, va in near[2:]] + \
          [(dx * 5, dy * 5, ha, va) for dx, dy, ha, va in near[2:]]
    placed: list[Any] = []
    for x, y, text, color in items:
        chosen = None
        fallback = None
        for dx, dy, ha, va in near + far:
            arrow = None if abs(dx) + abs(dy) <= 18 else {"arrowstyle": "-", "color": color, "lw": 0.7}
            ann = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                fontsize=8, color="black", arrowprops=arrow, annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 0.6, "alpha": 0.85},
            )
            ann.set_in_layout(False)
            box = ann.get_window_extent(renderer).padded(2)
            inside = (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0 and box.y1 <= frame.y1)
            own = marker_boxes[len(placed)]
            clear = not any(box.overlaps(b) for b in taken if b is not own)
            if inside and clear:
                chosen = (ann, box)
                break
            if fallback is None and inside:
                fallback = (dx, dy, ha, va)
            ann.remove()
        if chosen is None:
            dx, dy, ha, va = fallback or near[0]
            ann = ax.annotate(
                text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, fontsize=8,
                annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color, "lw": 0.6, "alpha": 0.85},
            )
            ann.set_in_layout(False)
            chosen = (ann, ann.get_window_extent(renderer).padded(2))
        ann, box = chosen
        ann.set_gid("config-label")
        taken.append(box)
        placed.append(ann)
    return placed


def _draw_scatter(ax: Any, comparison: Comparison, colors: list[str], floor: float, top: float) -> list[
        tuple[float, float, str, str]]:
    """Cost against wait (or its fallback), one point per config; returns
    the points to label."""
    from matplotlib.lines import Line2D

    runs = comparison.runs
    mode, ys, what = _scatter_values(comparison)
    prices = {float(r.options.price_per_replica_hour) for r in runs}
    if prices == {1.0}:
        ax.set_xlabel("cost = replica-hours (at a price of 1 per replica-hour)")
    elif len(prices) == 1:
        ax.set_xlabel(f"cost (replica-hours x {prices.pop():g} per replica-hour)")
    else:
        ax.set_xlabel("cost (replica-hours x each run's price per replica-hour)")
    slo: Optional[float] = None
    if mode == "wait":
        slo = float(getattr(runs[0].options, "wait_slo_seconds"))
    shown = [v for v in ys if v is not None]
    ax.set_ylabel(f"{what}, log scale\n({_floor_note(shown, floor)})")
    _time_log_y(ax, floor / 2.0, top)

    costs = [float(r.summary.cost) for r in runs]
    ax.set_xlim(0, max(costs) * 1.3 if max(costs) > 0 else 1.0)
    ax.grid(True, axis="x", color="#e5e5e5", lw=0.6, zorder=0)
    handles: list[Any] = []
    if slo is not None:
        slo_drawn = max(slo, floor)
        ax.axhspan(slo_drawn, top, color=_OVER_SLO, alpha=0.06, lw=0, zorder=0)
        line = ax.axhline(slo_drawn, color=_OVER_SLO, ls="--", lw=1.2, zorder=1)
        line.set_gid("slo")
        handles.append(Line2D([], [], color=_OVER_SLO, ls="--", lw=1.2,
                              label=f"wait SLO {_fmt_seconds(slo)} (tinted above: {_SLO_PERCENTILE} over it)"))
        for marker, size, where in (("o", 8, "within"), ("X", 9, "over")):
            handles.append(Line2D([], [], ls="", marker=marker, ms=size, mfc="gray", mec="black",
                                  label=f"{_SLO_PERCENTILE} {where} the SLO"))
    ax.axhline(floor, color="#999999", ls=":", lw=0.8, zorder=1)
    items: list[tuple[float, float, str, str]] = []
    for i, (run, y) in enumerate(zip(runs, ys)):
        if y is None:
            continue
        meets = slo is None or y <= slo
        drawn = max(y, floor)
        pts = ax.scatter([costs[i]], [drawn], s=110 if meets else 130, marker="o" if meets else "X",
                         color=colors[i], edgecolors="black", linewidths=0.8, zorder=3)
        pts.set_gid(f"config:{run.label}")
        if mode == "wait":
            detail = f"{_SLO_PERCENTILE} {_fmt_seconds(y)}, {run.summary.share_over_slo:.1%} over SLO"
        else:
            detail = f"{_fmt_duration(y)}"
        items.append((costs[i], drawn, f"{run.label}\n{detail}", colors[i]))
    if handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=7.5,
                  frameon=False, borderaxespad=0.2, handlelength=1.6, columnspacing=1.0)
    title = {"wait": f"cost against task wait {_SLO_PERCENTILE}: lower left is cheaper and faster",
             "over-target": "cost against time over target (fluid replay: no tasks, no waits)",
             "at-max": "cost against time pinned at maxReplicas (no waits recorded)"}[mode]
    ax.set_title(title, fontsize=9, pad=18 if handles else 6)
    return items


def _draw_percentiles(ax: Any, comparison: Comparison, colors: list[str], floor: float, top: float) -> None:
    """Per config, bars of p50, p95, p99 and max wait on a log scale (fluid or
    no waits: time over target and time at maxReplicas)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    runs = comparison.runs
    series: list[tuple[str, list[float]]]
    if all(r.summary.has_waits for r in runs):
        series = [(name, [float(getattr(r.summary, f"wait_{name}")) for r in runs])
                  for name in ("p50", "p95", "p99", "max")]
        ax.set_title("task waits per config (log scale: read the value over each bar)", fontsize=9)
        what = "task wait"
    else:
        series = []
        over = [r.fluid_metrics()["time_over_target_seconds"] if r.model == "fluid" else None for r in runs]
        if any(v is not None for v in over):
            series.append(("over target", [float(v or 0.0) for v in over]))
        series.append(("at maxReplicas", [float(r.summary.time_at_max_seconds) for r in runs]))
        ax.set_title(f"time {' and '.join(name for name, _ in series)} per config (log scale)", fontsize=9)
        what = "time"
    values = [v for _, vs in series for v in vs]
    _time_log_y(ax, floor / 2.0, top)
    ax.grid(False, axis="x")
    n = len(series)
    width = 0.8 / n
    alphas = np.linspace(0.35, 1.0, n)
    handles: list[Any] = []
    for k, (name, vs) in enumerate(series):
        xs = np.arange(len(runs)) + (k - (n - 1) / 2.0) * width
        heights = [max(v, floor) - floor for v in vs]
        bars = ax.bar(xs, heights, width=width * 0.92, bottom=floor, color=colors[: len(runs)],
                      alpha=float(alphas[k]), edgecolor=colors[: len(runs)], lw=0.6, zorder=2)
        for bar, v in zip(bars, vs):
            bar.set_gid(f"bar:{name}")
            ax.text(bar.get_x() + bar.get_width() / 2.0, max(v, floor) * 1.15,
                    "0" if v <= 0 else _fmt_seconds(v), rotation=90, ha="center", va="bottom",
                    fontsize=7, zorder=3)
        handles.append(Patch(facecolor="gray", alpha=float(alphas[k]), edgecolor="gray", label=name))
    if all(r.summary.has_waits for r in runs):
        slo = float(getattr(runs[0].options, "wait_slo_seconds"))
        line = ax.axhline(max(slo, floor), color=_OVER_SLO, ls="--", lw=1.0, alpha=0.7, zorder=1)
        line.set_gid("slo")
        handles.append(Line2D([], [], color=_OVER_SLO, ls="--", lw=1.0, label=f"SLO {_fmt_seconds(slo)}"))
    ax.set_xticks(np.arange(len(runs)))
    long_names = sum(len(r.label) for r in runs) > 60
    ax.set_xticklabels([r.label for r in runs], rotation=20 if long_names else 0,
                       ha="right" if long_names else "center", fontsize=8)
    ax.set_xlim(-0.6, len(runs) - 0.4)
    ax.set_ylabel(f"{what}, log scale ({_floor_note(values, floor)})")
    ax.legend(handles=handles, loc="upper left", fontsize=7.5, ncol=len(handles), frameon=False)


def _draw_time_panel(
    ax: Any,
    strip: Any,
    key: Any,
    comparison: Comparison,
    colors: list[str],
    window: Optional[tuple[float, float]],
) -> None:
    """Ready agents per config over the window (None: the whole run, per-bin
    means when long), the demand on its own axis, and below, per config, the
    stretches in which it sat at maxReplicas; the legend goes on `key`."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    runs = comparison.runs
    first = runs[0]
    t0 = first.series["time_seconds"]
    start = float(t0[0])
    end = max(float(r.series["time_seconds"][-1]) + r.period_seconds for r in runs)
    if window is not None:
        start_w, end_w = window
    else:
        start_w, end_w = start, end
    long_run = window is None and end - start > 3 * 86400
    scale = 86400.0 if long_run else 3600.0
    unit = "days since trace start" if long_run else "hours since trace start"
    agent = comparison.model == "agent"
    what = "ready agents" if agent else "replicas"

    def xs(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (t - start) / scale

    twin = ax.twinx()
    # Demand from the first run (every run reads the same trace).
    sel = (t0 >= start_w) & (t0 < end_w)
    td, dd = t0[sel], first.series["demand"][sel]
    period = first.period_seconds
    width = _bin_width(end_w - start_w, period) if td.size else 0.0
    if width:
        td, dd = _binned(td, dd, width, "max")
        peak = f"peak per {_fmt_step(width)}"
    else:
        width = period
        peak = ""
    dx, dy = _steps(xs(td), dd, (td[-1] + width - start) / scale if td.size else 0.0)
    twin.fill_between(dx, dy, step="post", color=_DEMAND_FILL, alpha=0.45, lw=0, zorder=1)
    twin.plot(dx, dy, drawstyle="steps-post", color=_DEMAND_EDGE, lw=0.7, zorder=2)
    interval = first.trace.median_interval() if len(first.trace) > 1 else period
    if agent:
        demand_label = f"demand: tasks arriving per {_fmt_step(interval)}" + (f", {peak}" if peak else "")
        twin_label = f"demand: tasks arriving\nper {_fmt_step(interval)}" + (f" ({peak})" if peak else "")
    else:
        demand_label = "demand: trace value (the metric)" + (f", {peak}" if peak else "")
        twin_label = "demand: trace value\n(the metric)" + (f", {peak}" if peak else "")
    twin.set_ylabel(twin_label, color=_DEMAND_EDGE, fontsize=8)
    twin.tick_params(axis="y", colors=_DEMAND_EDGE, labelsize=8)
    twin.set_ylim(0, float(dy.max()) * 1.1 if dy.size and dy.max() > 0 else 1.0)
    ax.set_zorder(twin.get_zorder() + 1)
    ax.patch.set_visible(False)

    handles: list[Any] = []
    top = 0.0
    rep_note = ""
    for i, run in enumerate(runs):
        s = run.series
        t = s["time_seconds"]
        sel = (t >= start_w) & (t < end_w)
        tr, ready = t[sel], s["ready_replicas"][sel]
        if tr.size == 0:
            continue
        # A day of syncs draws well as it is; a month is averaged per bin.
        w = _bin_width(end_w - start_w, run.period_seconds) if window is None else 0.0
        if w:
            tr, readyf = _binned(tr, ready, w, "mean")
            rep_note = f" (mean per {_fmt_step(w)})"
        else:
            readyf = ready.astype(np.float64)
            w = run.period_seconds
        rx, ry = _steps(xs(tr), readyf, (tr[-1] + w - start) / scale)
        ax.plot(rx, ry, drawstyle="steps-post", color=colors[i], lw=1.1, alpha=0.95, zorder=3,
                gid=f"ready:{run.label}")
        top = max(top, float(ry.max()))

        at_max = s["desired_replicas"][sel] == _max_replicas(run)
        spans = _at_max_intervals(t[sel], at_max, run.period_seconds)
        if spans:
            bars = strip.broken_barh([((a - start) / scale, b / scale) for a, b in spans], (i - 0.38, 0.76),
                                     facecolors=colors[i], edgecolors=colors[i], lw=0.5, alpha=0.85)
            bars.set_gid(f"at-max:{run.label}")
        if window is None:
            # The summary's figure: the same syncs, counted in C++.
            total = float(run.summary.time_at_max_seconds)
            span = run.summary.duration_hours * 3600.0
            of = "of the run"
        else:
            total = sum(b for _, b in spans)
            span = end_w - start_w
            of = "of this day"
        share = total / span if span > 0 else 0.0
        handles.append(Line2D([], [], color=colors[i], lw=2.0,
                              label=f"{run.label} (max {_max_replicas(run)}): at max "
                                    f"{_fmt_duration(total)}, {share:.1%} {of}"))
    handles.append(Patch(facecolor=_DEMAND_FILL, edgecolor=_DEMAND_EDGE, alpha=0.8,
                         label=demand_label + " (right axis)"))
    ax.set_ylim(0, top * 1.12 + 0.5)
    ax.set_ylabel(what + rep_note, fontsize=9)
    ax.set_xlim((start_w - start) / scale, (end_w - start) / scale)
    ax.tick_params(axis="x", labelbottom=False)
    ax.grid(True, axis="y", color="#eeeeee", lw=0.6)
    # The run goes on after the trace while queued tasks drain.
    trace_end = float(first.trace.end) + interval
    if start_w < trace_end < end_w and end - trace_end > 0.02 * (end_w - start_w):
        for a in (ax, strip):
            a.axvline((trace_end - start) / scale, color="black", ls=(0, (4, 3)), lw=0.8, zorder=4)
        left = (trace_end - start_w) / (end_w - start_w) < 0.7
        note = ax.text((trace_end - start) / scale, 0.97,
                       " trace ends (then the queue drains)" if left else "trace ends (then the queue drains) ",
                       transform=ax.get_xaxis_transform(), ha="left" if left else "right", va="top",
                       fontsize=7.5, gid="trace-end")
        note.set_in_layout(False)
    key.axis("off")
    key.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=8,
               title=f"{what} per config; bars below:\ntime decided at maxReplicas", title_fontsize=8,
               frameon=False, borderaxespad=0.0)

    strip.set_ylim(len(runs) - 0.5, -0.5)
    strip.set_yticks(range(len(runs)))
    strip.set_yticklabels([r.label for r in runs], fontsize=7.5)
    for i, label in enumerate(strip.get_yticklabels()):
        label.set_color(colors[i])
    strip.set_ylabel("at\nmaxReplicas", fontsize=7.5)
    strip.grid(True, axis="x", color="#eeeeee", lw=0.6)
    strip.set_xlabel(unit)


def _comparison_figure(comparison: Comparison) -> Any:
    """The comparison figure (a matplotlib Figure) that plot_comparison saves."""
    runs = comparison.runs
    n = len(runs)
    colors = [_COLORS[i % len(_COLORS)] for i in range(n)]
    first = runs[0]
    t0 = first.series["time_seconds"]
    day = _busiest_day(t0, first.series["demand"])
    whole_span = float(t0[-1] - t0[0]) if t0.size else 0.0
    zoom = t0.size > 0 and whole_span >= 2 * 86400

    strip_h = 0.22 * n + 0.35
    panel_h = 2.6
    bottom_h = (panel_h + strip_h) * (2 if zoom else 1)
    top_h = 4.6
    fig = _figure(14, top_h + bottom_h + 0.6)
    trace = first.trace
    trace_hours = (trace.end - trace.start + (trace.median_interval() if len(trace) > 1 else 0.0)) / 3600.0
    fig.suptitle(
        f"{n} configs, {comparison.model} model over {trace.name or 'trace'} "
        f"({trace_hours:,.0f} h): which one to deploy",
        fontsize=11,
    )
    upper, lower = fig.subfigures(2, 1, height_ratios=[top_h, bottom_h])
    ax_scatter, ax_waits = upper.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1.0]})
    ax_scatter.set_gid("cost-vs-wait")
    ax_waits.set_gid("waits")

    # One floor and one range for the two log axes, so they read alike.
    mode, ys, _ = _scatter_values(comparison)
    values = [v for v in ys if v is not None]
    if all(r.summary.has_waits for r in runs):
        values += [float(getattr(r.summary, f"wait_{k}")) for r in runs for k in ("p50", "p95", "p99", "max")]
        values.append(float(getattr(first.options, "wait_slo_seconds")))
    else:
        values += [float(r.summary.time_at_max_seconds) for r in runs]
    floor = _log_floor(values)
    high = max([floor * 10.0] + values)
    items = _draw_scatter(ax_scatter, comparison, colors, floor, high * 12.0)
    _draw_percentiles(ax_waits, comparison, colors, floor, high * 30.0)

    rows = 4 if zoom else 2
    ratios = [panel_h, strip_h] * (rows // 2)
    grid = lower.add_gridspec(rows, 2, height_ratios=ratios, width_ratios=[1.0, 0.3])
    ax_whole = lower.add_subplot(grid[0, 0])
    strip_whole = lower.add_subplot(grid[1, 0], sharex=ax_whole)
    ax_whole.set_gid("replicas-whole")
    strip_whole.set_gid("at-max-whole")
    _draw_time_panel(ax_whole, strip_whole, lower.add_subplot(grid[0:2, 1]), comparison, colors, None)
    ax_whole.set_title("whole trace" if zoom else "replicas over the run", fontsize=9)
    if zoom:
        ax_day = lower.add_subplot(grid[2, 0])
        strip_day = lower.add_subplot(grid[3, 0], sharex=ax_day)
        ax_day.set_gid("replicas-day")
        strip_day.set_gid("at-max-day")
        _draw_time_panel(ax_day, strip_day, lower.add_subplot(grid[2:4, 1]), comparison, colors, day)
        what = "ready agents" if comparison.model == "agent" else "replicas"
        ax_day.set_title(f"busiest 24 hours (most demand): {what} at every sync", fontsize=9)

    # Labels go where they fit once the layout is final.
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    obstacles = [t.get_window_extent(renderer) for t in ax_scatter.texts]
    _place_labels(ax_scatter, items, obstacles)
    return fig


def plot_comparison(comparison: Comparison, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
    """The figure that answers which config to deploy: cost against task
    wait p99 per config with the wait SLO (fluid: time over target), the
    waits per config on a log scale (p50, p95, p99, max), and ready agents
    over the whole trace and its busiest day with the demand on its own axis
    and the time each config sat at maxReplicas marked. Returns the path
    written."""
    return _save(_comparison_figure(comparison), path)
