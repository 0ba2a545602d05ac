"""The seed's YAML as pasted: its HorizontalPodAutoscaler (no scaleTargetRef,
metrics without `type`) loads leniently with a warning per fill, through
the API and through `agentscale simulate` / `lint`; its five Helm values
`hpa:` blocks load as the presets they describe; --name and `list` pick
objects of a multi-document file. The fixtures under tests/data/manifests/
(seed_article_hpa.yaml, seed_values_<profile>.yaml) are the article's
blocks byte for byte."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

import agentscale
from agentscale.cli import main

MANIFESTS = pathlib.Path(__file__).resolve().parents[1] / "data" / "manifests"
SEED_HPA = MANIFESTS / "seed_article_hpa.yaml"
MULTI = MANIFESTS / "multi_document.yaml"


def seed_warnings(path: pathlib.Path) -> list[str]:
    """What lenient loading reports for the seed's HPA, in file order."""
    return [
        f"{path}:5:1: spec.scaleTargetRef: is required (filled: apiVersion apps/v1, kind "
        "Deployment, name matillion-agent-hpa, a placeholder named after the autoscaler)",
        f"{path}:24:5: spec.metrics[0].type: is required (filled: Pods, from its pods block)",
        f"{path}:30:5: spec.metrics[1].type: is required (filled: Pods, from its pods block)",
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stderr_warnings(err: str) -> list[str]:
    return [line.removeprefix("warning: ") for line in err.splitlines() if line.startswith("warning: ")]


@pytest.fixture
def trace_csv(tmp_path: pathlib.Path) -> str:
    trace = agentscale.poisson_burst_trace(60, 5, 2, 900, 2 * 3600, 60, seed=11)
    path = tmp_path / "bursts.csv"
    trace.to_csv(path)
    return str(path)


def without_name(spec: agentscale.AutoscalerSpec) -> dict[str, Any]:
    d = spec.to_dict()
    d.pop("name")
    return d


# --- the API ----------------------------------------------------------------


def test_api_is_strict_by_default_and_lenient_on_request() -> None:
    with pytest.raises(ValueError, match=r"seed_article_hpa\.yaml:5:1: spec\.scaleTargetRef: is required$"):
        agentscale.load_manifest_file(SEED_HPA)
    loaded = agentscale.load_manifest_file(SEED_HPA, strict=False)
    assert loaded.warnings == seed_warnings(SEED_HPA)
    (spec,) = loaded.autoscalers
    assert spec.name == "matillion-agent-hpa"
    assert spec.scale_target_ref.to_dict() == {
        "api_version": "apps/v1", "kind": "Deployment", "name": "matillion-agent-hpa"}
    assert [m.type for m in spec.metrics] == [agentscale.MetricSourceType.PODS] * 2
    # Apart from name and target, the article's HPA is the production preset.
    production = agentscale.preset("production")
    assert spec.metrics == production.metrics
    assert spec.behavior == production.behavior
    assert (spec.min_replicas, spec.max_replicas) == (production.min_replicas, production.max_replicas)


def test_load_manifest_string_and_single_autoscaler_take_strict() -> None:
    text = SEED_HPA.read_text()
    loaded = agentscale.load_manifest_string(text, "pasted.yaml", strict=False)
    assert loaded.warnings == seed_warnings(pathlib.Path("pasted.yaml"))
    with pytest.raises(ValueError, match="pasted.yaml:5:1"):
        agentscale.load_manifest_string(text, "pasted.yaml")
    spec = agentscale.load_single_autoscaler(SEED_HPA, strict=False)
    assert spec == loaded.autoscalers[0]


@pytest.mark.parametrize("profile", agentscale.preset_names())
@pytest.mark.parametrize("strict", [True, False])
def test_seed_values_block_is_its_preset(profile: str, strict: bool) -> None:
    loaded = agentscale.load_manifest_file(MANIFESTS / f"seed_values_{profile}.yaml", strict=strict)
    assert loaded.warnings == []
    (spec,) = loaded.autoscalers
    assert spec.name == "agents-values"
    assert without_name(spec) == without_name(agentscale.preset(profile))


def test_unknown_values_key_warns_when_lenient_and_fails_when_strict() -> None:
    text = "hpa:\n  enabled: true\n  maxReplicas: 4\n"
    loaded = agentscale.load_manifest_string(text, "values.yaml", strict=False)
    assert loaded.warnings == [
        "values.yaml:2:3: hpa.enabled: unknown field; allowed here: minReplicas, maxReplicas, "
        "metrics, scaleUp, scaleDown (ignored)"]
    assert loaded.autoscalers[0].max_replicas == 4
    with pytest.raises(ValueError, match="values.yaml:2:3: hpa.enabled: unknown field"):
        agentscale.load_manifest_string(text, "values.yaml")


def test_name_picks_and_lists() -> None:
    loaded = agentscale.load_manifest_file(MULTI, name="batch/worker-hpa")
    assert [s.name for s in loaded.autoscalers] == ["worker-hpa"]
    with pytest.raises(ValueError, match=r'named "nope"; names: agent-cpu \(HorizontalPodAutoscaler, '
                       r"line 15\), batch/worker-hpa \(HorizontalPodAutoscaler, line 35\)"):
        agentscale.load_manifest_file(MULTI, name="nope")
    docs = agentscale.list_manifest_documents(MULTI)
    assert [(d.kind, d.name, d.loadable) for d in docs] == [
        ("Deployment", "agent", False),
        ("HorizontalPodAutoscaler", "agent-cpu", True),
        ("Service", "agent-metrics", False),
        ("HorizontalPodAutoscaler", "worker-hpa", True),
    ]
    picked = agentscale.sim.resolve_spec(MULTI, name="agent-cpu")
    assert isinstance(picked, agentscale.AutoscalerSpec)
    assert picked.max_replicas == 4
    with pytest.raises(ValueError, match="found 2 HorizontalPodAutoscalers.*pick one by name"):
        agentscale.sim.resolve_spec(MULTI)


# --- the command line -------------------------------------------------------


def test_simulate_pasted_seed_warns_once_each_and_runs_as_production(
    capsys: pytest.CaptureFixture[str], trace_csv: str
) -> None:
    code, out, err = run(capsys, "simulate", str(SEED_HPA), "--trace", trace_csv, "--json")
    assert code == 0, err
    assert stderr_warnings(err) == seed_warnings(SEED_HPA)
    seed = json.loads(out)
    code, out, err = run(capsys, "simulate", "production", "--trace", trace_csv, "--json")
    assert code == 0, err
    assert stderr_warnings(err) == []
    production = json.loads(out)
    assert seed["summary"] == production["summary"]
    assert seed["counters"] == production["counters"]


def test_simulate_strict_rejects_the_pasted_seed(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    code, _, err = run(capsys, "simulate", str(SEED_HPA), "--trace", trace_csv, "--strict")
    assert code == 2
    assert f"{SEED_HPA}:5:1: spec.scaleTargetRef: is required" in err
    assert stderr_warnings(err) == []


def test_compare_prints_each_warning_once(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    code, out, err = run(capsys, "compare", str(SEED_HPA), str(SEED_HPA), "production",
                         "--trace", trace_csv, "--model", "fluid", "--json")
    assert code == 0, err
    assert stderr_warnings(err) == seed_warnings(SEED_HPA)
    rows = json.loads(out)["rows"]
    assert [r["label"] for r in rows] == ["seed_article_hpa", "seed_article_hpa (2)", "production"]
    numbers = [{k: v for k, v in r.items() if k not in ("label", "spec")} for r in rows]
    assert numbers[0] == numbers[1] == numbers[2]


def test_lint_pasted_seed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "lint", str(SEED_HPA), "--json")
    assert code == 1  # the fills are findings
    assert stderr_warnings(err) == seed_warnings(SEED_HPA)
    d = json.loads(out)
    assert d["autoscalers"] == ["matillion-agent-hpa"]
    load = [f["message"] for f in d["findings"] if f["rule"] == "load-warning"]
    assert load == seed_warnings(SEED_HPA)
    code, _, err = run(capsys, "lint", str(SEED_HPA), "--strict")
    assert code == 2
    assert "spec.scaleTargetRef: is required" in err


@pytest.mark.parametrize("profile", agentscale.preset_names())
def test_simulate_seed_values_block_as_its_preset(
    capsys: pytest.CaptureFixture[str], trace_csv: str, profile: str
) -> None:
    path = str(MANIFESTS / f"seed_values_{profile}.yaml")
    runs = []
    for spec in (path, profile):
        code, out, err = run(capsys, "simulate", spec, "--trace", trace_csv, "--model", "fluid",
                             "--json", "--strict")
        assert code == 0, err
        assert err == ""
        runs.append(json.loads(out))
    assert runs[0]["summary"] == runs[1]["summary"]
    assert runs[0]["spec"]["name"] == "agents-values"


def test_name_on_the_command_line(capsys: pytest.CaptureFixture[str], trace_csv: str) -> None:
    code, _, err = run(capsys, "simulate", str(MULTI), "--trace", trace_csv, "--model", "fluid")
    assert code == 2
    assert "pick one by name" in err
    code, out, err = run(capsys, "simulate", str(MULTI), "--trace", trace_csv, "--model", "fluid",
                         "--name", "batch/worker-hpa", "--json")
    assert code == 0, err
    assert json.loads(out)["spec"]["name"] == "worker-hpa"
    code, _, err = run(capsys, "replay", str(MULTI), "--trace", trace_csv, "--name", "agent")
    assert code == 2
    assert 'no HorizontalPodAutoscaler, ScaledObject, ScaledJob or Helm values named "agent"' in err
    code, _, err = run(capsys, "simulate", "production", "--name", "x")
    assert code == 2
    assert "--name picks an object of a manifest file; production is a preset" in err
    code, out, err = run(capsys, "lint", str(MULTI), "--name", "worker-hpa", "--json")
    assert json.loads(out)["autoscalers"] == ["worker-hpa"], err


def test_list(capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path) -> None:
    code, out, _ = run(capsys, "list", str(MULTI), "--json")
    assert code == 0
    docs = json.loads(out)["documents"]
    assert [(d["line"], d["kind"], d["name"], d["loadable"]) for d in docs] == [
        (3, "Deployment", "agent", False),
        (15, "HorizontalPodAutoscaler", "agent-cpu", True),
        (27, "Service", "agent-metrics", False),
        (35, "HorizontalPodAutoscaler", "worker-hpa", True),
    ]
    # A file that does not load still lists; the table names Helm values.
    broken = tmp_path / "values.yaml"
    broken.write_text("hpa:\n  minReplicas: 0\n")
    code, out, _ = run(capsys, "list", str(broken))
    assert code == 0
    assert "Helm values (hpa:)" in out
    assert "agents-values" in out
