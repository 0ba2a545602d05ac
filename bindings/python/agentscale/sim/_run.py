"""One run: simulate() and its Run result."""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
import os
import pathlib
from collections.abc import Mapping
from typing import Any, Optional, Union

import numpy as np
import numpy.typing as npt

from agentscale._core import (
    AgentModelOptions,
    AgentModelResult,
    AutoscalerSpec,
    DecisionPath,
    FluidOptions,
    FluidResult,
    Reason,
    RunSummary,
    ScaledJobSpec,
    ScaledObjectSpec,
    ScalableTargetPolicy,
    ScalableTargetSpec,
    Trace,
    fluid_replay,
    preset,
    replay_scaled_object,
    run_agent_model,
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


@dataclasses.dataclass
class Run:
    """One simulated run. ``result`` is the raw AgentModelResult or
    FluidResult; everything else is derived from it."""

    label: str
    spec: AnySpec
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
        alive_replicas, queue_length, running_tasks, and with a resource model
        cpu_utilization and memory_utilization; fluid: current_replicas),
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
            if len(r.cpu_utilization):
                cols["cpu_utilization"] = r.cpu_utilization
                cols["memory_utilization"] = r.memory_utilization
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
        # Computed by the C++ replay (sim::FluidResult).
        peak = r.peak_per_pod_value
        return {
            "target": r.target,
            "peak_per_pod_value": None if math.isnan(peak) else peak,
            "time_over_target_seconds": r.time_over_target_seconds,
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
            "peak_ready_replicas": s.peak_ready_replicas,
            "wait_p50": s.wait_p50 if waits else None,
            "wait_p95": s.wait_p95 if waits else None,
            "wait_p99": s.wait_p99 if waits else None,
            "wait_max": s.wait_max if waits else None,
            "wait_mean": s.wait_mean if waits else None,
            "share_over_slo": s.share_over_slo if waits else None,
            "wait_tasks": s.wait_tasks if waits else None,
            "unserved_tasks": s.unserved_tasks if waits else None,
            "drain_seconds": self.result.drain_seconds if isinstance(self.result, AgentModelResult) else None,
            "tasks_lost": self.result.tasks_lost if isinstance(self.result, AgentModelResult) else None,
            "scale_ups": s.scale_ups,
            "scale_downs": s.scale_downs,
            "reversals_within_5m": s.reversals_within_5m,
            "time_at_max_seconds": s.time_at_max_seconds,
            "time_at_zero_seconds": s.time_at_zero_seconds,
            "scales_from_zero": s.scales_from_zero,
            "cold_start_tasks": s.cold_start_tasks if isinstance(self.result, AgentModelResult) else None,
            "fallback_seconds": s.fallback_seconds,
            "scaling_too_frequent_firings": len(s.scaling_too_frequent.firings),
            "scaling_too_frequent_seconds": s.scaling_too_frequent.firing_seconds,
            "max_replicas_reached_firings": len(s.max_replicas_reached.firings),
            "max_replicas_reached_seconds": s.max_replicas_reached.firing_seconds,
            "scaling_too_frequent_changes_firings": len(s.scaling_too_frequent_changes.firings),
            "scaling_too_frequent_changes_seconds": s.scaling_too_frequent_changes.firing_seconds,
            "forecast_mape": s.forecast_mape if s.has_forecast and s.forecast_scored else None,
            "forecast_coverage": s.forecast_coverage if s.has_forecast and s.forecast_scored else None,
            "forecast_anomalies": s.forecast_anomalies if s.has_forecast else None,
            "forecast_lifted": s.forecast_lifted if s.has_forecast else None,
        }
        resources = isinstance(self.result, AgentModelResult) and len(self.result.cpu_utilization) > 0
        for key in ("cpu_utilization_mean", "cpu_utilization_max",
                    "memory_utilization_mean", "memory_utilization_max"):
            value = getattr(self.result, key) if resources else None
            row[key] = None if value is None or math.isnan(value) else value
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
            "trace": {"name": self.trace.name, "rows": len(self.trace),
                      "meaning": self.result.trace_meaning, "reading": self.result.trace_reading},
            "spec_kind": "ScaledObject" if isinstance(self.spec, ScaledObjectSpec)
            else "ScaledJob" if isinstance(self.spec, ScaledJobSpec)
            else "ScalableTarget" if isinstance(self.spec, ScalableTargetSpec)
            else "HorizontalPodAutoscaler",
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


def _simulate_aws(
    spec: ScalableTargetSpec,
    trace: Union[TraceLike, Mapping[str, Trace]],
    model: str,
    metric: Optional[str],
    opts: Union[AgentModelOptions, FluidOptions],
) -> tuple[Trace, Union[AgentModelResult, FluidResult]]:
    """An AWS scalable target as a ScalableTargetPolicy. Fluid model: one
    trace with no metric= drives every metric the policies read (CPU and
    memory utilization both follow the load; docs/aws.md)."""
    if opts.schedule is not None or opts.forecast is not None:
        raise ValueError(f"{spec.resource_id}: schedules and forecast floors wrap HPA and KEDA specs; "
                         "an AWS target has its own scheduled actions")
    policy = ScalableTargetPolicy(spec)
    if model == "agent":
        if metric is not None:
            raise TypeError("metric= is for the fluid model")
        if isinstance(trace, Mapping):
            raise TypeError("the agent model takes one trace")
        tr = resolve_trace(trace)
        assert isinstance(opts, AgentModelOptions)
        return tr, run_agent_model(policy, tr, opts)
    assert isinstance(opts, FluidOptions)
    if isinstance(trace, Mapping):
        if metric is not None:
            raise TypeError("metric= is for a single trace, not a mapping")
        traces = {k: resolve_trace(v) for k, v in trace.items()}
        return next(iter(traces.values())), fluid_replay(policy, traces, options=opts)
    tr = resolve_trace(trace)
    if metric is not None:
        return tr, fluid_replay(policy, tr, metric=metric, options=opts)
    names = list(dict.fromkeys(m.name for m in policy.metrics()))
    return tr, fluid_replay(policy, {n: tr for n in names}, options=opts)


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

    spec: an AutoscalerSpec, ScaledObjectSpec or ScalableTargetSpec, a
        preset name, a manifest path (one HorizontalPodAutoscaler or one KEDA
        ScaledObject), or an AWS JSON or Terraform .tf file (one scalable
        target; under the fluid model one trace drives every metric its
        policies read).
    trace: a Trace, a CSV path, or None for the embedded NASA trace. For the
        fluid model also a {metric: Trace} mapping.
    model: "agent" (tasks, slots, startup delay, waits) or "fluid". A
        ScaledObject under the agent model reads the queue of waiting tasks
        as its trigger; under the fluid model the trace is the trigger's
        value (KEDA_REPLAY.md).
    metric: fluid model: the metric the trace drives (default the spec's
        first; for a ScaledObject, a trigger's metric name or name).
    options / overrides: AgentModelOptions or FluidOptions, and any of their
        fields as keywords (``service_seconds=60, arrivals="poisson"``,
        ``period_seconds=30``, ``initial_replicas=None``).
    """
    _check_model(model)
    resolved = resolve_spec(spec)
    opts = make_options(model, options, **overrides)
    result: Union[AgentModelResult, FluidResult]
    if isinstance(resolved, ScaledJobSpec) and model != "agent":
        raise ValueError(f"ScaledJob {resolved.name}: it runs Jobs, one per task; use the agent model")
    if isinstance(resolved, ScalableTargetSpec):
        tr, result = _simulate_aws(resolved, trace, model, metric, opts)
    elif model == "agent":
        if metric is not None:
            raise TypeError("metric= is for the fluid model")
        if isinstance(trace, Mapping):
            raise TypeError("the agent model takes one trace")
        tr = resolve_trace(trace)
        assert isinstance(opts, AgentModelOptions)
        result = run_agent_model(resolved, tr, opts)
    elif isinstance(resolved, ScaledObjectSpec):
        assert isinstance(opts, FluidOptions)
        kw: dict[str, Any] = {
            "period_seconds": opts.period_seconds,
            "price_per_replica_hour": opts.price_per_replica_hour,
            "prometheus_version": opts.prometheus_version,
            "config": opts.config,
            "outages": list(opts.outages),
            "schedule": opts.schedule,
            "forecast": opts.forecast,
        }
        if opts.initial_replicas >= 0:
            kw["initial_replicas"] = opts.initial_replicas
        if isinstance(trace, Mapping):
            if metric is not None:
                raise TypeError("metric= is for a single trace, not a mapping")
            traces = {k: resolve_trace(v) for k, v in trace.items()}
            tr = next(iter(traces.values()))
            result = replay_scaled_object(resolved, traces, **kw)
        else:
            tr = resolve_trace(trace)
            result = replay_scaled_object(resolved, tr, trigger=metric, **kw)
    else:
        assert isinstance(opts, FluidOptions) and isinstance(resolved, AutoscalerSpec)
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
