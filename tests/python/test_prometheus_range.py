"""Prometheus history as a trace against a real Prometheus: known samples
written with `promtool tsdb create-blocks-from openmetrics`, served by a
Prometheus started on a loopback port, fetched with `agentscale fetch`
(query_range through the C++ client), checked row for row, and replayed.

Skipped, saying why, when the `prometheus` and `promtool` commands are not
installed (scripts/test.sh installs the Debian package `prometheus` in its
Prometheus stage, before the Python stage) or the module has no HTTP client.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

import agentscale
from agentscale.cli import main

T0 = 1_709_294_400  # 2024-03-01T12:00:00Z


def agent0(i: int) -> float:
    return 100.0 + 10 * i


def agent1(i: int) -> float | None:
    """agent-1 has a 15-minute hole (samples 20..34 missing)."""
    return None if 20 <= i <= 34 else 100.25 - i


def at(series: dict[int, float], k: int) -> float | None:
    """What Prometheus returns at step k (time T0 + 30 + 60 k): the newest
    sample at or before it within the 5-minute lookback."""
    t = T0 + 30 + 60 * k
    past = [i for i in series if T0 + 60 * i <= t and t - (T0 + 60 * i) <= 300]
    return series[max(past)] if past else None


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            pytest.skip(f"`{tool}` is not installed (Debian package prometheus; scripts/test.sh installs it)")
    if not agentscale.HAVE_HTTP:
        pytest.skip("built without cpp-httplib (agentscale.HAVE_HTTP is False)")
    work = tmp_path_factory.mktemp("prometheus")
    lines = ["# TYPE agent_tasks gauge"]
    for i in range(60):
        lines.append(f'agent_tasks{{pod="agent-0"}} {agent0(i)} {T0 + 60 * i}')
    for i in range(60):
        v = agent1(i)
        if v is not None:
            lines.append(f'agent_tasks{{pod="agent-1"}} {v} {T0 + 60 * i}')
    (work / "samples.om").write_text("\n".join(lines) + "\n# EOF\n")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(work / "samples.om"),
                    str(work / "data")], check=True, capture_output=True, timeout=60)
    (work / "prometheus.yml").write_text("global:\n  scrape_interval: 1m\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(work / "prometheus.log", "wb")
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={work / 'prometheus.yml'}", f"--storage.tsdb.path={work / 'data'}",
         "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1) as r:
                    if b"Ready" in r.read():
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Prometheus did not start: " + (work / "prometheus.log").read_text()[-2000:])
            time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def fetch(capsys: pytest.CaptureFixture[str], port: int, *extra: str) -> tuple[int, str, str]:
    code = main(["fetch", "--prometheus", f"http://127.0.0.1:{port}", "--query", "agent_tasks",
                 "--start", "2024-03-01T12:00:30Z", "--end", "2024-03-01T12:59:30Z", "--step", "1m", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_query_range_round_trip_and_replay(
    capsys: pytest.CaptureFixture[str], prometheus: int, tmp_path: pathlib.Path
) -> None:
    a0 = {i: agent0(i) for i in range(60)}
    a1 = {i: v for i in range(60) if (v := agent1(i)) is not None}
    times = [float(T0 + 30 + 60 * k) for k in range(60)]

    out = tmp_path / "agent0.csv"
    code, _, err = fetch(capsys, prometheus, "--match", 'pod="agent-0"', "--output", str(out))
    assert code == 0, err
    trace = agentscale.load_trace(out)
    assert trace.time_seconds.tolist() == times
    assert trace.values.tolist() == [at(a0, k) for k in range(60)]
    assert 'series: agent_tasks{pod="agent-0"}' in trace.comments

    out = tmp_path / "sum.csv"
    code, _, err = fetch(capsys, prometheus, "--sum", "--output", str(out), "--save-json", str(tmp_path / "r.json"))
    assert code == 0, err
    summed = agentscale.load_trace(out)
    assert summed.time_seconds.tolist() == times
    assert summed.values.tolist() == [(at(a0, k) or 0.0) + (at(a1, k) or 0.0) for k in range(60)]

    # agent-1 alone: stale for steps 24..34, an error naming the gap unless told.
    code, _, err = fetch(capsys, prometheus, "--match", 'pod="agent-1"')
    assert code == 2
    assert (f"no point from {T0 + 30 + 24 * 60} to {T0 + 30 + 34 * 60} (11 steps of 60 s; "
            "the series was stale or absent)") in err
    code, stdout, err = fetch(capsys, prometheus, "--match", 'pod="agent-1"', "--gaps", "zero")
    assert code == 0, err
    assert agentscale.parse_trace(stdout).values.tolist() == [at(a1, k) or 0.0 for k in range(60)]

    # Two series, no choice: an error that says how to choose.
    code, _, err = fetch(capsys, prometheus)
    assert code == 2 and "the response has 2 series" in err and "--match" in err and "--sum" in err

    # The fetched trace replays like the samples it came from, from the CSV
    # and from the saved response alike.
    code, stdout, err = main(["replay", "production", "--trace", str(out), "--json"]), *capsys.readouterr()
    assert code == 0, err
    replay = json.loads(stdout)
    want = agentscale.fluid_replay(agentscale.preset("production"), agentscale.Trace(times, summed.values))
    assert replay["replicas"] == want.replicas.tolist()
    assert max(replay["replicas"]) > min(replay["replicas"])  # the load scales the fleet
    code, stdout, err = main(["replay", "production", "--trace", str(tmp_path / "r.json"), "--sum",
                              "--trace-step", "60", "--json"]), *capsys.readouterr()
    assert code == 0, err
    assert json.loads(stdout)["replicas"] == replay["replicas"]
