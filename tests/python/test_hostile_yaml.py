"""Hostile YAML through the bindings and the command line.

Every YAML loader ends within bounded time and memory with the library's
ValueError naming the file, line and column (docs/input-limits.md): the
regression manifests that made yaml-cpp 0.7 grow without bound, nesting,
"billion laughs" aliases, too many documents, too many bytes, and invalid
UTF-8 (which used to surface as Python's UnicodeDecodeError). The command line
exits 2 with one line on stderr and no traceback.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
from typing import Callable

import pytest

import agentscale
from agentscale.cli import main

REPO = pathlib.Path(__file__).resolve().parents[2]
REGRESSIONS = REPO / "tests" / "data" / "regressions"

STUCK = "invalid YAML: the parser cannot get past this point (a stray ',', ']' or '}'?)"
DEPTH = "more than 256 nested YAML sequences and mappings, aliases expanded (the limit)"
NODES = "more than 1000000 YAML nodes, aliases expanded (the limit)"

REGRESSION_CASES = [
    ("manifest_lone_comma.yaml", f"1:1: {STUCK}"),
    ("manifest_comma_lines_hang.yaml", f"2:1: {STUCK}"),
    ("manifest_mutated_unbounded_memory.yaml", f"2:1: {STUCK}"),
]


def laughs() -> str:
    """Ten levels of ten aliases: 10**10 nodes when walked, ~400 bytes."""
    lines = ["l0: &l0 lol"]
    for i in range(1, 11):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "deep": ("[" * 300 + "]" * 300, f"1:257: {DEPTH}"),
    "hundred_thousand_deep": ("[" * 100_000 + "]" * 100_000, f"1:257: {DEPTH}"),
    "billion_laughs": (laughs(), f"7:45: {NODES}"),
    "alias_cycle": ("a: &a [x, *a]\n", "1:11: an alias inside the node its anchor names (a cycle)"),
    "documents": ("--- 1\n" * 10_001, "10001:1: more than 10000 YAML documents (the limit)"),
    "too_large": ("#" * ((16 << 20) + 1), "1:16777217: more than 16777216 bytes of YAML (the limit)"),
}

LATIN1_MANIFEST = (
    b"apiVersion: autoscaling/v2\n"
    b"kind: HorizontalPodAutoscaler\n"
    b"metadata: {name: caf\xe9}\n"
)
UTF8_ERROR = "3:21: invalid UTF-8 (byte 0xe9); YAML must be UTF-8"


def expect_library_error(call: Callable[[], object], message: str) -> None:
    """The library's ValueError (not UnicodeDecodeError, a ValueError subclass)."""
    with pytest.raises(ValueError) as info:
        call()
    assert type(info.value) is ValueError, repr(info.value)
    assert str(info.value) == message


# ---------------------------------------------------------------------------
# The regression inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,error", REGRESSION_CASES, ids=[c[0] for c in REGRESSION_CASES])
def test_regression_manifest_gives_clean_error(name: str, error: str) -> None:
    path = REGRESSIONS / name
    expect_library_error(lambda: agentscale.load_manifest_file(path), f"{path}:{error}")
    expect_library_error(lambda: agentscale.load_manifest_file(path, strict=False),
                         f"{path}:{error}")
    text = path.read_text()
    expect_library_error(lambda: agentscale.load_manifest_string(text, "pasted.yaml"),
                         f"pasted.yaml:{error}")
    expect_library_error(lambda: agentscale.list_manifest_documents(path), f"{path}:{error}")


@pytest.mark.parametrize("name,error", REGRESSION_CASES, ids=[c[0] for c in REGRESSION_CASES])
def test_regression_manifest_lint_exits_2(
    capsys: pytest.CaptureFixture[str], name: str, error: str
) -> None:
    path = REGRESSIONS / name
    assert main(["lint", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"agentscale lint: error: {path}:{error}\n"


# ---------------------------------------------------------------------------
# Every bound, through each loader
# ---------------------------------------------------------------------------

LOADERS: dict[str, tuple[Callable[[str | bytes], object], str]] = {
    "manifest": (lambda t: agentscale.load_manifest_string(t, "m.yaml"), "m.yaml"),
    "lenient_manifest": (lambda t: agentscale.load_manifest_string(t, "m.yaml", strict=False),
                         "m.yaml"),
    "adapter_rules": (lambda t: agentscale.MetricAdapter.from_config(t), "adapter config"),
    "schedule": (lambda t: agentscale.load_schedule_string(t, "s.yaml"), "s.yaml"),
    "forecast": (lambda t: agentscale.load_forecast_string(t, "f.yaml"), "f.yaml"),
}


@pytest.mark.parametrize("bound", sorted(HOSTILE))
@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_bound_names_line_and_limit(loader: str, bound: str) -> None:
    load, source = LOADERS[loader]
    text, error = HOSTILE[bound]
    expect_library_error(lambda: load(text), f"{source}:{error}")


def test_invalid_utf8_bytes_through_string_loaders() -> None:
    for load, source in LOADERS.values():
        expect_library_error(lambda: load(LATIN1_MANIFEST), f"{source}:{UTF8_ERROR}")


def test_invalid_utf8_file_is_library_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(LATIN1_MANIFEST)
    expected = f"{path}:{UTF8_ERROR}"
    expect_library_error(lambda: agentscale.load_manifest_file(path), expected)
    expect_library_error(lambda: agentscale.load_manifest_file(path, strict=False), expected)
    expect_library_error(lambda: agentscale.load_single_autoscaler(path), expected)
    expect_library_error(lambda: agentscale.list_manifest_documents(path), expected)
    expect_library_error(lambda: agentscale.load_schedule(path), expected)
    expect_library_error(lambda: agentscale.load_forecast(path), expected)
    expect_library_error(lambda: agentscale.MetricAdapter.from_config_file(path), expected)
    expect_library_error(lambda: agentscale.lint_file(path), expected)


def test_aliases_and_utf8_within_limits_still_load() -> None:
    manifest = (
        "# café € 😀\n"
        "apiVersion: autoscaling/v2\n"
        "kind: HorizontalPodAutoscaler\n"
        "metadata: {name: web, annotations: {note: été}}\n"
        "spec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        "  maxReplicas: 5\n"
        "  behavior:\n"
        "    scaleUp: {policies: &p [{type: Pods, value: 1, periodSeconds: 60}]}\n"
        "    scaleDown: {policies: *p}\n"
    )
    loaded = agentscale.load_manifest_string(manifest, "m.yaml")
    assert [s.name for s in loaded.autoscalers] == ["web"]


# ---------------------------------------------------------------------------
# The command line: exit 2, one line, the limit named, no traceback
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "simulate"])
def test_cli_invalid_utf8_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, command: str
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(LATIN1_MANIFEST)
    assert main([command, str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"agentscale {command}: error: {path}:{UTF8_ERROR}\n"


@pytest.mark.parametrize("bound", ["deep", "billion_laughs", "alias_cycle", "documents"])
def test_cli_lint_bound_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path, bound: str
) -> None:
    text, error = HOSTILE[bound]
    path = tmp_path / f"{bound}.yaml"
    path.write_text(text)
    assert main(["lint", str(path)]) == 2
    out, err = capsys.readouterr()
    assert err == f"agentscale lint: error: {path}:{error}\n"


def test_cli_subprocess_no_traceback(tmp_path: pathlib.Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(LATIN1_MANIFEST)
    for path, error in [(REGRESSIONS / "manifest_lone_comma.yaml", f"1:1: {STUCK}"),
                        (latin1, UTF8_ERROR)]:
        proc = subprocess.run(
            [sys.executable, "-m", "agentscale", "lint", str(path)],
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == f"agentscale lint: error: {path}:{error}\n"
        assert "Traceback" not in proc.stderr
