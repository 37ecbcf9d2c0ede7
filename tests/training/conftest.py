"""Fixtures shared by the training tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray instance (2 CPUs) for every Ray test of the run: starting Ray costs seconds."""
    ray = pytest.importorskip("ray", reason="ray not installed (pip install '.[distributed]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
