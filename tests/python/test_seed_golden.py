"""The seed manifest evaluated from Python gives exactly the C++ example's decisions.

tests/data/seed_example_output.txt is the output of the C++ example; regenerate it with

    cmake --build build --target 01_seed_hpa && \
        build/examples/01_seed_hpa examples/hpa.yaml > tests/data/seed_example_output.txt

If build/examples/01_seed_hpa exists, its live output is compared too.
"""

from __future__ import annotations

import datetime
import re
import subprocess

import numpy as np

import agentscale

from conftest import REPO, SEED_MANIFEST

GOLDEN = REPO / "tests" / "data" / "seed_example_output.txt"
START = datetime.datetime(2026, 1, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)


def fleet_tasks(minutes: float) -> float:
    """The C++ example's FleetTasks(), operation for operation."""
    if minutes < 3:
        return 100
    if minutes < 9:
        return 100 + (minutes - 3) / 6 * 800
    if minutes < 15:
        return 900
    if minutes < 18:
        return 900 - (minutes - 15) / 3 * 700
    return 200


def python_seed_lines() -> list[str]:
    spec = agentscale.load_single_autoscaler(SEED_MANIFEST)
    hpa = agentscale.HorizontalAutoscaler(spec)
    lines = [
        f"autoscaler {spec.name}: min {spec.min_replicas}, max {spec.max_replicas}, "
        f"{len(spec.metrics)} metrics"
    ]
    replicas = spec.min_replicas
    for sync in range(30 * 4 + 1):
        now = START + datetime.timedelta(seconds=15 * sync)
        minutes = sync * 15 / 60.0
        tasks = fleet_tasks(minutes)
        obs = agentscale.Observation(current_replicas=replicas)
        task_metric = obs.add_metric("app_active_task_count")
        request_metric = obs.add_metric("app_active_request_count")
        for i in range(replicas):
            pod = f"agent-{i}"
            obs.add_pod(agentscale.Pod.ready(pod))
            task_metric.add_pod_value(pod, tasks / replicas, now)
            request_metric.add_pod_value(pod, 0.6 * tasks / replicas, now)
        decision = hpa.evaluate(now, obs)
        if decision.rescale:
            replicas = decision.desired_replicas
            hpa.commit(decision)
        lines.append(
            f"t={sync * 15 // 60:02d}:{sync * 15 % 60:02d}  load {tasks:4.0f} tasks  "
            + decision.explain()
        )
    lines.append(f"final replicas: {replicas}")
    return lines


def test_per_call_matches_golden_file() -> None:
    assert python_seed_lines() == GOLDEN.read_text().splitlines()


def test_matches_live_cpp_example_when_built() -> None:
    binary = REPO / "build" / "examples" / "01_seed_hpa"
    if not binary.exists():
        return  # the golden file test above covers it
    out = subprocess.run(
        [str(binary), str(SEED_MANIFEST)], check=True, capture_output=True, text=True
    ).stdout
    assert python_seed_lines() == out.splitlines()


def test_evaluate_series_matches_golden_replicas() -> None:
    golden = GOLDEN.read_text().splitlines()[1:-1]
    expected = []
    for line in golden:
        match = re.search(r"tasks  (\d+) -> (\d+)", line)
        assert match, line
        expected.append((int(match.group(1)), int(match.group(2))))
    spec = agentscale.load_single_autoscaler(SEED_MANIFEST)
    hpa = agentscale.HorizontalAutoscaler(spec)
    syncs = np.arange(30 * 4 + 1)
    times = START.timestamp() + 15.0 * syncs
    tasks = np.array([fleet_tasks(s * 15 / 60.0) for s in syncs])
    result = hpa.evaluate_series(
        times,
        fleet_totals={"app_active_task_count": tasks, "app_active_request_count": 0.6 * tasks},
    )
    got = list(zip(result.current_replicas.tolist(), result.desired_replicas.tolist()))
    assert got == expected
    assert int(result.desired_replicas[-1]) == int(GOLDEN.read_text().splitlines()[-1].split()[-1])
