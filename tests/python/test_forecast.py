"""Forecast floors from Python and the command line: a ForecastSpec in the
options, forecast-only changes no replica, and `compare --forecast` (reactive
vs reactive + forecast)."""

from __future__ import annotations

import json
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
