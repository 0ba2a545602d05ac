"""The AWS Application Auto Scaling family in Python: the JSON loader, the
Terraform mapping, the policy in simulate()/compare(), and the CLI."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import pytest

import agentscale
from agentscale import cli
from conftest import EXAMPLES, REPO

ECS_TF = EXAMPLES / "ecs.tf"
ECS_JSON = REPO / "tests" / "data" / "aws" / "ecs_agents.json"


def seed_requests() -> dict[str, Any]:
    """The seed's target and its CPU policy, as AWS API request bodies."""
    return {
        "RegisterScalableTarget": {
            "ServiceNamespace": "ecs",
            "ResourceId": "service/agents/agent-worker",
            "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 2,
            "MaxCapacity": 10,
        },
        "PutScalingPolicy": [{
            "PolicyName": "cpu",
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        }],
    }


# --- the JSON loader ---------------------------------------------------------


def test_load_aws_string_round_trip() -> None:
    spec = agentscale.load_aws_string(json.dumps(seed_requests()), "seed.json")
    assert (spec.min_capacity, spec.max_capacity) == (2, 10)
    assert spec.resource_id == "service/agents/agent-worker"
    assert spec.name == spec.resource_id
    (cpu,) = spec.target_tracking
    assert cpu.name == "cpu" and cpu.target_value == 70.0
    assert cpu.metric.label == "ECSServiceAverageCPUUtilization"
    assert (cpu.scale_out_cooldown, cpu.scale_in_cooldown) == (60.0, 300.0)
    assert not cpu.disable_scale_in
    # The value types round-trip through their dict and JSON forms.
    assert agentscale.ScalableTargetSpec.from_dict(spec.to_dict()) == spec
    assert agentscale.ScalableTargetSpec.from_json(spec.to_json()) == spec
    agentscale.validate_aws(spec)
    policy = agentscale.ScalableTargetPolicy(spec)
    assert policy.family() == "aws"
    assert policy.spec == spec
    assert [m.name for m in policy.metrics()] == ["cpu"]


def test_load_aws_file_example() -> None:
    spec = agentscale.load_aws_file(ECS_JSON)
    assert (spec.min_capacity, spec.max_capacity) == (2, 10)
    assert len(spec.target_tracking) >= 2
    assert spec.step_scaling and spec.scheduled_actions
    step = spec.step_scaling[0]
    assert isinstance(step.adjustment_type, agentscale.AdjustmentType)
    assert isinstance(step.alarm.comparison, agentscale.ComparisonOperator)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda r: r["RegisterScalableTarget"].pop("MaxCapacity"),
         "RegisterScalableTarget.MaxCapacity"),
        (lambda r: r["PutScalingPolicy"][0]["TargetTrackingScalingPolicyConfiguration"]
         ["PredefinedMetricSpecification"].update(PredefinedMetricType="ECSServiceAverageGPUUtilization"),
         "unknown predefined metric type \"ECSServiceAverageGPUUtilization\""),
        (lambda r: r["RegisterScalableTarget"].update(MinCapacity=12),
         "MinCapacity 12 is above MaxCapacity 10"),
    ],
    ids=["missing-field", "unknown-predefined-metric", "min-above-max"],
)
def test_load_aws_bad_input(mutate: Any, expected: str) -> None:
    requests = seed_requests()
    mutate(requests)
    with pytest.raises(ValueError) as e:
        agentscale.load_aws_string(json.dumps(requests, indent=1), "bad.json")
    text = str(e.value)
    assert text.startswith("bad.json:"), text
    assert expected in text, text
    assert "\n" not in text.strip()


def test_policy_refuses_invalid_spec() -> None:
    spec = agentscale.load_aws_string(json.dumps(seed_requests()))
    spec.min_capacity = 11
    with pytest.raises(ValueError, match="MinCapacity 11 is above MaxCapacity 10"):
        agentscale.ScalableTargetPolicy(spec)


# --- Terraform ---------------------------------------------------------------


def test_terraform_seed_block() -> None:
    pytest.importorskip("hcl2")
    tf = agentscale.aws_from_terraform(ECS_TF)
    spec = tf.spec
    assert (spec.min_capacity, spec.max_capacity) == (2, 10)
    assert spec.service_namespace == "ecs"
    assert spec.scalable_dimension == "ecs:service:DesiredCount"
    # The cluster and the service are not in the file: kept as text, with a warning each.
    assert spec.resource_id == "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.main.name}"
    assert any("aws_ecs_cluster.main.name" in w for w in tf.warnings)
    assert all(w.startswith(f"{ECS_TF}:2: aws_appautoscaling_target.matillion_agent: resource_id")
               for w in tf.warnings), tf.warnings
    policies = {p.name: p for p in spec.target_tracking}
    assert set(policies) == {"matillion-agent-cpu-scaling", "matillion-agent-memory-scaling"}
    cpu, mem = policies["matillion-agent-cpu-scaling"], policies["matillion-agent-memory-scaling"]
    assert (cpu.metric.label, cpu.target_value) == ("ECSServiceAverageCPUUtilization", 70.0)
    assert (mem.metric.label, mem.target_value) == ("ECSServiceAverageMemoryUtilization", 80.0)
    for p in (cpu, mem):
        assert (p.scale_in_cooldown, p.scale_out_cooldown) == (300.0, 60.0)
    # The policies' references to the target resolve to the target's fields.
    for body in tf.requests["PutScalingPolicy"]:
        assert body["ResourceId"] == spec.resource_id
        assert body["ServiceNamespace"] == "ecs"


STEP_TF = """
variable "cluster" {}

resource "aws_appautoscaling_target" "t" {
  service_namespace  = "ecs"
  resource_id        = "service/agents/worker"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 8
}

resource "aws_appautoscaling_policy" "up" {
  name               = "queue-up"
  policy_type        = "StepScaling"
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  service_namespace  = aws_appautoscaling_target.t.service_namespace

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Average"
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = 50
      scaling_adjustment          = 1
    }
    step_adjustment {
      metric_interval_lower_bound = 50
      scaling_adjustment          = 3
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "high" {
  alarm_name          = "queue-high"
  namespace           = "Agents"
  metric_name         = "agent_queue_depth"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 2
  threshold           = 100
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = [aws_appautoscaling_policy.up.arn]
}

resource "aws_appautoscaling_scheduled_action" "night" {
  name               = "night"
  service_namespace  = aws_appautoscaling_target.t.service_namespace
  resource_id        = aws_appautoscaling_target.t.resource_id
  scalable_dimension = aws_appautoscaling_target.t.scalable_dimension
  schedule           = "cron(0 22 * * ? *)"
  timezone           = "Europe/Berlin"
  scalable_target_action {
    min_capacity = 1
    max_capacity = 2
  }
}
"""


def test_terraform_step_alarm_and_schedule() -> None:
    pytest.importorskip("hcl2")
    tf = agentscale.aws_from_terraform(STEP_TF)
    assert tf.warnings == []
    spec = tf.spec
    (step,) = spec.step_scaling
    assert step.name == "queue-up" and step.cooldown == 120.0
    assert [(s.lower, s.upper, s.scaling_adjustment) for s in step.steps] == [(0.0, 50.0, 1), (50.0, None, 3)]
    assert step.alarm.name == "queue-high" and step.alarm.threshold == 100.0
    assert step.alarm.evaluation_periods == 2
    (night,) = spec.scheduled_actions
    assert (night.schedule, night.timezone, night.min_capacity, night.max_capacity) == (
        "cron(0 22 * * ? *)", "Europe/Berlin", 1, 2)


def test_terraform_dotted_string_is_not_a_reference() -> None:
    pytest.importorskip("hcl2")
    text = STEP_TF.replace('"agent_queue_depth"', '"agents.queue_depth"')
    tf = agentscale.aws_from_terraform(text)
    assert tf.warnings == []
    assert tf.spec.step_scaling[0].alarm.metric.label == "agents.queue_depth"
    # A variable is a reference: kept as text, with a warning.
    text = STEP_TF.replace('"service/agents/worker"', "var.cluster")
    tf = agentscale.aws_from_terraform(text)
    assert tf.spec.resource_id == "${var.cluster}"
    assert tf.warnings == ["<terraform>:4: aws_appautoscaling_target.t: resource_id: var.cluster is not a "
                           "resource of this file; kept as the text '${var.cluster}'"]


def test_terraform_errors_name_file_resource_field(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("hcl2")
    path = tmp_path / "bad.tf"
    path.write_text(ECS_TF.read_text().replace("    target_value       = 70.0\n", ""))
    with pytest.raises(ValueError) as e:
        agentscale.aws_from_terraform(path)
    text = str(e.value)
    assert text.startswith(f"{path}:")
    assert "aws_appautoscaling_policy.cpu_scaling" in text
    assert "target_tracking_scaling_policy_configuration.target_value: missing" in text
    # Validation stays in C++: its error names the request and field.
    path.write_text(ECS_TF.read_text().replace('"ECSServiceAverageCPUUtilization"', '"ECSServiceAverageGPUUtilization"'))
    with pytest.raises(ValueError, match="PredefinedMetricType: unknown predefined metric type"):
        agentscale.aws_from_terraform(path)
    path.write_text("resource \"aws_appautoscaling_target\" \"t\" {\n  min_capacity = \n}\n")
    with pytest.raises(ValueError, match="not valid HCL2"):
        agentscale.aws_from_terraform(path)


def test_terraform_without_hcl2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "hcl2", None)
    with pytest.raises(ImportError, match=r"agentscale\[aws\]"):
        agentscale.aws_from_terraform(ECS_TF)


# --- simulate / compare --------------------------------------------------------


def test_simulate_seed_ecs_fluid() -> None:
    pytest.importorskip("hcl2")
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 7 * 86400)
    run = agentscale.simulate(str(ECS_TF), trace, model="fluid")
    assert isinstance(run.result, agentscale.FluidResult)
    assert sorted(run.result.driven_metrics) == ["cpu", "memory"]
    s = run.summary
    assert s.peak_replicas == 3
    assert s.scale_ups > 0 and s.scale_downs > 0
    assert run.to_dict()["spec_kind"] == "ScalableTarget"


def test_compare_json_with_hpa() -> None:
    spec = agentscale.load_aws_file(ECS_JSON)
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 86400)
    cmp = agentscale.compare([("hpa", "production"), ("ecs", spec)], trace, model="fluid",
                             metric=None)
    assert cmp.labels == ["hpa", "ecs"]


# --- CLI -------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_compare_ecs_tf_with_seed_hpa(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hcl2")
    code, out, err = run_cli(capsys, "compare", str(ECS_TF), "production", "--model", "fluid", "--quiet")
    assert code == 0, err
    assert "ecs" in out and "production" in out
    assert "replica-hours" in out
    assert "warning: " in err and "aws_ecs_cluster.main.name" in err


def test_cli_simulate_aws_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "simulate", str(ECS_JSON), "--model", "fluid", "--json", "--quiet")
    assert code == 0, err
    d = json.loads(out)
    assert d["spec_kind"] == "ScalableTarget"


def test_cli_lint_aws(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("hcl2")
    code, out, _ = run_cli(capsys, "lint", str(ECS_JSON))
    assert code == 0 and "no findings" in out
    code, out, _ = run_cli(capsys, "lint", str(ECS_TF))
    assert code == 0 and "terraform-reference" in out


def test_cli_explain_aws(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    obs = tmp_path / "obs.json"
    obs.write_text(json.dumps({"time": 1767258000.0, "current_replicas": 3,
                               "metrics": {"cpu": 90, "memory": 50}}))
    code, out, err = run_cli(capsys, "explain", str(ECS_TF), "--observation", str(obs))
    assert code == 0, err
    assert out.startswith("3 -> 3 (hold): aws: no alarm in ALARM")
    cpu = next(line for line in out.splitlines() if line.strip().startswith("cpu resource"))
    assert cpu.split()[-3:] == ["90", "0", "yes"]


def test_cli_bad_file_exit_2_one_line(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.json"
    requests = seed_requests()
    requests["RegisterScalableTarget"]["MinCapacity"] = 12
    bad.write_text(json.dumps(requests, indent=1))
    bad_tf = tmp_path / "bad.tf"
    bad_tf.write_text(ECS_TF.read_text().replace("  min_capacity       = 2\n", ""))
    proc = subprocess.run([sys.executable, "-m", "agentscale", "compare", str(bad_tf), "production"],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"agentscale compare: error: {bad_tf}:2: aws_appautoscaling_target.matillion_agent: min_capacity: missing"]
    for command in (["simulate", str(bad)], ["lint", str(bad)]):
        proc = subprocess.run([sys.executable, "-m", "agentscale", *command],
                              capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"{bad}:" in lines[0] and "MinCapacity 12 is above MaxCapacity 10" in lines[0]


def test_cli_replay_an_aws_target(capsys: pytest.CaptureFixture[str]) -> None:
    """replay takes an AWS target: one trace drives every metric its policies
    read, the same run as simulate --model fluid."""
    code, out, err = run_cli(capsys, "replay", str(ECS_JSON), "--json")
    assert code == 0, err
    replayed = json.loads(out)
    assert replayed["kind"] == "ScalableTarget"
    code, out, err = run_cli(capsys, "simulate", str(ECS_JSON), "--model", "fluid", "--json", "-q")
    assert code == 0, err
    simulated = json.loads(out)["summary"]
    assert replayed["summary"]["cost"] == pytest.approx(simulated["cost"])
    assert replayed["summary"]["scale_ups"] == simulated["scale_ups"]
    code, out, err = run_cli(capsys, "replay", str(ECS_JSON))
    assert code == 0, err
    assert "scale events" in out
    code, out, err = run_cli(capsys, "replay", str(ECS_JSON), "--metric", "cpu")
    assert code == 2 and "--metric" in err
