"""Queueing theory for a first guess (agentscale/tune/queueing.h) from Python."""

from __future__ import annotations

import concurrent.futures
import json
import math
import pathlib
from typing import Any

import numpy as np
import pytest

import agentscale as a
from conftest import EXAMPLES


def test_erlang_c_closed_forms() -> None:
    assert a.erlang_c(1, 0.5) == pytest.approx(0.5, abs=1e-15)
    assert a.erlang_c(2, 1.0) == pytest.approx(1 / 3, abs=1e-15)
    assert a.erlang_c(5, 5.0) == 1.0
    assert math.isnan(a.erlang_c(0, 1.0))
    # The wait's quantile and tail agree.
    w = a.wait_quantile(100, 93.0, 300, 0.95)
    assert a.wait_exceedance(100, 93.0, 300, w) == pytest.approx(0.05, abs=1e-12)
    assert a.mean_wait(100, 93.0, 300) == pytest.approx(a.erlang_c(100, 93.0) * 300 / 7)


def test_wait_slo() -> None:
    slo = a.WaitSlo.quantile(0.95, 60)
    assert slo == a.WaitSlo.share(60, 0.05)
    assert str(slo) == "p95 wait <= 60 s"
    assert str(a.WaitSlo(wait_seconds=30, share_over=0.015)) == "wait > 30 s for <= 1.5% of tasks"
    assert a.WaitSlo.from_dict(slo.to_dict()) == slo


def test_slots_for_wait_slo_is_the_fewest() -> None:
    slo = a.WaitSlo.quantile(0.99, 30)
    c = a.slots_for_wait_slo(600.0, 300, slo)
    assert a.wait_exceedance(c, 600.0, 300, 30) <= 0.01
    assert a.wait_exceedance(c - 1, 600.0, 300, 30) > 0.01
    with pytest.raises(ValueError, match="slo.share_over"):
        a.slots_for_wait_slo(1.0, 300, a.WaitSlo(wait_seconds=60, share_over=0))


def test_size_for_steady_load_example() -> None:
    s = a.size_for_steady_load(2.0, 300, 100, a.WaitSlo.quantile(0.95, 60))
    assert (s.offered_load, s.agents) == (600.0, 7)
    assert s.target_per_agent == 85.714
    assert s.share_over <= 0.05
    with pytest.raises(ValueError, match="slots per agent"):
        a.size_for_steady_load(2.0, 300, 0)


def test_size_fleet_on_the_default_trace() -> None:
    trace = a.default_trace()
    options = a.FleetSizingOptions(slots=100, service_seconds=300)
    assert options.coverage == 0.99
    f = a.size_fleet(trace, options)
    n = len(trace)
    for name in ("time_seconds", "arrival_rate", "offered_load", "slots_needed",
                 "agents_needed", "agents_ahead", "row_target"):
        assert getattr(f, name).shape == (n,), name
    loaded = int(np.count_nonzero(~np.isnan(f.row_target)))
    assert 0 < f.rows_missed <= math.ceil(0.01 * loaded)
    assert f.rows_missed == int(np.count_nonzero(f.row_target < f.target_per_agent))
    assert f.binding_row is not None and f.row_target[f.binding_row] == f.target_per_agent
    assert 0 < f.target_per_agent <= 100
    assert f.agent_hours == pytest.approx(f.agents_needed.sum() * f.interval_seconds / 3600)
    assert np.all(f.agents_ahead >= f.agents_needed)
    assert "assuming:" in f.explain()
    # Sizing for every row takes a far lower target on this trace.
    options.coverage = 1.0
    assert a.size_fleet(trace, options).target_per_agent < f.target_per_agent


def test_size_fleet_options_round_trip_and_errors() -> None:
    o = a.FleetSizingOptions(slots=10, slo=a.WaitSlo.quantile(0.9, 120), startup_delay_seconds=90)
    assert a.FleetSizingOptions.from_json(o.to_json()) == o
    assert o.slo.share_over == pytest.approx(0.1)
    trace = a.Trace([0, 60, 120], [10, 20, 30])
    with pytest.raises(ValueError, match="min_agents"):
        a.size_fleet(trace, a.FleetSizingOptions(min_agents=5, max_agents=2))
    with pytest.raises(ValueError, match="give the interval"):
        a.size_fleet(a.Trace([0], [10]))


def _steady(minutes: int = 360, per_minute: float = 120.0) -> a.Trace:
    return a.Trace([60.0 * i for i in range(minutes)], [per_minute] * minutes, name="steady")


def _task_hpa(target: float) -> a.AutoscalerSpec:
    return a.AutoscalerSpec(
        scale_target_ref=a.ObjectReference(api_version="apps/v1", kind="Deployment", name="agents"),
        min_replicas=1,
        max_replicas=50,
        metrics=[a.MetricSpec.pods_average_value("app_active_task_count", target)],
    )


def test_parse_wait_slo() -> None:
    assert a.parse_wait_slo("p99_wait<=30s") == a.WaitSlo.quantile(0.99, 30)
    assert a.parse_wait_slo("wait>2m<=1%") == a.WaitSlo.share(120, 0.01)
    with pytest.raises(ValueError, match="expected p<quantile>_wait"):
        a.parse_wait_slo("p95 wait under a minute")


def test_pattern_search_by_ask_and_tell() -> None:
    params = [a.Parameter(name="x", lower=0, upper=50, integer=True, initial_step=16, min_step=1),
              a.Parameter(name="y", lower=0, upper=50, integer=True, initial_step=16, min_step=1)]
    s = a.PatternSearch(params, [40, 20])
    while not s.done:
        out = []
        for x, y in s.ask():
            v = max(0.0, 7 - x) + max(0.0, 4 - y)
            out.append(a.Evaluation(feasible=v == 0, cost=x + 3 * y, violation=v))
        s.tell(out)
    assert s.best_point == [7, 4]
    assert s.stop_reason == "steps at their minimum"


# A steady load with a known answer: 600 busy slots on agents of 100 need 7
# agents; the tune finds that fleet on threads, on a process pool and on a
# Dask LocalCluster alike.
def _tune_options() -> a.TuneOptions:
    return a.TuneOptions(search_min_replicas=False, search_scale_down_window=False,
                         max_evaluations=30)


def test_tune_finds_the_known_fleet_on_threads_and_a_process_pool() -> None:
    kw: dict[str, Any] = {"arrivals": "poisson", "service_seconds": 300, "slots": 100, "seed": 3}
    threads = a.tune(_task_hpa(50), _steady(), options=_tune_options(), progress=False, **kw)
    assert threads.found, threads.why_none
    milli = threads.best.spec.metrics[0].target.average_value_milli
    assert milli is not None
    target = milli / 1000
    assert math.ceil(600 / target) == 7
    assert 6.8 < threads.best.cost[0] / 6.0 < 7.6
    assert threads.baseline.evaluation.cost > 1.5 * threads.best.evaluation.cost
    # The same search in C++ alone.
    options = _tune_options()
    model = a.sim.make_options("agent", **kw)
    assert isinstance(model, a.AgentModelOptions)
    options.model = model
    whole = a.tune_hpa(_task_hpa(50), _steady(), options)
    assert whole.best.spec == threads.best.spec
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        procs = a.tune(_task_hpa(50), _steady(), options=_tune_options(), executor=pool,
                       progress=False, **kw)
    assert procs.best.spec == threads.best.spec
    assert [h[0] for h in procs.history] == [h[0] for h in threads.history]


def test_tune_on_a_dask_local_cluster_matches() -> None:
    distributed = pytest.importorskip("distributed")
    kw: dict[str, Any] = {"arrivals": "poisson", "service_seconds": 300, "slots": 100, "seed": 3}
    local = a.tune(_task_hpa(50), _steady(), options=_tune_options(), progress=False, **kw)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = a.tune(_task_hpa(50), _steady(), options=_tune_options(), executor=client,
                        progress=False, **kw)
    assert remote.best.spec == local.best.spec
    assert [h[0] for h in remote.history] == [h[0] for h in local.history]


def test_tune_resumes_from_its_cache(tmp_path: pathlib.Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    kw: dict[str, Any] = {"arrivals": "poisson", "service_seconds": 300, "slots": 100, "seed": 3}
    cache = tmp_path / "tune.cache"
    first = a.tune(_task_hpa(50), _steady(), options=_tune_options(), cache=cache,
                   progress=False, **kw)
    assert cache.exists()
    calls: list[int] = []
    original = a.evaluate_hpa

    def counting(*args: Any) -> a.TunedConfig:
        calls.append(1)
        return original(*args)

    monkeypatch.setattr(a._tune, "evaluate_hpa", counting)
    again = a.tune(_task_hpa(50), _steady(), options=_tune_options(), cache=cache,
                   progress=False, **kw)
    monkeypatch.undo()
    assert calls == []  # every candidate came from the cache
    assert again.best.spec == first.best.spec
    # Another SLO is another run: nothing reused.
    monkeypatch.setattr(a._tune, "evaluate_hpa", counting)
    other = a.tune(_task_hpa(50), _steady(), options=_tune_options(), slo="p99_wait<=30s",
                   cache=cache, progress=False, **kw)
    monkeypatch.undo()
    assert len(calls) == len(other.history)


def test_tune_refuses_what_it_cannot_search() -> None:
    spec = _task_hpa(50)
    spec.metrics = [a.MetricSpec.resource_utilization("cpu", 70)]
    with pytest.raises(ValueError, match="AverageValue"):
        a.tune(spec, _steady(), progress=False)
    with pytest.raises(TypeError, match="HorizontalPodAutoscaler"):
        a.tune("examples/keda.yaml", _steady(), progress=False)


# --- CLI -------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from agentscale import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_tune_the_seed_hpa_then_simulate_it(capsys: pytest.CaptureFixture[str],
                                                tmp_path: pathlib.Path) -> None:
    """The issue's command on the embedded trace: the tuned config meets the
    SLO when `simulate` replays it, and costs less than the seed's."""
    tuned = tmp_path / "tuned.yaml"
    code, out, err = _cli(capsys, "tune", str(EXAMPLES / "hpa.yaml"), "--slo", "p95_wait<=60s",
                          "--json", "-q", "-o", str(tuned))
    assert code == 0, err
    report = json.loads(out)
    assert report["found"] and report["output"] == str(tuned)
    assert report["best"]["feasible"] and report["baseline"]["feasible"]
    assert report["best"]["cost"] < report["baseline"]["cost"]
    # Below the saturation cap: a saturated agent (100 slots) still scales up.
    assert report["best"]["target"] < 100 / 1.1
    code, out, err = _cli(capsys, "simulate", str(tuned), "--json", "-q")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    assert summary["wait_p95"] <= 60
    assert summary["share_over_slo"] <= 0.05
    assert summary["cost"] == pytest.approx(report["best"]["cost"])
    code, out, err = _cli(capsys, "simulate", str(EXAMPLES / "hpa.yaml"), "--json", "-q")
    assert json.loads(out)["summary"]["cost"] > summary["cost"]


def test_cli_tune_says_why_none(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "tune", str(EXAMPLES / "hpa.yaml"), "--slo", "wait>0s<=0.01%",
                          "--max-evaluations", "6", "--fixed", "min_replicas",
                          "--fixed", "scale_down_window", "-q")
    assert code == 1, err
    assert "None found: no candidate of 6 met wait > 0 s for <= 0.01% of tasks" in out
    code, out, err = _cli(capsys, "tune", str(EXAMPLES / "hpa.yaml"), "--slo", "fast please")
    assert code == 2 and "expected p<quantile>_wait" in err
    code, out, err = _cli(capsys, "tune", str(EXAMPLES / "keda.yaml"))
    assert code == 2 and "searches a HorizontalPodAutoscaler" in err
