"""The HPA's feature gates after 1.33 from Python: HPAScaleToZero (on by
default, as in 1.37), HPAExternalMetricFallback, HPASelectionStrategy and
HPAConfigurableSyncPeriod (off by default: KEP only)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import agentscale

T0 = 1_772_366_400.0  # 2026-03-01T12:00:00Z

FALLBACK_YAML = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: agents}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agents}
  minReplicas: 1
  maxReplicas: 20
  metrics:
  - type: External
    external:
      metric: {name: queue_depth}
      target: {type: AverageValue, averageValue: "10"}
      fallback: {failureDurationSeconds: 240, replicas: 7}
  syncPeriodSeconds: 30
"""


def gates(**kwargs: bool) -> agentscale.ControllerConfig:
    return agentscale.ControllerConfig(**kwargs)


def test_gate_defaults() -> None:
    c = agentscale.ControllerConfig()
    assert c.scale_to_zero is True
    assert c.external_metric_fallback is False
    assert c.selection_strategy is False
    assert c.configurable_sync_period is False


def test_manifest_fields_load_and_round_trip() -> None:
    config = gates(external_metric_fallback=True, configurable_sync_period=True)
    loaded = agentscale.load_manifest_string(FALLBACK_YAML, "hpa.yaml", config)
    assert loaded.warnings == []
    spec = loaded.autoscalers[0]
    fb = spec.metrics[0].fallback
    assert fb is not None
    assert (fb.failure_duration_seconds, fb.replicas) == (240.0, 7)
    assert spec.sync_period_seconds == 30.0
    assert spec.selection_strategy is None
    again = agentscale.AutoscalerSpec.from_dict(copy.deepcopy(spec.to_dict()))
    assert again == spec


def test_gates_off_warn_with_file_and_line() -> None:
    loaded = agentscale.load_manifest_string(FALLBACK_YAML, "hpa.yaml")
    assert loaded.warnings == [
        "hpa.yaml:13:17: spec.metrics[0].external.fallback: is ignored while the "
        "HPAExternalMetricFallback feature gate is off",
        "hpa.yaml:14:22: spec.syncPeriodSeconds: is ignored while the "
        "HPAConfigurableSyncPeriod feature gate is off",
    ]


def test_bad_fallback_is_a_clear_error() -> None:
    bad = FALLBACK_YAML.replace("failureDurationSeconds: 240", "failureDurationSeconds: 60")
    with pytest.raises(ValueError, match=r"hpa\.yaml:13:\d+: spec\.metrics\[0\]\.external\."
                       r"fallback\.failureDurationSeconds: .*greater than or equal to 180"):
        agentscale.load_manifest_string(bad, "hpa.yaml")


def _queue_observation(replicas: int, queue: float | None) -> agentscale.Observation:
    obs = agentscale.Observation(current_replicas=replicas)
    obs.add_ready_pods(replicas)
    m = obs.add_metric("queue_depth")
    if queue is None:
        m.error = "connection refused"
    else:
        m.add_external_value(queue)
    return obs


def test_fallback_timer_and_state_survive_a_restart() -> None:
    config = gates(external_metric_fallback=True)
    spec = agentscale.load_manifest_string(FALLBACK_YAML, "hpa.yaml", config).autoscalers[0]
    hpa = agentscale.HorizontalAutoscaler.create(spec, config)
    hpa.evaluate(T0, _queue_observation(4, 40))
    d = hpa.evaluate(T0 + 15, _queue_observation(4, None))
    assert d.metrics[0].first_failure == T0 + 15
    assert not d.fallback
    state = hpa.state
    assert state.first_failure_times == [T0 + 15]

    restarted = agentscale.HorizontalAutoscaler.create(spec, config)
    restarted.import_state(agentscale.AutoscalerState.from_json(state.to_json()))
    d = restarted.evaluate(T0 + 15 + 239, _queue_observation(4, None))
    assert d.desired_replicas == 4 and not d.fallback
    d = restarted.evaluate(T0 + 15 + 240, _queue_observation(4, None))
    assert d.fallback and d.metrics[0].fallback
    assert d.desired_replicas == 7
    cond = d.find_condition(agentscale.ConditionType.EXTERNAL_METRIC_FALLBACK_ACTIVE)
    assert cond is not None and cond.reason is agentscale.Reason.FALLBACK_ACTIVE
    assert "fallback proposes 7" in d.explain()


def test_owner_reference_selection() -> None:
    spec = agentscale.AutoscalerSpec(
        name="agents",
        scale_target_ref=agentscale.ObjectReference(api_version="apps/v1", kind="Deployment",
                                                    name="agents"),
        min_replicas=1, max_replicas=50,
        metrics=[agentscale.MetricSpec.pods_average_value("tasks", 5)],
        selection_strategy="OwnerReference",
    )
    obs = agentscale.Observation(current_replicas=2)
    tasks = obs.add_metric("tasks")
    rs = agentscale.ObjectReference(api_version="apps/v1", kind="ReplicaSet", name="agents-7d9")
    for i in range(2):
        p = agentscale.Pod.ready(f"agent-{i}")
        p.owner_references = [rs]
        obs.add_pod(p)
        tasks.add_pod_value(f"agent-{i}", 5, T0)
    job = agentscale.Pod.ready("backfill")
    job.owner_references = [agentscale.ObjectReference(api_version="batch/v1", kind="Job",
                                                       name="backfill")]
    obs.add_pod(job)
    tasks.add_pod_value("backfill", 50, T0)
    obs.owners = [agentscale.OwnerObject(
        ref=rs,
        owner_references=[agentscale.ObjectReference(api_version="apps/v1", kind="Deployment",
                                                     name="agents")])]
    on = agentscale.HorizontalAutoscaler.create(spec, gates(selection_strategy=True))
    off = agentscale.HorizontalAutoscaler.create(spec, gates(selection_strategy=False))
    assert on.evaluate(T0, obs).metric_replicas == 2  # the Job's pod is left out
    assert off.evaluate(T0, obs).metric_replicas == 12  # (5 + 5 + 50) / 3 = 20 per pod over 3


def test_sync_period_drives_the_fluid_replay() -> None:
    spec = agentscale.preset("production")
    spec.sync_period_seconds = 60
    on = agentscale.HorizontalAutoscaler.create(spec, gates(configurable_sync_period=True))
    off = agentscale.HorizontalAutoscaler.create(spec)
    assert on.sync_period_seconds() == 60.0
    assert off.sync_period_seconds() is None
    trace = agentscale.Trace(time_seconds=[T0 + 60 * i for i in range(61)],
                             values=[100.0] * 61)
    r_on = agentscale.fluid_replay(on, trace)
    r_off = agentscale.fluid_replay(off, trace)
    assert len(r_on.time_seconds) == 61
    assert len(r_off.time_seconds) == 241


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from agentscale import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_feature_gates(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hpa.yaml"
    path.write_text(FALLBACK_YAML)
    # Gates off: the fields load with a warning each.
    code, _, err = _run(capsys, "replay", str(path), "--period", "15")
    assert code == 0
    assert "HPAExternalMetricFallback feature gate is off" in err
    # On: no warning, and the replay syncs at the spec's 30 s.
    code, out, err = _run(capsys, "replay", str(path), "--json", "--feature-gates",
                          "HPAExternalMetricFallback=true,HPAConfigurableSyncPeriod=true")
    assert code == 0, err
    assert "feature gate is off" not in err
    times = json.loads(out)["time_seconds"]
    assert times[1] - times[0] == 30.0
    # A gate that does not exist: exit 2, one line naming it.
    code, _, err = _run(capsys, "replay", str(path), "--feature-gates", "HPAScaleTooZero=true")
    assert code == 2
    assert 'unknown gate "HPAScaleTooZero"' in err
    assert "Traceback" not in err
