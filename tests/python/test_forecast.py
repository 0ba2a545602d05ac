"""Forecast floors from Python and the command line: a ForecastSpec in the
options, forecast-only changes no replica, and `compare --forecast` (reactive
vs reactive + forecast)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import agentscale


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentscale", *args], capture_output=True, text=True)


def recurring(hours: int) -> agentscale.Trace:
    """Two hours that repeat: an hour at 10 per minute, an hour at 400."""
    t0 = 1_700_000_000
    minutes = np.arange(hours * 60 + 1)
    values = np.where((minutes // 60) % 2 == 0, 10.0, 400.0)
    return agentscale.Trace((t0 + 60 * minutes).astype(float), values)


def test_the_floor_is_up_before_a_recurring_rise() -> None:
    spec = agentscale.AutoscalerSpec(
        min_replicas=1, max_replicas=20,
        metrics=[agentscale.MetricSpec.external_average_value("queue", 50)])
    trace = recurring(12)
    fs = agentscale.ForecastSpec(model="seasonal-naive", season=120, lead_seconds=300)
    plain = agentscale.simulate(spec, {"queue": trace}, model="fluid")
    lifted = agentscale.simulate(spec, {"queue": trace}, model="fluid", forecast=fs)
    shadow = agentscale.simulate(spec, {"queue": trace}, model="fluid",
                                 forecast=agentscale.ForecastSpec(model="seasonal-naive", season=120,
                                                                  mode="ForecastOnly"))
    for run in (plain, lifted, shadow):
        assert isinstance(run.result, agentscale.FluidResult)
    before_rise = 1_700_000_000 + 60 * 417  # three minutes before hour 7
    def at(run: agentscale.sim.Run) -> int:
        r = run.result
        assert isinstance(r, agentscale.FluidResult)
        return int(r.replicas[np.searchsorted(r.time_seconds, before_rise)])
    assert at(plain) == 1 and at(lifted) == 8
    assert isinstance(shadow.result, agentscale.FluidResult) and isinstance(plain.result, agentscale.FluidResult)
    assert np.array_equal(shadow.result.replicas, plain.result.replicas)  # forecast-only
    with pytest.raises(ValueError, match="unknown forecast model"):
        agentscale.simulate(spec, {"queue": trace}, model="fluid",
                            forecast=agentscale.ForecastSpec(model="crystal-ball"))


def test_cli_compare_with_a_forecast() -> None:
    proc = run_cli("compare", "production", "--model", "fluid", "--forecast", "holt-winters",
                   "--forecast-lead", "120", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [r["label"] for r in rows] == ["production", "production+forecast"]
    assert rows[1]["replica_hours"] >= rows[0]["replica_hours"]  # a floor never scales in


def test_the_summary_scores_the_forecast() -> None:
    spec = agentscale.AutoscalerSpec(
        min_replicas=1, max_replicas=20,
        metrics=[agentscale.MetricSpec.external_average_value("queue", 50)])
    trace = recurring(12)
    plain = agentscale.simulate(spec, {"queue": trace}, model="fluid")
    shadow = agentscale.simulate(spec, {"queue": trace}, model="fluid",
                                 forecast=agentscale.ForecastSpec(model="seasonal-naive", season=120,
                                                                  mode="ForecastOnly"))
    assert not plain.summary.has_forecast and plain.row()["forecast_mape"] is None
    s = shadow.summary
    assert s.has_forecast and s.forecast_scored > 400
    # A recurring pattern: seasonal-naive forecasts it almost exactly.
    assert s.forecast_mape < 0.05 and 0.5 < s.forecast_coverage <= 1.0
    assert s.forecast_lifted > 0  # forecast-only: would have lifted
    assert shadow.row()["forecast_lifted"] == s.forecast_lifted


def test_forecast_files() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    f = agentscale.load_forecast(root / "examples" / "forecast.yaml")
    assert f.source_kind == "Forecast" and f.name == "daily-holt-winters"
    assert f.spec.lead_seconds == 120 and f.spec.max_capacity_buffer == 10
    assert agentscale.load_forecast_string(agentscale.dump_forecast(f.spec)).spec == f.spec
    aws = agentscale.load_forecast(root / "examples" / "aws_predictive.json")
    assert aws.source_kind == "PredictiveScalingPolicyConfiguration"
    assert aws.spec.metric == "app_active_task_count" and aws.spec.load_per_replica == 70
    assert aws.spec.mode == agentscale.ForecastMode.FORECAST_AND_SCALE
    # AWS's default mode is ForecastOnly; predefined CPU metrics warn.
    bare = agentscale.load_forecast_string(
        '{"MetricSpecifications": [{"TargetValue": 70, "PredefinedMetricPairSpecification": '
        '{"PredefinedMetricType": "ECSServiceCPUUtilization"}}]}', "p.json")
    assert bare.spec.mode == agentscale.ForecastMode.FORECAST_ONLY
    assert len(bare.warnings) == 1 and "ECSServiceCPUUtilization is not simulated" in bare.warnings[0]
    with pytest.raises(ValueError, match=r"p.json:1:\d+: MaxCapacityBuffer: can be set only"):
        agentscale.load_forecast_string(
            '{"MetricSpecifications": [{"TargetValue": 7, "PredefinedMetricPairSpecification": '
            '{"PredefinedMetricType": "ECSServiceCPUUtilization"}}], "MaxCapacityBuffer": 5}', "p.json")
    assert agentscale.validate_forecast(agentscale.ForecastSpec(alpha=2.0)) == [
        ("alpha", "alpha must be in [0, 1], got 2")]


def test_cli_forecast_from_a_file() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    proc = run_cli("compare", "production", "--model", "fluid", "--forecast",
                   str(root / "examples" / "aws_predictive.json"), "--forecast-lead", "60", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert rows[0]["forecast_mape"] is None
    assert rows[1]["forecast_mape"] is not None and rows[1]["forecast_lifted"] > 0
    table = run_cli("simulate", "production", "--forecast", str(root / "examples" / "forecast.yaml"))
    assert table.returncode == 0, table.stderr
    assert "forecast MAPE" in table.stdout and "forecast interval coverage" in table.stdout
    bad = run_cli("simulate", "production", "--forecast", "holt-winters", "--forecast-buffer", "5")
    assert bad.returncode == 2 and "IncreaseMaxCapacity" in bad.stderr
    missing = run_cli("simulate", "production", "--forecast", "nowhere.json")
    assert missing.returncode == 2 and "nowhere.json" in missing.stderr


def test_cli_smoothing_options_and_trace_scale() -> None:
    bad = run_cli("simulate", "production", "--forecast", "holt-winters", "--forecast-alpha", "2")
    assert bad.returncode == 2 and "alpha must be in [0, 1]" in bad.stderr
    runs = {}
    for scale in ("1", "0.25"):
        proc = run_cli("simulate", "production", "--model", "fluid", "--trace-scale", scale, "--json")
        assert proc.returncode == 0, proc.stderr
        runs[scale] = json.loads(proc.stdout)["row"]["replica_hours"] if "row" in json.loads(proc.stdout) \
            else json.loads(proc.stdout)["summary"]["replica_hours"]
    assert runs["0.25"] < runs["1"]  # a quarter of the load needs fewer replicas
    zero = run_cli("simulate", "production", "--trace-scale", "0")
    assert zero.returncode == 2 and "must be a positive number" in zero.stderr


def test_cli_forecast_mode_overrides_the_aws_default() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    bare = root / "tests" / "data" / "aws_predictive_bare.json"
    # AWS's default mode is ForecastOnly: nothing is lifted unless the mode
    # is set to ForecastAndScale.
    shadow = run_cli("simulate", "production", "--model", "fluid", "--forecast", str(bare), "--json")
    scale = run_cli("simulate", "production", "--model", "fluid", "--forecast", str(bare),
                    "--forecast-mode", "ForecastAndScale", "--json")
    plain = run_cli("simulate", "production", "--model", "fluid", "--json")
    for p in (shadow, scale, plain):
        assert p.returncode == 0, p.stderr
    hours = {k: json.loads(p.stdout)["row"]["replica_hours"] for k, p in
             (("shadow", shadow), ("scale", scale), ("plain", plain))}
    assert hours["shadow"] == hours["plain"] < hours["scale"]
    assert "is not simulated" in shadow.stderr  # the predefined metric's warning
    clash = run_cli("simulate", "production", "--forecast", "holt-winters", "--forecast-only",
                    "--forecast-mode", "ForecastAndScale")
    assert clash.returncode == 2 and "disagree" in clash.stderr
