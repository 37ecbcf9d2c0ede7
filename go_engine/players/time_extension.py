"""When a search may run past its budget: more time for unclear moves, only from a bank.

A search on a clock stops at its nominal budget (``TimeManager.budget``), or before it when the
most visited root move cannot be overtaken (``mcts.MCTS.search``'s early stop: the obvious
moves). At the nominal deadline the search asks ``extension_seconds`` once; while the move is
unclear the answer is another step of ``STEP_SHARE`` of the nominal budget, until the search
has spent ``1 + max_factor`` times the nominal budget or the clock's ceiling
(``TimeManager.ceiling``: a safe share of the main time or Canadian period left), whichever
comes first. The early stop asks too: an unclear move whose leader could not be overtaken in
the time to the deadline searches on to it (where it may be extended), a clear one stops.

Unclear, at the root (``is_unclear``):
- the most visited move leads the second by less than ``lead_ratio`` (visits), or
- a move with at least ``RIVAL_SHARE`` of its visits has a better mean value;
but never when the game looks decided (the leader's win rate within ``DECIDED`` of 0 or 1):
there every move scores alike, the visits split, and more time would buy nothing.

Only where saved and spent time carry over (``TimeBudget.max_seconds`` is None otherwise: no
clock, or a byo-yomi period that resets after the move, such as ``time_settings 0 5 1``).
Pure functions, called once per step from Python, never per simulation.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

STEP_SHARE = 0.25   # each extension step: this share of the nominal budget
RIVAL_SHARE = 0.2   # a better-valued move counts once it has this share of the leader's visits
DECIDED = 0.05      # no extension when the leader's win rate is below this or above 1 - this
MIN_STEP = 0.02     # seconds: a shorter step is not worth a chunk of search


class RootChild(Protocol):
    """What the decision reads of a root move (``mcts.ChildStats`` has it)."""

    visits: int
    q: float        # mean value for the side to move, in [-1, 1]


def is_unclear(children: Sequence[RootChild], lead_ratio: float) -> bool:
    """Whether the root's best move is still in doubt (see the module docstring)."""
    visited = sorted((c for c in children if c.visits > 0), key=lambda c: (-c.visits, -c.q))
    if len(visited) < 2:
        return False
    top = visited[0]
    winrate = 0.5 * (1.0 + top.q)
    if winrate <= DECIDED or winrate >= 1.0 - DECIDED:
        return False
    if top.visits < lead_ratio * visited[1].visits:
        return True
    return any(c.q > top.q and c.visits >= RIVAL_SHARE * top.visits for c in visited[1:])


def extension_seconds(children: Sequence[RootChild], elapsed: float, nominal: float, ceiling: float,
                      max_factor: float, lead_ratio: float) -> float:
    """Seconds more for a search that reached its deadline after ``elapsed`` seconds of a
    ``nominal`` budget; 0 to stop. The total stays within ``(1 + max_factor) * nominal`` and
    ``ceiling`` (the clock's safe maximum for this move)."""
    if max_factor <= 0 or nominal <= 0:
        return 0.0
    left = min((1.0 + max_factor) * nominal, ceiling) - elapsed
    if left < MIN_STEP or not is_unclear(children, lead_ratio):
        return 0.0
    return min(max(STEP_SHARE * nominal, MIN_STEP), left)
