"""Queueing theory for a first guess (agentscale/tune/queueing.h) from Python."""

from __future__ import annotations

import math

import numpy as np
import pytest

import agentscale as a


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
