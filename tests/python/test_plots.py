"""The comparison figure: what it draws (cost against wait with the SLO, waits
on a log scale, ready agents with the demand, time pinned at maxReplicas), not
only that a PNG was written."""

from __future__ import annotations

import itertools
import pathlib
from typing import Any

import numpy as np
import pytest

import agentscale
from agentscale import plots

pytest.importorskip("matplotlib")

SLO = 120.0


def bursts() -> agentscale.Trace:
    return agentscale.poisson_burst_trace(120, 5, 2, 1200, 4 * 3600, 60, seed=11)


def three_days() -> agentscale.Trace:
    """A daily wave with one surge in the middle of the second day."""
    t = np.arange(0.0, 3 * 86400.0, 60.0)
    surge = (t > 1.5 * 86400) & (t < 1.6 * 86400)
    values = 20 + 15 * np.sin(2 * np.pi * t / 86400.0) ** 2 + np.where(surge, 80.0, 0.0)
    return agentscale.Trace(t, values, name="three-days")


def capped() -> agentscale.AutoscalerSpec:
    spec = agentscale.preset("production")
    spec.max_replicas = 4
    return spec


def roomy() -> agentscale.AutoscalerSpec:
    """Never near its max, and enough agents that no task waits."""
    spec = agentscale.preset("production")
    spec.min_replicas = 30
    spec.max_replicas = 40
    return spec


@pytest.fixture(scope="module")
def comparison() -> agentscale.Comparison:
    return agentscale.compare(
        ["production", ("capped", capped()), ("roomy", roomy())], bursts(),
        service_seconds=240, wait_slo_seconds=SLO,
    )


@pytest.fixture(scope="module")
def figure(comparison: agentscale.Comparison) -> Any:
    return plots._comparison_figure(comparison)


def axes_by_gid(fig: Any) -> dict[str, Any]:
    return {ax.get_gid(): ax for ax in fig.axes if ax.get_gid()}


def floor_of(ax: Any) -> float:
    """The floor zero is drawn at: the scatter's dotted line."""
    dotted = [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == 1
    return float(dotted[0].get_ydata()[0])


def test_scatter_one_point_per_config_on_a_log_wait_axis(
    comparison: agentscale.Comparison, figure: Any
) -> None:
    ax = axes_by_gid(figure)["cost-vs-wait"]
    assert ax.get_yscale() == "log"
    assert "p99" in ax.get_ylabel() and "replica-hours" in ax.get_xlabel()
    points = {c.get_gid().removeprefix("config:"): c for c in ax.collections
              if (c.get_gid() or "").startswith("config:")}
    assert list(points) == comparison.labels
    floor = floor_of(ax)
    assert 0 < floor <= 1.0
    for run in comparison.runs:
        offsets = points[run.label].get_offsets()
        assert len(offsets) == 1
        x, y = offsets[0]
        assert x == pytest.approx(run.summary.cost)
        assert y == pytest.approx(max(run.summary.wait_p99, floor))
    names = [a.get_text().split("\n")[0] for a in ax.texts if a.get_gid() == "config-label"]
    assert sorted(names) == sorted(comparison.labels)


def test_zero_waits_show_at_a_stated_floor(comparison: agentscale.Comparison, figure: Any) -> None:
    assert comparison["roomy"].summary.wait_p99 == 0.0
    ax = axes_by_gid(figure)["cost-vs-wait"]
    floor = floor_of(ax)
    point = next(c for c in ax.collections if c.get_gid() == "config:roomy")
    assert point.get_offsets()[0][1] == pytest.approx(floor)
    assert ax.get_ylim()[0] < floor
    assert "0 s drawn at 1 s" in ax.get_ylabel()


def test_slo_line_and_who_meets_it(comparison: agentscale.Comparison, figure: Any) -> None:
    gids = axes_by_gid(figure)
    for name in ("cost-vs-wait", "waits"):
        slo = [ln for ln in gids[name].get_lines() if ln.get_gid() == "slo"]
        assert len(slo) == 1, name
        assert list(slo[0].get_ydata()) == [SLO, SLO]
    points = {c.get_gid(): c for c in gids["cost-vs-wait"].collections if c.get_gid()}
    meets = {run.label: run.summary.wait_p99 <= SLO for run in comparison.runs}
    assert meets == {"production": False, "capped": False, "roomy": True}
    # Within the SLO: round markers; over it: crosses (a marker with more vertices).
    vertices = {label: len(points[f"config:{label}"].get_paths()[0].vertices) for label in meets}
    assert vertices["production"] == vertices["capped"] != vertices["roomy"]


def test_waits_per_config_on_a_log_scale(comparison: agentscale.Comparison, figure: Any) -> None:
    ax = axes_by_gid(figure)["waits"]
    assert ax.get_yscale() == "log"
    floor = floor_of(axes_by_gid(figure)["cost-vs-wait"])
    for name in ("p50", "p95", "p99", "max"):
        bars = [p for p in ax.patches if p.get_gid() == f"bar:{name}"]
        assert len(bars) == len(comparison.runs)
        for bar, run in zip(bars, comparison.runs):
            value = getattr(run.summary, f"wait_{name}")
            assert bar.get_y() + bar.get_height() == pytest.approx(max(value, floor))
    assert [t.get_text() for t in ax.get_xticklabels()] == comparison.labels


def test_time_at_max_marked_exactly_when_reached(comparison: agentscale.Comparison, figure: Any) -> None:
    gids = axes_by_gid(figure)
    strip = gids["at-max-whole"]
    shaded = {c.get_gid().removeprefix("at-max:"): c for c in strip.collections
              if (c.get_gid() or "").startswith("at-max:")}
    reached = {run.label for run in comparison.runs if run.summary.time_at_max_seconds > 0}
    assert reached == {"production", "capped"}
    assert set(shaded) == reached
    # Hours on this axis; the stretches add up to the summary's time at max.
    assert strip.get_xlabel() == "hours since trace start"
    for label in reached:
        hours = sum(p.get_extents().width for p in shaded[label].get_paths())
        assert hours * 3600.0 == pytest.approx(comparison[label].summary.time_at_max_seconds, rel=1e-9)
    legends = [a.get_legend() for a in figure.axes if a.get_legend() is not None]
    texts = [t.get_text() for lg in legends for t in lg.get_texts()]
    assert any(t.startswith("capped (max 4): at max 15.3 h") for t in texts), texts
    assert any(t.startswith("roomy (max 40): at max 0 h") for t in texts), texts


def test_replica_panel_draws_ready_agents_and_demand(
    comparison: agentscale.Comparison, figure: Any
) -> None:
    gids = axes_by_gid(figure)
    ax = gids["replicas-whole"]
    assert ax.get_ylabel().startswith("ready agents")
    lines = {ln.get_gid(): ln for ln in ax.get_lines() if ln.get_gid()}
    assert set(lines) == {f"ready:{label}" for label in comparison.labels}
    # The demand is on its own axis, aggregated: a few hundred steps, not one per sync.
    twin = next(a for a in figure.axes if a is not ax and a.bbox.bounds == ax.bbox.bounds)
    assert twin.get_ylabel().startswith("demand")
    (edge,) = twin.get_lines()
    assert len(edge.get_xdata()) <= 501 < len(comparison.runs[0].series["demand"])
    # A 4-hour trace has no busiest day to zoom to.
    assert "replicas-day" not in gids
    # The drain after the trace is marked where the trace ends.
    assert any(t.get_gid() == "trace-end" for t in ax.texts)


def test_labels_do_not_overlap(figure: Any) -> None:
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ax = axes_by_gid(figure)["cost-vs-wait"]
    frame = ax.get_window_extent(renderer)
    boxes = [a.get_window_extent(renderer) for a in ax.texts if a.get_gid() == "config-label"]
    assert len(boxes) == 3
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1


def test_busiest_day_zoom_on_a_long_trace() -> None:
    cmp = agentscale.compare(["production", ("capped", capped())], three_days(), service_seconds=240)
    fig = plots._comparison_figure(cmp)
    gids = axes_by_gid(fig)
    day = gids["replicas-day"]
    low, high = day.get_xlim()
    assert high - low == pytest.approx(24.0)
    assert low <= 36.0 <= high  # the surge at 1.5 days is in the busiest day
    shaded = {c.get_gid() for c in gids["at-max-day"].collections if c.get_gid()}
    assert shaded == {"at-max:capped"}
    assert cmp["production"].summary.time_at_max_seconds == 0


def test_fluid_falls_back_to_time_over_target(tmp_path: pathlib.Path) -> None:
    cmp = agentscale.compare(["production", ("capped", capped())], bursts(), "fluid")
    fig = plots._comparison_figure(cmp)
    gids = axes_by_gid(fig)
    ax = gids["cost-vs-wait"]
    assert ax.get_yscale() == "log"
    assert "above its target" in ax.get_ylabel()
    assert not [ln for a in fig.axes for ln in a.get_lines() if ln.get_gid() == "slo"]
    assert gids["replicas-whole"].get_ylabel().startswith("replicas")
    for run in cmp.runs:
        over = run.fluid_metrics()["time_over_target_seconds"]
        assert over is not None
        point = next(c for c in ax.collections if c.get_gid() == f"config:{run.label}")
        assert point.get_offsets()[0][1] == pytest.approx(max(over, floor_of(ax)))
    out = plots.plot_comparison(cmp, tmp_path / "fluid.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_comparison_writes_the_figure(comparison: agentscale.Comparison, tmp_path: pathlib.Path) -> None:
    out = comparison.plot(tmp_path / "cmp.png")
    assert out == tmp_path / "cmp.png"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plots.plot_comparison(comparison, tmp_path / "missing" / "cmp.png")
