"""`agentscale lint` on what the seed's troubleshooting and alerting sections
name: its HPA manifest, its alert rules, manifests that trip the new rules,
and files that do not load (--json stays JSON)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

import agentscale
from agentscale import cli

ROOT = pathlib.Path(__file__).parents[2]
SEED_ALERTS = ROOT / "tests" / "data" / "alerts" / "seed_alerts.yml"
SEED_HPA = ROOT / "examples" / "hpa.yaml"  # the seed's production autoscaler
SEED_EXPR = "increase(kube_hpa_status_desired_replicas[5m]) > 3"

HEAD = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: agents
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agent}
  minReplicas: 2
  maxReplicas: 10
"""
TASKS_71 = """\
  metrics:
  - type: Pods
    pods:
      metric: {name: app_active_task_count}
      target: {type: AverageValue, averageValue: "71"}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, "lint", "--json", *argv)
    assert "Traceback" not in err
    return code, json.loads(out)


def write(tmp_path: pathlib.Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def rules_of(d: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["rule"], f["field"]) for f in d["findings"]]


# --- --json is always JSON ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        # The seed's scale-up policy with a zero period: the loader's message.
        ("bad_period.yaml", HEAD + TASKS_71 + "  behavior:\n    scaleUp:\n      policies:\n"
         "      - {type: Pods, value: 2, periodSeconds: 0}\n",
         ":17:47: spec.behavior.scaleUp.policies[0].periodSeconds"),
        ("broken.yaml", HEAD + "  metrics: [\n", ":10:1: invalid YAML"),
        ("rules.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    for: 2m\n",
         ":4:5: groups[0].rules[0].expr: is required"),
        ("unknown.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    severity: x\n",
         ":6:5: groups[0].rules[0].severity: unknown field"),
    ],
)
def test_json_on_a_file_that_does_not_load(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, name: str, text: str, where: str
) -> None:
    path = write(tmp_path, name, text)
    code, d = run_json(capsys, path)
    assert code == cli.EXIT_USAGE
    assert set(d) == {"file", "error"} and d["file"] == path
    assert d["error"].startswith(path + where), d["error"]
    # Without --json the same message goes to stderr, as before.
    code, out, err = run(capsys, "lint", path)
    assert code == cli.EXIT_USAGE and out == "" and path + where in err


def test_json_on_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    code, d = run_json(capsys, missing)
    assert code == cli.EXIT_USAGE and "missing.yaml" in d["error"]


def test_bad_flag_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--metrics-window", "--startup-delay"):
        code, _, err = run(capsys, "lint", str(SEED_HPA), flag, "-5m")
        assert code == cli.EXIT_USAGE and flag in err


# --- the seed's alert rules ----------------------------------------------------


def test_the_seeds_alert_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, d = run_json(capsys, str(SEED_ALERTS))
    assert code == cli.EXIT_FINDINGS
    assert d["kind"] == "prometheus-rules"
    assert d["rules"] == ["AgentScalingTooFrequent", "AgentMaxReplicasReached"]
    [f] = d["findings"]
    assert f["rule"] == "counter-function-on-gauge"
    assert f["autoscaler"] == "AgentScalingTooFrequent"
    assert f["field"] == "groups[0].rules[0].expr"
    # The line and column of "increase(" in the file.
    lines = SEED_ALERTS.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "increase(" in text)
    assert f["location"] == f"{SEED_ALERTS}:{line}:{lines[line - 1].index('increase(') + 1}"
    corrected = agentscale.count_changes_instead(SEED_EXPR)
    assert corrected == "changes(kube_hpa_status_desired_replicas[5m]) > 3"
    assert corrected in f["message"] and "counter reset" in f["message"]


def test_the_correction_is_the_rule_the_summary_evaluates() -> None:
    trace = agentscale.diurnal_trace(400, 350, 3600, 3600, 60)
    summary = agentscale.fluid_replay(agentscale.preset("production"), trace).summary
    written = summary.scaling_too_frequent.expr.removesuffix(" for 2m")
    meant = summary.scaling_too_frequent_changes.expr.removesuffix(" for 2m")
    # The summary names the series desired_replicas; kube-state-metrics
    # exports it under either name.
    for series in ("kube_hpa_status_desired_replicas",
                   "kube_horizontalpodautoscaler_status_desired_replicas"):
        assert agentscale.count_changes_instead(written.replace("desired_replicas", series)) == \
            meant.replace("desired_replicas", series)


def test_the_projects_own_alert_rules_pass_lint(capsys: pytest.CaptureFixture[str]) -> None:
    # examples/alerts.yml is AlertRulesYaml()'s output (the C++ metrics tests
    # keep it so); its AgentScalingTooFrequent is the corrected rule.
    path = ROOT / "examples" / "alerts.yml"
    assert path.read_text() == agentscale.alert_rules_yaml()
    code, d = run_json(capsys, str(path))
    assert code == cli.EXIT_OK, d
    assert d["kind"] == "prometheus-rules"
    assert d["rules"] == ["AgentScalingTooFrequent", "AgentMaxReplicasReached"]
    assert "counter-function-on-gauge" not in {f["rule"] for f in d["findings"]}
    assert d["findings"] == []
    meant = agentscale.count_changes_instead(
        SEED_EXPR.replace("kube_hpa_", "kube_horizontalpodautoscaler_"))
    assert f"expr: {meant}\n" in path.read_text()


def test_a_corrected_rule_file_is_clean(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    text = SEED_ALERTS.read_text().replace(SEED_EXPR, agentscale.count_changes_instead(SEED_EXPR))
    code, out, _ = run(capsys, "lint", write(tmp_path, "fixed.yml", text))
    assert code == cli.EXIT_OK and "2 rule(s), no findings" in out


# --- the seed's HPA manifest ---------------------------------------------------


def test_the_seeds_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    code, d = run_json(capsys, str(SEED_HPA))
    # Only info findings: reported, but the run passes.
    assert code == cli.EXIT_OK
    assert d["kind"] == "manifest" and d["autoscalers"] == ["agent-hpa"]
    # Targets 70 and 50 tasks with tolerance 0.1: 77 = 70 x 1.1 and 55 = 50 x 1.1.
    assert rules_of(d) == [("tolerance-edge", "spec.metrics[0].pods.target.averageValue"),
                           ("tolerance-edge", "spec.metrics[1].pods.target.averageValue")]
    assert [f["severity"] for f in d["findings"]] == ["info", "info"]
    assert "every agent reports 77, the usage ratio 77/70" in d["findings"][0]["message"]
    assert "every agent reports 55, the usage ratio 55/50" in d["findings"][1]["message"]
    code, out, _ = run(capsys, "lint", str(SEED_HPA))
    assert code == cli.EXIT_OK
    assert "0 warning(s), 2 info" in out and "tolerance-edge" in out


@pytest.mark.parametrize("profile", agentscale.preset_names())
def test_the_seeds_values_blocks_lint_without_warnings(
    capsys: pytest.CaptureFixture[str], profile: str
) -> None:
    # The seed's own hpa: values blocks: what they find is information only.
    path = ROOT / "tests" / "data" / "manifests" / f"seed_values_{profile}.yaml"
    code, d = run_json(capsys, str(path), "--strict")
    assert code == cli.EXIT_OK, d
    assert {f["severity"] for f in d["findings"]} <= {"info"}


def test_a_warning_beside_info_findings_fails(capsys: pytest.CaptureFixture[str],
                                              tmp_path: pathlib.Path) -> None:
    # The seed's HPA (two tolerance-edge infos) with a 30 s scale-down window.
    text = SEED_HPA.read_text().replace("stabilizationWindowSeconds: 300",
                                        "stabilizationWindowSeconds: 30")
    assert text != SEED_HPA.read_text()
    code, d = run_json(capsys, write(tmp_path, "short.yaml", text))
    assert code == cli.EXIT_FINDINGS
    assert [(f["rule"], f["severity"]) for f in d["findings"]] == [
        ("short-scale-down-window", "warning"), ("tolerance-edge", "info"),
        ("tolerance-edge", "info")]
    code, out, _ = run(capsys, "lint", str(tmp_path / "short.yaml"))
    assert code == cli.EXIT_FINDINGS and "1 warning(s), 2 info" in out


def test_the_seeds_manifest_with_a_5m_rate_and_slow_agents(capsys: pytest.CaptureFixture[str]) -> None:
    # Scale-down removes 1 pod per 60 s; a metric averaged over 5 minutes
    # cannot show one removal before the next. The 60 s scale-up window is
    # longer than an agent that starts in 30 s.
    code, d = run_json(capsys, str(SEED_HPA), "--metrics-window", "5m", "--startup-delay", "30s")
    assert code == cli.EXIT_FINDINGS
    got = rules_of(d)
    assert ("scale-down-faster-than-metrics", "spec.behavior.scaleDown.policies[0].periodSeconds") in got
    assert ("scale-up-window-over-startup", "spec.behavior.scaleUp.stabilizationWindowSeconds") in got
    # 300 s is not shorter than 5 minutes.
    assert ("scale-down-faster-than-metrics",
            "spec.behavior.scaleDown.stabilizationWindowSeconds") not in got


# --- the troubleshooting rules through the command line ---------------------------


def test_no_metrics(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    path = write(tmp_path, "no_metrics.yaml", HEAD)
    loaded = agentscale.load_manifest_file(path)
    assert loaded.metrics_defaulted == [True]
    code, d = run_json(capsys, path)
    assert code == cli.EXIT_FINDINGS
    assert ("no-metrics", "spec.metrics") in rules_of(d)
    assert "cpu Utilization 80%" in d["findings"][0]["message"]
    # With the metric named, nothing to say.
    code, d = run_json(capsys, write(tmp_path, "tasks.yaml", HEAD + TASKS_71))
    assert code == cli.EXIT_OK and d["findings"] == []


@pytest.mark.parametrize(
    ("direction", "rule", "says"),
    [("scaleUp", "scale-up-disabled", "never grows"),
     ("scaleDown", "scale-down-disabled", "never shrinks")],
)
def test_select_policy_disabled(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, direction: str, rule: str, says: str
) -> None:
    text = HEAD + TASKS_71 + f"  behavior:\n    {direction}:\n      selectPolicy: Disabled\n"
    code, d = run_json(capsys, write(tmp_path, "disabled.yaml", text))
    assert code == cli.EXIT_FINDINGS
    [f] = [f for f in d["findings"] if f["rule"] == rule]
    assert f["field"] == f"spec.behavior.{direction}.selectPolicy" and says in f["message"]
    assert "slow-scale-up" not in {f["rule"] for f in d["findings"]}


def test_python_api() -> None:
    report = agentscale.lint_file(SEED_ALERTS)
    assert isinstance(report, agentscale.LintReport)
    assert report.kind == "prometheus-rules"
    assert [f.rule for f in report.findings] == ["counter-function-on-gauge"]
    assert report.findings[0].location.startswith(str(SEED_ALERTS) + ":")
    spec = agentscale.preset("production")
    assert [f.rule for f in agentscale.lint_spec(spec, metrics_defaulted=True)][0] == "no-metrics"
    with pytest.raises(ValueError, match="metrics_window_seconds"):
        agentscale.lint_spec(spec, metrics_window_seconds=float("nan"))
    specs, findings = agentscale.lint_manifest(SEED_HPA, startup_delay_seconds=30)
    assert [s.name for s in specs] == ["agent-hpa"]
    assert "scale-up-window-over-startup" in {f.rule for f in findings}
