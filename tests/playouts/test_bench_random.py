"""``bench_random``'s move cap: the side-by-side figures with Pachi rest on it."""
from __future__ import annotations

from go_engine.bench import bench_random


def test_bench_random_caps_moves() -> None:
    capped = bench_random(9, seconds=0.05, max_moves=30)
    assert capped["max_moves"] == 30 and capped["moves_per_playout"] == 30.0
    full = bench_random(9, seconds=0.05)
    assert full["moves_per_playout"] > 30 and full["playouts_per_s"] > 0
