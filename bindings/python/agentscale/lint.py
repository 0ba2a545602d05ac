"""Risky-setting checks for HorizontalPodAutoscaler manifests, KEDA
ScaledObjects and Prometheus alert rules.

Each check returns Findings of severity "warning", except tolerance-edge's,
which are "info" (``agentscale lint`` exits 1 only for warnings); a file
that does not load or validate raises ValueError (file:line:column and the
field), as load_manifest_file does.

Checks on an HPA (config/lint.h explains each):

* ``no-metrics``: the manifest names no metrics, so Kubernetes scales on
  cpu Utilization 80% (known from the loader: LoadedManifests.metrics_defaulted).
* ``short-scale-down-window``: a scale-down stabilization window under 60 s
  (flapping: Kubernetes' default is 300 s).
* ``scale-down-disabled`` / ``scale-up-disabled``: selectPolicy Disabled in
  that direction (the fleet never shrinks / never grows).
* ``scale-down-faster-than-metrics``: a scale-down window or policy period
  shorter than the window the metric is averaged over (``metrics_window_seconds``;
  default the seed's adapter window, 60 s, for Pods/Object/External metrics).
* ``fixed-size``: minReplicas == maxReplicas (nothing to scale).
* ``slow-scale-up``: the scale-up behavior cannot take the fleet from
  minReplicas to maxReplicas within 10 minutes. Found by driving the engine
  itself with unbounded demand (every pod far above target) at a 15 s sync
  and committing every rescale, so stabilization windows, Pods/Percent
  policies per period and selectPolicy act exactly as they would live.
* ``scale-up-window-over-startup``: a scale-up window longer than an agent
  takes to start (``startup_delay_seconds``; default the agent model's 60 s).
* ``no-slot-headroom``: an app_active_task_count target at or above the
  agents' slots (--slots; default 100): the per-agent average can never
  exceed the target while every slot is busy, so the queue grows unseen.
* ``tolerance-edge`` (severity "info"): a whole per-agent value whose ratio
  to the target is exactly 1 +/- tolerance, where float rounding decides
  (kubernetes#116984).

KEDA ScaledObjects get keda-cooldown-from-poll, keda-outage-to-zero,
keda-static-fallback, keda-fallback-modifiers, keda-idle-not-zero,
keda-zero-without-activity, keda-cron-dst and keda-cron-above-max, then the
rules above on the HPA KEDA generates.

A Prometheus rule file (a top-level ``groups`` key) gets
``counter-function-on-gauge``: increase()/rate()/irate() over a gauge such as
kube_hpa_status_desired_replicas, with the corrected changes() expression;
those findings carry ``location`` (file:line:column).

The rules run in C++ (agentscale::config::LintSpec, LintScaledObject,
LintPrometheusRules, LintFile; config/lint.h); this module gives them Python
types.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import pathlib
from typing import Any, Optional, Union

from agentscale import _core
from agentscale._core import (
    AutoscalerSpec,
    ControllerConfig,
    LoadedManifests,
    ScaledObjectSpec,
    load_manifest_file,
)

SCALE_UP_HORIZON_SECONDS = 600.0


@dataclasses.dataclass
class Finding:
    """One lint finding."""

    rule: str
    autoscaler: str
    field: str
    message: str
    severity: str = "warning"
    location: str = ""  # "file:line:column" when known (rule files)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def time_to_max_replicas(
    spec: AutoscalerSpec,
    config: Optional[ControllerConfig] = None,
    horizon_seconds: float = SCALE_UP_HORIZON_SECONDS,
) -> tuple[Optional[float], int]:
    """Seconds from minReplicas to maxReplicas under unbounded demand (None if
    not reached within the horizon), and the replicas reached by then."""
    return _core.time_to_max_replicas(spec, config, horizon_seconds)


def lint_spec(
    spec: AutoscalerSpec,
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    metrics_window_seconds: Optional[float] = None,
    startup_delay_seconds: Optional[float] = None,
    metrics_defaulted: bool = False,
) -> list[Finding]:
    """The findings for one validated spec. ``metrics_defaulted``: its
    metrics are the loader's default (LoadedManifests.metrics_defaulted)."""
    return [
        Finding(**f)
        for f in _core.lint_spec(
            spec, slots=slots, config=config, metrics_window_seconds=metrics_window_seconds,
            startup_delay_seconds=startup_delay_seconds, metrics_defaulted=metrics_defaulted)
    ]


def lint_scaled_object(
    scaled_object: ScaledObjectSpec,
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    now: Union[float, datetime.datetime, None] = None,
    metrics_window_seconds: Optional[float] = None,
    startup_delay_seconds: Optional[float] = None,
) -> list[Finding]:
    """The findings for one validated KEDA ScaledObject; ``now`` (default:
    now) starts the year that keda-cron-dst checks."""
    return [
        Finding(**f)
        for f in _core.lint_scaled_object(
            scaled_object, slots=slots, config=config, now=now,
            metrics_window_seconds=metrics_window_seconds,
            startup_delay_seconds=startup_delay_seconds)
    ]


def lint_manifests(
    loaded: LoadedManifests,
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    metrics_window_seconds: Optional[float] = None,
    startup_delay_seconds: Optional[float] = None,
) -> list[Finding]:
    """The findings for every HPA and ScaledObject of a loaded manifest, the
    loader's warnings first (rule ``load-warning``). ValueError when it holds
    neither."""
    return [
        Finding(**f)
        for f in _core.lint_manifests(
            loaded, slots=slots, config=config, metrics_window_seconds=metrics_window_seconds,
            startup_delay_seconds=startup_delay_seconds)
    ]


def lint_manifest(
    path: Union[str, os.PathLike[str]],
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    metrics_window_seconds: Optional[float] = None,
    startup_delay_seconds: Optional[float] = None,
    strict: bool = True,
    name: Optional[str] = None,
) -> tuple[list[Union[AutoscalerSpec, ScaledObjectSpec]], list[Finding]]:
    """Loads every HPA and KEDA ScaledObject of a manifest file (ValueError
    with file:line:column if one is invalid, FileNotFoundError if missing)
    and lints each; the loader's warnings (deprecated fields; with
    strict=False, what lenient loading filled in) become findings of rule
    ``load-warning``. strict and name are load_manifest_file's."""
    loaded = load_manifest_file(path, config, strict=strict, name=name)
    findings = lint_manifests(
        loaded, slots=slots, config=config, metrics_window_seconds=metrics_window_seconds,
        startup_delay_seconds=startup_delay_seconds)
    return [*loaded.autoscalers, *loaded.scaled_objects], findings


@dataclasses.dataclass
class LintReport:
    """What linting one file found."""

    source: str
    kind: str  # "manifest" or "prometheus-rules"
    objects: list[str]  # the autoscalers and ScaledObjects, or the rules' names
    findings: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def lint_file(
    path: Union[str, os.PathLike[str]],
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    metrics_window_seconds: Optional[float] = None,
    startup_delay_seconds: Optional[float] = None,
    strict: bool = True,
    name: Optional[str] = None,
) -> LintReport:
    """Lints one file: a Prometheus rule file when its top-level mapping has
    ``groups``, else a manifest, loaded as load_manifest_file does with
    ``strict`` and ``name`` (a lenient load's fills become ``load-warning``
    findings). An AWS JSON file (RegisterScalableTarget, ...) or a Terraform
    .tf file is loaded as an AWS scalable target (kind "aws"): it passes when
    it loads; Terraform references kept as text are info findings
    (``terraform-reference``). ValueError (file:line:column and the field)
    when it does not load, FileNotFoundError when it is missing."""
    text = os.fspath(path)
    if text.endswith(".tf") or (text.endswith(".json") and _is_aws_json(text)):
        return _lint_aws(text)
    r = _core.lint_file(
        path, slots=slots, config=config, metrics_window_seconds=metrics_window_seconds,
        startup_delay_seconds=startup_delay_seconds, strict=strict, name=name)
    return LintReport(source=r["source"], kind=r["kind"], objects=list(r["objects"]),
                      findings=[Finding(**f) for f in r["findings"]])


def _is_aws_json(path: str) -> bool:
    from agentscale.sim._resolve import is_aws_json

    return is_aws_json(path)


def _lint_aws(path: str) -> LintReport:
    from agentscale.terraform import aws_from_terraform

    if not os.path.exists(path):
        raise FileNotFoundError(f"file not found: {path}")
    warnings: list[str] = []
    if path.endswith(".tf"):
        tf = aws_from_terraform(pathlib.Path(path))
        spec, warnings = tf.spec, tf.warnings
    else:
        spec = _core.load_aws_file(path)
    findings = [Finding(rule="terraform-reference", autoscaler=spec.resource_id, field="",
                        message=w, severity="info") for w in warnings]
    return LintReport(source=path, kind="aws", objects=[spec.resource_id], findings=findings)
