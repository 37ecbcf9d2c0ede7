"""``RolloutConfig``: which playout kernel values the search's leaves, and with what.

The kernels themselves live in ``go_engine.playouts`` and are dispatched by
``drivers.run_playout`` through a ``PLAYOUT_*`` code; this is the Python-side choice the
``MCTS`` turns into that code, the move cap and the pattern-policy arrays.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RolloutConfig:
    """kind: a name of ``drivers.PLAYOUT_NAMES`` (random, heuristic, nakade, nakade+ko,
    pattern); max_moves: the playout's move cap (None: ``conventions.playout_move_cap(n)``);
    weights_path: the pattern policy's weight file (None: the shipped one for the size)."""

    kind: str = "random"
    max_moves: int | None = None
    weights_path: str | None = None
