"""The rollout policy as a player: the fast pattern softmax of ``playouts.rollout_policy`` with no
search, for measuring what the playouts know on their own."""
from __future__ import annotations

import numpy as np

from go_engine.playouts.rollout_policy import RolloutWeights, load_rollout_weights, move_probabilities
from go_engine.players.protocol import TimeBudget
from go_engine.rules.game import Game


class RolloutPolicyPlayer:
    """Plays the rollout policy's most probable move (own eyes excluded, superko checked);
    passes when no such move is left."""

    name = "rollout"

    def __init__(self, weights: RolloutWeights | None = None, weights_path: str | None = None):
        self._weights = {weights.n: weights} if weights is not None else {}
        if weights_path is not None:
            rw = load_rollout_weights(weights_path)
            self._weights[rw.n] = rw

    def _weights_for(self, n: int) -> RolloutWeights:
        if n not in self._weights:
            self._weights[n] = load_rollout_weights(n=n)
        return self._weights[n]

    def new_game(self, game: Game) -> None:
        self._weights_for(game.n)

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        pos = game.position.copy()
        pos.to_play = color
        probs = move_probabilities(pos, self._weights_for(game.n), skip_eyes=True)
        n = game.n
        for point in np.argsort(-probs[: n * n], kind="stable"):
            if probs[point] <= 0.0:
                break
            if game.position.is_legal(int(point), color):
                return int(point)
        return n * n
