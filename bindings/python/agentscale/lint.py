"""Risky-setting checks for HorizontalPodAutoscaler manifests and KEDA
ScaledObjects.

Each check returns Findings (severity "warning"); a manifest that does not
load or validate raises ValueError (file:line:column and the field), as
load_manifest_file does.

Checks:

* ``short-scale-down-window``: a scale-down stabilization window under 60 s
  (flapping: Kubernetes' default is 300 s).
* ``slow-scale-up``: the scale-up behavior cannot take the fleet from
  minReplicas to maxReplicas within 10 minutes. Found by driving the engine
  itself with unbounded demand (every pod far above target) at a 15 s sync
  and committing every rescale, so stabilization windows, Pods/Percent
  policies per period and selectPolicy act exactly as they would live.
* ``fixed-size``: minReplicas == maxReplicas (nothing to scale).
* ``no-slot-headroom``: an app_active_task_count target at or above the
  agents' slots (--slots; default 100): the per-agent average can never
  exceed the target while every slot is busy, so the queue grows unseen.

KEDA ScaledObjects get keda-cooldown-from-poll, keda-static-fallback,
keda-fallback-modifiers, keda-idle-not-zero and keda-zero-without-activity
(config/lint.h explains each), then the rules above on the HPA KEDA
generates.

The rules run in C++ (agentscale::config::LintSpec and LintScaledObject,
config/lint.h); this module gives them Python types.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from typing import Any, Optional, Union

from agentscale import _core
from agentscale._core import AutoscalerSpec, ControllerConfig, ScaledObjectSpec, load_manifest_file

SCALE_UP_HORIZON_SECONDS = 600.0


@dataclasses.dataclass
class Finding:
    """One lint finding."""

    rule: str
    autoscaler: str
    field: str
    message: str
    severity: str = "warning"

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
    spec: AutoscalerSpec, *, slots: int = 100, config: Optional[ControllerConfig] = None
) -> list[Finding]:
    """The findings for one validated spec."""
    return [Finding(**f) for f in _core.lint_spec(spec, slots=slots, config=config)]


def lint_scaled_object(
    scaled_object: ScaledObjectSpec,
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    now: Union[float, datetime.datetime, None] = None,
) -> list[Finding]:
    """The findings for one validated KEDA ScaledObject; ``now`` (default:
    now) starts the year that keda-cron-dst checks."""
    return [
        Finding(**f)
        for f in _core.lint_scaled_object(scaled_object, slots=slots, config=config, now=now)
    ]


def lint_manifest(
    path: Union[str, os.PathLike[str]],
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
    strict: bool = True,
    name: Optional[str] = None,
) -> tuple[list[Union[AutoscalerSpec, ScaledObjectSpec]], list[Finding]]:
    """Loads every HPA and KEDA ScaledObject of a manifest file (ValueError
    with file:line:column if one is invalid, FileNotFoundError if missing)
    and lints each; the loader's warnings (deprecated fields; with
    strict=False, what lenient loading filled in) become findings of rule
    ``load-warning``. strict and name are load_manifest_file's."""
    loaded = load_manifest_file(path, config, strict=strict, name=name)
    if not loaded.autoscalers and not loaded.scaled_objects:
        raise ValueError(
            f"{os.fspath(path)}: no HorizontalPodAutoscaler (autoscaling/v2) or ScaledObject "
            "(keda.sh/v1alpha1) found"
        )
    findings: list[Finding] = []
    for w in loaded.warnings:
        findings.append(Finding(rule="load-warning", autoscaler="", field="", message=w))
    for spec in loaded.autoscalers:
        findings.extend(lint_spec(spec, slots=slots, config=config))
    for so in loaded.scaled_objects:
        findings.extend(lint_scaled_object(so, slots=slots, config=config))
    return [*loaded.autoscalers, *loaded.scaled_objects], findings
