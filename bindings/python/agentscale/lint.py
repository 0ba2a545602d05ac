"""Risky-setting checks for HorizontalPodAutoscaler manifests.

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
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional, Union

from agentscale._core import (
    AutoscalerSpec,
    ControllerConfig,
    HorizontalAutoscaler,
    MetricSourceType,
    MetricSpec,
    load_manifest_file,
)

TASK_METRIC = "app_active_task_count"
MIN_SCALE_DOWN_WINDOW_SECONDS = 60.0
SCALE_UP_HORIZON_SECONDS = 600.0
SYNC_SECONDS = 15.0


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
    probe = AutoscalerSpec.from_dict(spec.to_dict())
    probe.metrics = [MetricSpec.pods_average_value("agentscale_lint_load", 1)]
    engine = HorizontalAutoscaler(probe, config)
    replicas = spec.min_replicas
    t = 0.0
    from agentscale import make_observation  # the package imports this module

    while t <= horizon_seconds + 1e-9:
        if replicas >= spec.max_replicas:
            return t, replicas
        obs = make_observation(replicas, {"agentscale_lint_load": 1e6}, t)
        decision = engine.evaluate(t, obs)
        if decision.rescale:
            engine.commit(decision)
            replicas = decision.desired_replicas
            if replicas >= spec.max_replicas:
                return t, replicas
        t += SYNC_SECONDS
    return None, replicas


def _policies(spec: AutoscalerSpec, up: bool) -> str:
    if spec.behavior is None:
        return "Kubernetes' default behavior"
    rules = spec.behavior.scale_up if up else spec.behavior.scale_down
    parts = [
        f"{p.type.kubernetes_name} {p.value} per {p.period_seconds:g}s" for p in rules.policies
    ]
    window = rules.stabilization_window_seconds
    text = ", ".join(parts) or "no policies"
    text += f", selectPolicy {rules.select_policy.kubernetes_name}"
    if window is not None:
        text += f", window {window:g}s"
    return text


def lint_spec(
    spec: AutoscalerSpec, *, slots: int = 100, config: Optional[ControllerConfig] = None
) -> list[Finding]:
    """The findings for one validated spec."""
    cfg = config or ControllerConfig()
    name = spec.name or "<unnamed>"
    out: list[Finding] = []

    window = None
    if spec.behavior is not None:
        window = spec.behavior.scale_down.stabilization_window_seconds
    effective = window if window is not None else cfg.downscale_stabilization_window_seconds
    if effective < MIN_SCALE_DOWN_WINDOW_SECONDS:
        out.append(
            Finding(
                "short-scale-down-window",
                name,
                "spec.behavior.scaleDown.stabilizationWindowSeconds",
                f"scale-down stabilization window is {effective:g}s (under "
                f"{MIN_SCALE_DOWN_WINDOW_SECONDS:g}s): replicas will flap when load "
                "dips briefly; Kubernetes' default is 300s",
            )
        )

    if spec.min_replicas == spec.max_replicas:
        out.append(
            Finding(
                "fixed-size",
                name,
                "spec.minReplicas",
                f"minReplicas == maxReplicas == {spec.max_replicas}: the autoscaler can never scale",
            )
        )
    else:
        reached_at, reached = time_to_max_replicas(spec, cfg)
        if reached_at is None:
            out.append(
                Finding(
                    "slow-scale-up",
                    name,
                    "spec.behavior.scaleUp",
                    f"scale-up cannot reach maxReplicas {spec.max_replicas} from minReplicas "
                    f"{spec.min_replicas} within {SCALE_UP_HORIZON_SECONDS / 60:g} minutes "
                    f"(reaches {reached}; {_policies(spec, True)})",
                )
            )

    for i, m in enumerate(spec.metrics):
        if m.type == MetricSourceType.PODS and m.name == TASK_METRIC:
            milli = m.target.average_value_milli
            if milli is not None and milli / 1000.0 >= slots:
                out.append(
                    Finding(
                        "no-slot-headroom",
                        name,
                        f"spec.metrics[{i}].pods.target.averageValue",
                        f"target {milli / 1000.0:g} tasks per agent is not below the agents' "
                        f"{slots} slots: a full agent never exceeds it, so the queue grows "
                        "without a scale-up",
                    )
                )
    return out


def lint_manifest(
    path: Union[str, os.PathLike[str]],
    *,
    slots: int = 100,
    config: Optional[ControllerConfig] = None,
) -> tuple[list[AutoscalerSpec], list[Finding]]:
    """Loads every HPA of a manifest file (ValueError with file:line:column if
    one is invalid, FileNotFoundError if missing) and lints each."""
    loaded = load_manifest_file(path, config)
    if not loaded.autoscalers:
        raise ValueError(f"{os.fspath(path)}: no HorizontalPodAutoscaler (autoscaling/v2) found")
    findings: list[Finding] = []
    for spec in loaded.autoscalers:
        findings.extend(lint_spec(spec, slots=slots, config=config))
    return list(loaded.autoscalers), findings
