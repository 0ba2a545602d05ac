"""The hpa/ layer bound one to one: quantities, specs, calculator, normalization, selectors."""

from __future__ import annotations

import pytest

import agentscale

T0 = 1_767_258_000.0


@pytest.mark.parametrize(
    ("text", "milli"),
    [("70", 70_000), ("500m", 500), ("1.5k", 1_500_000), ("2Ki", 2_048_000), ("1e3", 1_000_000), ("0.0001", 1)],
)
def test_parse_quantity(text: str, milli: int) -> None:
    assert agentscale.parse_quantity(text) == milli
    assert agentscale.parse_quantity(agentscale.format_milli(milli)) == milli


def test_quantity_helpers() -> None:
    assert agentscale.format_milli(70_000) == "70"
    assert agentscale.format_milli(500) == "500m"
    assert agentscale.parse_quantity_float("0.05") == 0.05
    assert agentscale.format_quantity(0.05) == "0.05"
    assert agentscale.quantity_to_float(1500) == 1.5
    assert agentscale.to_milli(0.0001) == 1
    assert agentscale.milli("500m") == 500
    assert agentscale.milli(70) == 70_000


def test_metric_spec_factories() -> None:
    m = agentscale.MetricSpec.pods_average_value("tasks", 70)
    assert m.type is agentscale.MetricSourceType.PODS
    assert m.target.type is agentscale.MetricTargetType.AVERAGE_VALUE
    assert m.target.average_value_milli == 70_000
    assert m.describe() == "pods metric tasks"
    assert agentscale.MetricSpec.pods_average_value("tasks", "500m").target.average_value_milli == 500
    cpu = agentscale.MetricSpec.resource_utilization("cpu", 80)
    assert cpu.target.average_utilization == 80 and cpu.resource is agentscale.ResourceName.CPU
    assert agentscale.MetricSpec.resource_average_value("memory", "1Gi").resource is agentscale.ResourceName.MEMORY
    obj = agentscale.MetricSpec.object_value(agentscale.ObjectReference(kind="Service", name="s"), "qps", 10)
    assert obj.target.value_milli == 10_000
    assert agentscale.MetricSpec.external_value("queue", 5).type is agentscale.MetricSourceType.EXTERNAL
    assert agentscale.MetricSpec.external_average_value("queue", 5).target.average_value_milli == 5000


def test_default_behavior() -> None:
    b = agentscale.default_behavior()
    assert b.scale_up == agentscale.default_scale_up_rules()
    assert b.scale_down == agentscale.default_scale_down_rules()
    assert b.scale_up.stabilization_window_seconds == 0.0
    assert b.scale_down.stabilization_window_seconds is None
    assert [(p.type, p.value, p.period_seconds) for p in b.scale_up.policies] == [
        (agentscale.PolicyType.PODS, 4, 15.0),
        (agentscale.PolicyType.PERCENT, 100, 15.0),
    ]


def test_pod_ready() -> None:
    pod = agentscale.Pod.ready("agent-0")
    assert pod.phase is agentscale.PodPhase.RUNNING
    assert pod.ready_condition is not None
    assert pod.ready_condition.status is agentscale.ConditionStatus.TRUE
    assert pod.start_time == agentscale.go_zero_time()


def test_replica_calculator() -> None:
    calc = agentscale.ReplicaCalculator()
    pods = [agentscale.Pod.ready(f"p{i}") for i in range(3)]
    samples = [agentscale.PodSample(pod=f"p{i}", value_milli=93_000, timestamp=T0) for i in range(3)]
    r = calc.average_value(3, 70_000, None, agentscale.Tolerances(), pods, samples, T0)
    assert (r.replicas, r.usage_milli) == (4, 93_000)
    groups, ready = calc.group_pods(pods, samples[:2], None, T0)
    assert ready == 2
    assert groups == [agentscale.PodGroup.READY, agentscale.PodGroup.READY, agentscale.PodGroup.MISSING]
    with pytest.raises(agentscale.Error, match="no pods returned by selector"):
        calc.average_value(3, 70_000, None, agentscale.Tolerances(), [], [], T0)
    ext = agentscale.ReplicaCalculator.external_average_value(2, 10_000, [30_000, 10_000], agentscale.Tolerances())
    assert ext.replicas == 4
    obj = agentscale.ReplicaCalculator.object_average_value(2, 10_000, 40_000, agentscale.Tolerances())
    assert obj.replicas == 4
    assert agentscale.per_pod_usage(10, 3) == 4
    assert agentscale.sum_external_values([1, 2]) == 3
    assert agentscale.ceil_to_int32(2.1) == 3
    assert agentscale.Tolerances().is_within(1.05)


def test_resource_utilization() -> None:
    calc = agentscale.ReplicaCalculator()
    pods = []
    for i in range(2):
        pod = agentscale.Pod.ready(f"p{i}")
        pod.containers = [agentscale.Container(name="c", requests=agentscale.ResourceList(cpu_milli=1000))]
        pods.append(pod)
    usage = [
        agentscale.PodResourceSample(
            pod=f"p{i}", timestamp=T0, containers=[agentscale.ContainerUsage(name="c", usage=agentscale.ResourceList(cpu_milli=1600))]
        )
        for i in range(2)
    ]
    samples = agentscale.sum_resource_samples(agentscale.ResourceName.CPU, "", usage)
    assert [s.value_milli for s in samples] == [1600, 1600]
    assert agentscale.ReplicaCalculator.calculate_requests(pods, agentscale.ResourceName.CPU) == [1000, 1000]
    r = calc.resource_utilization(2, 80, agentscale.ResourceName.CPU, "", agentscale.Tolerances(), pods, samples, T0)
    assert (r.replicas, r.utilization) == (4, 160)


def test_normalization_functions() -> None:
    replicas, history = agentscale.stabilize_with_behavior(T0, 0, 300, 10, 8, [])
    assert replicas == 10 or replicas == 8
    assert history[-1].replicas == 8
    r2, history2 = agentscale.stabilize_legacy(T0 + 15, 300, 3, history)
    assert r2 == 8 and len(history2) == 2
    limited = agentscale.convert_with_legacy_rules(2, 20, 1, 10)
    assert limited.replicas == 4 and limited.reason is agentscale.Reason.SCALE_UP_LIMIT
    rules = agentscale.preset("production").behavior
    assert rules is not None
    events = agentscale.store_scale_event(T0, rules.scale_up, 2, 4, [])
    assert events[0].replica_change == 2
    assert agentscale.replicas_change_in_period(T0 + 10, 30, events) == 2
    assert agentscale.scale_up_limit(T0 + 10, 4, events, [], rules.scale_up) == 4
    # Kubernetes counts the period's scale-up against the scale-down limit.
    assert agentscale.scale_down_limit(T0 + 10, 4, events, [], rules.scale_down) == 1
    out = agentscale.convert_with_behavior_rate(T0 + 10, 4, 9, 2, 10, rules.scale_up, rules.scale_down, events, [])
    assert out.replicas == 4 and out.reason is agentscale.Reason.SCALE_UP_LIMIT


def test_selector() -> None:
    s = agentscale.Selector.parse("app=agent,tier in (a,b)")
    assert s.matches({"app": "agent", "tier": "a"})
    assert not s.matches([("app", "agent"), ("tier", "c")])
    assert [r.op for r in s.requirements] == [agentscale.SelectorOp.EQUALS, agentscale.SelectorOp.IN]
    assert "SelectorRequirement(key='app'" in repr(s)
    assert agentscale.Selector.parse("").empty()
    with pytest.raises(ValueError):
        agentscale.Selector.parse("a in (")
    ls = agentscale.LabelSelector(match_labels={"app": "agent"})
    assert agentscale.Selector.from_label_selector(ls).matches({"app": "agent"})
    assert not ls.empty()


def test_selector_check_in_engine() -> None:
    hpa = agentscale.HorizontalAutoscaler(agentscale.preset("production"))
    obs = agentscale.make_observation(2, {"app_active_task_count": 1, "app_active_request_count": 1}, T0)
    obs.selector = agentscale.SelectorCheck(target_selector="")
    d = hpa.evaluate(T0, obs)
    assert d.path is agentscale.DecisionPath.SELECTOR_INVALID
