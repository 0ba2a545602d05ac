"""The metrics layer from Python: series store (numpy batch appends), exposition
parser, adapter rules driving the engine, scraper and Prometheus query client.

The HTTP tests run servers from http.server on 127.0.0.1 (ephemeral ports).
They are skipped when agentscale was built without cpp-httplib
(agentscale.HAVE_HTTP is False), unless AGENTSCALE_REQUIRE_HTTP=1, which
makes them fail instead (scripts/python-test.sh sets it: CI installs
cpp-httplib, so a build without it there is a bug).
"""

from __future__ import annotations

import datetime
import gc
import json
import math
import os
import pathlib
import pickle
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

import agentscale

from conftest import REPO

T0 = 1_767_258_000.0
TASKS = "app_active_task_count"
REQUESTS = "app_active_request_count"

REQUIRE_HTTP = os.environ.get("AGENTSCALE_REQUIRE_HTTP") == "1"


@pytest.fixture
def http() -> None:
    """Skips (or, with AGENTSCALE_REQUIRE_HTTP=1, fails) without cpp-httplib."""
    if agentscale.HAVE_HTTP:
        return
    if REQUIRE_HTTP:
        pytest.fail(
            "agentscale was built without cpp-httplib (HAVE_HTTP is False) but "
            "AGENTSCALE_REQUIRE_HTTP=1: install libcpp-httplib-dev and reinstall"
        )
    pytest.skip("agentscale was built without cpp-httplib (HAVE_HTTP is False)")


needs_http = pytest.mark.usefixtures("http")


# --- series store ---------------------------------------------------------------


def test_missing_is_never_zero_and_stale_reads_missing() -> None:
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS, {"pod": "agent-0", "namespace": "ml"})
    assert store.latest(ref, T0) is None  # no sample yet: missing, not 0
    assert store.query(ref, "avg_over_time", 60, T0) is None
    assert store.append(ref, T0, 70.0) is agentscale.AppendResult.OK
    assert store.latest(ref, T0 + 1) == 70.0
    assert store.latest(ref, T0 - 1) is None  # nothing at or before then
    # Past the 5 min lookback the series is missing again.
    assert store.latest(ref, T0 + 299) == 70.0
    assert store.latest(ref, T0 + 301) is None
    # A staleness marker: missing from then on, until a newer sample.
    assert store.mark_stale(ref, T0 + 15) is agentscale.AppendResult.OK
    assert store.latest(ref, T0 + 16) is None
    assert store.query(ref, agentscale.Aggregation.AVG_OVER_TIME, 60, T0 + 16) is None
    store.append(ref, T0 + 30, 90.0)
    assert store.latest(ref, T0 + 30) == 90.0
    times, values = store.samples(ref)
    assert times.tolist() == [T0, T0 + 15, T0 + 30]
    assert [agentscale.is_stale_marker(float(v)) for v in values] == [False, True, False]
    assert agentscale.is_stale_marker(agentscale.stale_marker())
    assert not agentscale.is_stale_marker(float("nan"))


def test_require_fresh_off_sees_every_sample_in_range() -> None:
    store = agentscale.SeriesStore(require_fresh=False)
    ref = store.get_or_create(TASKS, {"pod": "a"})
    store.append(ref, T0, 10.0)
    store.append(ref, T0 + 10, 30.0)
    store.mark_stale(ref, T0 + 20)
    assert store.query(ref, "avg_over_time", 60, T0 + 30) == 20.0
    assert store.latest(ref, T0 + 30) is None  # the instant selector still honours the marker


def test_out_of_order_and_duplicate_are_rejected_and_counted() -> None:
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS, {"pod": "a"})
    assert store.append(ref, T0, 1.0) is agentscale.AppendResult.OK
    assert store.append(ref, T0, 2.0) is agentscale.AppendResult.DUPLICATE
    assert store.append(ref, T0 - 5, 3.0) is agentscale.AppendResult.OUT_OF_ORDER
    stats = store.stats()
    assert (stats.appended, stats.duplicate, stats.out_of_order) == (1, 1, 1)
    assert store.latest(ref, T0) == 1.0  # never merged


def test_timestamps_are_floored_to_the_millisecond() -> None:
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS, {"pod": "a"})
    assert store.append(ref, T0 + 0.0011, 1.0) is agentscale.AppendResult.OK
    # 1.9 ms floors to the same millisecond: a duplicate.
    assert store.append(ref, T0 + 0.0019, 2.0) is agentscale.AppendResult.DUPLICATE
    assert store.append(ref, T0 + 0.002, 3.0) is agentscale.AppendResult.OK
    times, _ = store.samples(ref)
    assert times.tolist() == [T0 + 0.001, T0 + 0.002]
    # The batch path floors the same way.
    counts = store.append_batch(np.array([ref.id]), np.array([T0 + 0.0029]), np.array([4.0]))
    assert counts.duplicate == 1


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("avg_over_time", 20.0),
        ("max_over_time", 30.0),
        ("min_over_time", 10.0),
        ("sum_over_time", 60.0),
        ("last_over_time", 30.0),
        ("count_over_time", 3.0),
        (agentscale.Aggregation.LATEST, 30.0),
    ],
    ids=lambda v: str(v),
)
def test_window_functions(aggregation: agentscale.Aggregation | str, expected: float) -> None:
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS, {"pod": "a"})
    for i, v in enumerate([10.0, 20.0, 30.0]):
        store.append(ref, T0 + 15 * i, v)
    assert store.query(ref, aggregation, 60, T0 + 30) == pytest.approx(expected)


def test_rate_of_a_counter_with_a_reset() -> None:
    # Prometheus 2's closed range [T0, T0+60]: 0, 10, 20, reset to 5, 15:
    # 35 increments over 60 s, no extrapolation needed at the exact edges.
    store = agentscale.SeriesStore(prometheus_version=2)
    assert store.options.prometheus_version == 2
    ref = store.get_or_create("tasks_total", {"pod": "a"})
    for i, v in enumerate([0.0, 10.0, 20.0, 5.0, 15.0]):
        store.append(ref, T0 + 15 * i, v)
    rate = store.query(ref, agentscale.Aggregation.RATE, 60, T0 + 60)
    assert rate is not None
    assert rate == pytest.approx(35.0 / 60.0)
    increase = store.query(ref, "increase", 60, T0 + 60)
    assert increase == pytest.approx(35.0)

    # Prometheus 3 (the default) leaves T0 out, (T0, T0+60]: 10, 20, 5, 15
    # is 25 over 45 s, extrapolated over the 15 s gap to the start: 25 x 60/45.
    store3 = agentscale.SeriesStore()
    assert agentscale.SeriesStoreOptions().prometheus_version == 3
    ref3 = store3.get_or_create("tasks_total", {"pod": "a"})
    for i, v in enumerate([0.0, 10.0, 20.0, 5.0, 15.0]):
        store3.append(ref3, T0 + 15 * i, v)
    assert store3.query(ref3, "increase", 60, T0 + 60) == pytest.approx(25.0 * 60 / 45)


def test_aggregation_names() -> None:
    assert agentscale.parse_aggregation("avg_over_time") is agentscale.Aggregation.AVG_OVER_TIME
    assert agentscale.Aggregation.from_kubernetes_name("rate") is agentscale.Aggregation.RATE
    assert agentscale.Aggregation.INCREASE.kubernetes_name == "increase"
    with pytest.raises(ValueError, match="unsupported range function"):
        agentscale.parse_aggregation("stddev_over_time")
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS)
    with pytest.raises(ValueError, match="avg_over_time"):
        store.query(ref, "median", 60, T0)


def test_refs_ids_find_and_invalid_names() -> None:
    store = agentscale.SeriesStore()
    ref = store.get_or_create(TASKS, {"pod": "a", "namespace": "ml"})
    # Label order does not matter; empty values are dropped.
    assert store.get_or_create(TASKS, [("namespace", "ml"), ("pod", "a"), ("x", "")]) == ref
    assert store.find(TASKS, {"pod": "a", "namespace": "ml"}) == ref
    assert store.find(TASKS, {"pod": "b"}) is None
    assert agentscale.SeriesRef.from_id(ref.id) == ref
    assert ref.valid and not agentscale.SeriesRef.from_id(0).valid
    assert pickle.loads(pickle.dumps(ref)) == ref
    assert len({ref, agentscale.SeriesRef.from_id(ref.id)}) == 1
    with pytest.raises(ValueError, match="9bad"):
        store.get_or_create("9bad")
    with pytest.raises(ValueError):
        store.get_or_create(TASKS, {"__name__": "x"})
    with pytest.raises(TypeError, match="str"):
        store.get_or_create(TASKS, {"pod": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="uint64"):
        agentscale.SeriesRef.from_id(-1)


def test_append_by_name_creates_the_series() -> None:
    store = agentscale.SeriesStore()
    assert store.append(TASKS, T0, 5.0, labels={"pod": "a"}) is agentscale.AppendResult.OK
    ref = store.find(TASKS, {"pod": "a"})
    assert ref is not None and store.latest(ref, T0) == 5.0
    assert store.append("1x", T0, 5.0) is agentscale.AppendResult.INVALID_SERIES
    with pytest.raises(TypeError, match="labels="):
        store.append(ref, T0 + 1, 1.0, labels={"pod": "a"})


def test_collect_garbage_makes_refs_unknown() -> None:
    store = agentscale.SeriesStore(lookback_seconds=60, gc_after_seconds=120)
    old = store.get_or_create(TASKS, {"pod": "old"})
    new = store.get_or_create(TASKS, {"pod": "new"})
    store.append(old, T0, 1.0)
    store.append(new, T0 + 100, 1.0)
    assert store.collect_garbage(T0 + 150) == 1
    assert store.append(old, T0 + 151, 1.0) is agentscale.AppendResult.UNKNOWN_SERIES
    assert store.latest(old, T0 + 151) is None
    assert store.append(new, T0 + 151, 2.0) is agentscale.AppendResult.OK
    stats = store.stats()
    assert (stats.series, stats.collected_series, stats.unknown_series) == (1, 1, 1)
    assert stats.bytes_per_series > 0


def test_options_retention_and_select() -> None:
    with pytest.raises(ValueError):
        agentscale.SeriesStore(lookback_seconds=300, gc_after_seconds=60)
    opts = agentscale.SeriesStoreOptions(lookback_seconds=120.0, gc_after_seconds=600.0)
    store = agentscale.SeriesStore(opts, require_fresh=False)
    assert store.options == agentscale.SeriesStoreOptions(
        lookback_seconds=120.0, require_fresh=False, gc_after_seconds=600.0
    )
    assert store.retention_seconds == 120.0
    store.register_window(600)
    assert store.retention_seconds == 600.0
    for pod in ["agent-0", "agent-1", "other"]:
        store.get_or_create(TASKS, {"pod": pod, "namespace": "ml"})
    store.get_or_create(REQUESTS, {"pod": "agent-0"})
    assert {i.labels["pod"] for i in store.select(TASKS)} == {"agent-0", "agent-1", "other"}
    assert len(store.select()) == 4
    [one] = store.select(TASKS, {"pod": "agent-1"})
    assert one.metric == TASKS and one.labels == {"namespace": "ml", "pod": "agent-1"}
    assert one.to_dict()["ref"] == one.ref.id
    picked = store.select(selector=f'{{pod=~"agent-.*",namespace=""}}')
    assert [(i.metric, i.labels["pod"]) for i in picked] == [(REQUESTS, "agent-0")]
    with pytest.raises(ValueError):
        store.select(selector="{pod=")


# --- numpy batch appends ----------------------------------------------------------


def pods(n: int) -> list[dict[str, str]]:
    return [{"pod": f"agent-{i}", "namespace": "ml"} for i in range(n)]


def test_append_batch_matches_per_call_appends() -> None:
    n, steps = 50, 20
    batch, single = agentscale.SeriesStore(), agentscale.SeriesStore()
    ids = batch.refs_for(TASKS, pods(n))
    assert ids.dtype == np.uint64 and ids.shape == (n,)
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 100, size=(steps, n))
    refs = [single.get_or_create(TASKS, p) for p in pods(n)]
    for t in range(steps):
        counts = batch.append_batch(ids, np.full(n, T0 + 15.0 * t), values[t])
        assert counts.appended == n and counts.rejected == 0
        for i, ref in enumerate(refs):
            single.append(ref, T0 + 15.0 * t, float(values[t, i]))
    now = T0 + 15.0 * (steps - 1)
    for i, ref in enumerate(refs):
        other = agentscale.SeriesRef.from_id(int(ids[i]))
        assert batch.query(other, "avg_over_time", 60, now) == single.query(ref, "avg_over_time", 60, now)
    assert batch.stats().samples == single.stats().samples


def test_append_batch_counts_rejections_and_goes_on() -> None:
    store = agentscale.SeriesStore()
    ids = store.refs_for(TASKS, pods(2))
    unknown = agentscale.SeriesRef.from_id(int(ids[1]) + 1000).id
    counts = store.append_batch(
        np.array([ids[0], ids[0], ids[0], unknown, ids[1]], dtype=np.uint64),
        np.array([T0 + 10, T0 + 10, T0, T0, T0]),
        np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
    )
    assert (counts.appended, counts.duplicate, counts.out_of_order, counts.unknown_series) == (2, 1, 1, 1)
    assert counts.rejected == 3
    assert store.latest(int(ids[1]), T0) == 5.0


def test_append_batch_lengths_must_match() -> None:
    store = agentscale.SeriesStore()
    ids = store.refs_for(TASKS, pods(3))
    with pytest.raises(ValueError, match=r"refs has 3, timestamps has 2, values has 3"):
        store.append_batch(ids, np.array([T0, T0]), np.zeros(3))
    with pytest.raises(ValueError, match=r"values has 4"):
        store.append_batch(ids, np.full(3, T0), np.zeros(4))
    with pytest.raises(ValueError, match="1-D"):
        store.append_batch(ids, np.full(3, T0), np.zeros((3, 1)))
    assert store.stats().appended == 0


def test_append_batch_dtypes() -> None:
    store = agentscale.SeriesStore()
    ids = store.refs_for(TASKS, pods(3))
    with pytest.raises(TypeError, match="integer series ids"):
        store.append_batch(ids.astype(np.float64), np.full(3, T0), np.zeros(3))
    with pytest.raises(TypeError, match="values"):
        store.append_batch(ids, np.full(3, T0), np.array(["1", "2", "3"]))
    with pytest.raises(TypeError, match="values"):
        store.append_batch(ids, np.full(3, T0), np.array([True, False, True]))
    with pytest.raises(TypeError, match="timestamps"):
        store.append_batch(ids, np.array(["2026-01-01"] * 3, dtype="datetime64[s]"), np.zeros(3))
    with pytest.raises(ValueError, match=r"timestamps\[1\] is nan"):
        store.append_batch(ids, np.array([T0, np.nan, T0]), np.zeros(3))
    with pytest.raises(ValueError, match=r"refs\[2\] is -1"):
        store.append_batch(np.array([int(ids[0]), int(ids[1]), -1]), np.full(3, T0), np.zeros(3))
    assert store.stats().appended == 0  # a bad batch appends nothing
    # Conversions that are fine: int64 ids, int32 values, a list, one timestamp for all.
    counts = store.append_batch(ids.astype(np.int64), T0, np.array([1, 2, 3], dtype=np.int32))
    assert counts.appended == 3
    counts = store.append_batch(
        [agentscale.SeriesRef.from_id(int(i)) for i in ids], [T0 + 1] * 3, [4.0, 5.0, 6.0]
    )
    assert counts.appended == 3
    assert store.latest(int(ids[2]), T0 + 1) == 6.0


def test_append_batch_non_contiguous_input() -> None:
    store = agentscale.SeriesStore()
    ids = store.refs_for(TASKS, pods(4))
    wide_ids = np.repeat(ids, 2)[::2]  # strided views
    table = np.array([[T0, 1.0], [T0, 2.0], [T0, 3.0], [T0, 4.0]])  # C order: columns are strided
    assert not table[:, 1].flags.c_contiguous and not wide_ids.flags.c_contiguous
    counts = store.append_batch(wide_ids, table[:, 0], table[:, 1])
    assert counts.appended == 4
    assert [store.latest(int(i), T0) for i in ids] == [1.0, 2.0, 3.0, 4.0]
    # Fortran-ordered and reversed input.
    f = np.asfortranarray(np.array([[T0 + 5, 10.0], [T0 + 5, 20.0], [T0 + 5, 30.0], [T0 + 5, 40.0]]))
    counts = store.append_batch(ids[::-1], f[:, 0], f[:, 1])
    assert counts.appended == 4
    assert [store.latest(int(i), T0 + 5) for i in ids] == [40.0, 30.0, 20.0, 10.0]


def test_append_labeled() -> None:
    store = agentscale.SeriesStore()
    counts = store.append_labeled(TASKS, pods(3), np.full(3, T0), np.array([1.0, 2.0, 3.0]))
    assert (counts.appended, counts.created_series) == (3, 3)
    # One label set for every sample: a series' history in one call.
    counts = store.append_labeled(REQUESTS, {"pod": "agent-0"}, T0 + np.arange(4.0), np.arange(4.0))
    assert (counts.appended, counts.created_series) == (4, 1)
    # One metric per sample, and invalid names counted, not raised.
    counts = store.append_labeled(
        [TASKS, REQUESTS, "0bad"], [{"pod": "agent-0"}, {"pod": "agent-1"}, {}], T0 + 20, [7.0, 8.0, 9.0]
    )
    assert (counts.appended, counts.invalid_series) == (2, 1)
    ref = store.find(TASKS, {"pod": "agent-0"})
    assert ref is not None and store.latest(ref, T0 + 20) == 7.0
    with pytest.raises(ValueError, match="labels has 2, values has 3"):
        store.append_labeled(TASKS, pods(2), T0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="metric has 2, values has 3"):
        store.append_labeled([TASKS, TASKS], pods(3), T0, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="metric has 1, labels has 2"):
        store.refs_for([TASKS], pods(2))
    with pytest.raises(TypeError, match=r"labels\[1\]"):
        store.append_labeled(TASKS, [{"pod": "a"}, 5], T0, [1.0, 2.0])  # type: ignore[list-item]


def test_refs_for_names_the_bad_label_set() -> None:
    store = agentscale.SeriesStore()
    with pytest.raises(ValueError, match=r"labels\[1\]"):
        store.refs_for(TASKS, [{"pod": "a"}, {"bad-name": "x"}])
    ids = store.refs_for([TASKS, REQUESTS], [{"pod": "a"}, {"pod": "a"}])
    assert len(set(ids.tolist())) == 2
    assert store.refs_for(TASKS, [{"pod": "a"}])[0] == ids[0]


def test_append_batch_releases_the_gil() -> None:
    """As test_series' GIL test: with a huge switch interval only a released GIL lets the counter run."""
    store = agentscale.SeriesStore()
    n = 500_000
    ids = np.tile(store.refs_for(TASKS, pods(1000)), n // 1000)
    ts = np.repeat(T0 + np.arange(n // 1000, dtype=np.float64), 1000)
    values = np.ones(n)
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
        counts = store.append_batch(ids, ts, values)
        during = count - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
        thread.join()
    assert counts.appended == n
    assert during > 0


def test_concurrent_batches_from_threads() -> None:
    store = agentscale.SeriesStore()
    per_thread = [store.refs_for(TASKS, [{"pod": f"t{k}-{i}"} for i in range(100)]) for k in range(4)]
    results: list[agentscale.AppendCounts] = []
    lock = threading.Lock()

    def work(ids: np.ndarray[Any, np.dtype[np.uint64]]) -> None:
        for step in range(50):
            c = store.append_batch(ids, T0 + step, np.full(ids.size, float(step)))
            with lock:
                results.append(c)

    threads = [threading.Thread(target=work, args=(ids,)) for ids in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(c.appended for c in results) == 4 * 100 * 50
    assert store.stats().samples == 4 * 100 * 50


# --- exposition parser --------------------------------------------------------------

EXPOSITION = """\
# HELP app_active_task_count Tasks in progress.
# TYPE app_active_task_count gauge
app_active_task_count{queue="default",note="a \\"b\\"\\n"} 7
app_active_task_count{queue="slow"} NaN 1767258000123
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.1"} 3
rpc_seconds_bucket{le="+Inf"} 5
rpc_seconds_sum 1.5
rpc_seconds_count 5
untyped_thing -Inf
"""


def test_parse_exposition() -> None:
    e = agentscale.parse_exposition(EXPOSITION)
    assert [(f.name, f.type) for f in e.families] == [
        ("app_active_task_count", agentscale.MetricType.GAUGE),
        ("rpc_seconds", agentscale.MetricType.HISTOGRAM),
    ]
    assert e.families[0].help == "Tasks in progress."
    first = e.samples[0]
    assert (first.metric, first.family, first.value, first.timestamp) == (
        "app_active_task_count", "app_active_task_count", 7.0, None)
    assert first.labels == {"queue": "default", "note": 'a "b"\n'}
    second = e.samples[1]
    assert math.isnan(second.value) and second.timestamp == pytest.approx(1767258000.123)
    bucket = e.samples[3]
    assert (bucket.metric, bucket.family, bucket.type) == (
        "rpc_seconds_bucket", "rpc_seconds", agentscale.MetricType.HISTOGRAM)
    assert bucket.labels == {"le": "+Inf"}
    assert e.samples[-1].value == -math.inf
    assert e.samples[-1].type is agentscale.MetricType.UNTYPED
    # bytes parse the same (compared as JSON: NaN != NaN).
    assert agentscale.parse_exposition(EXPOSITION.encode()).to_json() == e.to_json()
    assert agentscale.Exposition.from_json(e.to_json()).samples[0] == first


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("ok 1\nbad{ 2\n", 2, id="label_syntax"),
        pytest.param("a 1\nb 2\nc one\n", 3, id="value"),
        pytest.param("# TYPE x gauge\n# TYPE x counter\nx 1\n", 2, id="type_twice"),
        pytest.param('x{a="1",a="2"} 1\n', 1, id="duplicate_label"),
    ],
)
def test_parse_errors_carry_the_line(text: str, line: int) -> None:
    with pytest.raises(agentscale.ExpositionError) as info:
        agentscale.parse_exposition(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")
    assert isinstance(info.value, ValueError)


def test_parse_exposition_argument_type() -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        agentscale.parse_exposition(17)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str or bytes"):  # mutable: not read without the GIL
        agentscale.parse_exposition(bytearray(b"x 1\n"))  # type: ignore[arg-type]


def test_append_exposition_with_target_labels() -> None:
    store = agentscale.SeriesStore()
    text = 'app_active_task_count{pod="inner"} 7\nrequests_total 3 1767257990000\n'
    counts = agentscale.append_exposition(text, store, T0, target_labels={"pod": "agent-0", "namespace": "ml"})
    assert (counts.appended, counts.created_series) == (2, 2)
    [info] = store.select(TASKS)
    # A scraped label that clashes with a target label is kept as exported_<name>.
    assert info.labels == {"exported_pod": "inner", "namespace": "ml", "pod": "agent-0"}
    assert store.latest(info.ref, T0) == 7.0
    [req] = store.select("requests_total")
    assert store.samples(req.ref)[0].tolist() == [T0 - 10]  # its own timestamp
    before = store.stats().appended
    with pytest.raises(agentscale.ExpositionError) as info_err:
        agentscale.append_exposition("a 1\nb 2\n}{\n", store, T0 + 15)
    assert info_err.value.line == 3
    assert store.stats().appended == before  # nothing of a bad scrape


# --- adapter rules and the engine -----------------------------------------------------

ADAPTER_CONFIG = """\
rules:
- seriesQuery: 'app_active_task_count{namespace!="",pod!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
      pod: {resource: "pod"}
  name:
    matches: "^(.*)$"
    as: "${1}"
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
- seriesQuery: 'app_active_request_count{namespace!="",pod!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
      pod: {resource: "pod"}
  name:
    matches: "^(.*)$"
    as: "${1}"
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
"""

TASK_COUNTS = [80.0, 95.0, 105.0]
REQUEST_COUNTS = [40.0, 50.0, 45.0]


def agent_body(tasks: float, requests: float) -> str:
    return (
        "# TYPE app_active_task_count gauge\n"
        f"app_active_task_count {tasks}\n"
        "# TYPE app_active_request_count gauge\n"
        f"app_active_request_count {requests}\n"
    )


def test_adapter_rules() -> None:
    adapter = agentscale.MetricAdapter.from_config(ADAPTER_CONFIG)
    assert len(adapter.rules) == 2
    rule = adapter.rules[0]
    assert rule.series_query == 'app_active_task_count{namespace!="",pod!=""}'
    assert (rule.pod_label, rule.namespace_label) == ("pod", "namespace")
    assert rule.aggregation is agentscale.Aggregation.AVG_OVER_TIME
    assert rule.window_seconds == 60.0 and rule.group == ""
    store = agentscale.SeriesStore(lookback_seconds=30, gc_after_seconds=60)
    adapter.register_windows(store)
    assert store.retention_seconds == 60.0


def test_adapter_config_errors(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match=r"seriesFilters|not supported|\d+:\d+"):
        agentscale.MetricAdapter.from_config("rules:\n- seriesQuery: 'x'\n  seriesFilters: []\n")
    with pytest.raises(FileNotFoundError):
        agentscale.MetricAdapter.from_config_file(tmp_path / "missing.yaml")
    path = tmp_path / "adapter.yaml"
    path.write_text(ADAPTER_CONFIG)
    assert len(agentscale.MetricAdapter.from_config_file(path).rules) == 2


def fill_seed_store(store: agentscale.SeriesStore, now: float) -> None:
    for i, (tasks, requests) in enumerate(zip(TASK_COUNTS, REQUEST_COUNTS)):
        for dt in (-30.0, -15.0, 0.0):
            agentscale.append_exposition(
                agent_body(tasks, requests), store, now + dt,
                target_labels={"pod": f"agent-{i}", "namespace": "default"})


def test_adapter_drives_the_engine(seed_spec: agentscale.AutoscalerSpec) -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ADAPTER_CONFIG)
    adapter.register_windows(store)
    fill_seed_store(store, T0)
    assert sorted(adapter.metric_names(store)) == [REQUESTS, TASKS]

    obs = agentscale.Observation(current_replicas=3)
    obs.add_ready_pods(3)
    obs.add_metric(TASKS)
    obs.add_metric(REQUESTS)
    adapter.fill_observation(store, T0, obs, "default")
    assert [s.value_milli for s in obs.metrics[0].pod_samples] == [80_000, 95_000, 105_000]
    decision = agentscale.HorizontalAutoscaler(seed_spec).evaluate(T0, obs)

    reference = agentscale.make_observation(3, {TASKS: TASK_COUNTS, REQUESTS: REQUEST_COUNTS}, T0)
    expected = agentscale.HorizontalAutoscaler(seed_spec).evaluate(T0, reference)
    # The seed proposes 4 (93.3 tasks per agent against 70); its scale-up
    # stabilization holds a fresh engine at 3.
    assert decision.metric_replicas == expected.metric_replicas == 4
    assert decision.desired_replicas == expected.desired_replicas
    assert [m.value_milli for m in decision.metrics] == [m.value_milli for m in expected.metrics]

    # Another namespace has none of these series: no samples, and the metric
    # fails as the adapter's "metric not found" would; the engine holds.
    other = agentscale.Observation(current_replicas=3)
    other.add_ready_pods(3)
    other.add_metric(TASKS)
    adapter.fill_observation(store, T0, other, "elsewhere")
    assert other.metrics[0].pod_samples == []
    assert other.metrics[0].error is not None and TASKS in other.metrics[0].error
    held = agentscale.HorizontalAutoscaler(seed_spec).evaluate(T0, other)
    assert held.desired_replicas == 3 and not held.rescale


def test_adapter_stale_pod_is_missing_not_zero(seed_spec: agentscale.AutoscalerSpec) -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ADAPTER_CONFIG)
    fill_seed_store(store, T0)
    for info in store.select(selector='{pod="agent-2"}'):
        store.mark_stale(info.ref, T0 + 5)
    pods = [agentscale.Pod.ready(f"agent-{i}") for i in range(3)]
    tasks = agentscale.MetricObservation(metric=TASKS)
    adapter.fill(store, T0 + 10, pods, tasks)
    assert sorted(s.pod for s in tasks.pod_samples) == ["agent-0", "agent-1"]
    assert tasks.error is None
    unknown = agentscale.MetricObservation(metric="no_such_metric")
    adapter.fill(store, T0 + 10, pods, unknown)
    assert unknown.error is not None and unknown.pod_samples == []


# --- Object and External metrics (rules with object labels, externalRules) ----------

ALL_KINDS_CONFIG = """\
rules:
- seriesQuery: 'app_active_task_count{namespace!="",pod!=""}'
  resources: {template: "<<.Resource>>"}
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
- seriesQuery: 'http_requests_per_second{namespace!="",service!=""}'
  resources:
    overrides:
      namespace: {resource: namespace}
      service: {resource: service}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
externalRules:
- seriesQuery: 'queue_depth{namespace!="",queue!=""}'
  resources:
    overrides:
      namespace: {resource: namespace}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
"""

AGENT_PODS = ["agent-0", "agent-1", "agent-2"]
GATEWAY = agentscale.ObjectReference(api_version="v1", kind="Service", name="gateway")


def fill_all_kinds_store(store: agentscale.SeriesStore, now: float) -> None:
    """queue_depth{queue="jobs"} totals 55 over two shards (another queue has
    500), the gateway Service serves 150 requests/s, each agent runs 35 tasks."""
    counts = store.append_labeled(
        "queue_depth",
        [{"namespace": "ml", "queue": "jobs", "shard": "0"},
         {"namespace": "ml", "queue": "jobs", "shard": "1"},
         {"namespace": "ml", "queue": "bulk"}],
        now, np.array([30.0, 25.0, 500.0]))
    assert counts.appended == 3
    store.append_labeled("http_requests_per_second", {"namespace": "ml", "service": "gateway"},
                         now, np.array([150.0]))
    store.append_labeled(TASKS, [{"namespace": "ml", "pod": p} for p in AGENT_PODS],
                         now - 30, np.full(3, 35.0))


def all_kinds_spec(queue: str = "jobs") -> agentscale.AutoscalerSpec:
    queue_metric = agentscale.MetricSpec.external_average_value("queue_depth", 10)
    queue_metric.selector.match_labels = {"queue": queue}
    return agentscale.AutoscalerSpec(
        name="agents", namespace="ml",
        scale_target_ref=agentscale.ObjectReference(
            api_version="apps/v1", kind="Deployment", name="agents"),
        min_replicas=1, max_replicas=20, behavior=agentscale.default_behavior(),
        metrics=[
            queue_metric,
            agentscale.MetricSpec.object_value(GATEWAY, "http_requests_per_second", 100),
            agentscale.MetricSpec.pods_average_value(TASKS, 70),
        ])


def test_adapter_config_with_external_and_object_rules(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "adapter.yaml"
    path.write_text(ALL_KINDS_CONFIG)
    adapter = agentscale.MetricAdapter.from_config_file(path)
    assert repr(adapter) == "MetricAdapter(rules=2, external_rules=1)"
    template, service = adapter.rules
    assert template.resource_template and template.object_labels == []
    assert not service.resource_template and service.pod_label == ""
    assert service.object_labels == [
        agentscale.ResourceLabel(label="service", resource="service", group="")]
    assert service.namespace_label == "namespace" and service.group == "sum"
    (queue,) = adapter.external_rules
    assert queue.series_query == 'queue_depth{namespace!="",queue!=""}'
    assert queue.metrics_query == "sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)"
    assert (queue.group, queue.group_by) == ("sum", ["queue"])
    assert queue.namespaced and queue.namespace_label == "namespace"
    assert queue.aggregation is agentscale.Aggregation.LATEST and queue.window_seconds == 0.0
    assert "queue_depth" in repr(queue)
    # An external rule in a namespace needs a label that names it.
    with pytest.raises(ValueError, match=r"adapter config:2:3: externalRules\[0\]: namespaced"):
        agentscale.MetricAdapter.from_config(
            "externalRules:\n- seriesQuery: 'queue_depth'\n"
            "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'\n")


def test_fill_external_and_object_from_the_store() -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ALL_KINDS_CONFIG)
    adapter.register_windows(store)
    fill_all_kinds_store(store, T0)
    assert adapter.external_metric_names(store) == ["queue_depth"]
    assert sorted(adapter.metric_names(store)) == [TASKS, "http_requests_per_second"]

    # External: the HPA's selector keeps queue="jobs"; its two shards sum to 55.
    jobs = agentscale.MetricObservation(metric="queue_depth")
    adapter.fill_external(store, T0, jobs, "ml", selector={"match_labels": {"queue": "jobs"}})
    assert jobs.external_values_milli == [55_000] and jobs.error is None
    # Without a selector: one value per queue (by (queue)).
    every = agentscale.MetricObservation(metric="queue_depth")
    adapter.fill_external(store, T0, every, "ml")
    assert sorted(every.external_values_milli) == [55_000, 500_000]
    # A namespaced rule sees nothing in another namespace: an empty list, no
    # error (the engine then fails the metric, never reads 0).
    elsewhere = agentscale.MetricObservation(metric="queue_depth")
    adapter.fill_external(store, T0, elsewhere, "other")
    assert elsewhere.external_values_milli == [] and elsewhere.error is None
    unknown = agentscale.MetricObservation(metric="no_such_queue")
    adapter.fill_external(store, T0, unknown, "ml")
    assert unknown.error is not None and "no_such_queue" in unknown.error

    # Object: the gateway Service's series (a dict works as the reference too).
    gateway = agentscale.MetricObservation(metric="http_requests_per_second")
    adapter.fill_object(store, T0, GATEWAY, gateway, "ml")
    assert gateway.object_value_milli == 150_000 and gateway.error is None
    missing = agentscale.MetricObservation(metric="http_requests_per_second")
    adapter.fill_object(store, T0, {"api_version": "v1", "kind": "Service", "name": "web"},
                        missing, "ml")
    assert missing.object_value_milli is None
    assert missing.error is not None and "web" in missing.error
    # Once the series goes stale the object has no value (not 0).
    (info,) = store.select("http_requests_per_second")
    store.mark_stale(info.ref, T0 + 1)
    stale = agentscale.MetricObservation(metric="http_requests_per_second")
    adapter.fill_object(store, T0 + 2, GATEWAY, stale, "ml")
    assert stale.object_value_milli is None and stale.error is not None
    with pytest.raises(TypeError, match="described_object"):
        adapter.fill_object(store, T0, 42, gateway, "ml")  # type: ignore[arg-type]


def test_fill_pods_applies_the_metric_selector() -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ADAPTER_CONFIG)
    store.append_labeled(
        TASKS, [{"namespace": "default", "pod": f"agent-{i}", "tier": t}
                for i, t in enumerate(["a", "a", "b"])],
        T0, np.array([10.0, 20.0, 30.0]))
    pods = [agentscale.Pod.ready(f"agent-{i}") for i in range(3)]
    tier_a = agentscale.MetricObservation(metric=TASKS)
    adapter.fill_pods(store, T0, pods, tier_a, "default",
                      agentscale.LabelSelector(match_labels={"tier": "a"}))
    assert [(s.pod, s.value_milli) for s in tier_a.pod_samples] == [
        ("agent-0", 10_000), ("agent-1", 20_000)]
    everyone = agentscale.MetricObservation(metric=TASKS)
    adapter.fill_pods(store, T0, pods, everyone, "default")
    assert len(everyone.pod_samples) == 3
    # A selector key that is not a Prometheus label name fails the metric.
    bad = agentscale.MetricObservation(metric=TASKS)
    adapter.fill_pods(store, T0, pods, bad, "default",
                      {"match_labels": {"app.kubernetes.io/name": "agent"}})
    assert bad.pod_samples == [] and bad.error is not None
    assert "app.kubernetes.io/name" in bad.error
    with pytest.raises(TypeError, match="selector"):
        adapter.fill_pods(store, T0, pods, bad, "default", "tier=a")  # type: ignore[arg-type]


def test_selector_matchers() -> None:
    selector = agentscale.LabelSelector(
        match_labels={"queue": "jobs"},
        match_expressions=[
            agentscale.LabelSelectorRequirement(key="tier", op="NotIn", values=["b", "a", "b"]),
            agentscale.LabelSelectorRequirement(key="zone", op="In", values=["eu"]),
            agentscale.LabelSelectorRequirement(key="shard", op="Exists"),
            agentscale.LabelSelectorRequirement(key="legacy", op="DoesNotExist"),
        ])
    assert agentscale.selector_matchers(selector) == [
        'queue="jobs"', 'tier!~"a|b"', 'zone=~"eu"', 'shard!=""', 'legacy=""']
    assert agentscale.selector_matchers(selector.to_dict()) == agentscale.selector_matchers(selector)
    assert agentscale.selector_matchers(agentscale.LabelSelector()) == []
    with pytest.raises(ValueError, match="not a valid Prometheus label name"):
        agentscale.selector_matchers({"match_labels": {"app.kubernetes.io/name": "x"}})
    with pytest.raises(ValueError, match="not a valid label selector operator"):
        agentscale.selector_matchers({"match_expressions": [{"key": "k", "op": "Gt"}]})
    with pytest.raises(ValueError, match="must not be empty"):
        agentscale.selector_matchers({"match_expressions": [{"key": "k", "op": "In"}]})
    with pytest.raises(ValueError, match="must be empty"):
        agentscale.selector_matchers(
            {"match_expressions": [{"key": "k", "op": "Exists", "values": ["v"]}]})


def test_values_are_truncated_to_milli_as_the_adapter_serves_them() -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ALL_KINDS_CONFIG)
    store.append_labeled("http_requests_per_second", {"namespace": "ml", "service": "gateway"},
                         T0, np.array([0.33375]))
    store.append_labeled("queue_depth", {"namespace": "ml", "queue": "jobs"}, T0,
                         np.array([0.33375]))
    store.append_labeled(TASKS, {"namespace": "ml", "pod": "agent-0"}, T0, np.array([0.33375]))
    gateway = agentscale.MetricObservation(metric="http_requests_per_second")
    adapter.fill_object(store, T0, GATEWAY, gateway, "ml")
    queue = agentscale.MetricObservation(metric="queue_depth")
    adapter.fill_external(store, T0, queue, "ml")
    tasks = agentscale.MetricObservation(metric=TASKS)
    adapter.fill_pods(store, T0, [agentscale.Pod.ready("agent-0")], tasks, "ml")
    # int64(value * 1000): 333m, where the quantity written by hand is 334m.
    assert gateway.object_value_milli == 333
    assert queue.external_values_milli == [333]
    assert [s.value_milli for s in tasks.pod_samples] == [333]
    assert agentscale.parse_quantity("0.33375") == 334


def test_adapter_drives_pods_object_and_external_metrics() -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ALL_KINDS_CONFIG)
    adapter.register_windows(store)
    fill_all_kinds_store(store, T0)
    spec = all_kinds_spec()

    obs = agentscale.Observation(current_replicas=3)
    obs.add_ready_pods(3)  # agent-0, agent-1, agent-2
    adapter.fill_observation_for_spec(store, T0, spec, obs)
    assert [m.metric for m in obs.metrics] == ["queue_depth", "http_requests_per_second", TASKS]
    assert obs.metrics[0].external_values_milli == [55_000]
    assert obs.metrics[1].object_value_milli == 150_000
    assert [s.value_milli for s in obs.metrics[2].pod_samples] == [35_000] * 3

    decision = agentscale.HorizontalAutoscaler(spec).evaluate(T0, obs)
    # External AverageValue 10: ceil(55 / 10) = 6 (55 / 3 pods = 18.334 per pod).
    # Object Value 100: 150 / 100 = 1.5 over 3 ready pods -> ceil(4.5) = 5.
    # Pods AverageValue 70: 35 / 70 = 0.5 over 3 pods -> ceil(1.5) = 2.
    assert [m.proposal for m in decision.metrics] == [6, 5, 2]
    assert all(m.valid for m in decision.metrics)
    assert decision.metrics[0].value_milli == 18_334
    assert decision.winning_metric == 0
    assert decision.desired_replicas == 6

    # The same Observation refilled for a selector that matches no queue: an
    # empty list, which the engine fails as Kubernetes does, instead of 0.
    gone = all_kinds_spec(queue="deleted")
    adapter.fill_observation_for_spec(store, T0, gone, obs)
    assert len(obs.metrics) == 3
    assert obs.metrics[0].external_values_milli == [] and obs.metrics[0].error is None
    assert len(obs.metrics[2].pod_samples) == 3  # reset, not appended to
    failed = agentscale.HorizontalAutoscaler(gone).evaluate(T0, obs)
    assert not failed.metrics[0].valid
    assert failed.metrics[0].error is not None
    assert "no metrics returned from external metrics API" in failed.metrics[0].error
    assert failed.metrics[0].failure_reason is agentscale.Reason.FAILED_GET_EXTERNAL_METRIC
    assert failed.desired_replicas == 5  # the Object metric still scales up

    # fill_spec_metric: one metric by its type; a Resource metric is the caller's.
    one = agentscale.MetricObservation()
    adapter.fill_spec_metric(store, T0, spec.metrics[0], obs.pods, one, "ml")
    assert one.metric == "queue_depth" and one.external_values_milli == [55_000]
    cpu = agentscale.MetricObservation(metric="cpu")
    adapter.fill_spec_metric(store, T0, agentscale.MetricSpec.resource_utilization("cpu", 50),
                             obs.pods, cpu, "ml")
    assert cpu == agentscale.MetricObservation(metric="cpu")


def test_adapter_from_rules() -> None:
    tasks = agentscale.MetricRule(
        series_query='app_active_task_count{pod!=""}',
        metrics_query="max_over_time(<<.Series>>{<<.LabelMatchers>>}[2m])",
        namespace_label="namespace")
    assert (tasks.pod_label, tasks.aggregation, tasks.window_seconds) == (
        "pod", agentscale.Aggregation.MAX_OVER_TIME, 120.0)
    services = agentscale.MetricRule(
        series_query="http_requests_per_second", pod_label="",
        metrics_query="sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
        object_labels=[{"label": "service", "resource": "services"}])
    assert services.object_labels == [agentscale.ResourceLabel(label="service", resource="services")]
    queue = agentscale.ExternalRule(
        series_query='{__name__=~"^broker_(.*)_lag$"}', name_matches="^broker_(.*)_lag$",
        name_as="${1}_lag", namespaced=False,
        metrics_query="avg(max_over_time(<<.Series>>{<<.LabelMatchers>>}[2m]))")
    assert (queue.group, queue.group_by, queue.window_seconds) == ("avg", [], 120.0)
    adapter = agentscale.MetricAdapter.from_rules([tasks, services], [queue])
    assert len(adapter.rules) == 2 and len(adapter.external_rules) == 1

    store = agentscale.SeriesStore()
    adapter.register_windows(store)
    store.append_labeled("broker_jobs_lag", [{"namespace": "other", "p": "0"},
                                             {"namespace": "other", "p": "1"}],
                         T0, np.array([4.0, 8.0]))
    assert adapter.external_metric_names(store) == ["jobs_lag"]
    lag = agentscale.MetricObservation(metric="jobs_lag")
    adapter.fill_external(store, T0, lag, "ml")  # namespaced=False: any namespace
    assert lag.external_values_milli == [6_000]

    # Rules recombine: another adapter's rules with these external ones.
    mixed = agentscale.MetricAdapter.from_rules(
        agentscale.MetricAdapter.from_config(ALL_KINDS_CONFIG).rules, adapter.external_rules)
    assert [r.series_query for r in mixed.rules][1] == 'http_requests_per_second{namespace!="",service!=""}'
    assert mixed.external_rules[0].name_as == "${1}_lag"

    with pytest.raises(ValueError, match="series_query"):
        agentscale.MetricRule(series_query="m{", metrics_query="<<.Series>>{<<.LabelMatchers>>}")
    with pytest.raises(ValueError, match="metrics_query.*unsupported range function"):
        agentscale.ExternalRule(series_query="m", metrics_query="foo(<<.Series>>[1m])")
    with pytest.raises(ValueError, match=r"externalRules\[0\].resources: namespaced"):
        agentscale.MetricAdapter.from_rules([], [agentscale.ExternalRule(
            series_query="q", metrics_query="sum(<<.Series>>{<<.LabelMatchers>>})")])
    with pytest.raises(ValueError, match=r"rules\[0\].resources"):
        agentscale.MetricAdapter.from_rules([agentscale.MetricRule(
            series_query="m", metrics_query="<<.Series>>{<<.LabelMatchers>>}", pod_label="")])


def test_self_metrics_per_metric_durations() -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ALL_KINDS_CONFIG)
    fill_all_kinds_store(store, T0)
    spec = all_kinds_spec()
    obs = agentscale.Observation(current_replicas=3)
    obs.add_ready_pods(3)
    adapter.fill_observation_for_spec(store, T0, spec, obs)
    decision = agentscale.HorizontalAutoscaler(spec).evaluate(T0, obs)
    assert decision.desired_replicas == 6

    metrics = agentscale.SelfMetrics()
    # Durations for the External and Object metrics only: the Pods metric
    # observes the whole evaluation (0.5 s). A timedelta works too.
    metrics.record(decision, 0.5, [0.0015, datetime.timedelta(milliseconds=3)])
    family = "horizontal_pod_autoscaler_controller_metric_computation_duration_seconds"
    samples = agentscale.parse_exposition(metrics.render()).samples
    sums = {s.labels["metric_type"]: s.value for s in samples if s.metric == family + "_sum"}
    assert sums == {"External": 0.0015, "Object": 0.003, "Pods": 0.5}
    buckets = {(s.labels["metric_type"], s.labels["le"]): s.value
               for s in samples if s.metric == family + "_bucket"}
    assert buckets[("External", "0.001")] == 0 and buckets[("External", "0.002")] == 1
    assert buckets[("Object", "0.002")] == 0 and buckets[("Object", "0.004")] == 1
    assert buckets[("Pods", "0.256")] == 0 and buckets[("Pods", "0.512")] == 1
    actions = {s.labels["metric_type"]: s.labels["action"]
               for s in samples if s.metric == family + "_count"}
    assert actions == {"External": "scale_up", "Object": "scale_up", "Pods": "scale_down"}

    # Without durations every metric observes the evaluation's duration.
    plain = agentscale.SelfMetrics()
    plain.record(decision, 0.25)
    plain_sums = {s.labels["metric_type"]: s.value
                  for s in agentscale.parse_exposition(plain.render()).samples
                  if s.metric == family + "_sum"}
    assert plain_sums == {"External": 0.25, "Object": 0.25, "Pods": 0.25}
    with pytest.raises(TypeError, match="metric_durations_seconds"):
        plain.record(decision, 0.25, "0.1")  # type: ignore[arg-type]


# --- HTTP fixtures --------------------------------------------------------------------------


class FakeServer:
    """An http.server on 127.0.0.1 answering GETs from a route table."""

    def __init__(self, routes: dict[str, Callable[[str], tuple[int, str]]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        self.mode = "ok"  # for routes that change behaviour
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append(self.path)
                path, _, query = self.path.partition("?")
                route = outer.routes.get(path)
                status, body = route(query) if route else (404, "not found\n")
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def agent() -> Iterator[FakeServer]:
    """One agent's /metrics; `agent.mode` picks ok, error (500) or garbage."""
    server = FakeServer({})

    def metrics(_: str) -> tuple[int, str]:
        if server.mode == "error":
            return 500, "internal error\n"
        if server.mode == "garbage":
            return 200, "app_active_task_count 1\nthis is { not an exposition\n"
        return 200, agent_body(93.0, 40.0)

    server.routes["/metrics"] = metrics
    yield server
    server.close()


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- scraper ----------------------------------------------------------------------------------


@needs_http
def test_scrape_success_failure_and_staleness(agent: FakeServer) -> None:
    store = agentscale.SeriesStore()
    labels = {"pod": "agent-0", "namespace": "default"}
    target = agentscale.parse_scrape_target(f"127.0.0.1:{agent.port}", labels)
    assert (target.port, target.path, target.labels) == (agent.port, "/metrics", labels)
    assert target.name() == f"127.0.0.1:{agent.port}/metrics"
    scraper = agentscale.Scraper([target], store)

    ok = scraper.scrape(0, T0)
    assert ok.ok and ok.error is None and ok.http_status == 200
    assert ok.counts.appended == 2  # the two gauges (`up` is written besides)
    tasks = store.find(TASKS, labels)
    up = store.find("up", labels)
    assert tasks is not None and up is not None
    assert store.latest(tasks, T0) == 93.0 and store.latest(up, T0) == 1.0

    agent.mode = "error"
    failed = scraper.scrape(0, T0 + 15)
    assert not failed.ok and failed.http_status == 500
    assert failed.error is not None and "500" in failed.error
    assert failed.counts.appended == 0 and failed.stale_marked == 2
    assert store.latest(tasks, T0 + 15) is None  # missing, never zero
    assert store.latest(up, T0 + 15) == 0.0

    agent.mode = "garbage"
    garbage = scraper.scrape(0, T0 + 30)
    assert not garbage.ok and garbage.http_status == 200
    assert garbage.error is not None and "line 2" in garbage.error
    assert garbage.counts.appended == 0  # never half a scrape
    assert store.latest(tasks, T0 + 30) is None

    agent.mode = "ok"
    assert scraper.scrape(0, T0 + 45).ok
    assert store.latest(tasks, T0 + 45) == 93.0

    [stats] = scraper.stats()
    assert (stats.scrapes_total, stats.scrape_failures_total) == (4, 2)
    assert stats.last_error is None and stats.labels == labels


@needs_http
def test_scrape_refused_port_is_stale_and_counted(agent: FakeServer) -> None:
    store = agentscale.SeriesStore()
    port = free_port()
    labels = {"pod": "agent-1", "namespace": "default"}
    # The target's series exist from an earlier scrape (here: appended by hand).
    agentscale.append_exposition(agent_body(50, 20), store, T0, target_labels=labels)
    scraper = agentscale.Scraper(
        [agentscale.ScrapeTarget(host="127.0.0.1", port=port, labels=labels)],
        store,
        agentscale.ScraperOptions(connect_timeout_seconds=1.0, read_timeout_seconds=1.0),
    )
    result = scraper.scrape(0, T0 + 15)
    assert not result.ok and result.http_status == 0
    assert result.error is not None and str(port) in result.error
    assert result.stale_marked == 2
    ref = store.find(TASKS, labels)
    assert ref is not None and store.latest(ref, T0 + 15) is None
    [stats] = scraper.stats()
    assert (stats.scrapes_total, stats.scrape_failures_total) == (1, 1)
    assert stats.last_error is not None


@needs_http
def test_scrape_all_and_store_lifetime(agent: FakeServer) -> None:
    store = agentscale.SeriesStore()
    targets: list[agentscale.ScrapeTarget | str] = [
        agentscale.ScrapeTarget(host="127.0.0.1", port=agent.port, labels={"pod": "agent-0"}),
        f"http://127.0.0.1:{agent.port}/metrics",
        agentscale.ScrapeTarget(host="127.0.0.1", port=free_port(), labels={"pod": "dead"}),
    ]
    scraper = agentscale.Scraper(targets, store, agentscale.ScraperOptions(parallelism=3))
    del store
    gc.collect()  # the scraper keeps the store alive
    results = scraper.scrape_all(T0)
    assert [r.ok for r in results] == [True, True, False]
    # A target without labels is labelled as Prometheus does: instance="host:port".
    assert scraper.targets[1].labels == {"instance": f"127.0.0.1:{agent.port}"}
    with pytest.raises(IndexError):
        scraper.scrape(3, T0)
    with pytest.raises(ValueError, match="port"):
        agentscale.Scraper([agentscale.ScrapeTarget(port=0)], agentscale.SeriesStore())
    with pytest.raises(ValueError, match="https"):
        agentscale.parse_scrape_target("https://example.com")


@needs_http
def test_scraper_then_adapter_then_engine(agent: FakeServer, seed_spec: agentscale.AutoscalerSpec) -> None:
    store = agentscale.SeriesStore()
    adapter = agentscale.MetricAdapter.from_config(ADAPTER_CONFIG)
    adapter.register_windows(store)
    scraper = agentscale.Scraper(
        [agentscale.ScrapeTarget(host="127.0.0.1", port=agent.port,
                                 labels={"pod": f"agent-{i}", "namespace": "default"}) for i in range(2)],
        store,
    )
    for k in range(3):
        assert all(r.ok for r in scraper.scrape_all(T0 + 15 * k))
    obs = agentscale.Observation(current_replicas=2)
    obs.add_ready_pods(2)
    obs.add_metric(TASKS)
    obs.add_metric(REQUESTS)
    adapter.fill_observation(store, T0 + 30, obs)
    decision = agentscale.HorizontalAutoscaler(seed_spec).evaluate(T0 + 30, obs)
    expected = agentscale.HorizontalAutoscaler(seed_spec).evaluate(
        T0 + 30, agentscale.make_observation(2, {TASKS: 93.0, REQUESTS: 40.0}, T0 + 30))
    assert decision.metric_replicas == expected.metric_replicas == 3  # 93 tasks against 70
    assert decision.desired_replicas == expected.desired_replicas


# --- Prometheus query client ----------------------------------------------------------------


def vector(*elements: tuple[dict[str, str], float, str]) -> str:
    return json.dumps({
        "status": "success",
        "data": {"resultType": "vector",
                 "result": [{"metric": m, "value": [t, v]} for m, t, v in elements]},
    })


@pytest.fixture
def prometheus() -> Iterator[FakeServer]:
    def query(qs: str) -> tuple[int, str]:
        q = urllib.parse.parse_qs(qs)["query"][0]
        if q == "bad(":
            return 400, json.dumps({"status": "error", "errorType": "bad_data",
                                    "error": "parse error at char 5"})
        if q == "status_error":
            return 200, json.dumps({"status": "error", "errorType": "execution", "error": "boom"})
        if q == "matrix":
            return 200, json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}})
        if q == "down":
            return 503, "unavailable"
        if q == "duplicate_pods":
            return 200, vector(({"pod": "agent-0"}, T0, "1"), ({"pod": "agent-0"}, T0, "2"))
        return 200, vector(
            ({"__name__": TASKS, "pod": "agent-0", "namespace": "ml"}, T0, "80"),
            ({"__name__": TASKS, "pod": "agent-1", "namespace": "ml"}, T0 + 0.5, "95.5"),
        )

    server = FakeServer({"/api/v1/query": query})
    yield server
    server.close()


@needs_http
def test_query_client(prometheus: FakeServer) -> None:
    client = agentscale.PrometheusClient(port=prometheus.port)
    assert client.options.port == prometheus.port and client.options.host == "127.0.0.1"
    samples = client.query(f"avg_over_time({TASKS}[1m])", T0)
    assert [(s.metric, s.labels, s.value, s.timestamp) for s in samples] == [
        (TASKS, {"namespace": "ml", "pod": "agent-0"}, 80.0, T0),
        (TASKS, {"namespace": "ml", "pod": "agent-1"}, 95.5, T0 + 0.5),
    ]
    query = urllib.parse.parse_qs(prometheus.requests[-1].partition("?")[2])
    assert query["query"] == [f"avg_over_time({TASKS}[1m])"]
    assert float(query["time"][0]) == T0

    tasks = agentscale.MetricObservation(metric=TASKS)
    assert client.fill_pod_values("tasks", T0, "pod", tasks, window_seconds=30.0) is None
    assert [(s.pod, s.value_milli, s.window_seconds) for s in tasks.pod_samples] == [
        ("agent-0", 80_000, 30.0), ("agent-1", 95_500, 30.0)]

    store = agentscale.SeriesStore()
    counts = client.query_into_store("tasks", T0, store)
    assert counts.appended == 2
    ref = store.find(TASKS, {"pod": "agent-1", "namespace": "ml"})
    assert ref is not None and store.latest(ref, T0 + 1) == 95.5
    counts = client.query_into_store("tasks", T0 + 15, store, metric="renamed")
    assert counts.appended == 2 and len(store.select("renamed")) == 2


@needs_http
def test_query_client_errors(prometheus: FakeServer) -> None:
    client = agentscale.PrometheusClient(agentscale.QueryClientOptions(port=prometheus.port))
    with pytest.raises(ValueError, match="parse error at char 5"):
        client.query("bad(", T0)
    with pytest.raises(ValueError, match="boom"):
        client.query("status_error", T0)
    with pytest.raises(ValueError, match="matrix"):
        client.query("matrix", T0)
    with pytest.raises(agentscale.Error) as info:
        client.query("down", T0)
    assert info.value.code == "UNAVAILABLE" and "503" in str(info.value)
    refused = agentscale.PrometheusClient(port=free_port())
    with pytest.raises(agentscale.Error) as info:
        refused.query("up", T0)
    assert info.value.code == "UNAVAILABLE"

    # fill_pod_values records the error for the engine rather than raising.
    tasks = agentscale.MetricObservation(metric=TASKS)
    message = client.fill_pod_values("duplicate_pods", T0, "pod", tasks)
    assert message is not None and "several series" in message
    assert tasks.error == message and tasks.pod_samples == []


@needs_http
def test_parse_instant_query_response() -> None:
    body = vector(({"__name__": "up", "pod": "a"}, T0, "NaN"), ({"pod": "b"}, T0, "+Inf"))
    samples = agentscale.parse_instant_query_response(body.encode())
    assert samples[0].metric == "up" and math.isnan(samples[0].value)
    assert samples[1].metric == "" and samples[1].value == math.inf
    with pytest.raises(ValueError, match="not valid JSON"):
        agentscale.parse_instant_query_response("{")


def test_without_http_the_classes_say_what_to_install() -> None:
    if agentscale.HAVE_HTTP:
        pytest.skip("built with cpp-httplib: the scraper and query client work")
    with pytest.raises(agentscale.Error, match="libcpp-httplib-dev") as info:
        agentscale.Scraper(["127.0.0.1:8000"], agentscale.SeriesStore())
    assert info.value.code == "UNIMPLEMENTED"
    with pytest.raises(agentscale.Error, match="reinstall"):
        agentscale.PrometheusClient()
    with pytest.raises(agentscale.Error, match="libcpp-httplib-dev"):
        agentscale.parse_instant_query_response("{}")


def test_have_http_is_a_bool() -> None:
    assert isinstance(agentscale.HAVE_HTTP, bool)
    if REQUIRE_HTTP:
        assert agentscale.HAVE_HTTP


# --- the engine's own metrics ------------------------------------------------------------------


def test_self_metrics(seed_spec: agentscale.AutoscalerSpec, tmp_path: pathlib.Path) -> None:
    hpa = agentscale.HorizontalAutoscaler(seed_spec)
    decision = hpa.evaluate(T0, agentscale.make_observation(3, {TASKS: 93.0, REQUESTS: 40.0}, T0))
    metrics = agentscale.SelfMetrics()
    metrics.record(decision, 0.002)
    metrics.record_error(seed_spec, 0.001)
    action = "none"
    if decision.rescale:
        action = "scale_up" if decision.desired_replicas > decision.current_replicas else "scale_down"
    assert agentscale.decision_action(decision) == action
    reason = agentscale.decision_reason(decision)
    assert reason in {c.reason.kubernetes_name for c in decision.conditions}
    body = metrics.render()
    # The rendering is itself a valid exposition.
    families = {f.name: f.type for f in agentscale.parse_exposition(body).families}
    assert families["horizontal_pod_autoscaler_controller_reconciliations_total"] is agentscale.MetricType.COUNTER
    assert f'action="{action}"' in body and 'error="internal"' in body
    assert f'reason="{reason}"' in body
    rules = agentscale.alert_rules_yaml()
    assert "AgentScalingTooFrequent" in rules and "AgentMaxReplicasReached" in rules
    path = tmp_path / "alerts.yml"
    agentscale.write_alert_rules(path)
    assert path.read_text() == rules
    # The seed's kube-state-metrics 1.x names and label.
    v1 = agentscale.alert_rules_yaml(kube_state_metrics=1)
    assert "changes(kube_hpa_status_desired_replicas[5m]) > 3" in v1
    assert "kube_hpa_status_current_replicas == on(namespace, hpa) kube_hpa_spec_max_replicas" in v1
    assert "horizontalpodautoscaler" not in v1
    with pytest.raises(ValueError, match="kube_state_metrics must be 1 or 2"):
        agentscale.alert_rules_yaml(kube_state_metrics=3)


def test_values_round_trip() -> None:
    counts = agentscale.AppendCounts(appended=3, duplicate=1)
    assert pickle.loads(pickle.dumps(counts)) == counts and counts.rejected == 1
    target = agentscale.ScrapeTarget(host="h", port=9100, labels={"pod": "p"})
    assert agentscale.ScrapeTarget.from_dict(target.to_dict()) == target
    sample = agentscale.InstantSample(metric="m", labels={"a": "b"}, timestamp=T0 + 0.25, value=1.0)
    assert sample.to_dict()["timestamp"] == T0 + 0.25
    assert agentscale.InstantSample.from_json(sample.to_json()) == sample
    opts = agentscale.ScraperOptions(read_timeout_seconds=0.5)
    assert (opts.read_timeout_seconds, opts.connect_timeout_seconds, opts.parallelism) == (0.5, 2.0, 8)


def test_docs_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/python.md's metrics example runs as written and prints what the text says."""
    text = (REPO / "docs" / "python.md").read_text()
    section = text[text.index("## Metrics"):]
    code = section[section.index("```python\n") + len("```python\n"):]
    code = code[: code.index("```")]
    exec(compile(code, "docs/python.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "3 82.0"
    assert "proposes 5" in out[1] and "ScaleUpStabilized" in out[1]
