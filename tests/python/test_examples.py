"""The Python examples run, so they cannot rot: the script and the notebook."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from conftest import EXAMPLES


def test_example_script(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "replicas.png"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "02_seed_hpa.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "autoscaler agent-hpa: 5760 syncs over 24 h" in proc.stdout
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_example_notebook(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    out = tmp_path / "notebook.png"
    monkeypatch.setenv("AGENTSCALE_PLOT", str(out))
    monkeypatch.setenv("AGENTSCALE_MANIFEST", str(EXAMPLES / "hpa.yaml"))
    notebook = nbformat.read(str(EXAMPLES / "02_seed_hpa.ipynb"), as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "SeriesResult(steps=5760" in text
    assert os.environ["AGENTSCALE_PLOT"] == str(out)


def test_keda_vs_hpa_example(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "keda_vs_hpa.png"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "05_keda_vs_hpa.py"), "--days", "2", "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("2880 minutes of nasa_http_jul1995_per_minute")
    assert lines[1].split(":")[0].strip() == "hpa" and "replica-hours" in lines[1]
    assert lines[2].split(":")[0].strip() == "keda" and "scales from zero" in lines[2]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_schedule_and_forecast_example(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "schedule_and_forecast.png"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "06_schedule_and_forecast.py"), "--days", "4", "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("5760 minutes of nasa_http_jul1995_per_minute, agent model")
    labels = [line.split(":")[0].strip() for line in lines[1:4]]
    assert labels == ["keda", "keda+schedule", "keda+forecast"]
    assert all("replica-hours" in line and "over the SLO" in line for line in lines[1:4])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Runs `argv` as a script with matplotlib hidden, as on `pip install
# agentscale` without the plot extra.
_WITHOUT_MATPLOTLIB = (
    "import runpy, sys\n"
    "sys.modules['matplotlib'] = None\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


@pytest.mark.parametrize("script", ["02_seed_hpa.py", "05_keda_vs_hpa.py", "06_schedule_and_forecast.py"])
def test_examples_run_without_matplotlib(script: str, tmp_path: pathlib.Path) -> None:
    out = tmp_path / "plot.png"
    argv = [str(EXAMPLES / script), "--out", str(out)]
    if script != "02_seed_hpa.py":
        argv += ["--days", "1"]
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_MATPLOTLIB, *argv],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "plot skipped: it needs matplotlib: pip install 'agentscale[plot]'" in proc.stdout
    assert not out.exists()


def test_cli_plot_without_matplotlib_is_one_line(tmp_path: pathlib.Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "from agentscale.cli import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )
    out = tmp_path / "run.png"
    proc = subprocess.run([sys.executable, "-c", code, "simulate", "production", "--plot", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--plot needs matplotlib: pip install 'agentscale[plot]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    # Without --plot the same install runs.
    ok = subprocess.run([sys.executable, "-c", code, "simulate", "production", "--model", "fluid", "-q"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_ecs_vs_hpa_example(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("hcl2")
    out = tmp_path / "ecs_vs_hpa.png"
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "07_ecs_vs_hpa.py"), "--days", "7", "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ecs.tf: ecs service/${aws_ecs_cluster.main.name}")
    assert "2..10 tasks" in lines[0]
    assert "matillion-agent-cpu-scaling: ECSServiceAverageCPUUtilization target 70" in proc.stdout
    assert lines[3].startswith("10080 minutes of nasa_http_jul1995_per_minute")
    labels = [line.split(":")[0].strip() for line in lines[5:7]]
    assert labels == ["hpa", "ecs"]
    assert "aws_ecs_cluster.main.name" in proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resource_metrics_example() -> None:
    """The seed's argument against CPU/memory scaling, in numbers (no plot)."""
    proc = subprocess.run([sys.executable, str(EXAMPLES / "08_resource_metrics.py"), "--days", "1"],
                          check=True, capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("1440 minutes of nasa_http_jul1995_per_minute, agent model")
    assert lines[1].startswith("resources: requests 1000m CPU")
    rows = {line.split(":")[0].strip(): line.split(":")[1].split() for line in lines[3:7]}
    assert list(rows) == ["tasks", "memory80", "ecs-cpu70", "ecs-no-gc"]
    # The memory HPA, whose agents hold their data sets, never scales in and
    # ends with more agents than the task-count HPA.
    assert rows["memory80"][3] == "0"
    assert int(rows["memory80"][-1]) > int(rows["tasks"][-1])
    # GC spikes cost the CPU policy replica-hours.
    assert float(rows["ecs-cpu70"][0]) > float(rows["ecs-no-gc"][0])
