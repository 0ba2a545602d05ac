"""The status -> exception mapping, with the messages users see."""

from __future__ import annotations

import pathlib

import pytest

import agentscale

from conftest import REPO

BAD_PERIOD = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: agents
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: agents
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric:
        name: app_active_task_count
      target:
        type: AverageValue
        averageValue: "70"
  behavior:
    scaleUp:
      policies:
      - type: Pods
        value: 2
        periodSeconds: 0
"""


def test_invalid_manifest_is_value_error_with_path_and_position() -> None:
    with pytest.raises(ValueError) as info:
        agentscale.load_manifest_string(BAD_PERIOD, "hpa.yaml")
    message = str(info.value)
    assert message.startswith("hpa.yaml:25:")
    assert "spec.behavior.scaleUp.policies[0].periodSeconds" in message
    assert "1..1800" in message


def test_invalid_file_keeps_file_name(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_PERIOD)
    with pytest.raises(ValueError, match=r"bad\.yaml:25:\d+: spec\.behavior\.scaleUp"):
        agentscale.load_manifest_file(path)


def test_malformed_yaml_and_quantity() -> None:
    with pytest.raises(ValueError, match=r"<string>:\d+:\d+"):
        agentscale.load_manifest_string("a: [", "<string>")
    with pytest.raises(ValueError, match='invalid quantity "abc"'):
        agentscale.parse_quantity("abc")


def test_missing_file_is_file_not_found(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        agentscale.load_manifest_file(tmp_path / "nope.yaml")
    with pytest.raises(FileNotFoundError):
        agentscale.load_single_autoscaler(str(tmp_path / "nope.yaml"))


def test_unknown_preset_is_key_error() -> None:
    with pytest.raises(KeyError, match="unknown preset"):
        agentscale.preset("no-such-profile")


def test_invalid_spec_is_value_error_listing_every_problem() -> None:
    spec = agentscale.AutoscalerSpec(min_replicas=5, max_replicas=2)
    with pytest.raises(ValueError, match=r"spec\.maxReplicas: must be >= minReplicas \(5\), got 2"):
        agentscale.HorizontalAutoscaler(spec)
    with pytest.raises(ValueError):
        agentscale.HorizontalAutoscaler.create(spec)
    with pytest.raises(ValueError):
        agentscale.check_spec(spec)
    errors = agentscale.validate_spec(spec)
    assert errors and errors[0].path.startswith("spec.")
    agentscale.check_spec(agentscale.preset("production"))


def test_time_going_backwards_is_value_error(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    obs = agentscale.make_observation(2, {"app_active_task_count": 10.0, "app_active_request_count": 1.0}, 100.0)
    hpa.evaluate(100.0, obs)
    with pytest.raises(ValueError):
        hpa.evaluate(50.0, obs)


def test_other_failures_are_agentscale_error(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    decision = agentscale.Decision()
    with pytest.raises(agentscale.Error) as info:
        hpa.commit(decision)
    assert isinstance(info.value, RuntimeError)
    assert info.value.code != "INVALID_ARGUMENT"
    assert str(info.value)


def test_bad_state_json_is_value_error() -> None:
    with pytest.raises(ValueError, match="state JSON"):
        agentscale.state_from_json('{"format": "agentscale.state/v1", "bogus": 1}')


def test_negative_to_milli() -> None:
    with pytest.raises(ValueError):
        agentscale.to_milli(-1.0)
    with pytest.raises(ValueError):
        agentscale.MetricSpec.pods_average_value("x", float("nan"))
