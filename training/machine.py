"""What a measured speed depends on besides our code: the CPU and the JAX release.

Recorded in SL training summaries and ``bench all`` JSON because the same config has trained
at 295 positions/s on one 2-core VM and at 62 on another (an AVX2-only EPYC under JAX 0.10.2;
``benchmarks/results/README.md``)."""
from __future__ import annotations

import os
import platform
from importlib import metadata

_FLAGS_OF_INTEREST = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile")


def _cpu_linux() -> tuple[str, list[str]]:
    model, flags = "", []
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "flags" and not flags:
                    present = set(value.split())
                    flags = [name for name in _FLAGS_OF_INTEREST if name in present]
                if model and flags:
                    break
    except OSError:
        pass
    return model, flags


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    """CPU model and architecture, vector extensions, core count and the versions of the numeric
    packages."""
    model, flags = _cpu_linux()
    return {"cpu": model or platform.processor() or platform.machine(), "arch": platform.machine(),
            "cpu_flags": flags, "cores": os.cpu_count(), "python": platform.python_version(),
            **{name: _version(name) for name in ("jax", "jaxlib", "flax", "optax", "numba", "numpy")}}
