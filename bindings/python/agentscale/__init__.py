"""agentscale: Kubernetes-exact autoscaling for fleets of data-processing agents.

Every number comes from the C++ engine (agentscale._core); this package adds
only conveniences on top of it.

    >>> import agentscale
    >>> spec = agentscale.preset("production")
    >>> hpa = agentscale.HorizontalAutoscaler(spec)
    >>> obs = agentscale.make_observation(3, {"app_active_task_count": 93.0,
    ...                                       "app_active_request_count": 40.0}, now=0.0)
    >>> hpa.evaluate(0.0, obs).desired_replicas
    3

What-ifs run through the same engine code in the trace-driven simulator:

    >>> run = agentscale.simulate("production", model="fluid")   # embedded NASA trace
    >>> cmp = agentscale.compare(["production", "bursty"])        # agent model: task waits
    >>> cmp.table()[0]["label"]
    'production'

(agentscale.sim: simulate, compare, sweep; agentscale.lint; the `agentscale`
command line in agentscale.cli.)

The metrics layer feeds the engine from samples: a SeriesStore (numpy batch
appends with append_batch), parse_exposition / append_exposition for the
Prometheus text format, MetricAdapter (prometheus-adapter rules and
externalRules) to fill an Observation's Pods, Object and External metrics,
and, when built with cpp-httplib (HAVE_HTTP), a Scraper for /metrics
endpoints and a PrometheusClient for Prometheus' query API.

Errors: ValueError for invalid input (with the field path and the YAML
line:column), FileNotFoundError for a missing manifest, KeyError for an
unknown preset, agentscale.Error (a RuntimeError) for anything else.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Union

from agentscale import _core
from agentscale._core import (
    AgentModelOptions as AgentModelOptions,
    AgentModelResult as AgentModelResult,
    Aggregation as Aggregation,
    AlertFiring as AlertFiring,
    AlertReport as AlertReport,
    AppendCounts as AppendCounts,
    AppendResult as AppendResult,
    ArrivalShape as ArrivalShape,
    AutoscalerSpec as AutoscalerSpec,
    AutoscalerState as AutoscalerState,
    Behavior as Behavior,
    Condition as Condition,
    ConditionStatus as ConditionStatus,
    ConditionType as ConditionType,
    Container as Container,
    ContainerUsage as ContainerUsage,
    ControllerConfig as ControllerConfig,
    Decision as Decision,
    DecisionPath as DecisionPath,
    Error as Error,
    Exposition as Exposition,
    ExpositionError as ExpositionError,
    ExternalRule as ExternalRule,
    FamilyInfo as FamilyInfo,
    FieldError as FieldError,
    FluidOptions as FluidOptions,
    FluidResult as FluidResult,
    HAVE_HTTP as HAVE_HTTP,
    HorizontalAutoscaler as HorizontalAutoscaler,
    Policy as Policy,
    observation_from_json as observation_from_json,
    evaluate_series as evaluate_series,
    InstantSample as InstantSample,
    LabelSelector as LabelSelector,
    LabelSelectorRequirement as LabelSelectorRequirement,
    Limited as Limited,
    LoadedManifests as LoadedManifests,
    MetricAdapter as MetricAdapter,
    MetricObservation as MetricObservation,
    MetricReplicas as MetricReplicas,
    MetricResult as MetricResult,
    MetricRule as MetricRule,
    MetricSourceType as MetricSourceType,
    MetricSpec as MetricSpec,
    MetricTarget as MetricTarget,
    MetricTargetType as MetricTargetType,
    MetricType as MetricType,
    ObjectReference as ObjectReference,
    Observation as Observation,
    OtherAutoscaler as OtherAutoscaler,
    ParsedSample as ParsedSample,
    Pod as Pod,
    PodGroup as PodGroup,
    PodPhase as PodPhase,
    PodResourceSample as PodResourceSample,
    PodSample as PodSample,
    PolicyType as PolicyType,
    PrometheusClient as PrometheusClient,
    QueryClientOptions as QueryClientOptions,
    ReadinessConfig as ReadinessConfig,
    ReadyCondition as ReadyCondition,
    Reason as Reason,
    Recommendation as Recommendation,
    ReplicaCalculator as ReplicaCalculator,
    Resample as Resample,
    ResourceLabel as ResourceLabel,
    ResourceList as ResourceList,
    ResourceName as ResourceName,
    ResourceReplicas as ResourceReplicas,
    RunSummary as RunSummary,
    ScaleEvent as ScaleEvent,
    ScaleInMode as ScaleInMode,
    ScalingPolicy as ScalingPolicy,
    ScalingRules as ScalingRules,
    ScrapeResult as ScrapeResult,
    ScrapeTarget as ScrapeTarget,
    Scraper as Scraper,
    ScraperOptions as ScraperOptions,
    SelectPolicy as SelectPolicy,
    Selector as Selector,
    SelectorCheck as SelectorCheck,
    SelectorOp as SelectorOp,
    SelectorRequirement as SelectorRequirement,
    SelfMetrics as SelfMetrics,
    SeriesInfo as SeriesInfo,
    SeriesRef as SeriesRef,
    SeriesResult as SeriesResult,
    SeriesStore as SeriesStore,
    SeriesStoreOptions as SeriesStoreOptions,
    ServiceTimeModel as ServiceTimeModel,
    SkippedDocument as SkippedDocument,
    StoreStats as StoreStats,
    TargetStats as TargetStats,
    Tolerances as Tolerances,
    Trace as Trace,
    VictimPolicy as VictimPolicy,
    alert_rules_yaml as alert_rules_yaml,
    append_exposition as append_exposition,
    ceil_to_int32 as ceil_to_int32,
    check_spec as check_spec,
    constant_trace as constant_trace,
    convert_with_behavior_rate as convert_with_behavior_rate,
    convert_with_legacy_rules as convert_with_legacy_rules,
    decision_action as decision_action,
    decision_reason as decision_reason,
    default_behavior as default_behavior,
    default_scale_down_rules as default_scale_down_rules,
    default_scale_up_rules as default_scale_up_rules,
    diurnal_trace as diurnal_trace,
    dump_manifest as dump_manifest,
    dump_manifests as dump_manifests,
    fluid_replay as fluid_replay,
    apply_grid_setting as apply_grid_setting,
    is_spec_grid_key as is_spec_grid_key,
    time_to_max_replicas as time_to_max_replicas,
    format_milli as format_milli,
    format_quantity as format_quantity,
    go_zero_time as go_zero_time,
    is_stale_marker as is_stale_marker,
    load_manifest_file as load_manifest_file,
    load_manifest_string as load_manifest_string,
    load_single_autoscaler as load_single_autoscaler,
    load_trace as load_trace,
    milli as milli,
    parse_aggregation as parse_aggregation,
    parse_exposition as parse_exposition,
    parse_instant_query_response as parse_instant_query_response,
    parse_quantity as parse_quantity,
    parse_quantity_float as parse_quantity_float,
    parse_scrape_target as parse_scrape_target,
    parse_trace as parse_trace,
    parse_trace_timestamp as parse_trace_timestamp,
    per_pod_usage as per_pod_usage,
    poisson_burst_trace as poisson_burst_trace,
    preset as preset,
    preset_names as preset_names,
    prometheus_increase as prometheus_increase,
    quantity_to_float as quantity_to_float,
    ramp_trace as ramp_trace,
    replicas_change_in_period as replicas_change_in_period,
    run_agent_model as run_agent_model,
    scale_down_limit as scale_down_limit,
    scale_up_limit as scale_up_limit,
    selector_matchers as selector_matchers,
    stabilize_legacy as stabilize_legacy,
    stabilize_with_behavior as stabilize_with_behavior,
    stale_marker as stale_marker,
    state_from_json as state_from_json,
    state_to_json as state_to_json,
    step_trace as step_trace,
    store_scale_event as store_scale_event,
    sum_external_values as sum_external_values,
    sum_resource_samples as sum_resource_samples,
    summarize as summarize,
    to_milli as to_milli,
    trace_to_csv as trace_to_csv,
    validate_spec as validate_spec,
    write_alert_rules as write_alert_rules,
)
from agentscale._core import __version__ as __version__
from agentscale.lint import Finding as Finding
from agentscale.lint import lint_manifest as lint_manifest
from agentscale.lint import lint_spec as lint_spec
from agentscale.sim import Comparison as Comparison
from agentscale.sim import Run as Run
from agentscale.sim import SweepResult as SweepResult
from agentscale.sim import compare as compare
from agentscale.sim import default_trace as default_trace
from agentscale.sim import resolve_spec as resolve_spec
from agentscale.sim import simulate as simulate
from agentscale.sim import sweep as sweep

def make_observation(
    current_replicas: int,
    metrics: Mapping[str, Union[float, Sequence[float]]],
    now: Union[float, datetime.datetime],
    *,
    pod_prefix: str = "agent-",
    window_seconds: float = 60.0,
) -> Observation:
    """An Observation of `current_replicas` Ready pods named pod_prefix0, 1, ...

    `metrics` maps each metric name to one value that every pod reports, or
    to a sequence with one value per pod (plain units). A NaN, infinite or
    negative value marks that metric invalid, as MetricObservation does.
    """
    obs = Observation(current_replicas=current_replicas)
    obs.add_ready_pods(current_replicas, pod_prefix)
    for name, values in metrics.items():
        metric = obs.add_metric(name)
        if isinstance(values, (int, float)):
            per_pod = [float(values)] * current_replicas
        else:
            per_pod = [float(v) for v in values]
            if len(per_pod) != current_replicas:
                raise ValueError(
                    f"metric {name!r}: {len(per_pod)} values for {current_replicas} pods"
                )
        for i, value in enumerate(per_pod):
            metric.add_pod_value(f"{pod_prefix}{i}", value, now, window_seconds)
    return obs


__all__ = [
    "AgentModelOptions",
    "AgentModelResult",
    "Aggregation",
    "AlertFiring",
    "AlertReport",
    "AppendCounts",
    "AppendResult",
    "ArrivalShape",
    "AutoscalerSpec",
    "AutoscalerState",
    "Behavior",
    "Comparison",
    "Condition",
    "ConditionStatus",
    "ConditionType",
    "Container",
    "ContainerUsage",
    "ControllerConfig",
    "Decision",
    "DecisionPath",
    "Error",
    "Exposition",
    "ExpositionError",
    "ExternalRule",
    "FamilyInfo",
    "FieldError",
    "Finding",
    "FluidOptions",
    "FluidResult",
    "HAVE_HTTP",
    "HorizontalAutoscaler",
    "Policy",
    "observation_from_json",
    "evaluate_series",
    "InstantSample",
    "LabelSelector",
    "LabelSelectorRequirement",
    "Limited",
    "LoadedManifests",
    "MetricAdapter",
    "MetricObservation",
    "MetricReplicas",
    "MetricResult",
    "MetricRule",
    "MetricSourceType",
    "MetricSpec",
    "MetricTarget",
    "MetricTargetType",
    "MetricType",
    "ObjectReference",
    "Observation",
    "OtherAutoscaler",
    "ParsedSample",
    "Pod",
    "PodGroup",
    "PodPhase",
    "PodResourceSample",
    "PodSample",
    "PolicyType",
    "PrometheusClient",
    "QueryClientOptions",
    "ReadinessConfig",
    "ReadyCondition",
    "Reason",
    "Recommendation",
    "ReplicaCalculator",
    "Resample",
    "ResourceLabel",
    "ResourceList",
    "ResourceName",
    "ResourceReplicas",
    "Run",
    "RunSummary",
    "ScaleEvent",
    "ScaleInMode",
    "ScalingPolicy",
    "ScalingRules",
    "ScrapeResult",
    "ScrapeTarget",
    "Scraper",
    "ScraperOptions",
    "SelectPolicy",
    "Selector",
    "SelectorCheck",
    "SelectorOp",
    "SelectorRequirement",
    "SelfMetrics",
    "SeriesInfo",
    "SeriesRef",
    "SeriesResult",
    "SeriesStore",
    "SeriesStoreOptions",
    "ServiceTimeModel",
    "SkippedDocument",
    "StoreStats",
    "SweepResult",
    "TargetStats",
    "Tolerances",
    "Trace",
    "VictimPolicy",
    "alert_rules_yaml",
    "append_exposition",
    "ceil_to_int32",
    "check_spec",
    "compare",
    "constant_trace",
    "convert_with_behavior_rate",
    "convert_with_legacy_rules",
    "decision_action",
    "decision_reason",
    "default_behavior",
    "default_scale_down_rules",
    "default_scale_up_rules",
    "default_trace",
    "diurnal_trace",
    "dump_manifest",
    "dump_manifests",
    "fluid_replay",
    "apply_grid_setting",
    "is_spec_grid_key",
    "time_to_max_replicas",
    "format_milli",
    "format_quantity",
    "go_zero_time",
    "is_stale_marker",
    "lint_manifest",
    "lint_spec",
    "load_manifest_file",
    "load_manifest_string",
    "load_single_autoscaler",
    "load_trace",
    "milli",
    "parse_aggregation",
    "parse_exposition",
    "parse_instant_query_response",
    "parse_quantity",
    "parse_quantity_float",
    "parse_scrape_target",
    "parse_trace",
    "parse_trace_timestamp",
    "per_pod_usage",
    "poisson_burst_trace",
    "preset",
    "preset_names",
    "prometheus_increase",
    "quantity_to_float",
    "ramp_trace",
    "replicas_change_in_period",
    "resolve_spec",
    "run_agent_model",
    "scale_down_limit",
    "scale_up_limit",
    "selector_matchers",
    "simulate",
    "stabilize_legacy",
    "stabilize_with_behavior",
    "stale_marker",
    "state_from_json",
    "state_to_json",
    "step_trace",
    "store_scale_event",
    "sum_external_values",
    "sum_resource_samples",
    "summarize",
    "sweep",
    "to_milli",
    "trace_to_csv",
    "validate_spec",
    "write_alert_rules",
    "__version__",
    "make_observation",
]

del _core
