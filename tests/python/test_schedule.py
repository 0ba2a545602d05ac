"""Schedules from Python and the command line: the seed's ConfigMap and the
Schedule kind, when rules are in force, a schedule over an HPA and a
ScaledObject, and `compare --schedule` (reactive vs reactive + schedule)."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

import agentscale

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED_CONFIGMAP = ROOT / "examples" / "seed_schedule.yaml"
SCHEDULE = ROOT / "examples" / "schedule.yaml"
HPA = ROOT / "examples" / "hpa.yaml"
KEDA = ROOT / "examples" / "keda.yaml"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentscale", *args], capture_output=True, text=True)


def test_the_seeds_configmap_and_the_schedule_kind(tmp_path: pathlib.Path) -> None:
    s = agentscale.load_schedule(SEED_CONFIGMAP, timezone="America/New_York", min_replicas=5)
    assert s.source_kind == "ConfigMap"
    assert [r.name for r in s.rules] == ["monday_morning_scale_up..friday_evening_scale_down",
                                         "month_end_surge"]
    assert s.rules[0].start == ["0 8 * * 1"] and s.rules[0].end == ["0 18 * * 5"]
    assert s.rules[1].kind == agentscale.ScheduleRuleKind.DAYS and s.rules[1].days == "28-31"
    assert {r.min_replicas for r in s.rules} == {5}
    own = agentscale.load_schedule(SCHEDULE)
    assert own.source_kind == "Schedule" and own.timezone == "America/New_York"
    assert [r.min_replicas for r in own.rules] == [4, 6]
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(agentscale.dump_schedule(own))
    assert agentscale.load_schedule(dumped) == own
    with pytest.raises(ValueError, match=r"s.yaml:5:28: data.monday_morning_scale_up: a scale_up needs"):
        agentscale.load_schedule_string(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n"
            "  monday_morning_scale_up: \"8:00\"\n", "s.yaml")
    bad = agentscale.ScheduleSpec(timezone="Mars/Olympus", rules=[
        agentscale.ScheduleRule(name="a", kind="window", start=["0 8 * * 7"], end=["0 9 * * *"],
                                min_replicas=2)])
    assert [p for p, _ in agentscale.validate_schedule(bad)] == ["timezone", "rules[0].start[0]"]


def test_when_rules_are_in_force() -> None:
    s = agentscale.load_schedule(SCHEDULE)
    # July 1995 in New York (NASA's clock): the business week from Monday
    # the 3rd, the 28th to the 31st.
    start = 804571200  # 1995-07-01 00:00 EDT
    windows = agentscale.expand_schedule(s, start, start + 31 * 86400)
    weeks = [w for w in windows if w["rule"] == "business-week"]
    assert weeks[0]["start"] == 804772800  # Monday 1995-07-03 08:00 EDT
    assert weeks[0]["end"] == 804772800 + 4 * 86400 + 10 * 3600
    surge = [w for w in windows if w["rule"] == "month_end_surge"]
    assert len(surge) == 1 and surge[0]["end"] - surge[0]["start"] == 4 * 86400
    assert surge[0]["min_replicas"] == 6


def test_a_schedule_over_an_hpa_and_a_scaled_object() -> None:
    s = agentscale.load_schedule(SCHEDULE)
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 7 * 86400)
    plain = agentscale.simulate(HPA, trace, model="fluid")
    lifted = agentscale.simulate(HPA, trace, model="fluid", schedule=s)
    assert lifted.summary.replica_hours > plain.summary.replica_hours
    result = lifted.result
    assert isinstance(result, agentscale.FluidResult)
    t = result.time_seconds
    monday_9 = 804772800 + 3600
    inside = result.replicas[(t >= monday_9) & (t < monday_9 + 8 * 3600)]
    assert inside.min() >= 4
    keda = agentscale.simulate(KEDA, trace, model="agent", service_seconds=60, schedule=s)
    assert keda.summary.peak_replicas >= 4


def test_cli_compare_with_a_schedule() -> None:
    proc = run_cli("compare", str(HPA), str(KEDA), "--model", "fluid", "--schedule", str(SEED_CONFIGMAP),
                   "--schedule-timezone", "America/New_York", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [r["label"] for r in rows] == ["hpa", "hpa+schedule", "keda", "keda+schedule"]
    assert rows[1]["replica_hours"] > rows[0]["replica_hours"]
    proc = run_cli("simulate", str(HPA), "--model", "fluid", "--schedule", str(SCHEDULE), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "schedule scaling-predictions (America/New_York): business-week (0 8 * * 1 .. 0 18 * * 5: min 4)" \
        in proc.stdout.replace("\n", "")
    proc = run_cli("simulate", str(HPA), "--schedule", str(ROOT / "examples" / "hpa.yaml"), "-q")
    assert proc.returncode != 0 and "no ConfigMap (v1) or Schedule" in proc.stderr
