"""Golden runs of the simulator, compared with tests/data/golden/*.json.

Regenerate (after an intended change of simulator behaviour) with:

    python tests/python/test_sim_golden.py --regenerate

and review the diff of tests/data/golden/ before committing it.
"""

from __future__ import annotations

import json
import math
import pathlib
import sys
from collections.abc import Callable
from typing import Any

import pytest

import agentscale

GOLDEN = pathlib.Path(__file__).resolve().parents[2] / "tests" / "data" / "golden"


def fluid_diurnal() -> dict[str, Any]:
    """The production preset, fluid replay of three hours of diurnal demand."""
    trace = agentscale.diurnal_trace(400, 350, period_seconds=7200, length_seconds=3 * 3600, step_seconds=60)
    r = agentscale.fluid_replay(agentscale.preset("production"), trace)
    return {
        "command": "fluid_replay(preset('production'), diurnal_trace(400, 350, 7200, 10800, 60))",
        "driven_metrics": list(r.driven_metrics),
        "omitted_metrics": list(r.omitted_metrics),
        "time_seconds": r.time_seconds.tolist(),
        "demand": r.demand.tolist(),
        "replicas": r.replicas.tolist(),
        "metric_value": r.metric_value.tolist(),
        "limit_reason": [agentscale.Reason(int(x)).kubernetes_name for x in r.limit_reason],
        "summary": r.summary.to_dict(),
    }


def agent_nasa_slice() -> dict[str, Any]:
    """The bursty preset, agent model over six hours of the NASA trace
    (Poisson arrivals, exponential 120 s tasks, 50 slots, seed 7)."""
    nasa = agentscale.default_trace()
    start = nasa.start + 4 * 86400 + 8 * 3600
    trace = nasa.sliced(start, start + 6 * 3600)
    opts = agentscale.AgentModelOptions(
        arrivals="poisson", service="exponential", service_seconds=120, slots=50, seed=7
    )
    r = agentscale.run_agent_model(agentscale.preset("bursty"), trace, opts)
    return {
        "command": "run_agent_model(preset('bursty'), default_trace() 6 h from day 4 08:00, "
        "poisson arrivals, exponential 120 s, 50 slots, seed 7)",
        "time_seconds": r.time_seconds.tolist(),
        "desired_replicas": r.desired_replicas.tolist(),
        "ready_replicas": r.ready_replicas.tolist(),
        "alive_replicas": r.alive_replicas.tolist(),
        "queue_length": r.queue_length.tolist(),
        "running_tasks": r.running_tasks.tolist(),
        "counters": {
            "tasks_arrived": r.tasks_arrived,
            "tasks_completed": r.tasks_completed,
            "tasks_queued_at_end": r.tasks_queued_at_end,
            "tasks_running_at_end": r.tasks_running_at_end,
            "tasks_lost": r.tasks_lost,
        },
        "summary": r.summary.to_dict(),
    }


CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "fluid_production_diurnal": fluid_diurnal,
    "agent_bursty_nasa_6h": agent_nasa_slice,
}


def assert_close(got: Any, want: Any, where: str = "") -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for k in want:
            assert_close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    want = json.loads((GOLDEN / f"{name}.json").read_text())
    got = json.loads(json.dumps(CASES[name]()))
    assert_close(got, want, name)


def regenerate() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, make in CASES.items():
        path = GOLDEN / f"{name}.json"
        path.write_text(json.dumps(make(), indent=None, separators=(",", ":")) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {sys.argv[0]} --regenerate")
    regenerate()
