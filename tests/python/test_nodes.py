"""Node pools from Python: the VM sizes table, and NodeCluster from the seed
preset and from a file, stepped through a scale-up, a scale-down and a drain
(docs/nodes.md). The C++ tests (tests/nodes/) hold the rules in detail; these
check that the binding carries them."""

from __future__ import annotations

import os
import pathlib

import pytest

import agentscale

ROOT = pathlib.Path(os.environ.get("AGENTSCALE_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
START = 1767225600.0  # 2026-01-01T00:00:00Z
GIB = 1 << 30


def test_vm_sizes_carry_the_seed_size() -> None:
    sizes = {s["name"]: s for s in agentscale.vm_sizes()}
    d4 = sizes["Standard_D4s_v4"]
    assert d4["vcpus"] == 4
    assert d4["memory_bytes"] == 16 * GIB
    # AKS: 140m of 4 cores kept back; memory 20 MiB x 30 pods + 50 MiB + 100 MiB.
    assert d4["allocatable_cpu"] == pytest.approx(3.86)
    assert d4["allocatable_memory_bytes"] == 16 * GIB - 750 * (1 << 20)
    assert all(s["price_per_hour"] > 0 for s in sizes.values())


def test_seed_pool_scales_up_for_pending_pods_and_back_down() -> None:
    c = agentscale.NodeCluster.from_preset("seed", start=START)
    assert c.pool_names == ["agentpool"]
    assert c.node_count() == 3
    # 3 agents of 1 CPU fit a Standard_D4s_v4: 12 agents need 4 nodes.
    ids = c.request_pods(START + 1, 12, cpu=1.0, memory_bytes=2 * GIB, name="agent")
    assert c.running_pods == 9
    assert c.pending_pods == 3
    c.advance_to(START + 10)  # the scan
    assert c.node_count() == 4
    assert "node scale-up in progress" in c.explain_pod(ids[-1])
    assert c.pod_phase(ids[-1]) == "Pending"
    c.advance_to(START + 10 + 180)  # the provisioning delay
    assert c.pending_pods == 0
    assert c.pod_phase(ids[-1]) == "Running"
    assert c.pending_pod_seconds() == pytest.approx(3 * 189.0)
    kinds = [e["kind"] for e in c.events()]
    assert "ScaleUp" in kinds and "NodeReady" in kinds
    for pod in ids:
        c.delete_pod(START + 300, pod)
    # Empty nodes go down to min_count 2 after 10 minutes unneeded.
    c.advance_to(START + 3600)
    assert c.node_count() == 2
    assert c.node_hours() > 2.0
    price = {s["name"]: s["price_per_hour"] for s in agentscale.vm_sizes()}["Standard_D4s_v4"]
    assert c.cost() == pytest.approx(c.node_hours() * price)


def test_a_drain_reports_its_evictions(tmp_path: pathlib.Path) -> None:
    pools = tmp_path / "pools.yaml"
    pools.write_text(
        """apiVersion: agentscale.dev/v1alpha1
kind: NodePool
metadata: {name: small}
spec:
  cpu: "4"
  memory: 16Gi
  pricePerHour: 1
  minCount: 1
  maxCount: 5
  nodeCount: 2
  autoscalerProfile:
    scale-down-unneeded-time: 1m
    scale-down-delay-after-add: 0s
    max-graceful-termination-sec: 20
"""
    )
    c = agentscale.NodeCluster.from_file(pools, start=START)
    big = c.request_pods(START, 1, cpu=3.0, memory_bytes=GIB)
    c.request_pods(START, 1, cpu=2.5, memory_bytes=GIB)
    small = c.request_pods(START, 1, cpu=0.1, memory_bytes=GIB, grace_seconds=300)
    c.delete_pod(START + 1, big[0])
    c.advance_to(START + 60)
    evictions = c.take_evictions()
    assert len(evictions) == 1
    assert evictions[0]["pod"] == small[0]
    assert evictions[0]["grace_seconds"] == 20.0
    assert c.pod_phase(evictions[0]["replacement"]) == "Running"
    c.advance_to(START + 80)
    assert c.node_count() == 1
    with pytest.raises(KeyError):
        c.pod_phase(small[0])


def test_errors(tmp_path: pathlib.Path) -> None:
    c = agentscale.NodeCluster.from_preset("seed", start=START)
    with pytest.raises(ValueError, match=r'pod "huge" requests 8 CPU.*Standard_D4s_v4'):
        c.request_pods(START, 1, cpu=8.0, memory_bytes=GIB, name="huge")
    with pytest.raises(KeyError):
        c.delete_pod(START, 12345)
    with pytest.raises(KeyError):
        agentscale.NodeCluster.from_preset("big", start=START)
    bad = tmp_path / "nodes.yaml"
    text = (ROOT / "examples" / "node_pools.yaml").read_text()
    bad.write_text(text.replace("minCount: 2", "minCount: 30"))
    with pytest.raises(ValueError, match=r"nodes.yaml:\d+:\d+: spec.pools\[0\].minCount"):
        agentscale.NodeCluster.from_file(bad, start=START)
