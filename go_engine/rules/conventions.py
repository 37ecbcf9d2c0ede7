"""Conventions every layer shares: the default komi and the move caps.

Plain numbers with no import behind them, so that command-line parsers can use them without
loading NumPy or Numba. The score itself is counted by ``board_kernels.area_score`` (black's
view) and turned to a side's view by ``Position.area_score``.
"""
from __future__ import annotations

DEFAULT_KOMI = 7.5  # area scoring (Tromp-Taylor, Chinese rules), even games


def playout_move_cap(n: int) -> int:
    """Moves a playout may play before it is scored as it stands. Random games recapture and
    refill, so they run to about 2 to 3 moves per point; this leaves room for any sane one."""
    return 3 * n * n + 20


def selfplay_move_cap(n: int) -> int:
    """Moves of a self-play game of the policy network: twice the points (the network fills
    its own area and passes long before), sized small because every game of a batch keeps
    arrays of this length."""
    return 2 * n * n + 20


def match_move_cap(n: int) -> int:
    """Moves of a match game between two engines before it is scored as it stands: room for a
    cleanup phase after the game's own end, without letting a broken engine play forever."""
    return 3 * n * n
