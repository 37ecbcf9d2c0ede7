"""Benchmarks of the engine's hot loops, printed as text or one JSON object.

``board``: uniform random playouts from the empty board, single thread, after a warm-up
that also fills Numba's cache; moves/s counts every move and pass played in playouts.
"""
from __future__ import annotations

import time

from .playout import default_max_moves, playout_batch
from .position import ZOBRIST, Position


def bench_board(sizes: tuple[int, ...] = (9, 19), seconds: float = 3.0, komi: float = 7.0) -> dict:
    """Random playouts/s and moves/s per board size, measured for about ``seconds`` each."""
    results: dict[str, float] = {}
    for n in sizes:
        pos = Position(n)
        max_moves = default_max_moves(n)
        playout_batch(pos.color, pos.links, pos.info, ZOBRIST, 1, 50, max_moves, komi)  # warm-up
        count, moves, elapsed, seed = 0, 0, 0.0, 2
        chunk = 2000 if n <= 9 else 500
        while elapsed < seconds:
            t0 = time.perf_counter()
            _, m = playout_batch(pos.color, pos.links, pos.info, ZOBRIST, seed, chunk, max_moves, komi)
            elapsed += time.perf_counter() - t0
            count += chunk
            moves += m
            seed += 1
        results[f"playouts_per_s_{n}x{n}"] = round(count / elapsed, 1)
        results[f"moves_per_s_{n}x{n}"] = round(moves / elapsed, 1)
        results[f"moves_per_playout_{n}x{n}"] = round(moves / count, 1)
    return results
