"""KEDA ScaledObject fluid replay (/work/shared/spec/KEDA_REPLAY.md).

(a) The independent reference model in keda_reference.py against the
    spec's own worked example (§9) and a few rules stated in the text.
(b) `python -m agentscale replay SO.yaml --trace T.csv --json` against the
    model, exactly, for several ScaledObjects x traces.
"""

from __future__ import annotations

import bisect
import json
import pathlib
import subprocess
import sys
from typing import Any, Optional, Sequence

import pytest
import yaml  # type: ignore[import-untyped,unused-ignore]

import keda_reference as ref

REPO = pathlib.Path(__file__).resolve().parents[2]
KEDA_DIR = REPO / "tests" / "data" / "keda"
NASA = REPO / "bindings" / "python" / "agentscale" / "data" / "nasa_http_jul1995_per_minute.csv"
WORLDCUP_2D = REPO / "tests" / "data" / "traces" / "worldcup98_2days_per_minute.csv"

DAY = 86400


def so_from_yaml(text: str) -> dict[str, Any]:
    so: dict[str, Any] = yaml.safe_load(text)
    return so


SEED_SO = so_from_yaml((KEDA_DIR / "seed.yaml").read_text())


def offsets(times: list[float], t0: float) -> list[float]:
    return [t - t0 for t in times]


# --------------------------------------------------------------------------
# (a) the model alone
# --------------------------------------------------------------------------

def test_worked_example_section_9() -> None:
    """KEDA_REPLAY.md §9: seed ScaledObject, trace 0 s -> 0, 60 s -> 400,
    120 s -> 0 (then 0 forever)."""
    t0 = 1_000_000
    rows = [(t0, 0.0), (t0 + 60, 400.0), (t0 + 120, 0.0), (t0 + 600, 0.0)]
    times, reps = ref.replay(SEED_SO, rows)
    got = dict(zip(offsets(times, t0), reps))

    # Every sync instant t0 + 15k <= tend, including those at 0 replicas (§8).
    assert offsets(times, t0) == [15.0 * k for k in range(0, 600 // 15 + 1)]

    # The rows of the §9 table.
    table = {0: 1, 15: 1, 30: 0, 45: 0, 60: 4, 75: 8, 90: 8, 120: 8, 390: 8, 405: 8, 420: 0}
    for d, r in table.items():
        assert got[d] == r, f"d={d}: model {got[d]}, §9 table {r}"
    # And everything in between follows from the same rules.
    expected = [1, 1, 0, 0, 4] + [8] * (405 // 15 - 4) + [0] * ((600 - 420) // 15 + 1)
    assert reps == expected


def test_cooldown_is_strict_section_6() -> None:
    """§6: with P 30 and C 300, the last active poll at d = L lets the first
    scale-in happen at L + 330 (L + 300 < t is strict)."""
    t0 = 0
    rows = [(0, 100.0), (90, 0.0), (900, 0.0)]   # active at 0, 30, 60; L = 60
    times, reps = ref.replay(SEED_SO, rows)
    got = dict(zip(offsets(times, t0), reps))
    assert got[375] > 0 and got[390] == 0        # 60 + 330 = 390


def test_initial_cooldown_and_poll_at_creation() -> None:
    """§6: nothing is scaled in at d = 0; with IC the first inactive scale-in
    is the first poll strictly after t0 + IC (P 7: d = 602, seen at 615)."""
    so = so_from_yaml((KEDA_DIR / "initial_cooldown.yaml").read_text())
    rows = [(0, 0.0), (1000, 0.0)]
    times, reps = ref.replay(so, rows)
    got = dict(zip(times, reps))
    assert got[0.0] == 1 and got[600.0] == 1 and got[615.0] == 0
    # Without IC the seed scales in at the second poll, d = 30.
    times, reps = ref.replay(SEED_SO, rows)
    assert dict(zip(times, reps))[15.0] == 1 and dict(zip(times, reps))[30.0] == 0


def test_sampling_and_null_values_section_3() -> None:
    """§3: last row with ts <= t, the later of equal timestamps wins, and
    empty/NaN/Inf values count as 0 (threshold 50, AverageValue)."""
    so = SEED_SO
    rows = [(0, 50.0), (10, float("nan")), (14, 1000.0), (15, 100.0), (15, 120.0),
            (16, 999.0), (29, float("-inf")), (30, 200.0), (30, 451.0), (45, float("inf"))]
    # d=0: v 50, ratio 1 -> 1. d=15: v 120 (not 100, not 1000) -> ceil(2.4) = 3.
    # d=30: v 451 -> ceil(9.02) = 10, legacy limit max(2 x 3, 4) = 6.
    # d=45: Inf -> 0 -> proposal 0, stabilized max(..., 10) = 10 (limit 12).
    times, reps = ref.replay(so, rows)
    assert times == [0.0, 15.0, 30.0, 45.0]
    assert reps == [1, 3, 6, 10]
    # An empty field (None) is 0 too, and the HPA never goes below Hmin.
    times, reps = ref.replay(so, [(0, None), (15, None)])
    assert reps == [1, 1]


def test_threshold_truncates_to_milli() -> None:
    """§2: T = trunc(thr x 1000) in float64."""
    so = so_from_yaml((KEDA_DIR / "worldcup_tuned.yaml").read_text())
    assert ref.parse_scaled_object(so).target == 1024099
    assert ref.parse_scaled_object(SEED_SO).target == 50000


def test_empty_behavior_is_not_legacy() -> None:
    """§2 / HPA_SPEC §8: `behavior: {}` is defaulted, not the legacy path; the
    model must tell them apart on a real trace."""
    empty = so_from_yaml((KEDA_DIR / "behavior_empty.yaml").read_text())
    legacy = json.loads(json.dumps(empty))
    del legacy["spec"]["advanced"]
    rows = ref.load_trace(NASA)[: DAY // 60]
    assert ref.replay(empty, rows)[1] != ref.replay(legacy, rows)[1]
    m = ref.parse_scaled_object(empty)
    assert m.up == ref.Rules(0, "Max", (("Pods", 4, 15), ("Percent", 100, 15)))
    assert m.down == ref.Rules(300, "Max", (("Percent", 100, 15),))


# --------------------------------------------------------------------------
# traces for (b)
# --------------------------------------------------------------------------

# §3 edge cases: empty fields, NaN/Inf in several spellings, uneven spacing,
# duplicate timestamps (later row wins), a fractional timestamp, a long
# inactive start (exercises initialCooldownPeriod) and a value equal to an
# activation threshold (strictly inactive). tend is not on a sync instant.
SYNTHETIC = """\
# synthetic trace for KEDA_REPLAY.md §3 (offsets from t0 = 1700000000)
timestamp_seconds,value
1700000000,
1700000005,nan
1700000013,0
1700000013,Inf
1700000100,NaN
1700000222,-Inf
1700000400,0
1700000700,120
1700000700,250
1700000701,3
1700000733.5,400
1700000734,
1700000760,333.3
1700000790,75
1700000790,NaN
1700000790,80
1700000900,5
1700000960,5.5
1700001200,-inf
1700001500,300
1700001507,300
1700001515,0
1700001515,+Inf
1700002100,60
1700003000,0
1700004000,49
1700004001,INF
1700004100,
1700005000,10
1700005005,5
1700006007,0
"""


def _data_rows(path: pathlib.Path) -> tuple[list[str], list[tuple[int, int]]]:
    comments: list[str] = []
    rows: list[tuple[int, int]] = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            comments.append(line)
        elif line and not line.startswith("timestamp_seconds"):
            ts, v = line.split(",")
            rows.append((int(ts), int(v)))
    return comments, rows


def _write_trace(path: pathlib.Path, comments: list[str],
                 rows: Sequence[tuple[int, int]]) -> pathlib.Path:
    lines = comments + ["timestamp_seconds,value"] + [f"{ts},{v}" for ts, v in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    tmp = tmp_path_factory.mktemp("keda_traces")
    comments, rows = _data_rows(NASA)
    t0 = rows[0][0]
    first3 = [(ts, v) for ts, v in rows if ts < t0 + 3 * DAY]
    out = {
        "nasa3d": _write_trace(
            tmp / "nasa_3days.csv",
            comments + ["# first 3 days only"], first3),
        "nasa3d_minus40": _write_trace(
            tmp / "nasa_3days_minus40.csv",
            comments + ["# first 3 days, value = max(0, v - 40)"],
            [(ts, max(0, v - 40)) for ts, v in first3]),
        "worldcup2d": WORLDCUP_2D,
    }
    syn = tmp / "synthetic.csv"
    syn.write_text(SYNTHETIC)
    out["synthetic"] = syn
    # The two daylight-saving nights of 2024 in Europe/Berlin, 12 h each from
    # 20:00 UTC the evening before, with a queue that comes and goes.
    for name, start in (("berlin_spring", 1711828800), ("berlin_fall", 1729972800)):
        rows = [(start + 60 * k, (k * 37) % 130 if (k // 45) % 3 == 0 else 0)
                for k in range(12 * 60)]
        out[name] = _write_trace(tmp / f"{name}.csv", [f"# {name}: synthetic"], rows)
    return out


SCALED_OBJECTS = [
    "seed", "min2_max30_poll20", "idle0_min3", "value_metric",
    "initial_cooldown", "behavior_advanced", "behavior_empty", "worldcup_tuned",
]
TRACES = ["nasa3d", "nasa3d_minus40", "worldcup2d", "synthetic"]


def run_cli(so_path: pathlib.Path, trace_path: pathlib.Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "agentscale", "replay", str(so_path),
           "--trace", str(trace_path), "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        f"`{' '.join(cmd[1:])}` exited {proc.returncode}\n"
        f"stderr:\n{proc.stderr.strip()}\nstdout:\n{proc.stdout[:2000]}")
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def describe_mismatch(rows: Sequence[tuple[float, Optional[float]]],
                      times_m: list[float], reps_m: list[int],
                      times_c: list[float], reps_c: list[int]) -> Optional[str]:
    t0 = float(rows[0][0])
    if len(times_m) != len(times_c) or times_m != times_c:
        n = min(len(times_m), len(times_c))
        i = next((k for k in range(n) if times_m[k] != times_c[k]), n)
        return (f"time_seconds differ: model has {len(times_m)} instants, CLI "
                f"{len(times_c)}; first difference at index {i}: model "
                f"{times_m[i] if i < len(times_m) else '-'} vs CLI "
                f"{times_c[i] if i < len(times_c) else '-'}")
    diffs = [k for k in range(len(reps_m)) if reps_m[k] != reps_c[k]]
    if not diffs:
        return None
    i = diffs[0]
    ts_list = [float(ts) for ts, _ in rows]
    lines = [f"{len(diffs)} of {len(reps_m)} instants differ; first at index {i}, "
             f"t = {times_m[i]:.0f} (d = {times_m[i] - t0:.0f} s)",
             "   index        d    sample  model    CLI"]
    for k in range(max(0, i - 8), min(len(reps_m), i + 5)):
        j = bisect.bisect_right(ts_list, times_m[k]) - 1
        v = ref.null_to_zero(rows[j][1])
        mark = "  <--" if k == i else ""
        lines.append(f"{k:8d} {times_m[k] - t0:8.0f} {v:9g} {reps_m[k]:6d} {reps_c[k]:6d}{mark}")
    return "\n".join(lines)


# A cron trigger beside the queue trigger, on the traces whose clocks its
# zones are written for (and DST nights).
CRON_CASES = [
    ("seed_cron_ny", "nasa3d"), ("seed_cron_ny", "nasa3d_minus40"),
    ("cron_paris_night", "worldcup2d"),
    ("cron_berlin_dst", "berlin_spring"), ("cron_berlin_dst", "berlin_fall"),
]


def test_reference_cron_window_rules() -> None:
    """P§1 cron in the model: [start, end), wrapping midnight, DST."""
    c = ref.Cron(ref.CronLine.parse("30 2 * * *"), ref.CronLine.parse("15 3 * * *"),
                 "Europe/Berlin", 5)
    spring = 1711843200  # 2024-03-31 00:00 UTC = 01:00 CET
    starts, ends = ref.cron_events(c, spring, 86400)
    # 02:30 does not exist that night: the first start is the next night.
    assert starts[0] == 86400 + 1800  # 2024-04-01 02:30 CEST = 00:30 UTC
    # So the next instant after the previous night's end is an end: by the
    # rule the window counts as open from that end (03:15 the day before)
    # until 03:15 CEST (01:15 UTC) that night, and then stays shut.
    opened = [d for d in range(0, 86400, 60) if ref.cron_open(starts, ends, d)]
    assert opened == list(range(0, 4500, 60))
    fall = 1729987200  # 2024-10-27 00:00 UTC = 02:00 CEST
    starts, ends = ref.cron_events(c, fall, 86400)
    opened = [d for d in range(0, 6 * 3600, 60) if ref.cron_open(starts, ends, d)]
    # 02:30 comes twice (00:30 and 01:30 UTC) and 03:15 once (02:15 UTC): at
    # the first 02:30 the next start comes before the next end, so the window
    # stays shut until the second 02:30 and is open 01:30-02:15 UTC.
    assert opened == list(range(5400, 8100, 60))


@pytest.mark.parametrize("so_name,trace_name", CRON_CASES)
def test_cli_replay_with_cron_matches_reference(so_name: str, trace_name: str,
                                                traces: dict[str, pathlib.Path]) -> None:
    test_cli_replay_matches_reference(so_name, trace_name, traces)


@pytest.mark.parametrize("trace_name", TRACES)
@pytest.mark.parametrize("so_name", SCALED_OBJECTS)
def test_cli_replay_matches_reference(so_name: str, trace_name: str,
                                      traces: dict[str, pathlib.Path]) -> None:
    so_path = KEDA_DIR / f"{so_name}.yaml"
    trace_path = traces[trace_name]
    so = yaml.safe_load(so_path.read_text())
    rows = ref.load_trace(trace_path)
    times_m, reps_m = ref.replay(so, rows)

    out = run_cli(so_path, trace_path)
    assert "time_seconds" in out and "replicas" in out, sorted(out)
    times_c = [float(t) for t in out["time_seconds"]]
    reps_c = out["replicas"]
    assert all(isinstance(r, (int, float)) and not isinstance(r, bool) and float(r).is_integer()
               for r in reps_c), "replicas must be integers"
    reps_c = [int(r) for r in reps_c]

    problem = describe_mismatch(rows, times_m, reps_m, times_c, reps_c)
    assert problem is None, f"{so_name} x {trace_name}: CLI differs from KEDA_REPLAY.md model\n{problem}"
