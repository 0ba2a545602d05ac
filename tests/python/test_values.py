"""Value types: keyword construction, repr, equality, dict/JSON/pickle round trips, enums."""

from __future__ import annotations

import copy
import datetime
import enum
import json
import pickle
from typing import Any

import pytest

import agentscale


def sample_values() -> list[Any]:
    spec = agentscale.preset("bursty")
    hpa = agentscale.HorizontalAutoscaler(spec)
    obs = agentscale.make_observation(
        3, {"app_active_task_count": [90.0, 80.0, 70.0], "app_active_request_count": 30.0}, now=100.0
    )
    decision = hpa.evaluate(100.0, obs)
    pod = agentscale.Pod.ready("agent-0")
    pod.labels = [("app", "agent")]
    pod.containers = [agentscale.Container(name="main", requests=agentscale.ResourceList(cpu_milli=500))]
    return [
        spec,
        spec.metrics[0],
        spec.metrics[0].target,
        spec.behavior,
        agentscale.default_behavior().scale_up,
        agentscale.ScalingPolicy(type="Percent", value=100, period_seconds=15),
        agentscale.ControllerConfig(tolerance=0.05, scale_to_zero=True),
        agentscale.LabelSelector(
            match_labels={"app": "agent"},
            match_expressions=[agentscale.LabelSelectorRequirement(key="tier", op="In", values=["a"])],
        ),
        agentscale.ObjectReference(api_version="apps/v1", kind="Deployment", name="agents"),
        pod,
        agentscale.PodSample(pod="agent-0", value_milli=1500, timestamp=12.5, window_seconds=30),
        agentscale.PodResourceSample(
            pod="p", timestamp=1.0, containers=[agentscale.ContainerUsage(name="c", usage=agentscale.ResourceList(cpu_milli=3))]
        ),
        agentscale.Tolerances(scale_down=0.2, scale_up=0.05),
        agentscale.ReadinessConfig(initial_readiness_delay_seconds=10),
        agentscale.MetricReplicas(replicas=3, usage_milli=5),
        agentscale.ResourceReplicas(replicas=3, utilization=80, raw_average_milli=400),
        agentscale.Recommendation(replicas=4, timestamp=1_767_258_000.125),
        agentscale.ScaleEvent(replica_change=2, timestamp=5.0, outdated=True),
        agentscale.Limited(replicas=3, reason=agentscale.Reason.SCALE_UP_LIMIT),
        agentscale.FieldError(path="spec.maxReplicas", message="bad"),
        obs,
        obs.metrics[0],
        agentscale.SelectorCheck(
            target_selector="app=agent",
            other_autoscalers=[agentscale.OtherAutoscaler(name="x", selector=agentscale.LabelSelector())],
        ),
        decision,
        decision.metrics[0],
        decision.conditions[0],
        hpa.export_state(),
        agentscale.load_manifest_string(agentscale.dump_manifest(spec)),
        agentscale.SkippedDocument(index=1, api_version="apps/v1", kind="Deployment", name="a", line=3),
    ]


VALUES = sample_values()


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trips(value: Any) -> None:
    cls = type(value)
    assert cls.from_dict(value.to_dict()) == value
    assert cls.from_json(value.to_json()) == value
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.copy(value) == value
    assert copy.deepcopy(value) == value
    json.dumps(value.to_dict()) if cls is not agentscale.AutoscalerState else None
    assert repr(value).startswith(cls.__name__ + "(")
    assert value != object()
    with pytest.raises(TypeError):
        hash(value)


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_keyword_construction_from_dict(value: Any) -> None:
    cls = type(value)
    assert cls(**value.to_dict()) == value
    with pytest.raises(TypeError, match="unknown field 'no_such_field'"):
        cls(no_such_field=1)


def test_defaults_and_mutation_through_references() -> None:
    spec = agentscale.preset("production")
    assert spec.behavior is not None
    spec.behavior.scale_up.stabilization_window_seconds = 5
    spec.behavior.scale_down.select_policy = "Max"  # type: ignore[assignment]  # spelling accepted
    assert spec.behavior.scale_up.stabilization_window_seconds == 5.0
    assert spec.behavior.scale_down.select_policy is agentscale.SelectPolicy.MAX
    spec.metrics[0].target.average_value_milli = 1  # metrics is a copy (a list)
    assert spec.metrics[0].target.average_value_milli == 70_000
    metrics = spec.metrics
    metrics[0].target.average_value_milli = 1
    spec.metrics = metrics
    assert spec.metrics[0].target.average_value_milli == 1
    spec.behavior = None
    assert spec.behavior is None


def test_repr_is_readable() -> None:
    policy = agentscale.ScalingPolicy(type=agentscale.PolicyType.PODS, value=2, period_seconds=30)
    assert repr(policy) == "ScalingPolicy(type=<PolicyType.PODS: 0>, value=2, period_seconds=30.0)"


def test_to_dict_uses_kubernetes_spellings() -> None:
    d = agentscale.preset("production").to_dict()
    assert d["metrics"][0]["type"] == "Pods"
    assert d["metrics"][0]["target"]["type"] == "AverageValue"
    assert d["behavior"]["scale_down"]["select_policy"] == "Min"
    assert d["behavior"]["scale_up"]["policies"][0] == {"type": "Pods", "value": 2, "period_seconds": 30.0}


def test_field_type_errors() -> None:
    with pytest.raises(TypeError, match="ScalingPolicy.value"):
        agentscale.ScalingPolicy(value="two")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='unknown PolicyType "Bogus"'):
        agentscale.ScalingPolicy(type="Bogus")
    with pytest.raises(TypeError):
        agentscale.ScaleEvent(outdated=1)  # type: ignore[arg-type]


ENUMS = [
    agentscale.MetricSourceType,
    agentscale.MetricTargetType,
    agentscale.ResourceName,
    agentscale.PolicyType,
    agentscale.SelectPolicy,
    agentscale.PodPhase,
    agentscale.ConditionStatus,
    agentscale.ConditionType,
    agentscale.Reason,
    agentscale.PodGroup,
    agentscale.SelectorOp,
    agentscale.DecisionPath,
]


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_enums(cls: Any) -> None:
    assert issubclass(cls, enum.Enum)
    for member in cls:
        assert cls.from_kubernetes_name(member.kubernetes_name) is member
        assert cls.from_kubernetes_name(member.name) is member
        assert pickle.loads(pickle.dumps(member)) is member
    with pytest.raises(ValueError):
        cls.from_kubernetes_name("no such thing")


def test_enum_spellings() -> None:
    assert agentscale.Reason.SCALE_DOWN_STABILIZED.kubernetes_name == "ScaleDownStabilized"
    assert agentscale.MetricSourceType.CONTAINER_RESOURCE.kubernetes_name == "ContainerResource"
    assert agentscale.DecisionPath.ABOVE_MAX.kubernetes_name == "above-max"
    assert agentscale.ResourceName.CPU.kubernetes_name == "cpu"
    assert agentscale.Reason(agentscale.Reason.SCALE_UP_LIMIT.value) is agentscale.Reason.SCALE_UP_LIMIT


def test_times_accept_datetime_and_round_to_microseconds() -> None:
    when = datetime.datetime(2026, 1, 1, 9, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    rec = agentscale.Recommendation(replicas=1, timestamp=when)
    assert rec.timestamp == when.timestamp()
    naive = agentscale.Recommendation(replicas=1, timestamp=when.replace(tzinfo=None))
    assert naive == rec
    assert agentscale.Recommendation(replicas=1, timestamp=rec.timestamp) == rec
    policy = agentscale.ScalingPolicy(period_seconds=datetime.timedelta(minutes=1))
    assert policy.period_seconds == 60.0
    assert agentscale.go_zero_time() == -62135596800.0
    with pytest.raises(ValueError):
        agentscale.Recommendation(timestamp=float("nan"))
    with pytest.raises(TypeError):
        agentscale.Recommendation(timestamp="yesterday")  # type: ignore[arg-type]


def test_labels_accept_mapping() -> None:
    pod = agentscale.Pod(name="p", labels={"app": "agent"})
    assert pod.labels == [("app", "agent")]


def test_version() -> None:
    assert agentscale.__version__.count(".") == 2
