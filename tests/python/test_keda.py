"""The KEDA family from Python: load and dump, the policy, formulas, lint,
sweeps and the command line with a ScaledObject."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

import agentscale

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "keda.yaml"
HPA = ROOT / "examples" / "hpa.yaml"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentscale", *args], capture_output=True, text=True)


def test_seed_loads_with_kedas_defaults() -> None:
    so = agentscale.load_single_scaled_object(SEED)
    assert so.name == "matillion-agent-scaler"
    assert (so.polling_interval_seconds, so.cooldown_period_seconds) == (30, 300)
    assert (so.min_replica_count, so.max_replica_count) == (0, 100)
    assert so.triggers[0].metric_name == "s0-prometheus"
    assert so.triggers[0].target == 50.0
    loaded = agentscale.load_manifest_file(SEED)
    assert len(loaded.scaled_objects) == 1 and not loaded.autoscalers
    assert any("metricName: is deprecated" in w for w in loaded.warnings)
    hpa = agentscale.generated_hpa(so)
    assert (hpa.min_replicas, hpa.max_replicas) == (1, 100)
    assert hpa.metrics[0].target.average_value_milli == 50_000


def test_dump_loads_back_equal(tmp_path: pathlib.Path) -> None:
    so = agentscale.load_single_scaled_object(SEED)
    so.fallback = agentscale.Fallback(failure_threshold=2, replicas=5, behavior="currentReplicasIfHigher")
    so.cooldown_period_seconds = 120
    path = tmp_path / "so.yaml"
    path.write_text(agentscale.dump_scaled_object(so))
    back = agentscale.load_single_scaled_object(path)
    assert back == so
    assert back.to_dict() == so.to_dict()


def test_errors_name_file_line_and_field(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SEED.read_text().replace("threshold: '50'", "threshold: 50"))
    with pytest.raises(ValueError, match=r"bad\.yaml:18:\d+: spec\.triggers\[0\]\.metadata\.threshold: must be a string"):
        agentscale.load_single_scaled_object(path)
    problems = agentscale.validate_scaled_object(agentscale.ScaledObjectSpec(triggers=[]))
    assert ("spec.triggers", "at least one trigger is required") in problems


def test_policy_decides_and_explains() -> None:
    so = agentscale.load_single_scaled_object(SEED)
    policy = agentscale.ScaledObjectPolicy(so)
    assert isinstance(policy, agentscale.Policy)
    assert policy.family() == "keda"
    assert policy.step_seconds == 15.0
    obs = agentscale.Observation(current_replicas=0)
    obs.add_metric("s0-prometheus").add_external_value(400.0)
    d = policy.decide(1000.0, obs)
    assert (d.current_replicas, d.desired_replicas) == (0, 4)
    assert d.family_note.startswith("keda: active (s0-prometheus 400 > activation 0)")
    assert "scaled from zero to 1" in d.explain()
    policy.commit(d)
    assert policy.last_active == 1000.0
    state = policy.policy_state_json()
    again = agentscale.ScaledObjectPolicy(so)
    again.import_policy_state_json(state)
    assert again.policy_state_json() == state


def test_formula() -> None:
    f = agentscale.Formula("trig1 ?? trig2 ?? 8", ["trig1", "trig2"])
    assert f.composite([None, 4.0]) == 4.0
    assert f.composite([None, None]) == 8.0
    assert agentscale.Formula("a > 2 ? a : b", ["a", "b"]).evaluate([1.0, 5.0]) == 5.0
    assert agentscale.Formula("a > 2", ["a"]).evaluate([3.0]) is True
    with pytest.raises(ValueError, match=r"formula:1:5: unknown trigger \"b\""):
        agentscale.Formula("a + b", ["a"])


def test_replay_follows_the_worked_example() -> None:
    so = agentscale.load_single_scaled_object(SEED)
    trace = agentscale.Trace([0, 60, 120, 600], [0, 400, 0, 0])
    r = agentscale.replay_scaled_object(so, trace)
    replicas = dict(zip((r.time_seconds - 0).astype(int).tolist(), r.replicas.tolist()))
    assert [replicas[t] for t in (0, 15, 30, 60, 75, 405, 420)] == [1, 1, 0, 4, 8, 8, 0]
    assert r.summary.scales_from_zero == 1
    assert r.summary.time_at_zero_seconds > 0


def test_lint_scaled_object() -> None:
    so = agentscale.load_single_scaled_object(SEED)
    so.fallback = agentscale.Fallback(failure_threshold=3, replicas=2)
    so.idle_replica_count = None
    rules = {f.rule for f in agentscale.lint_scaled_object(so)}
    assert {"keda-cooldown-from-poll", "keda-static-fallback"} <= rules
    specs, findings = agentscale.lint_manifest(SEED)
    assert [s.name for s in specs] == ["matillion-agent-scaler"]
    assert any(f.rule == "load-warning" for f in findings)


def test_sweep_and_grid_settings() -> None:
    so = agentscale.load_single_scaled_object(SEED)
    changed = agentscale.apply_grid_setting(so, "activation", 5)
    assert changed.triggers[0].activation_target == 5.0 and so.triggers[0].activation_target == 0.0
    assert agentscale.apply_grid_setting(so, "cooldown_period_seconds", 60).cooldown_period_seconds == 60
    with pytest.raises(ValueError, match="makes the ScaledObject invalid"):
        agentscale.apply_grid_setting(so, "max_replicas", 0)
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 86400)
    result = agentscale.sweep(so, {"target": [25, 100]}, trace, "fluid", workers=1, progress=False)
    costs = [row["cost"] for row in result.table()]
    assert costs[0] > costs[1]  # a lower target costs more


def test_agent_model_reads_the_queue() -> None:
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 6 * 3600)
    run = agentscale.simulate(SEED, trace, model="agent", service_seconds=60)
    assert run.summary.has_waits
    assert run.summary.peak_replicas >= 1
    assert run.summary.scales_from_zero >= 1


def test_cli_replay_json_and_compare() -> None:
    proc = run_cli("replay", str(SEED), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["kind"] == "ScaledObject"
    assert len(out["time_seconds"]) == len(out["replicas"]) == 158_769
    proc = run_cli("compare", str(HPA), str(SEED), "--model", "fluid", "--json")
    assert proc.returncode == 0, proc.stderr
    labels = [r["label"] for r in json.loads(proc.stdout)["rows"]]
    assert labels == ["hpa", "keda"]


def test_cli_explain_with_a_scaled_object(tmp_path: pathlib.Path) -> None:
    obs = tmp_path / "obs.json"
    obs.write_text(json.dumps({"time": 1000, "current_replicas": 0, "metrics": {"s0-prometheus": 400}}))
    proc = run_cli("explain", str(SEED), "--observation", str(obs), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["explain"].startswith(
        "0 -> 4 (scale up): keda: active (s0-prometheus 400 > activation 0), scaled from zero to 1")


JOB = ROOT / "examples" / "keda_job.yaml"


def test_scaled_job_loads_and_dumps(tmp_path: pathlib.Path) -> None:
    sj = agentscale.load_single_scaled_job(JOB)
    assert sj.name == "agent-jobs"
    assert sj.strategy == agentscale.ScalingStrategy.ACCURATE
    assert sj.max_replica_count == 400 and sj.min_replica_count is None
    path = tmp_path / "job.yaml"
    path.write_text(agentscale.dump_scaled_job(sj))
    assert agentscale.load_single_scaled_job(path) == sj
    assert isinstance(agentscale.ScaledJobPolicy(sj), agentscale.Policy)


def test_decide_jobs_matches_kedas_vectors() -> None:
    sj = agentscale.ScaledJobSpec(strategy="accurate", max_replica_count=20)
    # accurate, maxScale 20, R 15, P 10, M 20: 20 + 15 - 10 > 20, so 20 - 15 = 5
    assert agentscale.decide_jobs(sj, [(20, 1, True)], running=15, pending=10)["effective_max"] == 5
    sj.strategy = agentscale.ScalingStrategy.EAGER
    out = agentscale.decide_jobs(sj, [(4, 1, True)], running=7, pending=0)
    assert (out["effective_max"], out["jobs_to_create"]) == (4, 4)
    assert agentscale.decide_jobs(sj, [(4, 1, False)], running=0, pending=0)["jobs_to_create"] == 0


def test_scaled_job_strategies_in_the_agent_model() -> None:
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 3 * 3600)
    sj = agentscale.load_single_scaled_job(JOB)
    results = {}
    for strategy in ("default", "accurate", "eager"):
        sj.strategy = agentscale.ScalingStrategy.from_kubernetes_name(strategy)
        run = agentscale.simulate(sj, trace, model="agent", service_seconds=60)
        result = run.result
        assert isinstance(result, agentscale.AgentModelResult)
        assert result.tasks_arrived == result.tasks_completed + result.tasks_queued_at_end + result.tasks_running_at_end
        assert run.summary.peak_replicas <= 400
        results[strategy] = run.summary
    assert all(s.has_waits for s in results.values())
    with pytest.raises(ValueError, match="use the agent model"):
        agentscale.simulate(sj, trace, model="fluid")


CRON = ROOT / "examples" / "keda_cron.yaml"


def test_cron_schedule_and_window() -> None:
    s = agentscale.CronSchedule.parse("0 8 * * 1-5")
    # Saturday 2024-05-04 12:00 UTC -> Monday 08:00 in Berlin (06:00 UTC).
    assert s.next(1714824000, "Europe/Berlin") == 1714975200
    assert agentscale.CronSchedule.parse("0 0 30 2 *").next(1714824000) is None
    with pytest.raises(ValueError, match=r"end of range \(7\) above maximum \(6\)"):
        agentscale.CronSchedule.parse("0 8 * * 7")
    with pytest.raises(ValueError, match="unknown time zone"):
        s.next(0, "Mars/Olympus")
    # [start, end): open at 08:00, shut at 18:00.
    monday_8 = 1714975200
    assert agentscale.cron_window_open("0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", monday_8)
    assert not agentscale.cron_window_open("0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin",
                                           monday_8 + 10 * 3600)


def test_cron_trigger_loads_dumps_and_replays(tmp_path: pathlib.Path) -> None:
    so = agentscale.load_single_scaled_object(CRON)
    cron = so.triggers[1].cron
    assert cron == agentscale.CronTrigger(start="0 8 * * 1-5", end="0 18 * * 1-5",
                                          timezone="America/New_York", desired_replicas=4)
    assert so.triggers[1].metric_name == "s1-cron-America-New_York-08xx1-5-018xx1-5"
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(agentscale.dump_scaled_object(so))
    assert agentscale.load_single_scaled_object(dumped) == so
    built = agentscale.Trigger.make_cron("0 8 * * 1-5", "0 18 * * 1-5", "America/New_York", 4)
    assert built.cron == cron and built.target == 1.0

    # The embedded NASA trace's clock is the window's: Monday 1995-07-03
    # 08:00-18:00 EDT holds at least 4 agents, the weekend before does not.
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 3 * 86400)
    r = agentscale.replay_scaled_object(so, trace)
    t = r.time_seconds
    monday_8 = 804772800  # 1995-07-03 08:00 EDT
    inside = r.replicas[(t >= monday_8 + 60) & (t < monday_8 + 10 * 3600)]
    assert inside.min() >= 4
    weekend = r.replicas[t < monday_8 - 12 * 3600]
    assert weekend.min() <= 1


def test_cron_lint_and_cli() -> None:
    so = agentscale.load_single_scaled_object(CRON)
    so.triggers = [so.triggers[0],
                   agentscale.Trigger.make_cron("30 2 * * *", "15 3 * * *", "Europe/Berlin", 4)]
    findings = agentscale.lint_scaled_object(so, now=1704067200)  # 2024-01-01
    dst = [f for f in findings if f.rule == "keda-cron-dst"]
    assert len(dst) == 1 and "2024-03-31" in dst[0].message
    proc = run_cli("compare", str(SEED), str(CRON), "--model", "fluid", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["rows"]
    assert [r["label"] for r in rows] == ["keda", "keda_cron"]
    # The business-hours floor costs replica-hours on the fluid model.
    assert rows[1]["replica_hours"] > rows[0]["replica_hours"]


def test_simulate_passes_outages_to_a_scaled_object_replay() -> None:
    trace = agentscale.default_trace()
    trace = trace.sliced(trace.start, trace.start + 86400)
    so = agentscale.load_single_scaled_object(SEED)
    so.fallback = agentscale.Fallback(failure_threshold=2, replicas=7)
    outage = agentscale.MetricOutage(metric="s0-prometheus", start_seconds=trace.start + 3600,
                                     end_seconds=trace.start + 7200)
    plain = agentscale.simulate(so, trace, model="fluid")
    down = agentscale.simulate(so, trace, model="fluid", outages=[outage])
    assert plain.summary.fallback_seconds == 0
    assert down.summary.fallback_seconds > 3000
