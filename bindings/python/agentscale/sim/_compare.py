"""Several specs on one trace: compare() and its Comparison."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import importlib
import math
import os
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

from agentscale._core import (
    ForecastSpec,
    ScheduleSpec,
    AgentModelOptions,
    AutoscalerSpec,
    FluidOptions,
    preset,
)
from agentscale.sim._resolve import (
    AnySpec,
    SpecLike,
    TraceLike,
    _check_model,
    make_options,
    resolve_spec,
    resolve_trace,
    spec_label,
)
from agentscale.sim._run import (
    Run,
    simulate,
)


# ---------------------------------------------------------------------------
# Comparisons.
# ---------------------------------------------------------------------------

SpecsArg = Union[Mapping[str, SpecLike], Sequence[Union[SpecLike, tuple[str, SpecLike]]]]

# What a comparison table shows, in order: (key, heading, format).
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("replica_hours", "replica-hours", "{:.1f}"),
    ("cost", "cost", "{:.2f}"),
    ("mean_replicas", "mean replicas", "{:.2f}"),
    ("peak_replicas", "peak replicas alive (starting, draining too)", "{}"),
    ("peak_ready_replicas", "peak ready replicas", "{}"),
    ("wait_tasks", "tasks in the waits (all not dropped)", "{:,}"),
    ("wait_p50", "wait p50 (s)", "{:.1f}"),
    ("wait_p95", "wait p95 (s)", "{:.1f}"),
    ("wait_p99", "wait p99 (s)", "{:.1f}"),
    ("wait_max", "wait max (s)", "{:.1f}"),
    ("share_over_slo", "share over SLO", "{:.2%}"),
    ("unserved_tasks", "never served (waits: time queued)", "{:,}"),
    ("drain_seconds", "drain after the trace (s)", "{:.0f}"),
    ("tasks_lost", "lost tasks (queue full)", "{}"),
    ("peak_per_pod_value", "peak per-pod value", "{:.1f}"),
    ("time_over_target_seconds", "time over target (s)", "{:.0f}"),
    ("cpu_utilization_mean", "mean CPU (% of request)", "{:.1f}"),
    ("cpu_utilization_max", "peak CPU (% of request)", "{:.1f}"),
    ("memory_utilization_mean", "mean memory (% of request)", "{:.1f}"),
    ("memory_utilization_max", "peak memory (% of request)", "{:.1f}"),
    ("scale_ups", "scale-ups", "{}"),
    ("scale_downs", "scale-downs", "{}"),
    ("reversals_within_5m", "reversals within 5m", "{}"),
    ("time_at_max_seconds", "time at max (s)", "{:.0f}"),
    ("time_at_zero_seconds", "time at zero (s)", "{:.0f}"),
    ("scales_from_zero", "scales from zero", "{}"),
    ("cold_start_tasks", "cold-start tasks", "{}"),
    ("fallback_seconds", "fallback (s)", "{:.0f}"),
    ("scaling_too_frequent_firings", "AgentScalingTooFrequent firings", "{}"),
    ("scaling_too_frequent_seconds", "AgentScalingTooFrequent firing (s)", "{:.0f}"),
    ("max_replicas_reached_firings", "AgentMaxReplicasReached firings", "{}"),
    ("max_replicas_reached_seconds", "AgentMaxReplicasReached firing (s)", "{:.0f}"),
    ("scaling_too_frequent_changes_firings", "AgentScalingTooFrequent with changes() firings", "{}"),
    ("scaling_too_frequent_changes_seconds", "AgentScalingTooFrequent with changes() firing (s)", "{:.0f}"),
    ("forecast_mape", "forecast MAPE", "{:.1%}"),
    ("forecast_coverage", "forecast interval coverage", "{:.1%}"),
    ("forecast_anomalies", "forecast anomalies", "{}"),
    ("forecast_lifted", "decisions the forecast lifted", "{}"),
)


def format_value(value: Any, fmt: str) -> str:
    """A table cell: '-' for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def _labelled(specs: SpecsArg, labels: Optional[Sequence[str]]) -> list[tuple[str, SpecLike]]:
    items: list[tuple[str, SpecLike]] = []
    if isinstance(specs, Mapping):
        items = [(str(k), v) for k, v in specs.items()]
    else:
        for s in specs:
            if isinstance(s, tuple):
                items.append((str(s[0]), s[1]))
            else:
                items.append((spec_label(s), s))
    if labels is not None:
        if len(labels) != len(items):
            raise ValueError(f"{len(labels)} labels for {len(items)} specs")
        items = [(lab, s) for lab, (_, s) in zip(labels, items)]
    if not items:
        raise ValueError("compare needs at least one spec")
    seen: dict[str, int] = {}
    out = []
    for lab, s in items:
        n = seen.get(lab, 0)
        seen[lab] = n + 1
        out.append((lab if n == 0 else f"{lab} ({n + 1})", s))
    return out


@dataclasses.dataclass
class Comparison:
    """Several specs run over one trace with one model."""

    runs: list[Run]
    model: str

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.runs]

    def table(self) -> list[dict[str, Any]]:
        """One row per spec (see Run.row)."""
        return [r.row() for r in self.runs]

    def to_pandas(self) -> Any:
        """table() as a DataFrame indexed by label (needs pandas)."""
        pd: Any = importlib.import_module("pandas")
        return pd.DataFrame(self.table()).set_index("label")

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "trace": {"name": self.runs[0].trace.name, "rows": len(self.runs[0].trace)},
            "rows": self.table(),
        }

    def plot(self, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
        """A PNG: replicas over time per spec (whole run and the busiest day)
        and bars of cost and wait p99 (fluid: time over target) per spec."""
        from agentscale import plots

        return plots.plot_comparison(self, path)

    def __getitem__(self, label: str) -> Run:
        for r in self.runs:
            if r.label == label:
                return r
        raise KeyError(label)

    def __repr__(self) -> str:
        return f"Comparison(model={self.model!r}, labels={self.labels!r})"


def compare(
    specs: SpecsArg,
    trace: TraceLike = None,
    model: str = "agent",
    *,
    labels: Optional[Sequence[str]] = None,
    metric: Optional[str] = None,
    options: Union[AgentModelOptions, FluidOptions, None] = None,
    max_workers: Optional[int] = None,
    on_done: Optional[Callable[[Run], None]] = None,
    with_schedule: Optional[ScheduleSpec] = None,
    with_forecast: Optional[ForecastSpec] = None,
    **overrides: Any,
) -> Comparison:
    """Runs every spec over the same trace (default: the embedded NASA trace)
    with the same model and options, in parallel threads (the simulator
    releases the GIL), and returns a Comparison in the given order.

    specs: preset names, manifest paths (an HPA or a KEDA ScaledObject each),
        AWS JSON or Terraform .tf files, AutoscalerSpec, ScaledObjectSpec or
        ScalableTargetSpec objects; (label,
        spec) tuples or a {label: spec} dict to name them.
    on_done: called with each Run as it finishes (e.g. to advance a progress
        bar), from the calling thread.
    with_schedule: a ScheduleSpec: each spec also runs inside it, as a
        column "<label>+schedule" after the spec's own (reactive vs
        reactive + schedule).
    with_forecast: a ForecastSpec: each spec also runs with that forecast
        floor, as a column "<label>+forecast".
    """
    _check_model(model)
    items = _labelled(specs, labels)
    plain = [(lab, resolve_spec(s), None) for lab, s in items]
    resolved: list[tuple[str, AnySpec, dict[str, Any]]] = []
    for lab, spec, _ in plain:
        resolved.append((lab, spec, {}))
        if with_schedule is not None:
            resolved.append((f"{lab}+schedule", spec, {"schedule": with_schedule}))
        if with_forecast is not None:
            resolved.append((f"{lab}+forecast", spec, {"forecast": with_forecast}))
    tr = resolve_trace(trace)
    make_options(model, options, **overrides)  # option errors before any work

    def one(item: tuple[str, AnySpec, dict[str, Any]]) -> Run:
        return simulate(item[1], tr, model, metric=metric, label=item[0], options=options,
                        **{**overrides, **item[2]})

    workers = max_workers or min(len(resolved), os.cpu_count() or 1)
    runs: list[Optional[Run]] = [None] * len(resolved)
    if workers <= 1:
        for i, item in enumerate(resolved):
            runs[i] = one(item)
            if on_done:
                on_done(runs[i])  # type: ignore[arg-type]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(one, item): i for i, item in enumerate(resolved)}
            for f in concurrent.futures.as_completed(futures):
                run = f.result()
                runs[futures[f]] = run
                if on_done:
                    on_done(run)
    return Comparison(runs=[r for r in runs if r is not None], model=model)
