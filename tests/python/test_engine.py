"""HorizontalAutoscaler from Python: evaluate, commit, state, decisions."""

from __future__ import annotations

import copy
import datetime
import pickle

import pytest

import agentscale

T0 = 1_767_258_000.0  # 2026-01-01T09:00:00Z
TASKS = "app_active_task_count"
REQUESTS = "app_active_request_count"


def uniform(replicas: int, tasks: float, requests: float, now: float) -> agentscale.Observation:
    return agentscale.make_observation(replicas, {TASKS: tasks, REQUESTS: requests}, now)


def test_first_sync_holds_scale_down(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    d = hpa.evaluate(T0, uniform(5, 10, 5, T0))
    assert d.metric_replicas == 1
    assert d.stabilized_replicas == 5
    assert not d.rescale
    assert d.desired_replicas == 5
    assert d.path is agentscale.DecisionPath.METRICS
    able = d.find_condition(agentscale.ConditionType.ABLE_TO_SCALE)
    assert able is not None
    assert able.reason is agentscale.Reason.SCALE_DOWN_STABILIZED
    assert able.status is True
    assert able.type_name == "AbleToScale"
    assert able.reason_name == "ScaleDownStabilized"
    assert able.message
    assert d.time == T0
    state = hpa.state
    assert state.recommendations is not None and len(state.recommendations) == 2
    assert [m.proposal for m in d.metrics] == [1, 1]
    assert d.metrics[0].value_milli == 10_000
    assert d.metrics[0].valid and d.metrics[0].error is None


def test_scale_up_commit_and_reasons(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    replicas = 2
    seen = []
    for i in range(13):
        now = T0 + 15 * i
        d = hpa.evaluate(now, uniform(replicas, 1000 / replicas, 0, now))
        assert d.error is None
        if d.rescale:
            assert d.rescale_reason() == "pods metric app_active_task_count above target"
            assert "scale up" in d.explain()
            hpa.commit(d)
            assert d.committed
            replicas = d.desired_replicas
        seen.append(replicas)
    assert seen[-1] == 10
    assert all(b - a <= 2 for a, b in zip(seen, seen[1:]))
    assert hpa.state.scale_up_events


def test_datetime_now_and_out_parameter(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    when = datetime.datetime.fromtimestamp(T0, tz=datetime.timezone.utc)
    out = agentscale.Decision()
    assert hpa.evaluate(when, uniform(3, 50, 30, T0), out=out) is None
    assert out.time == T0
    assert out.current_replicas == 3


def test_commit_failed(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    d = hpa.evaluate(T0, uniform(14, 500, 500, T0))
    assert d.path is agentscale.DecisionPath.ABOVE_MAX
    assert d.rescale_reason() == "Current number of replicas above Spec.MaxReplicas"
    hpa.commit_failed(d, "deployment is locked")
    able = hpa.state.conditions[0]
    assert able.reason is agentscale.Reason.FAILED_UPDATE_SCALE
    assert "deployment is locked" in able.message
    assert not hpa.state.scale_down_events


def test_missing_metric_holds(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    obs = agentscale.make_observation(4, {TASKS: 1.0}, T0)
    d = hpa.evaluate(T0, obs)
    assert d.desired_replicas == 4
    assert d.error is not None
    failed = [m for m in d.metrics if not m.valid]
    assert failed and failed[0].failure_reason is agentscale.Reason.FAILED_GET_PODS_METRIC


def test_month_old_samples_are_missing_not_idle(production: agentscale.AutoscalerSpec) -> None:
    # Metrics that stopped 30 days ago read as idle would scale 8 agents
    # down to the minimum; a metrics API would not serve them, so the
    # engine holds and says why.
    month_ago = T0 - 30 * 86400
    obs = uniform(8, 0.0, 0.0, month_ago)
    hpa = agentscale.HorizontalAutoscaler(production)
    d = hpa.evaluate(T0, obs)
    assert d.desired_replicas == 8 and not d.rescale
    assert d.path is agentscale.DecisionPath.METRICS_FAILED
    assert [m.stale_samples for m in d.metrics] == [8, 8]
    assert d.metrics[0].error is not None and "older than 5m" in d.metrics[0].error

    trusting = agentscale.HorizontalAutoscaler(
        production, agentscale.ControllerConfig(max_sample_age_seconds=float("inf")))
    t = trusting.evaluate(T0, obs)
    assert t.metric_replicas == 0 and t.metrics[0].stale_samples == 0
    assert agentscale.ControllerConfig().max_sample_age_seconds == 300.0


def test_nan_marks_metric_invalid(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    d = hpa.evaluate(T0, uniform(4, float("nan"), 1.0, T0))
    assert d.desired_replicas == 4
    assert not d.metrics[0].valid


def test_state_export_import_and_json(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    replicas = 2
    for i in range(20):
        now = T0 + 15 * i
        d = hpa.evaluate(now, uniform(replicas, 300 / replicas, 10, now))
        if d.rescale:
            hpa.commit(d)
            replicas = d.desired_replicas
    state = hpa.export_state()
    text = state.to_json()
    assert '"format": "agentscale.state/v1"' in text
    assert agentscale.AutoscalerState.from_json(text) == state
    assert agentscale.state_from_json(agentscale.state_to_json(state, indent=-1)) == state
    assert pickle.loads(pickle.dumps(state)) == state

    restarted = agentscale.HorizontalAutoscaler(production)
    restarted.import_state(state)
    assert restarted.state == state
    other = agentscale.HorizontalAutoscaler(production)
    other.import_state_json(hpa.state_json())
    assert other.state == state

    # The restarted engine and a pickled copy decide exactly as the original.
    clone = pickle.loads(pickle.dumps(hpa))
    copied = copy.deepcopy(hpa)
    now = T0 + 15 * 20
    obs = uniform(replicas, 20 / replicas, 1, now)
    expected = hpa.evaluate(now, obs)
    for engine in (restarted, clone, copied):
        assert engine.evaluate(now, obs) == expected


def test_engine_properties(production: agentscale.AutoscalerSpec) -> None:
    config = agentscale.ControllerConfig(tolerance=0.2)
    hpa = agentscale.HorizontalAutoscaler(production, config)
    assert hpa.spec == production
    assert hpa.config.tolerance == 0.2
    assert hpa.tolerances.scale_up == pytest.approx(0.2)
    assert "HorizontalAutoscaler(name='agents-production'" in repr(hpa)
    unvalidated = agentscale.HorizontalAutoscaler.create_unvalidated(
        agentscale.AutoscalerSpec(min_replicas=1, max_replicas=3, metrics=[agentscale.MetricSpec(type="Unknown", name="Bogus")])
    )
    d = unvalidated.evaluate(T0, agentscale.Observation(current_replicas=2))
    assert any(c.reason is agentscale.Reason.INVALID_METRIC_SOURCE_TYPE for c in d.conditions)


def test_decision_pickles_with_spec(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    d = hpa.evaluate(T0, uniform(2, 200, 10, T0))
    again = pickle.loads(pickle.dumps(d))
    assert again == d
    assert again.spec == production
    assert again.explain() == d.explain()
    assert again.rescale_reason() == d.rescale_reason()
    assert str(d) == d.explain()


def test_manifests_and_presets(seed_spec: agentscale.AutoscalerSpec) -> None:
    assert agentscale.preset_names() == ["production", "development", "high-volume", "bursty", "testing"]
    prod = agentscale.preset("production")
    assert prod.metrics == seed_spec.metrics and prod.behavior == seed_spec.behavior
    assert agentscale.preset("high-volume-predictable") == agentscale.preset("high-volume")
    text = agentscale.dump_manifest(seed_spec)
    loaded = agentscale.load_manifest_string(text, "dumped.yaml")
    assert loaded.source == "dumped.yaml"
    assert loaded.autoscalers == [seed_spec]
    both = agentscale.load_manifest_string(
        agentscale.dump_manifests([seed_spec, prod])
        + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agent\n"
    )
    assert len(both.autoscalers) == 2
    assert both.skipped[0].kind == "Deployment" and both.skipped[0].name == "agent"
