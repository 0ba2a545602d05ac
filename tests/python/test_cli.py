"""The agentscale command line: every subcommand, its JSON, its errors and
exit codes (in-process through main(argv), and once as `python -m
agentscale`)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import agentscale
from agentscale.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def trace_csv(tmp_path: pathlib.Path) -> str:
    trace = agentscale.poisson_burst_trace(120, 5, 2, 1200, 3 * 3600, 60, seed=5)
    path = tmp_path / "bursts.csv"
    trace.to_csv(path)
    return str(path)


RISKY = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: risky
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agent}
  minReplicas: 1
  maxReplicas: 30
  metrics:
  - type: Pods
    pods:
      metric: {name: app_active_task_count}
      target: {type: AverageValue, averageValue: "120"}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 120
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
      selectPolicy: Max
    scaleDown:
      stabilizationWindowSeconds: 30
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: fixed
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agent}
  minReplicas: 3
  maxReplicas: 3
  metrics:
  - type: Pods
    pods:
      metric: {name: app_active_task_count}
      target: {type: AverageValue, averageValue: "70"}
"""


def test_simulate_table_json_and_plot(
    capsys: pytest.CaptureFixture[str], trace_csv: str, tmp_path: pathlib.Path
) -> None:
    code, out, _ = run(capsys, "simulate", "production", "--trace", trace_csv, "--service-seconds", "240")
    assert code == 0
    assert "wait p99 (s)" in out and "replica-hours" in out and "tasks: arrived" in out
    png = tmp_path / "sim.png"
    d = run_json(capsys, "simulate", "production", "--trace", trace_csv, "--service", "fixed",
                 "--service-seconds", "240", "--slots", "50", "--arrivals", "poisson", "--seed", "3",
                 "--plot", str(png))
    assert d["options"]["service"] == "fixed" and d["options"]["slots"] == 50 and d["options"]["seed"] == 3
    assert d["plot"] == str(png) and png.stat().st_size > 10_000
    want = agentscale.simulate("production", agentscale.load_trace(trace_csv), service="fixed",
                               service_seconds=240, slots=50, arrivals="poisson", seed=3)
    assert d["summary"]["wait_p99"] == pytest.approx(want.summary.wait_p99)
    fluid = run_json(capsys, "simulate", "production", "--trace", trace_csv, "--model", "fluid", "--series")
    assert fluid["row"]["wait_p99"] is None and len(fluid["series"]["desired_replicas"]) > 0


def test_compare_json_and_plot(capsys: pytest.CaptureFixture[str], trace_csv: str, tmp_path: pathlib.Path) -> None:
    png = tmp_path / "cmp.png"
    code, out, _ = run(capsys, "compare", "production", "development", "bursty", "--trace", trace_csv,
                       "--service-seconds", "240", "--plot", str(png))
    assert code == 0 and "production" in out and "bursty" in out and f"plot: {png}" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    d = run_json(capsys, "compare", "production", "testing", "--trace", trace_csv, "--model", "fluid")
    assert [r["label"] for r in d["rows"]] == ["production", "testing"]
    assert d["model"] == "fluid" and d["rows"][0]["time_over_target_seconds"] is not None


def test_sweep_json_pareto_and_failures(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    d = run_json(capsys, "sweep", "production", "--trace", trace_csv, "--grid", "target=40,70",
                 "--grid", "scale-down-window-seconds=60,300", "--workers", "1")
    assert len(d["rows"]) == 4 and d["objectives"] == ["cost", "time_over_target_seconds"]
    assert d["pareto_front"]
    code, out, _ = run(capsys, "sweep", "production", "--trace", trace_csv, "--grid", "target=40,70",
                       "--workers", "1", "--pareto")
    assert code == 0 and "Pareto front" in out
    code, out, err = run(capsys, "sweep", "production", "--trace", trace_csv, "--grid", "min_replicas=1,11",
                         "--workers", "1")
    assert code == 1 and "1 of 2 points failed" in err and "maxReplicas" in out
    code, _, err = run(capsys, "sweep", "production", "--grid", "nonsense=1")
    assert code == 2 and "unknown grid key 'nonsense'" in err
    code, _, err = run(capsys, "sweep", "production")
    assert code == 2 and "--grid" in err


def test_replay_json_matches_fluid_replay(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    d = run_json(capsys, "replay", "production", "--trace", trace_csv, "--period", "30",
                 "--initial-replicas", "3")
    want = agentscale.fluid_replay(agentscale.preset("production"), agentscale.load_trace(trace_csv),
                                   period_seconds=30, initial_replicas=3)
    assert d["time_seconds"] == want.time_seconds.tolist()
    assert d["replicas"] == want.replicas.tolist()
    assert d["omitted_metrics"] == ["app_active_request_count"]
    assert d["summary"]["replica_hours"] == pytest.approx(want.summary.replica_hours)
    d2 = run_json(capsys, "replay", "production", "--trace", trace_csv, "--metric", "app_active_request_count")
    assert d2["driven_metrics"] == ["app_active_request_count"] and d2["replicas"][0] >= 2
    code, out, _ = run(capsys, "replay", "production", "--trace", trace_csv, "--events", "3")
    assert code == 0 and "scale events" in out


def test_lint(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    code, out, _ = run(capsys, "lint", str(pathlib.Path(__file__).parents[2] / "examples" / "hpa.yaml"))
    assert code == 0 and "no findings" in out
    risky = tmp_path / "risky.yaml"
    risky.write_text(RISKY)
    code, out, _ = run(capsys, "lint", str(risky))
    assert code == 1 and "short-scale-down-window" in out
    code, out, _ = run(capsys, "lint", str(risky), "--json")
    assert code == 1
    d = json.loads(out)
    rules = {(f["autoscaler"], f["rule"]) for f in d["findings"]}
    assert rules == {("risky", "short-scale-down-window"), ("risky", "slow-scale-up"),
                     ("risky", "no-slot-headroom"), ("fixed", "fixed-size")}
    code, out, _ = run(capsys, "lint", str(risky), "--json", "--slots", "200")
    d = json.loads(out)
    assert ("risky", "no-slot-headroom") not in {(f["autoscaler"], f["rule"]) for f in d["findings"]}
    bad = pathlib.Path(__file__).parents[2] / "tests" / "data" / "manifests" / "bad_period.yaml"
    code, _, err = run(capsys, "lint", str(bad))
    assert code == 2 and "bad_period.yaml:17:24: spec.behavior.scaleUp.policies[0].periodSeconds" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "lint", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


def test_time_to_max_replicas_follows_the_policies() -> None:
    production = agentscale.preset("production")
    reached_at, reached = agentscale.lint.time_to_max_replicas(production)
    # 60 s scale-up window, then +2 pods per 30 s from 2 to 10.
    assert reached == 10 and reached_at is not None and 60 <= reached_at <= 180


def test_explain(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    spec = agentscale.preset("development")
    hpa = agentscale.HorizontalAutoscaler(spec)
    obs = agentscale.make_observation(2, {"app_active_task_count": 5.0, "app_active_request_count": 5.0}, 1000.0)
    hpa.evaluate(1000.0, obs)
    state = tmp_path / "state.json"
    state.write_text(hpa.state_json())
    observation = tmp_path / "obs.json"
    observation.write_text(json.dumps({
        "time": 1015.0,
        "current_replicas": 2,
        "pods": [{"name": "a"}, {"name": "b", "phase": "Running", "ready": True}],
        "metrics": {"app_active_task_count": {"a": 30, "b": 50}, "app_active_request_count": 10},
    }))
    code, out, _ = run(capsys, "explain", "development", "--state", str(state), "--observation", str(observation))
    assert code == 0
    want_hpa = agentscale.HorizontalAutoscaler(spec)
    want_hpa.import_state_json(state.read_text())
    data = json.loads(observation.read_text())
    _, want_obs = agentscale.cli.load_observation(data, spec)
    want = want_hpa.evaluate(1015.0, want_obs)
    assert want.explain() in out.replace("\n", "") or want.explain().split(":")[0] in out
    assert "AbleToScale" in out and "ScalingActive" in out
    d = run_json(capsys, "explain", "development", "--state", str(state), "--observation", str(observation))
    # 40 tasks per pod against 10 proposes 8; development adds at most 2 pods per 30 s.
    assert d["decision"]["desired_replicas"] == want.desired_replicas == 4
    assert d["decision"]["limit_reason"] == "ScaleUpLimit"
    assert d["explain"] == want.explain()

    observation.write_text(json.dumps({"current_replicas": 2, "metrics": {"gpu": 1}}))
    code, _, err = run(capsys, "explain", "development", "--observation", str(observation))
    assert code == 2 and "obs.json: metrics.gpu: not a metric of the spec" in err
    observation.write_text('{"current_replicas": 2,\n  "pods": [}')
    code, _, err = run(capsys, "explain", "development", "--observation", str(observation))
    assert code == 2 and "obs.json:2:" in err and "invalid JSON" in err
    observation.write_text(json.dumps({"current_replicas": 1, "pods": [{"name": "a", "phase": "Sleeping"}]}))
    code, _, err = run(capsys, "explain", "development", "--observation", str(observation))
    assert code == 2 and "pods[0].phase" in err


def test_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "presets")
    assert code == 0 and "production" in out and "high-volume" in out
    d = run_json(capsys, "presets")
    prod = next(p for p in d["presets"] if p["name"] == "production")
    assert prod["min_replicas"] == 2 and prod["max_replicas"] == 10
    assert prod["targets"] == ["app_active_task_count=70", "app_active_request_count=50"]
    assert prod["scale_up_window"] == "60s" and prod["scale_down_window"] == "300s"
    assert prod["scale_up_policies"] == "2 pods/30s (Max)"


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "required: COMMAND"),
        (["simulate"], "required: SPEC"),
        (["simulate", "nope"], "'nope' is neither a built-in preset"),
        (["simulate", "production", "--model", "fluid", "--slots", "3"], "--slots applies to the agent model"),
        (["simulate", "production", "--service", "slow"], "invalid choice: 'slow'"),
        (["replay", "production", "--trace", "/nonexistent/trace.csv"], "/nonexistent/trace.csv"),
        (["replay", "production", "--metric", "gpu"], "not a metric of the spec"),
        (["explain", "production"], "--observation"),
    ],
    ids=["no-command", "no-spec", "unknown-preset", "agent-flag-on-fluid", "bad-choice",
         "missing-trace", "unknown-metric", "explain-needs-observation"],
)
def test_usage_and_input_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_bad_trace_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp_seconds,value\n0,1\n60,-4\n")
    code, _, err = run(capsys, "simulate", "production", "--trace", str(bad))
    assert code == 2 and f"{bad}:3: value: must not be negative" in err


def test_python_dash_m(trace_csv: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agentscale", "replay", "production", "--trace", trace_csv, "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert len(d["time_seconds"]) == len(d["replicas"]) > 0
    assert np.all(np.asarray(d["replicas"]) >= 2)
    proc = subprocess.run([sys.executable, "-m", "agentscale", "simulate", "nope"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2 and "neither a built-in preset" in proc.stderr and "Traceback" not in proc.stderr
