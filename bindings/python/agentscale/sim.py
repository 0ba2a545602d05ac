"""Trace-driven what-ifs: simulate one spec, compare several, sweep a grid.

Every number comes from the C++ simulator (agentscale._core.fluid_replay and
run_agent_model), which drives the same engine code a live controller runs.
This module resolves specs (preset names, manifest paths or AutoscalerSpec
objects), picks the default trace, runs in parallel and tabulates.

    >>> import agentscale
    >>> run = agentscale.simulate("production", model="fluid")
    >>> round(run.summary.replica_hours)
    1338
    >>> cmp = agentscale.compare(["production", "development", "bursty"])
    >>> [row["label"] for row in cmp.table()]
    ['production', 'development', 'bursty']

Two models:

* ``"agent"`` (default for simulate and compare): tasks arrive from the trace
  (by default each row's value is the number of tasks arriving in that row's
  interval), agents run ``slots`` tasks each, new agents start after
  ``startup_delay_seconds``, and the seed's scrape/adapter pipeline sits
  between the agents and the engine. Gives task waits.
* ``"fluid"`` (default for sweep): the trace value is the demand D of one
  metric; each of R replicas reports D / R and every decision is applied at
  once. About ten times faster; no waits.
"""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import functools
import importlib
import importlib.resources
import itertools
import math
import os
import pathlib
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

from agentscale._core import (
    AgentModelOptions,
    AgentModelResult,
    AutoscalerSpec,
    ControllerConfig,
    DecisionPath,
    FluidOptions,
    FluidResult,
    Reason,
    RunSummary,
    Trace,
    apply_grid_setting,
    fluid_replay,
    is_spec_grid_key,
    load_single_autoscaler,
    load_trace,
    preset,
    preset_names,
    run_agent_model,
)

SpecLike = Union[str, "os.PathLike[str]", AutoscalerSpec]
TraceLike = Union[Trace, str, "os.PathLike[str]", None]

DEFAULT_TRACE_FILE = "nasa_http_jul1995_per_minute.csv"
MODELS = ("agent", "fluid")


# ---------------------------------------------------------------------------
# Inputs: the default trace, specs and options.
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _default_trace() -> Trace:
    ref = importlib.resources.files("agentscale").joinpath("data", DEFAULT_TRACE_FILE)
    with importlib.resources.as_file(ref) as path:
        trace = load_trace(path)
    trace.name = "nasa_http_jul1995_per_minute"
    return trace


def default_trace() -> Trace:
    """The embedded default trace: NASA Kennedy Space Center HTTP requests per
    minute, 1-28 July 1995 (39,693 rows, 1,891,714 requests; provenance in
    ``trace.comments``). Loaded once per process; each call returns a copy."""
    return copy.copy(_default_trace())


def resolve_trace(trace: TraceLike) -> Trace:
    """A Trace as given, a CSV file loaded with load_trace(), or (None) the
    default trace."""
    if trace is None:
        return _default_trace()
    if isinstance(trace, Trace):
        return trace
    return load_trace(trace)


def resolve_spec(spec: SpecLike, config: Optional[ControllerConfig] = None) -> AutoscalerSpec:
    """An AutoscalerSpec as given, a built-in preset by name, or the single
    HorizontalPodAutoscaler of a manifest file.

    A name that is neither a preset nor an existing file raises KeyError
    listing the presets (FileNotFoundError when it looks like a path).
    """
    if isinstance(spec, AutoscalerSpec):
        return spec
    text = os.fspath(spec)
    if text in preset_names():
        return preset(text)
    path = pathlib.Path(text)
    if path.exists() or path.suffix in (".yaml", ".yml", ".json") or os.sep in text:
        return load_single_autoscaler(path, config)
    raise KeyError(
        f"{text!r} is neither a built-in preset ({', '.join(preset_names())}) "
        "nor a manifest file"
    )


def spec_label(spec: SpecLike) -> str:
    """A short label: the preset name, the manifest file's stem, or the spec's
    metadata.name."""
    if isinstance(spec, AutoscalerSpec):
        return spec.name or "spec"
    text = os.fspath(spec)
    if text in preset_names():
        return text
    return pathlib.Path(text).stem


_AGENT_FIELDS = tuple(AgentModelOptions().to_dict())
_FLUID_FIELDS = tuple(FluidOptions().to_dict())


def option_names(model: str) -> tuple[str, ...]:
    """The keyword options simulate() accepts for a model."""
    _check_model(model)
    return _AGENT_FIELDS if model == "agent" else _FLUID_FIELDS


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be 'agent' or 'fluid', got {model!r}")


def make_options(
    model: str,
    options: Union[AgentModelOptions, FluidOptions, None] = None,
    **overrides: Any,
) -> Union[AgentModelOptions, FluidOptions]:
    """AgentModelOptions or FluidOptions: a copy of `options` (or the
    defaults) with keyword overrides; ``initial_replicas=None`` means
    minReplicas. TypeError names an unknown option."""
    _check_model(model)
    opts: Union[AgentModelOptions, FluidOptions]
    if model == "agent":
        if options is not None and not isinstance(options, AgentModelOptions):
            raise TypeError("options must be AgentModelOptions for the agent model")
        opts = copy.copy(options) if options is not None else AgentModelOptions()
    else:
        if options is not None and not isinstance(options, FluidOptions):
            raise TypeError("options must be FluidOptions for the fluid model")
        opts = copy.copy(options) if options is not None else FluidOptions()
    valid = option_names(model)
    for key, value in overrides.items():
        if key not in valid:
            raise TypeError(
                f"unknown option {key!r} for the {model} model; valid: {', '.join(valid)}"
            )
        if key == "initial_replicas" and value is None:
            value = -1
        try:
            setattr(opts, key, value)
        except TypeError as e:
            raise TypeError(f"option {key}: {e}") from None
    return opts


# ---------------------------------------------------------------------------
# One run.
# ---------------------------------------------------------------------------

_REASON_NAMES: npt.NDArray[np.str_] = np.array(
    [""] * (max(r.value for r in Reason) + 1), dtype=object
)
for _r in Reason:
    _REASON_NAMES[_r.value] = _r.kubernetes_name
_PATH_NAMES: npt.NDArray[np.str_] = np.array(
    [""] * (max(p.value for p in DecisionPath) + 1), dtype=object
)
for _p in DecisionPath:
    _PATH_NAMES[_p.value] = _p.kubernetes_name


def _names(table: npt.NDArray[np.str_], codes: npt.NDArray[Any]) -> npt.NDArray[np.str_]:
    return table[np.asarray(codes, dtype=np.intp)].astype(str)


def _target_of(spec: AutoscalerSpec, metric: str) -> Optional[float]:
    """A metric's target in plain units (AverageValue or Value); None for
    Utilization targets."""
    for m in spec.metrics:
        if m.name == metric:
            if m.target.average_value_milli is not None:
                return m.target.average_value_milli / 1000.0
            if m.target.value_milli is not None:
                return m.target.value_milli / 1000.0
            return None
    return None


@dataclasses.dataclass
class Run:
    """One simulated run. ``result`` is the raw AgentModelResult or
    FluidResult; everything else is derived from it."""

    label: str
    spec: AutoscalerSpec
    model: str
    trace: Trace
    options: Union[AgentModelOptions, FluidOptions]
    result: Union[AgentModelResult, FluidResult]

    @property
    def summary(self) -> RunSummary:
        """Cost, waits, churn, time at max and the seed's alerts."""
        return self.result.summary

    @property
    def waits(self) -> npt.NDArray[np.float64]:
        """Every started task's wait in seconds (empty for the fluid model)."""
        if isinstance(self.result, AgentModelResult):
            return self.result.waits_seconds
        return np.zeros(0)

    @property
    def period_seconds(self) -> float:
        if isinstance(self.options, AgentModelOptions):
            return float(self.options.sync_period_seconds)
        return float(self.options.period_seconds)

    @property
    def counters(self) -> dict[str, Union[int, float]]:
        """Task counters (agent model; arrived == completed + queued + running
        + lost) or scale counters (fluid)."""
        r = self.result
        if isinstance(r, AgentModelResult):
            return {
                "tasks_arrived": r.tasks_arrived,
                "tasks_completed": r.tasks_completed,
                "tasks_queued_at_end": r.tasks_queued_at_end,
                "tasks_running_at_end": r.tasks_running_at_end,
                "tasks_lost": r.tasks_lost,
                "tasks_restarted": r.tasks_restarted,
                "lost_work_seconds": r.lost_work_seconds,
            }
        return {
            "scale_ups": r.scale_ups,
            "scale_downs": r.scale_downs,
            "replica_hours": r.replica_hours,
        }

    @functools.cached_property
    def series(self) -> dict[str, npt.NDArray[Any]]:
        """Per-sync columns as numpy arrays (views of the result, no copies):
        time_seconds, demand, ready_replicas, desired_replicas, (agent:
        alive_replicas, queue_length, running_tasks; fluid: current_replicas),
        'value:<metric>' for each metric as the engine saw it, limit_reason
        (Reason codes), reason (ScalingLimited reason, Kubernetes spelling,
        '' when not limited) and path (DecisionPath spelling)."""
        r = self.result
        cols: dict[str, npt.NDArray[Any]] = {"time_seconds": r.time_seconds, "demand": r.demand}
        if isinstance(r, AgentModelResult):
            cols["ready_replicas"] = r.ready_replicas
            cols["desired_replicas"] = r.desired_replicas
            cols["alive_replicas"] = r.alive_replicas
            cols["queue_length"] = r.queue_length
            cols["running_tasks"] = r.running_tasks
            for i, name in enumerate(r.metric_names):
                cols[f"value:{name}"] = r.metric_values[i]
        else:
            cols["current_replicas"] = r.current_replicas
            cols["ready_replicas"] = r.replicas
            cols["desired_replicas"] = r.replicas
            if r.driven_metrics:
                cols[f"value:{r.driven_metrics[0]}"] = r.metric_value
        cols["limit_reason"] = r.limit_reason
        cols["reason"] = _names(_REASON_NAMES, r.limit_reason)
        cols["path"] = _names(_PATH_NAMES, r.path)
        return cols

    def to_pandas(self) -> Any:
        """series as a pandas DataFrame (needs pandas), with a 'time' column of
        UTC datetimes first."""
        pd: Any = importlib.import_module("pandas")
        frame = pd.DataFrame(self.series)
        frame.insert(0, "time", pd.to_datetime(frame["time_seconds"], unit="s", utc=True))
        return frame

    def fluid_metrics(self) -> dict[str, Optional[float]]:
        """For the fluid model: the first driven metric's target, its peak
        per-pod value, and the time its per-pod value spent above the target
        (syncs with value > target, times the period)."""
        r = self.result
        if not isinstance(r, FluidResult) or not r.driven_metrics or len(r) == 0:
            return {"target": None, "peak_per_pod_value": None, "time_over_target_seconds": None}
        target = _target_of(self.spec, r.driven_metrics[0])
        values = r.metric_value
        over = None if target is None else float(np.count_nonzero(values > target)) * self.period_seconds
        return {
            "target": target,
            "peak_per_pod_value": float(np.nanmax(values)),
            "time_over_target_seconds": over,
        }

    def row(self) -> dict[str, Any]:
        """The comparison-table row: cost, replicas, waits, churn, time at max
        and alert firings (wait columns None for the fluid model)."""
        s = self.summary
        waits = s.has_waits
        row: dict[str, Any] = {
            "label": self.label,
            "spec": self.spec.name,
            "model": self.model,
            "replica_hours": s.replica_hours,
            "cost": s.cost,
            "mean_replicas": s.mean_replicas,
            "peak_replicas": s.peak_replicas,
            "wait_p50": s.wait_p50 if waits else None,
            "wait_p95": s.wait_p95 if waits else None,
            "wait_p99": s.wait_p99 if waits else None,
            "wait_max": s.wait_max if waits else None,
            "wait_mean": s.wait_mean if waits else None,
            "share_over_slo": s.share_over_slo if waits else None,
            "tasks_lost": self.result.tasks_lost if isinstance(self.result, AgentModelResult) else None,
            "scale_ups": s.scale_ups,
            "scale_downs": s.scale_downs,
            "reversals_within_5m": s.reversals_within_5m,
            "time_at_max_seconds": s.time_at_max_seconds,
            "scaling_too_frequent_firings": len(s.scaling_too_frequent.firings),
            "scaling_too_frequent_seconds": s.scaling_too_frequent.firing_seconds,
            "max_replicas_reached_firings": len(s.max_replicas_reached.firings),
            "max_replicas_reached_seconds": s.max_replicas_reached.firing_seconds,
        }
        if isinstance(self.result, FluidResult):
            fm = self.fluid_metrics()
            row["peak_per_pod_value"] = fm["peak_per_pod_value"]
            row["time_over_target_seconds"] = fm["time_over_target_seconds"]
        return row

    def to_dict(self, *, series: bool = False) -> dict[str, Any]:
        """JSON-able: label, model, trace, spec, options, summary, counters,
        the table row, and (series=True) every series as lists."""
        d: dict[str, Any] = {
            "label": self.label,
            "model": self.model,
            "trace": {"name": self.trace.name, "rows": len(self.trace)},
            "spec": self.spec.to_dict(),
            "options": self.options.to_dict(),
            "summary": self.summary.to_dict(),
            "counters": self.counters,
            "row": self.row(),
        }
        if isinstance(self.result, FluidResult):
            d["driven_metrics"] = list(self.result.driven_metrics)
            d["omitted_metrics"] = list(self.result.omitted_metrics)
        if series:
            d["series"] = {k: v.tolist() for k, v in self.series.items()}
        return d

    def plot(self, path: Union[str, os.PathLike[str]]) -> pathlib.Path:
        """A PNG of the run (needs matplotlib: the plot extra): demand with
        desired and ready replicas, queue and running tasks (agent) or the
        per-pod value against the target (fluid), and the wait distribution."""
        from agentscale import plots

        return plots.plot_run(self, path)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"Run(label={self.label!r}, model={self.model!r}, syncs={len(self.result)}, "
            f"replica_hours={s.replica_hours:.1f}, peak_replicas={s.peak_replicas}, "
            f"wait_p99={s.wait_p99 if s.has_waits else None})"
        )


def simulate(
    spec: SpecLike,
    trace: Union[TraceLike, Mapping[str, Trace]] = None,
    model: str = "agent",
    *,
    metric: Optional[str] = None,
    label: Optional[str] = None,
    options: Union[AgentModelOptions, FluidOptions, None] = None,
    **overrides: Any,
) -> Run:
    """Runs one spec over a trace and returns a Run.

    spec: an AutoscalerSpec, a preset name or a manifest path.
    trace: a Trace, a CSV path, or None for the embedded NASA trace. For the
        fluid model also a {metric: Trace} mapping.
    model: "agent" (tasks, slots, startup delay, waits) or "fluid".
    metric: fluid model: the metric the trace drives (default the spec's
        first).
    options / overrides: AgentModelOptions or FluidOptions, and any of their
        fields as keywords (``service_seconds=60, arrivals="poisson"``,
        ``period_seconds=30``, ``initial_replicas=None``).
    """
    _check_model(model)
    resolved = resolve_spec(spec)
    opts = make_options(model, options, **overrides)
    result: Union[AgentModelResult, FluidResult]
    if model == "agent":
        if metric is not None:
            raise TypeError("metric= is for the fluid model")
        if isinstance(trace, Mapping):
            raise TypeError("the agent model takes one trace")
        tr = resolve_trace(trace)
        assert isinstance(opts, AgentModelOptions)
        result = run_agent_model(resolved, tr, opts)
    else:
        assert isinstance(opts, FluidOptions)
        if isinstance(trace, Mapping):
            traces = {k: resolve_trace(v) for k, v in trace.items()}
            tr = next(iter(traces.values()))
            result = fluid_replay(resolved, traces, options=opts)
        else:
            tr = resolve_trace(trace)
            result = fluid_replay(resolved, tr, metric=metric, options=opts)
    return Run(
        label=label or spec_label(spec),
        spec=resolved,
        model=model,
        trace=tr,
        options=opts,
        result=result,
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
    ("peak_replicas", "peak replicas", "{}"),
    ("wait_p50", "wait p50 (s)", "{:.1f}"),
    ("wait_p95", "wait p95 (s)", "{:.1f}"),
    ("wait_p99", "wait p99 (s)", "{:.1f}"),
    ("wait_max", "wait max (s)", "{:.1f}"),
    ("share_over_slo", "share over SLO", "{:.2%}"),
    ("tasks_lost", "lost tasks", "{}"),
    ("peak_per_pod_value", "peak per-pod value", "{:.1f}"),
    ("time_over_target_seconds", "time over target (s)", "{:.0f}"),
    ("scale_ups", "scale-ups", "{}"),
    ("scale_downs", "scale-downs", "{}"),
    ("reversals_within_5m", "reversals within 5m", "{}"),
    ("time_at_max_seconds", "time at max (s)", "{:.0f}"),
    ("scaling_too_frequent_firings", "AgentScalingTooFrequent firings", "{}"),
    ("scaling_too_frequent_seconds", "AgentScalingTooFrequent firing (s)", "{:.0f}"),
    ("max_replicas_reached_firings", "AgentMaxReplicasReached firings", "{}"),
    ("max_replicas_reached_seconds", "AgentMaxReplicasReached firing (s)", "{:.0f}"),
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
    **overrides: Any,
) -> Comparison:
    """Runs every spec over the same trace (default: the embedded NASA trace)
    with the same model and options, in parallel threads (the simulator
    releases the GIL), and returns a Comparison in the given order.

    specs: preset names, manifest paths or AutoscalerSpec objects; (label,
        spec) tuples or a {label: spec} dict to name them.
    on_done: called with each Run as it finishes (e.g. to advance a progress
        bar), from the calling thread.
    """
    _check_model(model)
    items = _labelled(specs, labels)
    resolved = [(lab, resolve_spec(s)) for lab, s in items]
    tr = resolve_trace(trace)
    make_options(model, options, **overrides)  # option errors before any work

    def one(item: tuple[str, AutoscalerSpec]) -> Run:
        return simulate(item[1], tr, model, metric=metric, label=item[0], options=options, **overrides)

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


# ---------------------------------------------------------------------------
# Sweeps.
# ---------------------------------------------------------------------------

SPEC_GRID_KEYS = (
    "target",
    "min_replicas",
    "max_replicas",
    "scale_up_window_seconds",
    "scale_down_window_seconds",
    "scale_up_pods",
    "scale_up_percent",
    "scale_up_period_seconds",
    "scale_up_select_policy",
    "scale_down_pods",
    "scale_down_percent",
    "scale_down_period_seconds",
    "scale_down_select_policy",
    "tolerance",
)


def grid_keys(model: str) -> tuple[str, ...]:
    """The keys sweep() accepts for a model: the spec keys, 'target:<metric>',
    and every option of the model."""
    return SPEC_GRID_KEYS + tuple(k for k in option_names(model) if k != "config")


def apply_grid_point(
    spec: AutoscalerSpec, point: Mapping[str, Any]
) -> tuple[AutoscalerSpec, dict[str, Any]]:
    """A copy of `spec` with a sweep point's spec keys applied, and the point's
    remaining (option) keys.

    target / target:<metric>: the first (or named) metric's target in plain
    units (AverageValue, Value, or Utilization percent, as the metric has);
    *_window_seconds: stabilization windows; *_pods / *_percent: the value of
    that policy type (added with the direction's period if missing);
    *_period_seconds: every policy's period; *_select_policy: Max, Min or
    Disabled; tolerance: the controller tolerance (an option's config).
    """
    s = spec
    rest: dict[str, Any] = {}
    for key, value in point.items():
        if is_spec_grid_key(key):
            s = apply_grid_setting(s, key, value)
        else:
            rest[key] = value
    if s is spec:
        s = copy.deepcopy(spec)
    return s, rest


@dataclasses.dataclass
class _SweepItem:
    index: int
    spec: AutoscalerSpec
    overrides: dict[str, Any]


@dataclasses.dataclass
class _SweepChunk:
    """A picklable unit of sweep work: a trace (None: the default trace, so it
    is not shipped) and some grid points."""

    model: str
    metric: Optional[str]
    trace: Optional[Trace]
    options: dict[str, Any]
    items: list[_SweepItem]


def _run_sweep_chunk(chunk: _SweepChunk) -> list[tuple[int, dict[str, Any]]]:
    """Runs a chunk (in a worker process, thread or Dask worker)."""
    trace = chunk.trace if chunk.trace is not None else _default_trace()
    out: list[tuple[int, dict[str, Any]]] = []
    for item in chunk.items:
        kwargs = {**chunk.options, **item.overrides}
        config = kwargs.pop("config", None)
        tolerance = kwargs.pop("tolerance", None)
        if tolerance is not None:
            config = copy.copy(config) if config is not None else ControllerConfig()
            config.tolerance = float(tolerance)
        if config is not None:
            kwargs["config"] = config
        try:
            run = simulate(item.spec, trace, chunk.model, metric=chunk.metric, **kwargs)
            row = run.row()
            row["error"] = None
        except (ValueError, TypeError, RuntimeError) as e:
            row = {"error": str(e)}
        out.append((item.index, row))
    return out


def _progress(enabled: bool, total: int, description: str) -> Any:
    """A rich progress bar on stderr, or a no-op when disabled or stderr is
    not a terminal."""
    if not enabled or not sys.stderr.isatty():
        return _NoProgress()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return _RichProgress(
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        ),
        total,
        description,
    )


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None


class _RichProgress(_NoProgress):
    def __init__(self, progress: Any, total: int, description: str) -> None:
        self._progress = progress
        self._total = total
        self._description = description
        self._task: Any = None

    def __enter__(self) -> _RichProgress:
        self._progress.__enter__()
        self._task = self._progress.add_task(self._description, total=self._total)
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._task, n)


@dataclasses.dataclass
class SweepResult:
    """Every grid point's parameters and metrics (a failed point has 'error'
    set and no metrics)."""

    grid: dict[str, list[Any]]
    model: str
    rows: list[dict[str, Any]]

    @property
    def objectives(self) -> tuple[str, str]:
        """What pareto_front() minimizes: (cost, wait_p99) for the agent model,
        (cost, time_over_target_seconds) for the fluid model."""
        return ("cost", "wait_p99") if self.model == "agent" else ("cost", "time_over_target_seconds")

    def table(self, sort_by: Optional[str] = None) -> list[dict[str, Any]]:
        """Rows in grid order, or sorted by a column (failed points last)."""
        if sort_by is None:
            return list(self.rows)
        ok = [r for r in self.rows if r.get(sort_by) is not None]
        bad = [r for r in self.rows if r.get(sort_by) is None]
        return sorted(ok, key=lambda r: r[sort_by]) + bad

    def pareto_front(self) -> list[dict[str, Any]]:
        """The points no other point beats on both objectives (lower is
        better), sorted by cost. Failed points are left out."""
        x_key, y_key = self.objectives
        pts = [r for r in self.rows if r.get("error") is None and r.get(x_key) is not None and r.get(y_key) is not None]
        pts.sort(key=lambda r: (r[x_key], r[y_key]))
        front: list[dict[str, Any]] = []
        best = math.inf
        for r in pts:
            if r[y_key] < best:
                front.append(r)
                best = r[y_key]
            elif front and r[y_key] == best and r[x_key] == front[-1][x_key]:
                front.append(r)
        return front

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r.get("error")]

    def to_pandas(self) -> Any:
        pd: Any = importlib.import_module("pandas")
        return pd.DataFrame(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "grid": self.grid,
            "objectives": list(self.objectives),
            "rows": self.rows,
            "pareto_front": [r["index"] for r in self.pareto_front()],
        }

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"SweepResult(model={self.model!r}, points={len(self.rows)}, errors={len(self.errors)})"


def sweep(
    base_spec: SpecLike,
    grid: Mapping[str, Iterable[Any]],
    trace: TraceLike = None,
    model: str = "fluid",
    *,
    metric: Optional[str] = None,
    executor: Any = None,
    workers: Optional[int] = None,
    progress: bool = True,
    chunk_size: Optional[int] = None,
    **options: Any,
) -> SweepResult:
    """Runs base_spec with every combination of the grid's values and returns
    a SweepResult (table(), pareto_front()).

    grid: {key: [values]}; keys are target (or target:<metric>),
        min_replicas, max_replicas, scale_up_window_seconds,
        scale_down_window_seconds, scale_up_pods, scale_up_percent,
        scale_up_period_seconds, scale_up_select_policy, and the same for
        scale_down, tolerance, and any option of the model (slots,
        service_seconds, period_seconds, ...). See apply_grid_point().
    executor: where the work runs. None: a ProcessPoolExecutor with `workers`
        (default os.cpu_count()) processes, or in this process when workers
        is 1. Any concurrent.futures.Executor works (a ThreadPoolExecutor
        runs in parallel too: the simulator releases the GIL), as does
        anything with submit() returning futures with result(), such as a
        dask.distributed Client (or its get_executor()).
    progress: a rich progress bar on stderr (only when stderr is a terminal).
    options: the model's options for every point.

    Work items are picklable and carry the trace only when it is not the
    default trace; grid points are batched into chunks (chunk_size points,
    default about 4 chunks per worker, at most 64 points).
    """
    _check_model(model)
    base = resolve_spec(base_spec)
    valid = set(grid_keys(model))
    keys = list(grid)
    for k in keys:
        if k not in valid and not k.startswith("target:"):
            raise ValueError(f"unknown grid key {k!r}; valid: {', '.join(sorted(valid))}, target:<metric>")
    values = {k: list(grid[k]) for k in keys}
    for k, v in values.items():
        if not v:
            raise ValueError(f"grid key {k!r} has no values")
    make_options(model, None, **{k: v for k, v in options.items() if k != "tolerance"})
    if trace is not None and not isinstance(trace, Trace):
        trace = load_trace(trace)

    points = [dict(zip(keys, combo)) for combo in itertools.product(*(values[k] for k in keys))]
    rows: list[dict[str, Any]] = [{"index": i, **p} for i, p in enumerate(points)]
    items: list[_SweepItem] = []
    for i, p in enumerate(points):
        try:
            spec, rest = apply_grid_point(base, p)
        except (ValueError, TypeError) as e:
            rows[i]["error"] = str(e)
            continue
        items.append(_SweepItem(i, spec, rest))

    n_workers = workers or os.cpu_count() or 1
    size = chunk_size or max(1, min(64, math.ceil(len(items) / (4 * n_workers))))
    chunks = [
        _SweepChunk(model, metric, trace, dict(options), items[j : j + size])
        for j in range(0, len(items), size)
    ]

    def merge(results: list[tuple[int, dict[str, Any]]]) -> None:
        for index, row in results:
            rows[index].update(row)

    with _progress(progress, len(items), f"sweep ({model}, {len(points)} points)") as bar:
        if executor is None and n_workers <= 1:
            for c in chunks:
                merge(_run_sweep_chunk(c))
                bar.advance(len(c.items))
        elif executor is None or isinstance(executor, concurrent.futures.Executor):
            own = executor is None
            pool: concurrent.futures.Executor = (
                concurrent.futures.ProcessPoolExecutor(max_workers=n_workers) if executor is None else executor
            )
            try:
                futures = {pool.submit(_run_sweep_chunk, c): c for c in chunks}
                for f in concurrent.futures.as_completed(futures):
                    merge(f.result())
                    bar.advance(len(futures[f].items))
            finally:
                if own:
                    pool.shutdown()
        else:
            # A dask.distributed Client: pure=False, or identical chunks would
            # be deduplicated by key.
            extra = {"pure": False} if _is_dask(executor) else {}
            submitted = [(executor.submit(_run_sweep_chunk, c, **extra), c) for c in chunks]
            for f, c in submitted:
                merge(f.result())
                bar.advance(len(c.items))
    return SweepResult(grid=values, model=model, rows=rows)


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed")


__all__ = [
    "Comparison",
    "Run",
    "SweepResult",
    "TABLE_COLUMNS",
    "apply_grid_point",
    "compare",
    "default_trace",
    "format_value",
    "grid_keys",
    "make_options",
    "option_names",
    "resolve_spec",
    "resolve_trace",
    "simulate",
    "spec_label",
    "sweep",
]
