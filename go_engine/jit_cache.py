"""Is Numba's on-disk cache warm for a player? The answer decides whether the first move must
wait for minutes of kernel compilation (see ``players.first_run``).

``go_engine/__init__`` names the cache folder after a hash of the sources, so a marker file in
that folder says "this player's kernels were compiled for exactly these sources"; any edit or
upgrade gives a fresh folder with no marker.
"""
from __future__ import annotations

import os
from pathlib import Path

from go_engine.atomic_io import write_bytes_atomic


def cache_dir() -> Path:
    """The Numba cache folder in use (set by ``go_engine/__init__`` unless the user set it)."""
    return Path(os.environ.get("NUMBA_CACHE_DIR", ".")).expanduser()


def jit_disabled() -> bool:
    """True under NUMBA_DISABLE_JIT=1 (coverage runs): nothing compiles, nothing to wait for."""
    return os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")


def _marker(player: str) -> Path:
    return cache_dir() / f"go-engine-warm-{player}"


def kernels_warm(player: str) -> bool:
    """True when ``mark_warm(player)`` ran against this cache folder."""
    return jit_disabled() or _marker(player).is_file()


def mark_warm(player: str) -> None:
    """Record that the kernels of ``player`` are compiled into this cache folder."""
    if not jit_disabled():
        cache_dir().mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(_marker(player), b"compiled\n")
