"""The simulator bindings and the Python layer: traces, fluid replay against
the engine driven by hand, agent-model invariants and determinism, summary,
simulate / compare / sweep / pareto, and a sweep on a Dask cluster."""

from __future__ import annotations

import concurrent.futures
import copy
import math
import pathlib
import pickle
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import agentscale
from agentscale import sim

# ---------------------------------------------------------------------------
# Traces.


def test_trace_from_arrays_and_views() -> None:
    t = agentscale.Trace([0, 60, 120], [5, 7.5, 0], name="t", comments=["source: test"])
    assert len(t) == 3 and t.start == 0 and t.end == 120
    assert t.values.tolist() == [5, 7.5, 0]
    assert not t.values.flags.writeable and not t.time_seconds.flags.writeable
    assert t.value_at(59.9) == 5 and t.value_at(60) == 7.5 and t.value_at(-1) == 5
    assert t.median_interval() == 60
    assert "Trace(name='t', rows=3" in repr(t)


@pytest.mark.parametrize(
    "times, values, message",
    [
        ([0, 1], [1], "time_seconds has 2 rows but values has 1"),
        ([0, 1], [1, -1], "row 1: value: must not be negative"),
        ([0, 1], [1, math.nan], "row 1: value: not a finite number"),
        ([5, 1], [1, 1], "row 1: time_seconds: decreases"),
        ([[0, 1]], [[1, 1]], "expected a 1-D array"),
    ],
    ids=["length", "negative", "nan", "backwards", "2d"],
)
def test_trace_from_bad_arrays(times: Any, values: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        agentscale.Trace(times, values)


def test_trace_csv_round_trip_and_errors(tmp_path: pathlib.Path) -> None:
    t = agentscale.parse_trace("# source: x\ntimestamp_seconds,value\n0,1\n60,2\n", "mem.csv")
    assert t.comments == ["source: x"]
    path = tmp_path / "t.csv"
    assert t.to_csv(path) is None
    back = agentscale.load_trace(path)
    assert back.values.tolist() == [1, 2] and back.comments == ["source: x"]
    assert agentscale.trace_to_csv(t) == t.to_csv()
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp_seconds,value\n0,1\n60,abc\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3: value"):
        agentscale.load_trace(bad)
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        agentscale.load_trace(tmp_path / "missing.csv")


def test_trace_transforms_generators_and_pickle() -> None:
    ramp = agentscale.ramp_trace(0, 100, 600, 60)
    assert len(ramp) == 11 and ramp.values[5] == 50
    moved = ramp.scaled(2).shifted(30)
    assert moved.values[5] == 100 and moved.time_seconds[0] == 30
    assert ramp.sliced(60, 180).time_seconds.tolist() == [60, 120]
    summed = agentscale.constant_trace(1, 540, 60).resampled(300, "sum")
    assert summed.values.tolist() == [5, 5]
    assert agentscale.constant_trace(1, 540, 60).resampled(300, agentscale.Resample.MEAN).values.tolist() == [1, 1]
    assert agentscale.step_trace(1, 9, 120, 240, 60).values.tolist() == [1, 1, 9, 9, 9]
    assert (agentscale.diurnal_trace(10, 20, 86400, 86400, 3600).values >= 0).all()
    a = agentscale.poisson_burst_trace(10, 5, 2, 600, 7200, 60, seed=7)
    b = agentscale.poisson_burst_trace(10, 5, 2, 600, 7200, 60, seed=7)
    assert a == b
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    with pytest.raises(ValueError, match="step_seconds must be positive"):
        agentscale.constant_trace(1, 60, 0)


def test_default_trace_is_the_embedded_nasa_trace() -> None:
    t = agentscale.default_trace()
    assert len(t) == 39693
    assert int(t.values.sum()) == 1_891_714
    assert any("NASA" in c for c in t.comments)
    t.name = "changed"
    assert agentscale.default_trace().name == "nasa_http_jul1995_per_minute"


# ---------------------------------------------------------------------------
# Fluid replay.


def short_diurnal() -> agentscale.Trace:
    return agentscale.diurnal_trace(400, 350, period_seconds=7200, length_seconds=3 * 3600, step_seconds=60)


def test_fluid_replay_equals_the_engine_driven_by_hand(production: agentscale.AutoscalerSpec) -> None:
    trace = short_diurnal()
    r = agentscale.fluid_replay(production, trace)
    assert r.driven_metrics == ["app_active_task_count"]
    assert r.omitted_metrics == ["app_active_request_count"]

    only_tasks = copy.deepcopy(production)
    only_tasks.metrics = only_tasks.metrics[:1]
    hpa = agentscale.HorizontalAutoscaler(only_tasks)
    replicas = production.min_replicas
    times = trace.time_seconds
    k = 0
    t = float(times[0])
    while t <= times[-1]:
        d = trace.value_at(t)
        obs = agentscale.Observation(current_replicas=replicas)
        metric = obs.add_metric("app_active_task_count")
        samples = []
        for i in range(replicas):
            obs.add_pod(agentscale.Pod.ready(f"p{i}"))
            samples.append(
                agentscale.PodSample(pod=f"p{i}", value_milli=math.ceil(d * 1000.0 / replicas), timestamp=t)
            )
        metric.pod_samples = samples
        decision = hpa.evaluate(t, obs)
        if decision.rescale:
            hpa.commit(decision)
            replicas = decision.desired_replicas
        assert r.replicas[k] == replicas, f"sync {k}"
        assert r.time_seconds[k] == t and r.demand[k] == d
        k += 1
        t = float(times[0]) + 15.0 * k
    assert k == len(r)
    assert r.scale_ups > 0 and r.scale_downs > 0


def test_fluid_replay_options_and_errors(production: agentscale.AutoscalerSpec) -> None:
    trace = agentscale.constant_trace(500, 3600, 60)
    r = agentscale.fluid_replay(production, {"app_active_request_count": trace}, period_seconds=30, initial_replicas=4)
    assert r.driven_metrics == ["app_active_request_count"]
    assert np.all(np.diff(r.time_seconds) == 30)
    assert r.current_replicas[0] == 4
    opts = agentscale.FluidOptions(period_seconds=60, price_per_replica_hour=2)
    r2 = agentscale.fluid_replay(production, trace, options=opts)
    assert r2.summary.cost == pytest.approx(2 * r2.summary.replica_hours)
    with pytest.raises(ValueError, match="not a metric of the spec"):
        agentscale.fluid_replay(production, trace, metric="gpu_util")
    with pytest.raises(ValueError, match="period must be positive"):
        agentscale.fluid_replay(production, trace, period_seconds=0)
    with pytest.raises(TypeError, match="Trace"):
        agentscale.fluid_replay(production, {"app_active_task_count": [1, 2]})  # type: ignore[dict-item]


def test_summarize_matches_the_replay_and_increase(production: agentscale.AutoscalerSpec) -> None:
    r = agentscale.fluid_replay(production, short_diurnal())
    s = agentscale.summarize(
        r.time_seconds, r.replicas, max_replicas=production.max_replicas, initial_replicas=production.min_replicas
    )
    assert s == r.summary
    assert agentscale.prometheus_increase([0, 60, 120], [1, 2, 3], 0, 120) == pytest.approx(2.0)
    assert agentscale.prometheus_increase([0], [1], 0, 1) is None
    assert agentscale.RunSummary.from_dict(s.to_dict()) == s


# ---------------------------------------------------------------------------
# Agent model.


def bursts() -> agentscale.Trace:
    return agentscale.poisson_burst_trace(120, 5, 2, 1200, 4 * 3600, 60, seed=11)


@pytest.mark.parametrize(
    "preset_name, options",
    [
        ("production", {}),
        ("bursty", {"arrivals": "poisson", "service": "lognormal", "scale_in": "kill"}),
        ("development", {"victims": "fewest-active", "queue_capacity": 50, "startup_delay_seconds": 0}),
    ],
    ids=["production-default", "bursty-kill", "development-capacity"],
)
def test_agent_model_invariants(preset_name: str, options: dict[str, Any]) -> None:
    spec = agentscale.preset(preset_name)
    opts = agentscale.AgentModelOptions(service_seconds=240, **options)
    r = agentscale.run_agent_model(spec, bursts(), opts)
    assert r.tasks_arrived == r.tasks_completed + r.tasks_queued_at_end + r.tasks_running_at_end + r.tasks_lost
    assert r.tasks_completed > 0
    assert ((r.desired_replicas >= spec.min_replicas) & (r.desired_replicas <= spec.max_replicas)).all()
    assert (r.waits_seconds >= 0).all()
    assert r.metric_values.shape == (len(spec.metrics), len(r))
    assert r.metric_names == [m.name for m in spec.metrics]
    assert r.summary.has_waits


def test_agent_model_same_seed_same_output(production: agentscale.AutoscalerSpec) -> None:
    opts = agentscale.AgentModelOptions(arrivals="poisson", service="exponential", service_seconds=200, seed=3)
    a = agentscale.run_agent_model(production, bursts(), opts)
    b = agentscale.run_agent_model(production, bursts(), opts)
    assert np.array_equal(a.waits_seconds, b.waits_seconds)
    assert np.array_equal(a.desired_replicas, b.desired_replicas)
    assert a.summary == b.summary
    opts.seed = 4
    c = agentscale.run_agent_model(production, bursts(), opts)
    assert not np.array_equal(a.waits_seconds, c.waits_seconds)


def test_agent_model_options_and_errors(production: agentscale.AutoscalerSpec) -> None:
    o = agentscale.AgentModelOptions(arrivals="per-row", service=agentscale.ServiceTimeModel.TRACE_VALUE, victims="fewest-active", scale_in="kill")
    assert o.arrivals == agentscale.ArrivalShape.PER_ROW
    assert o.to_dict()["service"] == "trace-value"
    assert agentscale.AgentModelOptions.from_dict(o.to_dict()) == o
    assert pickle.loads(pickle.dumps(o)) == o
    assert agentscale.ArrivalShape.from_kubernetes_name("poisson") == agentscale.ArrivalShape.POISSON
    with pytest.raises(ValueError, match="unknown ArrivalShape"):
        agentscale.AgentModelOptions(arrivals="bursty")
    with pytest.raises(ValueError, match="slots must be at least 1"):
        agentscale.run_agent_model(production, bursts(), agentscale.AgentModelOptions(slots=0))
    queue_depth = agentscale.AutoscalerSpec(
        min_replicas=1, max_replicas=3,
        metrics=[agentscale.MetricSpec.pods_average_value("app_queue_depth", 100)],
    )
    with pytest.raises(ValueError, match="the agent model does not report pods metric app_queue_depth"):
        agentscale.run_agent_model(queue_depth, bursts())


def test_runs_release_the_gil(production: agentscale.AutoscalerSpec) -> None:
    trace = bursts()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: agentscale.run_agent_model(production, trace).summary, range(2)))
    assert results[0] == results[1]


# ---------------------------------------------------------------------------
# The Python layer.


def test_simulate_series_and_pandas(tmp_path: pathlib.Path) -> None:
    run = agentscale.simulate("production", bursts(), "agent", service_seconds=240)
    s = run.series
    for key in ("time_seconds", "demand", "ready_replicas", "desired_replicas", "queue_length",
                "running_tasks", "value:app_active_task_count", "value:app_active_request_count", "reason", "path"):
        assert len(s[key]) == len(run.result), key
    assert isinstance(run.result, agentscale.AgentModelResult)
    assert np.shares_memory(s["desired_replicas"], run.result.desired_replicas)
    assert set(s["reason"]) <= {r.kubernetes_name for r in agentscale.Reason}
    assert run.waits.size > 0 and run.counters["tasks_arrived"] == run.result.tasks_arrived
    frame = run.to_pandas()
    assert list(frame.columns[:2]) == ["time", "time_seconds"] and len(frame) == len(run.result)
    d = run.to_dict()
    assert d["row"]["wait_p99"] == run.summary.wait_p99
    out = run.plot(tmp_path / "run.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    fluid = agentscale.simulate("production", bursts(), "fluid", period_seconds=30)
    assert fluid.series["desired_replicas"].size == len(fluid.result)
    assert fluid.row()["wait_p99"] is None and fluid.row()["time_over_target_seconds"] is not None
    assert fluid.waits.size == 0
    fluid.plot(tmp_path / "fluid.png")


def test_simulate_errors(tmp_path: pathlib.Path) -> None:
    with pytest.raises(KeyError, match="neither a built-in preset"):
        agentscale.simulate("nope")
    with pytest.raises(FileNotFoundError):
        agentscale.simulate(str(tmp_path / "missing.yaml"))
    with pytest.raises(TypeError, match="unknown option 'slots' for the fluid model"):
        agentscale.simulate("production", bursts(), "fluid", slots=3)
    with pytest.raises(ValueError, match="model must be"):
        agentscale.simulate("production", bursts(), "queue")


def test_compare_table_and_plot(tmp_path: pathlib.Path) -> None:
    spec = agentscale.preset("production")
    spec.max_replicas = 4
    cmp = agentscale.compare(
        ["production", "development", ("capped", spec)], bursts(), service_seconds=240
    )
    rows = cmp.table()
    assert [r["label"] for r in rows] == ["production", "development", "capped"]
    for r in rows:
        for key in ("replica_hours", "cost", "mean_replicas", "peak_replicas", "wait_p50", "wait_p95",
                    "wait_p99", "wait_max", "share_over_slo", "tasks_lost", "scale_ups", "scale_downs",
                    "reversals_within_5m", "time_at_max_seconds", "scaling_too_frequent_firings",
                    "scaling_too_frequent_seconds", "max_replicas_reached_firings", "max_replicas_reached_seconds"):
            assert r[key] is not None, key
    alone = agentscale.simulate("development", bursts(), service_seconds=240)
    assert cmp["development"].summary == alone.summary
    assert cmp.to_pandas().loc["capped", "peak_replicas"] <= 4 + 4  # alive may include draining agents
    assert cmp.to_pandas().loc["capped", "peak_ready_replicas"] <= 4  # ready agents never pass max
    out = cmp.plot(tmp_path / "cmp.png")
    assert out.stat().st_size > 10_000


def small_grid() -> dict[str, list[Any]]:
    return {"target": [40, 70], "scale_down_window_seconds": [60, 300], "min_replicas": [1, 12]}


def test_sweep_inline_threads_processes_and_pareto() -> None:
    trace = bursts()
    inline = agentscale.sweep("production", small_grid(), trace, "fluid", workers=1, progress=False)
    assert len(inline) == 8
    errors = inline.errors
    assert len(errors) == 4 and all("maxReplicas" in e["error"] for e in errors)
    ok = [r for r in inline.rows if r.get("error") is None]
    assert all(r["replica_hours"] > 0 for r in ok)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        threaded = agentscale.sweep("production", small_grid(), trace, "fluid", executor=pool, progress=False)
    processes = agentscale.sweep("production", small_grid(), trace, "fluid", workers=2, progress=False,
                                 chunk_size=1)
    assert threaded.rows == inline.rows == processes.rows

    front = inline.pareto_front()
    assert front and inline.objectives == ("cost", "time_over_target_seconds")
    for p in front:
        for q in ok:
            dominates = (q["cost"] <= p["cost"] and q["time_over_target_seconds"] <= p["time_over_target_seconds"]
                         and (q["cost"] < p["cost"] or q["time_over_target_seconds"] < p["time_over_target_seconds"]))
            assert not dominates
    assert inline.table(sort_by="cost")[0]["cost"] == min(r["cost"] for r in ok)


def test_sweep_agent_model_and_grid_keys() -> None:
    result = agentscale.sweep(
        "bursty", {"slots": [20, 60], "scale_up_pods": [1, 4]}, bursts(), "agent",
        workers=1, progress=False, service_seconds=240,
    )
    assert result.objectives == ("cost", "wait_p99")
    assert not result.errors and result.pareto_front()
    spec, rest = sim.apply_grid_point(
        agentscale.preset("production"),
        {"target": 50, "scale_up_pods": 5, "scale_down_percent": 10, "scale_up_window_seconds": 0, "slots": 3},
    )
    assert spec.metrics[0].target.average_value_milli == 50_000
    assert spec.behavior is not None
    assert [p.value for p in spec.behavior.scale_up.policies] == [5]
    assert spec.behavior.scale_up.stabilization_window_seconds == 0
    assert {p.type for p in spec.behavior.scale_down.policies} == {agentscale.PolicyType.PODS, agentscale.PolicyType.PERCENT}
    assert rest == {"slots": 3}
    with pytest.raises(ValueError, match="unknown grid key 'bogus'"):
        agentscale.sweep("production", {"bogus": [1]}, bursts(), progress=False)


def test_sweep_work_items_pickle() -> None:
    chunk = sim._SweepChunk("fluid", None, bursts(), {}, [sim._SweepItem(0, agentscale.preset("testing"), {})])
    back = pickle.loads(pickle.dumps(chunk))
    assert sim._run_sweep_chunk(back) == sim._run_sweep_chunk(chunk)


def test_sweep_on_dask() -> None:
    try:
        from distributed import Client, LocalCluster  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - dask[distributed] is in the test extra
        pytest.skip("dask.distributed cannot be imported (pip install 'dask[distributed]')")
    trace = bursts()
    inline = agentscale.sweep("production", small_grid(), trace, workers=1, progress=False)
    with LocalCluster(  # type: ignore[no-untyped-call,unused-ignore]
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:  # type: ignore[no-untyped-call,unused-ignore]
            via_client = agentscale.sweep("production", small_grid(), trace, executor=client, progress=False)
            via_executor = agentscale.sweep(
                "production", small_grid(), trace, executor=client.get_executor(), progress=False
            )
    assert via_client.rows == inline.rows == via_executor.rows


def test_grid_settings_are_cxx_and_checked() -> None:
    spec = agentscale.preset("production")
    assert spec.behavior is not None
    spec.behavior.scale_down.policies = []
    edited, rest = sim.apply_grid_point(spec, {"scale_down_percent": 50, "service_seconds": 30})
    assert rest == {"service_seconds": 30}
    assert edited.behavior is not None
    (policy,) = edited.behavior.scale_down.policies
    assert policy.period_seconds == 15.0  # Kubernetes' default period, not 60 s
    assert spec.behavior.scale_down.policies == []  # the input is not changed
    assert agentscale.is_spec_grid_key("target:app_active_task_count")
    assert not agentscale.is_spec_grid_key("slots")
    with pytest.raises(ValueError, match='grid key "min_replicas": must be a whole number'):
        sim.apply_grid_point(spec, {"min_replicas": 2.5})
    with pytest.raises(ValueError, match='grid key "scale_up_select_policy": must be Max, Min or Disabled'):
        agentscale.apply_grid_setting(spec, "scale_up_select_policy", "Most")


def overload(burst: float) -> agentscale.Trace:
    """`burst` tasks in the first minute, then an hour of quiet."""
    t0 = 1_700_000_000.0
    minutes = np.arange(61)
    return agentscale.Trace(t0 + 60.0 * minutes, np.where(minutes == 0, burst, 0.0), name="overload")


def test_waits_count_every_task_in_an_overload() -> None:
    # 200,000 tasks in one minute: 10 agents x 100 slots at 300 s serve 200
    # a minute, so when the hour of quiet ends most tasks have not started.
    trace = overload(200_000)
    stop = agentscale.simulate("production", trace, drain_limit_seconds=0)
    r = stop.result
    assert isinstance(r, agentscale.AgentModelResult)
    s = stop.summary
    # Before: the waits covered the ~12,000 started tasks only. Now every
    # task counts; the unserved with their time in the queue.
    assert s.wait_tasks == 200_000
    assert s.unserved_tasks == r.tasks_queued_at_end > 150_000
    assert len(r.unserved_waits_seconds) == s.unserved_tasks
    assert s.share_over_slo > 0.9 and s.wait_p50 > 1800
    started_only = agentscale.summarize(r.time_seconds, r.desired_replicas, waits_seconds=r.waits_seconds)
    assert started_only.wait_p50 < s.wait_p50  # what the figures said before
    row = stop.row()
    assert row["wait_tasks"] == 200_000 and row["unserved_tasks"] == s.unserved_tasks
    # With the default drain the policy keeps deciding after the trace (up
    # to a day): the backlog of about 16 hours is served, and waits of up to
    # that long count.
    drained = agentscale.simulate("production", trace)
    d = drained.result
    assert isinstance(d, agentscale.AgentModelResult)
    assert 10 * 3600 < d.drain_seconds < 24 * 3600
    assert d.tasks_queued_at_end == 0 and drained.summary.unserved_tasks == 0
    assert drained.summary.wait_tasks == 200_000
    assert drained.summary.wait_max > 10 * 3600
    assert d.tasks_arrived == d.tasks_completed + d.tasks_queued_at_end + d.tasks_running_at_end + d.tasks_lost


def test_a_row_of_1e12_tasks_is_an_error_within_a_memory_limit() -> None:
    # Before: the agent model grew past 10 GB on this row (and 1e20 was
    # undefined behaviour in a cast). Now: an error naming the row, with 1 GiB
    # more address space than the interpreter already has.
    code = (
        "import resource, numpy as np, agentscale\n"
        "vm = [int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith('VmSize')][0]\n"
        "resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 30), vm + (1 << 30)))\n"
        "for burst in (1e12, 1e20):\n"
        "    t = agentscale.Trace(1.7e9 + 60.0 * np.arange(4), np.array([5.0, 5.0, burst, 0.0]))\n"
        "    try:\n"
        "        agentscale.simulate('production', t)\n"
        "    except ValueError as e:\n"
        "        print(e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert "trace row 2 (time 1700000120" in line and "limit of 20000000 tasks per run" in line


def test_the_seeds_alert_fires_on_a_single_scale_down() -> None:
    # Ten replicas for ten minutes, one scale-down to nine, then quiet: the
    # seed's increase() reads the fall as a counter reset (9 - 10 + 10 = 9
    # > 3) and fires once it has held for 2 minutes; changes() counts one
    # scale event and stays silent.
    times = np.arange(0, 1800, 15, dtype=np.float64)
    replicas = np.where(times < 600, 10, 9).astype(np.int32)
    s = agentscale.summarize(times, replicas, period_seconds=15, initial_replicas=10, max_replicas=20)
    assert s.scale_downs == 1 and s.scale_ups == 0
    assert len(s.scaling_too_frequent.firings) == 1
    firing = s.scaling_too_frequent.firings[0]
    assert 600 + 120 <= firing.start_seconds < 600 + 300
    assert s.scaling_too_frequent_changes.firings == []
