"""Trace-driven what-ifs: simulate one spec, compare several, sweep a grid.

Every number comes from the C++ simulator (agentscale._core.fluid_replay and
run_agent_model), which drives the same engine code a live controller runs.
This package resolves specs (preset names, manifest paths or AutoscalerSpec
objects), picks the default trace, runs in parallel and tabulates.

    >>> import agentscale
    >>> run = agentscale.simulate("production", model="fluid")
    >>> round(run.summary.replica_hours)
    1338
    >>> cmp = agentscale.compare(["production", "development", "bursty"])
    >>> [row["label"] for row in cmp.table()]
    ['production', 'development', 'bursty']

Two models:

* ``"agent"`` (the default of simulate, compare and sweep): tasks arrive from the trace
  (by default each row's value is the number of tasks arriving in that row's
  interval), agents run ``slots`` tasks each, new agents start after
  ``startup_delay_seconds``, and the seed's scrape/adapter pipeline sits
  between the agents and the engine. Gives task waits.
* ``"fluid"``: the trace value is the demand D of one
  metric; each of R replicas reports D / R and every decision is applied at
  once. About ten times faster; no waits.
"""

from __future__ import annotations

from agentscale.sim._resolve import (
    DEFAULT_TRACE_FILE as DEFAULT_TRACE_FILE,
    AnySpec as AnySpec,
    MODELS as MODELS,
    SpecLike as SpecLike,
    TraceLike as TraceLike,
    _AGENT_FIELDS as _AGENT_FIELDS,
    _FLUID_FIELDS as _FLUID_FIELDS,
    _check_model as _check_model,
    _default_trace as _default_trace,
    default_trace as default_trace,
    load_spec as load_spec,
    make_options as make_options,
    option_names as option_names,
    resolve_spec as resolve_spec,
    resolve_trace as resolve_trace,
    spec_label as spec_label,
)
from agentscale.sim._run import (
    Run as Run,
    _PATH_NAMES as _PATH_NAMES,
    _REASON_NAMES as _REASON_NAMES,
    _names as _names,
    simulate as simulate,
)
from agentscale.sim._compare import (
    Comparison as Comparison,
    SpecsArg as SpecsArg,
    TABLE_COLUMNS as TABLE_COLUMNS,
    _labelled as _labelled,
    compare as compare,
    format_value as format_value,
)
from agentscale.sim._sweep import (
    SPEC_GRID_KEYS as SPEC_GRID_KEYS,
    SweepResult as SweepResult,
    _NoProgress as _NoProgress,
    _RichProgress as _RichProgress,
    _SweepChunk as _SweepChunk,
    _SweepItem as _SweepItem,
    __all__ as __all__,
    _is_dask as _is_dask,
    _progress as _progress,
    _run_sweep_chunk as _run_sweep_chunk,
    apply_grid_point as apply_grid_point,
    grid_keys as grid_keys,
    sweep as sweep,
)

__all__ = [
    "DEFAULT_TRACE_FILE",
    "MODELS",
    "AnySpec",
    "SpecLike",
    "TraceLike",
    "default_trace",
    "make_options",
    "option_names",
    "load_spec",
    "resolve_spec",
    "resolve_trace",
    "spec_label",
    "Run",
    "simulate",
    "Comparison",
    "SpecsArg",
    "TABLE_COLUMNS",
    "compare",
    "format_value",
    "SPEC_GRID_KEYS",
    "SweepResult",
    "apply_grid_point",
    "grid_keys",
    "sweep",
]
