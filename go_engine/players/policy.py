"""``PolicyPlayer``: plays the policy network's move, with no search.

Greedy (temperature 0) or sampled from the softmax at a temperature. Only moves that are
legal (positional superko included) and sensible (not filling an own eye) are considered.
The network has no pass output, so the player passes when no such move remains, or when the
opponent has just passed and the count wins: area score with the stones that random playouts
judge dead taken off (``ownership.final_status``, what ``final_status_list`` answers). Without
that rule it plays on inside settled territory until its own groups run out of eyes."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from go_engine.features.planes import P_SENSIBLE, FeatureScratch, position_planes
from go_engine.rules.game import Game
from go_engine.players.protocol import TimeBudget
from go_engine.rules.position import BLACK


class PolicyPlayer:
    name = "policy"

    def __init__(self, weights: str | Path | None = None, temperature: float = 0.0, seed: int = 0,
                 evaluator=None):
        self.weights = weights
        self.temperature = temperature
        self._rng = np.random.default_rng(seed)
        self._evaluators: dict[int, object] = {}
        if evaluator is not None:
            self._evaluators[evaluator.n] = evaluator
        self._scratch: dict[int, FeatureScratch] = {}

    def evaluator(self, n: int):
        if n not in self._evaluators:
            from go_engine.nets.policy_inference import PolicyNetRunner
            ev = PolicyNetRunner(self.weights, board_size=n)
            if ev.n != n:
                raise ValueError(f"the policy weights are for {ev.n}x{ev.n}, the game is {n}x{n}")
            if ev.path is not None:  # one line in the GUI's engine console: which network plays
                print(f"go-engine: {n}x{n}: policy {ev.path.name}", file=sys.stderr, flush=True)
            self._evaluators[n] = ev
        return self._evaluators[n]

    def new_game(self, game: Game) -> None:
        pass

    def move_probabilities(self, game: Game, color: int) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities float64[n*n] over sensible moves, sensible mask bool[n*n])."""
        n = game.n
        pos = game.position.copy()
        pos.to_play = color
        scratch = self._scratch.setdefault(n, FeatureScratch(n))
        planes = position_planes(pos, scratch)
        sensible = planes[:, :, P_SENSIBLE].ravel().astype(bool)
        logp = self.evaluator(n).log_probs(planes[None])[0].astype(np.float64)
        logp = np.where(sensible, logp, -np.inf)
        if not sensible.any():
            return np.zeros(n * n), sensible
        p = np.exp(logp - logp.max())
        return p / p.sum(), sensible

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        n = game.n
        if game.moves and game.moves[-1].point == n * n and wins_counting_dead(game, color):
            return n * n  # the opponent passed and the count wins: end the game
        probs, sensible = self.move_probabilities(game, color)
        candidates = np.flatnonzero(sensible)
        if self.temperature > 0 and len(candidates):
            # Gumbel top-k: an order sampled without replacement from probs ** (1 / temperature)
            keys = np.log(probs[candidates] + 1e-30) / self.temperature + self._rng.gumbel(size=len(candidates))
            order = candidates[np.argsort(-keys)]
        else:
            order = candidates[np.argsort(-probs[candidates], kind="stable")]
        for point in order:  # the planes use simple ko; superko is checked here
            if game.position.is_legal(int(point), color):
                return int(point)
        return n * n


def wins_counting_dead(game: Game, color: int) -> bool:
    """Whether ``color`` wins the area count with the stones that playouts judge dead removed."""
    from go_engine.players.ownership import final_status, score_without_dead
    status = final_status(game.position)
    dead = [p for p, verdict in status.items() if verdict == "dead"]
    score = score_without_dead(game.position, game.komi, dead)
    return score > 0 if color == BLACK else score < 0
