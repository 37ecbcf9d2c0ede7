"""Numbers read off a finished search's root children, shared by every front end that reports
them (GTP ``lz-analyze``, the game review, the JSON analysis protocol), so that they agree.

All win rates are for the side to move at the root, in [0, 1].
"""
from __future__ import annotations

from collections.abc import Sequence

from go_engine.search.mcts import ChildStats


def root_value(children: Sequence[ChildStats]) -> float:
    """The root's value in [-1, 1]: the visit-weighted mean of its children's Q (what the
    search backed up through them), 0 when nothing was visited."""
    total = sum(c.visits for c in children)
    return sum(c.visits * c.q for c in children) / total if total else 0.0


def root_winrate(children: Sequence[ChildStats]) -> float:
    """``root_value`` as a win rate (KataGo's ``rootInfo.winrate``)."""
    return 0.5 * (1.0 + root_value(children))


def move_value(child: ChildStats, root_q: float) -> float:
    """A child's Q, or the root's value so far for a child not yet visited (it has no Q)."""
    return child.q if child.visits else root_q


def reported_moves(children: Sequence[ChildStats], min_moves: int = 0,
                   max_moves: int | None = None) -> list[ChildStats]:
    """The moves worth reporting: every visited one (in the given order: by visits, then Q),
    padded to ``min_moves`` with unvisited ones by prior, cut to ``max_moves``."""
    visited = [c for c in children if c.visits > 0]
    if len(visited) < min_moves:
        unvisited = sorted((c for c in children if c.visits == 0), key=lambda c: -c.prior)
        visited += unvisited[:min_moves - len(visited)]
    if max_moves is not None:
        visited = visited[:max_moves]
    return visited
