"""The agentscale command line: every subcommand, its JSON, its errors and
exit codes (in-process through main(argv), and once as `python -m
agentscale`)."""

from __future__ import annotations

import json
import os
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
    # The agent model, as in simulate and compare, and the reading said.
    assert len(d["rows"]) == 4 and d["objectives"] == ["cost", "wait_p99"]
    assert d["model"] == "agent" and d["trace_reading"].startswith("arrivals: each row is the tasks")
    assert d["pareto_front"]
    fluid = run_json(capsys, "sweep", "production", "--trace", trace_csv, "--grid", "target=40,70",
                     "--workers", "1", "--model", "fluid")
    assert fluid["objectives"] == ["cost", "time_over_target_seconds"]
    assert fluid["trace_reading"].startswith("gauge: each value is the fleet's total app_active_task_count")
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
    assert d["trace"]["meaning"] == "gauge" and "split evenly among the pods" in d["trace"]["reading"]
    # The alerts' range semantics, as in simulate: the flag reaches the summary.
    v2 = run_json(capsys, "replay", "production", "--trace", trace_csv, "--prometheus-version", "2")
    want2 = agentscale.fluid_replay(agentscale.preset("production"), agentscale.load_trace(trace_csv),
                                    options=agentscale.FluidOptions(prometheus_version=2))
    assert v2["summary"]["scaling_too_frequent"] == want2.summary.scaling_too_frequent.to_dict()


def test_lint(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    # The seed's autoscaler sits on tolerance edges (tests/python/test_lint.py):
    # info findings, shown, and the exit code stays 0.
    code, out, _ = run(capsys, "lint", str(pathlib.Path(__file__).parents[2] / "examples" / "hpa.yaml"))
    assert code == 0 and "tolerance-edge" in out and "info" in out
    risky = tmp_path / "risky.yaml"
    risky.write_text(RISKY)
    code, out, _ = run(capsys, "lint", str(risky))
    assert code == 1 and "short-scale-down-window" in out
    code, out, _ = run(capsys, "lint", str(risky), "--json")
    assert code == 1
    d = json.loads(out)
    rules = {(f["autoscaler"], f["rule"]) for f in d["findings"]}
    assert rules == {("risky", "short-scale-down-window"), ("risky", "slow-scale-up"),
                     ("risky", "scale-up-window-over-startup"), ("risky", "no-slot-headroom"),
                     ("fixed", "fixed-size"), ("fixed", "tolerance-edge")}
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


# ---------------------------------------------------------------------------
# Bad values are argparse usage errors naming the flag (exit 2), checked
# before any work; nothing is silently ignored or created.
# ---------------------------------------------------------------------------

FETCH = ["fetch", "--prometheus", "127.0.0.1:9", "--query", "up", "--start", "0", "--end", "60",
         "--step", "15"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "production", "--price", "-1"], "argument --price: must be >= 0, got -1"),
        (["simulate", "production", "--model", "fluid", "--price", "nan"],
         "argument --price: expected a finite number, got 'nan'"),
        (["simulate", "production", "--interval", "0"], "argument --interval: must be > 0, got 0"),
        (["simulate", "production", "--service-seconds", "NaN"],
         "argument --service-seconds: expected a finite number, got 'NaN'"),
        (["simulate", "production", "--startup-delay", "-5"], "argument --startup-delay: must be >= 0, got -5"),
        (["simulate", "production", "--sync-period", "inf"],
         "argument --sync-period: expected a finite number, got 'inf'"),
        (["simulate", "production", "--slots", "0"], "argument --slots: must be >= 1, got 0"),
        (["simulate", "production", "--slots", "2.5"], "argument --slots: expected an integer, got '2.5'"),
        (["simulate", "production", "--queue-capacity", "-1"], "argument --queue-capacity: must be >= 0, got -1"),
        (["simulate", "production", "--slots", "99999999999"],
         "argument --slots: must be <= 2147483647, got 99999999999"),
        (["simulate", "production", "--seed", str(2**64)], f"argument --seed: must be <= {2**64 - 1}, got {2**64}"),
        (["simulate", "production", "--queue-metric", " "], "argument --queue-metric: must not be empty"),
        (["simulate", "production", "--series"], "--series adds the per-sync series to the JSON output: add --json"),
        (["compare", "production", "bursty", "--wait-slo", "-60"], "argument --wait-slo: must be >= 0, got -60"),
        (["replay", "production", "--period", "-15"], "argument --period: must be > 0, got -15"),
        (["replay", "production", "--initial-replicas", "-2"], "argument --initial-replicas: must be >= 0, got -2"),
        (["replay", "production", "--events", "-1"], "argument --events: must be >= 0, got -1"),
        (["replay", "production", "--events", "3", "--json"], "--events limits the table's list"),
        (["sweep", "production", "--grid", "target=abc"], "argument --grid: target=abc: expected a number, got 'abc'"),
        (["sweep", "production", "--grid", "target=40,-70"], "argument --grid: target=-70: must be > 0, got -70"),
        (["sweep", "production", "--grid", "min_replicas=1.5"],
         "argument --grid: min_replicas=1.5: expected an integer, got '1.5'"),
        (["sweep", "production", "--grid", "scale_up_select_policy=Sometimes"],
         "argument --grid: scale_up_select_policy: 'Sometimes' is not one of Max, Min, Disabled"),
        (["sweep", "production", "--grid", "service_seconds=0", "--model", "agent"],
         "argument --grid: service_seconds=0: must be > 0, got 0"),
        (["sweep", "production", "--grid", "target="], "argument --grid: 'target=': expected KEY=V1,V2,..."),
        (["sweep", "production", "--grid", "target=1,,2"], "argument --grid: 'target=1,,2': an empty value"),
        (["sweep", "production", "--grid", "target=1", "--grid", "target=2"], "argument --grid: target is given twice"),
        (["sweep", "production", "--grid", "slots=4", "--model", "fluid"],
         "argument --grid: unknown grid key 'slots' for the fluid model"),
        (["sweep", "production", "--grid", "target=40", "--workers", "0"], "argument --workers: must be >= 1, got 0"),
        (["sweep", "production", "--grid", "target=40", "--top", "0"], "argument --top: must be >= 1, got 0"),
        (["sweep", "production", "--grid", "target=40", "--top", "3", "--json"], "--top shapes the table"),
        (["sweep", "production", "--grid", "target=40", "--pareto", "--json"], "--pareto shapes the table"),
        (["sweep", "production", "--grid", "target=40", "--pareto", "--sort", "cost"],
         "--sort does not apply to --pareto"),
        (["lint", "x.yaml", "--slots", "-3"], "argument --slots: must be >= 1, got -3"),
        (["simulate", "production", "--time-column", "t"], "--time-column applies to a trace file: add --trace FILE"),
        (["replay", "production", "--sum"], "--sum applies to a trace file: add --trace FILE"),
        (["simulate", "production", "--trace-format", "yaml"], "argument --trace-format: invalid choice: 'yaml'"),
        (["simulate", "production", "--gaps", "interpolate"], "argument --gaps: invalid choice: 'interpolate'"),
        ([*FETCH[:-1], "0"], "argument --step: must be a finite duration > 0, got '0'"),
        ([*FETCH[:-2], "--step=-15s"],
         "argument --step: expected seconds or a duration such as 15s, 5m, 1h, 7d; got '-15s'"),
        ([*FETCH[:-1], "nan"], "argument --step: must be a finite duration > 0, got 'nan'"),
        ([*FETCH[:6], "yesterday", *FETCH[7:]],
         "argument --start: \"yesterday\": expected epoch seconds or an RFC 3339"),
        ([*FETCH[:8], "2024-02-30T00:00:00Z", *FETCH[9:]],
         "argument --end: \"2024-02-30T00:00:00Z\": day out of range for 2024-02"),
        ([*FETCH[:6], "120", *FETCH[7:]], "--end (60 s) is before --start (120 s)"),
        (["fetch", "--prometheus", "https://prom:9090", *FETCH[3:]],
         "argument --prometheus: https://prom:9090: only http:// is supported"),
        (["fetch", "--prometheus", "http://prom:9090/prom", *FETCH[3:]],
         "argument --prometheus: http://prom:9090/prom: a path prefix or query is not supported"),
        (["fetch", "--prometheus", "prom:99999", *FETCH[3:]],
         "argument --prometheus: prom:99999: the port is not a number from 1 to 65535"),
        ([*FETCH, "--timeout", "0"], "argument --timeout: must be > 0, got 0"),
        ([*FETCH, "--gaps", "fill"], "argument --gaps: invalid choice: 'fill'"),
        (FETCH[:-2], "the following arguments are required: --step"),
    ],
    ids=["price-negative", "price-nan", "interval-zero", "service-nan", "startup-negative", "sync-inf",
         "slots-zero", "slots-float", "queue-capacity-negative", "slots-huge", "seed-huge",
         "queue-metric-empty", "series-without-json",
         "wait-slo-negative", "period-negative", "initial-replicas-negative", "events-negative",
         "events-with-json", "grid-not-a-number", "grid-negative-target", "grid-float-replicas",
         "grid-bad-policy", "grid-model-option", "grid-no-values", "grid-empty-value", "grid-twice",
         "grid-key-of-other-model", "workers-zero", "top-zero", "top-with-json", "pareto-with-json",
         "sort-with-pareto", "lint-slots", "csv-flag-without-trace", "json-flag-without-trace",
         "trace-format-choice", "gaps-choice", "fetch-step-zero", "fetch-step-negative", "fetch-step-nan",
         "fetch-start-word", "fetch-end-bad-date", "fetch-end-before-start", "fetch-https",
         "fetch-path-prefix", "fetch-bad-port", "fetch-timeout-zero", "fetch-gaps-choice",
         "fetch-needs-step"],
)
def test_bad_values_are_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert message in err
    assert "usage: agentscale " + argv[0] in err  # argparse's usage line
    assert f"agentscale {argv[0]}: error: " in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize("flag", ["--plot", "--output", "--save-json"])
def test_output_paths_are_never_created(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, flag: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "out.file"
    argv = ["simulate", "production", "--plot", str(target)] if flag == "--plot" else [*FETCH, flag, str(target)]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert f"argument {flag}: cannot write {target}: the directory {target.parent} does not exist" in err
    assert not (tmp_path / "no").exists()
    code, _, err = run(capsys, *argv[:-1], str(tmp_path))
    assert code == 2 and f"argument {flag}: cannot write {tmp_path}: it is a directory" in err


def test_plot_api_does_not_create_directories(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    trace = agentscale.constant_trace(100, 1800, 60)
    run_ = agentscale.simulate("production", trace, "fluid")
    with pytest.raises(FileNotFoundError, match="the directory .* does not exist"):
        run_.plot(tmp_path / "missing" / "run.png")
    assert not (tmp_path / "missing").exists()


def test_sort_by_unknown_column_is_an_error(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    code, _, err = run(capsys, "sweep", "production", "--trace", trace_csv, "--grid", "target=40,70",
                       "--workers", "1", "--sort", "nonsense")
    assert code == 2 and "--sort nonsense: no such column (columns: " in err


# ---------------------------------------------------------------------------
# Users' own data: named-column CSV and saved query_range responses as
# --trace; `agentscale fetch` against a loopback server.
# ---------------------------------------------------------------------------


def _matrix(*series: tuple[dict[str, str], list[tuple[float, str]]]) -> str:
    return json.dumps({"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": labels, "values": [[t, v] for t, v in values]} for labels, values in series]}})


T0 = 1_709_294_400.0  # 2024-03-01T12:00:00Z
AGENT0 = ({"__name__": "tasks", "pod": "agent-0"}, [(T0 + 60 * i, str(100 + 10 * i)) for i in range(30)])
AGENT1 = ({"__name__": "tasks", "pod": "agent-1"}, [(T0 + 60 * i, str(50 + i)) for i in range(30)])


def test_named_column_csv_as_trace(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    path = tmp_path / "export.csv"
    rows = "".join(f"2024-03-01T{12 + i // 60:02d}:{i % 60:02d}:00Z,x,{100 + 10 * i}\n" for i in range(30))
    path.write_text("# exported from Grafana\ntime,host,tasks\n" + rows)
    d = run_json(capsys, "replay", "production", "--trace", str(path), "--time-column", "time",
                 "--value-column", "tasks")
    want = agentscale.fluid_replay(agentscale.preset("production"),
                                   agentscale.Trace([T0 + 60 * i for i in range(30)],
                                                    [100 + 10 * i for i in range(30)]))
    assert d["time_seconds"] == want.time_seconds.tolist()
    assert d["replicas"] == want.replicas.tolist()
    code, _, err = run(capsys, "replay", "production", "--trace", str(path))
    assert code == 2 and "header: no column \"timestamp_seconds\" and 3 columns (time, host, tasks)" in err
    code, _, err = run(capsys, "replay", "production", "--trace", str(path), "--time-column", "time",
                       "--value-column", "host")
    assert code == 2 and f"{path}:3: host: not a finite number: \"x\"" in err
    code, _, err = run(capsys, "replay", "production", "--trace", str(path), "--sum")
    assert code == 2 and "--sum does not apply to a csv trace" in err


def test_saved_query_range_response_as_trace(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    path = tmp_path / "range.json"
    path.write_text(_matrix(AGENT0, AGENT1))
    code, _, err = run(capsys, "replay", "production", "--trace", str(path))
    assert code == 2 and "the response has 2 series" in err and "--match" in err and "--sum" in err
    summed = run_json(capsys, "replay", "production", "--trace", str(path), "--sum")
    one = run_json(capsys, "replay", "production", "--trace", str(path), "--match", 'pod="agent-0"')
    want = agentscale.fluid_replay(agentscale.preset("production"), agentscale.Trace(
        [t for t, _ in AGENT0[1]], [float(a) + float(b) for (_, a), (_, b) in zip(AGENT0[1], AGENT1[1])]))
    assert summed["replicas"] == want.replicas.tolist()
    assert one["trace"]["rows"] == 30 and one["replicas"] != summed["replicas"]
    code, _, err = run(capsys, "simulate", "production", "--trace", str(path), "--time-column", "t")
    assert code == 2 and "--time-column does not apply to a prometheus-json trace" in err


def test_load_trace_options_of_the_other_format_are_errors(tmp_path: pathlib.Path) -> None:
    csv = tmp_path / "t.csv"
    csv.write_text("time,tasks\n0,1\n60,2\n")
    t = agentscale.load_trace(csv)
    assert t.values.tolist() == [1, 2]
    with pytest.raises(ValueError, match="apply to a Prometheus query_range response"):
        agentscale.load_trace(csv, gaps="zero")
    with pytest.raises(ValueError, match="apply to CSV"):
        agentscale.parse_trace(_matrix(AGENT0), time_column="t")
    with pytest.raises(ValueError, match="gaps: expected"):
        agentscale.parse_trace(_matrix(AGENT0), gaps="fill")  # type: ignore[arg-type]
    assert agentscale.parse_trace_timestamp("2024-03-01T14:00:00+02:00") == T0


class _FakePrometheus:
    """/api/v1/query_range on a loopback port, answering with `body` and
    recording the query string."""

    def __init__(self, body: str, status: int = 200) -> None:
        import http.server
        import threading

        fake = self
        self.body = body
        self.status = status
        self.paths: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.paths.append(self.path)
                data = fake.body.encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_prometheus() -> Any:
    if not agentscale.HAVE_HTTP:
        pytest.skip("built without cpp-httplib (agentscale.HAVE_HTTP is False)")
    servers: list[_FakePrometheus] = []

    def start(body: str, status: int = 200) -> _FakePrometheus:
        servers.append(_FakePrometheus(body, status))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_fetch_writes_a_trace_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, fake_prometheus: Any
) -> None:
    prom = fake_prometheus(_matrix(AGENT0, AGENT1))
    out, raw = tmp_path / "fetched.csv", tmp_path / "raw.json"
    code, _, err = run(capsys, "fetch", "--prometheus", f"http://127.0.0.1:{prom.port}", "--query",
                       "sum by (pod) (tasks)", "--start", "2024-03-01T12:00:00Z", "--end",
                       "2024-03-01T12:29:00Z", "--step", "1m", "--sum", "--output", str(out),
                       "--save-json", str(raw))
    assert code == 0, err
    assert "query=sum%20by%20%28pod%29%20%28tasks%29" in prom.paths[0]
    assert f"start={T0:.3f}" in prom.paths[0] and "step=60.000" in prom.paths[0]
    assert json.loads(raw.read_text())["data"]["resultType"] == "matrix"
    trace = agentscale.load_trace(out)
    assert trace.time_seconds.tolist() == [T0 + 60 * i for i in range(30)]
    assert trace.values.tolist() == [150.0 + 11 * i for i in range(30)]
    assert trace.comments[:3] == [f"source: Prometheus http://127.0.0.1:{prom.port}, /api/v1/query_range",
                                  "query: sum by (pod) (tasks)",
                                  "range: 2024-03-01T12:00:00Z to 2024-03-01T12:29:00Z, step 60 s"]
    assert "series: the sum of 2 series" in trace.comments
    # Without --output the CSV goes to stdout.
    code, stdout, _ = run(capsys, "fetch", "--prometheus", f"127.0.0.1:{prom.port}", "--query", "tasks",
                          "--start", str(T0), "--end", str(T0 + 1740), "--step", "60", "--match", 'pod="agent-1"')
    assert code == 0 and agentscale.parse_trace(stdout).values.tolist() == [50.0 + i for i in range(30)]


def test_fetch_reports_prometheus_errors(capsys: pytest.CaptureFixture[str], fake_prometheus: Any) -> None:
    prom = fake_prometheus(json.dumps({"status": "error", "errorType": "bad_data",
                                       "error": "invalid parameter \"query\": 1:7: parse error"}), 400)
    code, _, err = run(capsys, "fetch", "--prometheus", f"127.0.0.1:{prom.port}", "--query", "tasks[",
                       "--start", "0", "--end", "60", "--step", "15")
    assert code == 2 and "HTTP status 400: bad_data: invalid parameter \"query\": 1:7: parse error" in err
    code, _, err = run(capsys, "fetch", "--prometheus", f"127.0.0.1:{prom.port}", "--query", "q",
                       "--start", "0", "--end", "86400", "--step", "1")
    assert code == 2 and "Prometheus serves at most 11000 points per series" in err


def test_fetch_without_a_server_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    if not agentscale.HAVE_HTTP:
        pytest.skip("built without cpp-httplib (agentscale.HAVE_HTTP is False)")
    import socket

    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = run(capsys, "fetch", "--prometheus", f"127.0.0.1:{port}", "--query", "up",
                         "--start", "0", "--end", "60", "--step", "15", "--timeout", "2")
    assert code == 2 and out == ""
    assert f'range query "up" at 127.0.0.1:{port}: ' in err and "Traceback" not in err


def test_serve_runs_the_program_with_every_argument(tmp_path: pathlib.Path) -> None:
    # A stand-in for agentscale-serve that records what it was given.
    fake = tmp_path / "agentscale-serve"
    record = tmp_path / "args.txt"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\necho serving\n')
    fake.chmod(0o755)
    env = {**os.environ, "AGENTSCALE_SERVE_BIN": str(fake)}
    proc = subprocess.run(
        [sys.executable, "-m", "agentscale", "serve", "--config", "/etc/agentscale",
         "--listen", "127.0.0.1:0"],
        capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "serving\n"
    assert record.read_text().split("\n")[:4] == [
        "--config", "/etc/agentscale", "--listen", "127.0.0.1:0"]


def test_serve_without_the_program_says_how_to_build_it(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: pathlib.Path) -> None:
    monkeypatch.delenv("AGENTSCALE_SERVE_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "serve", "--config", "x")
    assert code == 2
    assert "agentscale-serve not found" in err
    assert "agentscale_serve_program" in err
    monkeypatch.setenv("AGENTSCALE_SERVE_BIN", str(tmp_path / "nope"))
    code, _, err = run(capsys, "serve")
    assert code == 2
    assert "not an executable program" in err
