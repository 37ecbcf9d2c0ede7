"""Tests here start ``go-engine`` as a subprocess: compile its kernels first (``warm_engine_kernels``)."""
import pytest


@pytest.fixture(autouse=True)
def _kernels_compiled_before_engines_start(warm_engine_kernels) -> None:
    pass
