"""The policy seam from Python: a policy written here runs through every driver."""

from __future__ import annotations

import json
from typing import Optional

import pytest

import agentscale

QUEUE = "agent_queue_depth"


class FixedStep(agentscale.Policy):
    """One replica up while the queue is above `threshold`, one down while it is
    empty, at most once per `cooldown` seconds."""

    def __init__(self, threshold: float = 10, lo: int = 1, hi: int = 6, cooldown: float = 60) -> None:
        super().__init__()
        self.threshold = threshold
        self.lo = lo
        self.hi = hi
        self.cooldown = cooldown
        self.last_step: Optional[float] = None
        self.pending: Optional[float] = None
        self.spec = agentscale.AutoscalerSpec(
            min_replicas=lo,
            max_replicas=hi,
            metrics=[
                agentscale.MetricSpec(
                    type="External", name=QUEUE, target=agentscale.MetricTarget(type="Value", value_milli=int(threshold * 1000))
                )
            ],
        )

    def family(self) -> str:
        return "fixed-step"

    def min_replicas(self) -> int:
        return self.lo

    def max_replicas(self) -> int:
        return self.hi

    def metrics(self) -> list[agentscale.MetricSpec]:
        return list(self.spec.metrics)

    def decide(self, now: float, observation: agentscale.Observation) -> agentscale.Decision:  # type: ignore[override]
        (m,) = observation.metrics
        total = sum(m.external_values_milli) + sum(s.value_milli for s in m.pod_samples)
        current = observation.current_replicas
        proposal = current
        if total > self.threshold * 1000:
            proposal = current + 1
        elif total == 0:
            proposal = current - 1
        proposal = max(self.lo, min(self.hi, proposal))
        desired = proposal
        if self.last_step is not None and now - self.last_step < self.cooldown:
            desired = current
        self.pending = now if desired != current else None
        return agentscale.Decision(
            time=now,
            current_replicas=current,
            desired_replicas=desired,
            rescale=desired != current,
            status_desired_replicas=desired,
            metric_replicas=proposal,
            winning_metric=0,
            stabilized_replicas=desired,
            limit_reason="DesiredWithinRange",
            metrics=[
                agentscale.MetricResult(
                    spec_index=0, type="External", valid=True, proposal=proposal, value_milli=total
                )
            ],
            spec=self.spec,
        )

    def commit(self, decision: agentscale.Decision) -> None:
        if self.pending is None or decision.time != self.pending:
            raise ValueError("not the pending decision")
        self.last_step = decision.time
        self.pending = None

    def state_json(self) -> str:
        return json.dumps({"last_step": self.last_step})

    def import_state_json(self, text: str) -> None:
        self.last_step = json.loads(text).get("last_step")


def test_evaluate_series_runs_a_python_policy() -> None:
    p = FixedStep()
    times = [1_000_000.0 + 15 * i for i in range(40)]
    values = [50.0 if i < 20 else 0.0 for i in range(40)]
    r = agentscale.evaluate_series(p, times, {QUEUE: values})
    desired = list(r.desired_replicas)
    assert desired[0] == 2 and desired[1] == 2  # cooldown holds the second step
    assert max(desired) == 6
    assert desired[-1] == 1
    assert r.metric_names == [QUEUE]


def test_fluid_replay_runs_a_python_policy() -> None:
    p = FixedStep()
    demand = agentscale.step_trace(0, 100, 600, 1800, 60)
    r = agentscale.fluid_replay(p, demand)
    assert r.driven_metrics == [QUEUE]
    assert int(r.replicas[10]) == 1
    assert int(r.replicas[-1]) == 6
    assert r.scale_ups == 5


def test_agent_model_runs_a_python_policy() -> None:
    p = FixedStep(hi=8)
    trace = agentscale.constant_trace(40, 1800, 60)
    opt = agentscale.AgentModelOptions(slots=2, service="fixed", service_seconds=120, startup_delay_seconds=30)
    r = agentscale.run_agent_model(p, trace, opt)
    assert r.metric_names == [QUEUE]
    assert int(max(r.desired_replicas)) == 8
    assert r.tasks_arrived == r.tasks_completed + r.tasks_queued_at_end + r.tasks_running_at_end + r.tasks_lost


def test_explain_and_policy_state() -> None:
    p = FixedStep()
    obs = agentscale.Observation(current_replicas=2)
    obs.add_metric(QUEUE).add_external_value(30)
    d = p.decide(2_000_000.0, obs)
    assert d.explain() == "2 -> 3 (scale up): external metric agent_queue_depth() 30/10 proposes 3"
    p.commit(d)
    doc = json.loads(p.policy_state_json())
    assert doc["format"] == "agentscale.policy-state/v1"
    assert doc["family"] == "fixed-step"
    assert doc["state"] == {"last_step": 2_000_000.0}
    fresh = FixedStep()
    fresh.import_policy_state_json(p.policy_state_json())
    assert fresh.last_step == 2_000_000.0
    with pytest.raises(ValueError, match="hpa"):
        fresh.import_policy_state_json(json.dumps({**doc, "family": "hpa"}))


def test_hpa_is_a_policy(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    assert isinstance(hpa, agentscale.Policy)
    assert hpa.family() == "hpa"
    assert (hpa.min_replicas(), hpa.max_replicas()) == (2, 10)
    assert [m.name for m in hpa.metrics()] == ["app_active_task_count", "app_active_request_count"]
    trace = agentscale.constant_trace(150, 3600, 60)
    by_spec = agentscale.fluid_replay(production, trace)
    by_policy = agentscale.fluid_replay(hpa, trace)
    assert list(by_spec.replicas) == list(by_policy.replicas)
    doc = json.loads(hpa.policy_state_json())
    assert doc["family"] == "hpa"
    assert doc["state"]["format"] == "agentscale.state/v1"


def test_a_failing_python_policy_is_an_error() -> None:
    class Broken(FixedStep):
        def decide(self, now: float, observation: agentscale.Observation) -> agentscale.Decision:  # type: ignore[override]
            raise RuntimeError("boom")

    with pytest.raises(ValueError, match="Policy.decide\\(\\) raised.*boom"):
        agentscale.evaluate_series(Broken(), [1.0, 2.0], {QUEUE: [1.0, 2.0]})


class SlowFixedStep(FixedStep):
    """FixedStep asking to be synced every minute."""

    def sync_period_seconds(self) -> Optional[float]:
        return 60.0


def test_a_python_policy_sets_its_sync_period() -> None:
    demand = agentscale.Trace(time_seconds=[0.0, 3600.0], values=[0.0, 0.0])
    assert len(agentscale.fluid_replay(FixedStep(), demand).time_seconds) == 241
    r = agentscale.fluid_replay(SlowFixedStep(), demand)
    assert r.period_seconds == 60.0
    assert len(r.time_seconds) == 61
