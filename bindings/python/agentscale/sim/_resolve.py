"""Inputs: the default trace, specs (preset names, manifest paths, AutoscalerSpec objects) and simulation options."""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import os
import pathlib
from typing import Any, Optional, Union

from agentscale._core import (
    AgentModelOptions,
    AutoscalerSpec,
    ControllerConfig,
    FluidOptions,
    ScaledJobSpec,
    ScaledObjectSpec,
    ScalableTargetSpec,
    Trace,
    load_aws_file,
    load_manifest_file,
    load_trace,
    preset,
    preset_names,
)


# What a run scales with: an HPA, a KEDA ScaledObject or ScaledJob, or an
# AWS Application Auto Scaling scalable target.
AnySpec = Union[AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec, ScalableTargetSpec]
SpecLike = Union[str, "os.PathLike[str]", AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec,
                 ScalableTargetSpec]
_SPEC_TYPES = (AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec, ScalableTargetSpec)
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


def load_spec(
    spec: SpecLike,
    config: Optional[ControllerConfig] = None,
    *,
    strict: bool = True,
    name: Optional[str] = None,
) -> tuple[AnySpec, list[str]]:
    """resolve_spec(), with the loader's warnings ("file:line:col: field:
    problem", e.g. what lenient loading filled in, or a Terraform reference
    kept as text); no warnings for a spec object or a preset."""
    if isinstance(spec, _SPEC_TYPES):
        if name is not None:
            raise ValueError("name picks an object of a manifest file; this spec is an object")
        return spec, []
    text = os.fspath(spec)
    if text in preset_names():
        if name is not None:
            raise ValueError(f"name picks an object of a manifest file; {text!r} is a preset")
        return preset(text), []
    path = pathlib.Path(text)
    if path.suffix == ".tf":
        if name is not None:
            raise ValueError("name picks an object of a manifest file; a .tf file holds one scalable target")
        from agentscale.terraform import aws_from_terraform

        tf = aws_from_terraform(path)
        return tf.spec, list(tf.warnings)
    if path.suffix == ".json" and is_aws_json(path):
        if name is not None:
            raise ValueError("name picks an object of a manifest file; an AWS JSON file holds one scalable target")
        return load_aws_file(path), []
    if path.exists() or path.suffix in (".yaml", ".yml", ".json") or os.sep in text:
        loaded = load_manifest_file(path, config, strict=strict, name=name)
        found: list[Union[AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec]] = [
            *loaded.autoscalers, *loaded.scaled_objects, *loaded.scaled_jobs]
        if len(found) != 1:
            names = ", ".join(s.name for s in found)
            raise ValueError(
                f"{text}: expected exactly one HorizontalPodAutoscaler, ScaledObject or ScaledJob, "
                f"found {len(loaded.autoscalers)} HorizontalPodAutoscalers, "
                f"{len(loaded.scaled_objects)} ScaledObjects and {len(loaded.scaled_jobs)} ScaledJobs"
                + (f" ({names}); pick one by name" if found else "")
            )
        return found[0], list(loaded.warnings)
    raise KeyError(
        f"{text!r} is neither a built-in preset ({', '.join(preset_names())}) "
        "nor a manifest file"
    )


def is_aws_json(path: Union[str, "os.PathLike[str]"]) -> bool:
    """Whether a JSON file is AWS API request bodies (config/aws.h): an
    object, or an array of objects, with a RegisterScalableTarget,
    PutScalingPolicy, PutScheduledAction or PutMetricAlarm key."""
    keys = {"RegisterScalableTarget", "PutScalingPolicy", "PutScheduledAction", "PutMetricAlarm"}
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(4 << 20))
    except (OSError, ValueError):
        return False
    items = data if isinstance(data, list) else [data]
    return any(isinstance(i, dict) and keys & set(i) for i in items)


def resolve_spec(
    spec: SpecLike,
    config: Optional[ControllerConfig] = None,
    *,
    strict: bool = True,
    name: Optional[str] = None,
) -> AnySpec:
    """An AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec or
    ScalableTargetSpec as given, a built-in preset by name, the scalable
    target of an AWS JSON file (load_aws_file) or of a Terraform .tf file
    (aws_from_terraform), or the single HorizontalPodAutoscaler, KEDA
    ScaledObject or ScaledJob of a manifest file (other kinds of documents
    beside it are ignored; a Helm values hpa: block counts as an HPA).

    strict=False loads the file leniently (load_manifest_file); name picks
    one object of a file that holds several. A name that is neither a preset
    nor an existing file raises KeyError listing the presets
    (FileNotFoundError when it looks like a path).
    """
    return load_spec(spec, config, strict=strict, name=name)[0]


def spec_bounds(spec: AnySpec) -> tuple[int, int]:
    """(lowest, highest) replica count a spec scales between: an HPA's
    minReplicas and maxReplicas; a ScaledObject's idle-or-min and max."""
    if isinstance(spec, ScaledObjectSpec):
        low = spec.idle_replica_count if spec.idle_replica_count is not None else spec.min_replica_count
        return (low, spec.max_replica_count)
    if isinstance(spec, ScaledJobSpec):
        top = spec.max_replica_count if spec.max_replica_count is not None else 100
        return (spec.min_replica_count or 0, top)
    if isinstance(spec, ScalableTargetSpec):
        return (spec.min_capacity, spec.max_capacity)
    return (spec.min_replicas, spec.max_replicas)


def spec_label(spec: SpecLike) -> str:
    """A short label: the preset name, the manifest file's stem, or the spec's
    metadata.name (an AWS target's ResourceId's last part)."""
    if isinstance(spec, ScalableTargetSpec):
        return spec.resource_id.rsplit("/", 1)[-1] or "aws"
    if isinstance(spec, (AutoscalerSpec, ScaledObjectSpec, ScaledJobSpec)):
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
