"""What the search asks about a leaf: priors over moves and a value.

The ``Evaluator`` protocol declares everything the search uses:

- ``evaluate(positions) -> (priors float32[B, n*n+1], values float32[B])``: ``positions`` are
  ``Position`` objects of the leaves, priors cover every point plus the pass (the search
  renormalises them over legal moves), and **values are from the view of the side to move at
  each leaf**, in [-1, 1] (+1: the side to move wins);
- ``native_prior``: a ``priors.PRIOR_*`` code when the priors can be computed inside Numba,
  so that the search never calls back into Python during a batch (the fast path used with
  rollouts); None when the search must call ``evaluate`` once per batch (a network,
  ``go_engine.nets.search_evaluator``);
- ``has_value``: whether ``evaluate``'s values mean anything; when not, the leaves are valued
  by playouts alone whatever ``mix_lambda`` says;
- ``warm_up(max_batch)``: called before the first timed search, so that whatever the evaluator
  compiles (a network's shapes) is not paid on the clock;
- ``thread_safe``: whether ``evaluate`` may run on several threads at once, so that the search
  can evaluate each of its batches in flight on its own thread (False by default).

The evaluators here have native priors and no value of their own. Which playout kernel values
the leaves is chosen apart, by ``rollout_config.RolloutConfig``.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from go_engine.search import priors as pr
from go_engine.rules.position import Position


class Evaluator(Protocol):
    native_prior: int | None
    has_value: bool
    thread_safe: bool = False

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32[B, n*n+1], values float32[B] from each side to move's view)."""
        ...

    def warm_up(self, max_batch: int) -> None:
        """Compile or load whatever batches of up to ``max_batch`` leaves need; nothing by
        default (an evaluator that subclasses ``Evaluator`` inherits this)."""


class NativePriorEvaluator(Evaluator):
    """The base of the evaluators whose priors the search computes in Numba: no value of
    their own; ``evaluate`` is the same computation in Python, for inspection and tests."""

    native_prior: int | None = None
    has_value = False


class UniformEvaluator(NativePriorEvaluator):
    """Equal priors over the legal moves and the pass, value 0 (no opinion)."""

    native_prior = pr.PRIOR_UNIFORM

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        rows = []
        for pos in positions:
            mask = pos.legal_points().astype(np.float32)
            rows.append(mask / mask.sum())
        return np.stack(rows), np.zeros(len(positions), np.float32)


class HeuristicEvaluator(NativePriorEvaluator):
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


class PatternPriorEvaluator(NativePriorEvaluator):
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

