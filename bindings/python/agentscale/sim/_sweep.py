"""A grid of settings: sweep(), SweepResult and the Pareto front."""

from __future__ import annotations

import concurrent.futures
import copy
import dataclasses
import importlib
import itertools
import math
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any, Optional, overload

from agentscale._core import (
    AutoscalerSpec,
    ControllerConfig,
    Trace,
    ScaledObjectSpec,
    apply_grid_setting,
    is_scaled_object_grid_key,
    is_spec_grid_key,
    load_trace,
)
from agentscale.sim._resolve import (
    AnySpec,
    SpecLike,
    TraceLike,
    _check_model,
    _default_trace,
    default_trace,
    make_options,
    option_names,
    resolve_spec,
    resolve_trace,
    spec_label,
)
from agentscale.sim._run import (
    Run,
    simulate,
)
from agentscale.sim._compare import (
    Comparison,
    TABLE_COLUMNS,
    compare,
    format_value,
)


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


# Keys only a KEDA ScaledObject has (with 'activation:<trigger>').
KEDA_GRID_KEYS = (
    "activation",
    "polling_interval_seconds",
    "cooldown_period_seconds",
    "initial_cooldown_period_seconds",
)


def grid_keys(model: str) -> tuple[str, ...]:
    """The keys sweep() accepts for a model: the spec keys (an HPA's, a
    ScaledObject's), 'target:<metric>', and every option of the model."""
    return SPEC_GRID_KEYS + KEDA_GRID_KEYS + tuple(k for k in option_names(model) if k != "config")


@overload
def apply_grid_point(
    spec: AutoscalerSpec, point: Mapping[str, Any]
) -> tuple[AutoscalerSpec, dict[str, Any]]: ...
@overload
def apply_grid_point(
    spec: ScaledObjectSpec, point: Mapping[str, Any]
) -> tuple[ScaledObjectSpec, dict[str, Any]]: ...
@overload
def apply_grid_point(spec: AnySpec, point: Mapping[str, Any]) -> tuple[AnySpec, dict[str, Any]]: ...


def apply_grid_point(
    spec: AnySpec, point: Mapping[str, Any]
) -> tuple[AnySpec, dict[str, Any]]:
    """A copy of `spec` with a sweep point's spec keys applied, and the point's
    remaining (option) keys.

    target / target:<metric>: the first (or named) metric's target in plain
    units (AverageValue, Value, or Utilization percent, as the metric has);
    *_window_seconds: stabilization windows; *_pods / *_percent: the value of
    that policy type (added with the direction's period if missing);
    *_period_seconds: every policy's period; *_select_policy: Max, Min or
    Disabled; tolerance: the controller tolerance (an option's config).
    """
    s: AnySpec = spec
    rest: dict[str, Any] = {}
    keda = isinstance(spec, ScaledObjectSpec)
    for key, value in point.items():
        if isinstance(s, ScaledObjectSpec) and is_scaled_object_grid_key(key):
            s = apply_grid_setting(s, key, value)
        elif isinstance(s, AutoscalerSpec) and is_spec_grid_key(key):
            s = apply_grid_setting(s, key, value)
        elif not isinstance(s, (AutoscalerSpec, ScaledObjectSpec)) and (
            is_spec_grid_key(key) or key in KEDA_GRID_KEYS
        ):
            raise ValueError(f"grid key {key!r}: a ScaledJob is not swept by spec keys yet")
        elif not keda and (key in KEDA_GRID_KEYS or key.startswith("activation:")):
            raise ValueError(f"grid key {key!r} is a ScaledObject setting; the spec is an HPA")
        else:
            rest[key] = value
    if s is spec:
        s = copy.deepcopy(spec)
    return s, rest


@dataclasses.dataclass
class _SweepItem:
    index: int
    spec: AnySpec
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
            row["_trace_reading"] = run.result.trace_reading
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
    # How the points read the trace (AgentModelResult/FluidResult.trace_reading),
    # the distinct readings in grid order joined by "; "; empty when every
    # point failed.
    trace_reading: str = ""

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
            "trace_reading": self.trace_reading,
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
    model: str = "agent",
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

    readings: dict[int, str] = {}

    def merge(results: list[tuple[int, dict[str, Any]]]) -> None:
        for index, row in results:
            reading = row.pop("_trace_reading", None)
            if reading:
                readings[index] = reading
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
    # The distinct readings in grid order (a grid over arrivals or the row
    # interval reads the trace differently per point).
    distinct = list(dict.fromkeys(readings[i] for i in sorted(readings)))
    return SweepResult(grid=values, model=model, rows=rows, trace_reading="; ".join(distinct))


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
