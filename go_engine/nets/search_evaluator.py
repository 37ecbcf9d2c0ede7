"""``NetworkEvaluator``: the search's ``Evaluator`` backed by the policy and value networks.

AlphaGo's leaf evaluation: priors from the SL policy network, a value from the value network
(mixed with the playout result by the search, ``SearchConfig.mix_lambda``). One call
evaluates a whole batch of leaves: the feature planes are computed in Numba (one
``fill_planes`` per leaf, 49 planes: the policy net reads the first 48, the value net all 49),
then each network runs once on the batch (jitted, padded to a few fixed batch sizes).

The pass gets a small fixed prior (the policy net has no pass output); the search renormalises
priors over the legal moves. Imports JAX when built: load it only when a network player is chosen.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from go_engine.features.planes import N_POLICY_PLANES, N_VALUE_PLANES, FeatureScratch, fill_planes
from go_engine.rules.position import ZOBRIST, Position
from go_engine.nets.policy_inference import BUCKETS
from go_engine.search.evaluators import Evaluator

PASS_PRIOR = 1e-3   # the policy net never predicts a pass; the search still considers it


class NetworkEvaluator(Evaluator):
    """Priors from a policy weight file and values from a value weight file (or no value:
    ``value`` None gives 0 for every leaf, so the search must rely on playouts)."""

    native_prior = None   # the search calls ``evaluate`` once per batch

    def __init__(self, policy: str | Path, value: str | Path | None, board_size: int,
                 prior_temperature: float = 1.0):
        from go_engine.nets.policy_inference import PolicyNetRunner  # imports JAX
        self.n = board_size
        self.policy = PolicyNetRunner(policy, board_size=board_size)
        if self.policy.n != board_size:
            raise ValueError(f"policy weights {policy} are for {self.policy.n}x{self.policy.n}, "
                             f"not {board_size}x{board_size}")
        self.value = None
        if value is not None:
            from go_engine.nets.value_net import ValueNetRunner
            self.value = ValueNetRunner(value, board_size=board_size)
            if self.value.n != board_size:
                raise ValueError(f"value weights {value} are for {self.value.n}x{self.value.n}, "
                                 f"not {board_size}x{board_size}")
        self.prior_temperature = prior_temperature
        self._scratch = FeatureScratch(board_size)
        self.calls = 0
        self.positions = 0

    def _run_networks(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(policy log-probs float32[B, n*n], values float32[B]) of a padded batch."""
        logp = self.policy.log_probs(np.ascontiguousarray(planes[..., :N_POLICY_PLANES]))
        if self.value is not None:
            values = self.value.values(planes).astype(np.float32)
        else:
            values = np.zeros(len(planes), np.float32)
        return logp, values

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def planes(self, positions: Sequence[Position]) -> np.ndarray:
        """uint8[B, n, n, 49] for the leaves, each from its side to move's view."""
        n = self.n
        s = self._scratch
        out = np.zeros((len(positions), n, n, N_VALUE_PLANES), np.uint8)
        for b, pos in enumerate(positions):
            fill_planes(pos.color, pos.links, pos.info, ZOBRIST, s.st_color, s.st_links, s.st_info,
                        s.budget, s.marks, out[b], True)
        return out

    def warm_up(self, max_batch: int) -> None:
        """Compile both networks for every padded batch size up to ``max_batch`` (JAX compiles
        once per shape; a compile in the middle of a timed move costs seconds)."""
        n = self.n
        for size in BUCKETS:
            planes = np.zeros((size, n, n, N_VALUE_PLANES), np.uint8)
            self._run_networks(planes)
            if size >= max_batch:
                break

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32[B, n*n+1], values float32[B] for each side to move)."""
        n = self.n
        b = len(positions)
        planes = self.planes(positions)
        size = next((s for s in BUCKETS if s >= b), b)
        if size > b:  # pad to a compiled shape, the same for both networks
            planes = np.concatenate([planes, np.zeros((size - b,) + planes.shape[1:], np.uint8)])
        logp, values = self._run_networks(planes)
        logp, values = logp[:b], values[:b]
        if self.prior_temperature != 1.0:
            logp = logp / self.prior_temperature
        logp = logp - logp.max(axis=1, keepdims=True)
        probs = np.exp(logp)
        probs /= probs.sum(axis=1, keepdims=True)
        priors = np.empty((len(positions), n * n + 1), np.float32)
        priors[:, :-1] = probs * (1.0 - PASS_PRIOR)
        priors[:, -1] = PASS_PRIOR
        self.calls += 1
        self.positions += len(positions)
        return priors, values
