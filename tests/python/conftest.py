"""Shared fixtures for the agentscale Python tests."""

from __future__ import annotations

import pathlib

import pytest

import agentscale

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SEED_MANIFEST = EXAMPLES / "hpa.yaml"


@pytest.fixture
def seed_spec() -> agentscale.AutoscalerSpec:
    return agentscale.load_single_autoscaler(SEED_MANIFEST)


@pytest.fixture
def production() -> agentscale.AutoscalerSpec:
    return agentscale.preset("production")
