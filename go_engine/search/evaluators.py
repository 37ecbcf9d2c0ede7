"""What the search asks about a leaf: priors over moves and a value, and how to play it out.

The interface is one method, ``evaluate(positions) -> (priors float32[B, n*n+1], values
float32[B])``: ``positions`` are ``Position`` objects of the leaves, priors cover every point
plus the pass (the search renormalises them over legal moves), and **values are from the
view of the side to move at each leaf**, in [-1, 1] (+1: the side to move wins).

An evaluator that sets ``native_prior`` (a ``priors.PRIOR_*`` code) tells the search that its
priors can be computed inside Numba and that it has no value of its own; the search then never
calls back into Python during a batch (the fast path used with rollouts). A network evaluator
(``go_engine.nets``) sets ``native_prior = None`` and is called once per batch.

``RolloutConfig`` chooses the playout kernel: ``"random"`` (``playout.random_playout``) now;
the pattern policy of ``rollout_policy`` plugs in as another ``PLAYOUT_*`` code in
``rollouts.run_playout`` with its weight array.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from go_engine.search import priors as pr
from go_engine.rules.position import Position


class Evaluator(Protocol):
    native_prior: int | None

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32[B, n*n+1], values float32[B] from each side to move's view)."""
        ...


class UniformEvaluator:
    """Equal priors over the legal moves and the pass, value 0 (no opinion)."""

    native_prior = pr.PRIOR_UNIFORM

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        for pos in positions:
            mask = pos.legal_points().astype(np.float32)
            rows.append(mask / mask.sum())
        return np.stack(rows), np.zeros(len(positions), np.float32)


class HeuristicEvaluator:
    """Priors from ``priors.heuristic_weight`` (captures, atari, locality, lines), value 0."""

    native_prior = pr.PRIOR_HEURISTIC

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        for pos in positions:
            n = pos.n
            mask = pos.legal_points()
            row = np.zeros(n * n + 1, np.float32)
            marks = np.zeros(pos.color.shape[0], np.int8)
            c = pos.to_play
            for p in np.flatnonzero(mask[:-1]):
                row[p] = pr.heuristic_weight(pos.color, pos.links, pos.info, int(pos.p2l[p]), c, marks)
            row[-1] = pr.PASS_WEIGHT * row.sum() / max(1, int(mask[:-1].sum()))
            rows.append(row / row.sum())
        return np.stack(rows), np.zeros(len(positions), np.float32)


class PatternPriorEvaluator:
    """Priors from the rollout policy's softmax (``rollout_policy``), computed in Numba by the
    search; value 0. The Python ``evaluate`` is for inspection."""

    native_prior = pr.PRIOR_PATTERN

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        from go_engine.playouts.rollout_policy import load_rollout_weights, rollout_priors
        rows = []
        for pos in positions:
            row = rollout_priors(pos, load_rollout_weights(n=pos.n)).astype(np.float32)
            rows.append(row / max(row.sum(), 1e-30))
        return np.stack(rows), np.zeros(len(positions), np.float32)


def make_evaluator(prior: str) -> Evaluator:
    """The evaluator of a ``SearchConfig.prior`` name."""
    if prior == "uniform":
        return UniformEvaluator()
    if prior == "heuristic":
        return HeuristicEvaluator()
    if prior == "pattern":
        return PatternPriorEvaluator()
    raise ValueError(f"unknown prior {prior!r}; choose from {sorted(pr.PRIOR_NAMES)}")


@dataclass(frozen=True)
class RolloutConfig:
    """Which playout kernel evaluates leaves, and its parameters."""

    kind: str = "random"
    max_moves: int | None = None       # None: ``playout.default_max_moves(n)``
    weights_path: str | None = None    # pattern-policy weight file (None: the default for the size)
