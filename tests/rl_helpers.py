"""Tiny random-init networks for the self-play, RL, value and Ray tests (seconds, not minutes)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def tiny_policy_file(path: Path, n: int = 5, seed: int = 0) -> Path:
    from go_engine.nets.config import PolicyNetConfig
    from go_engine.nets.policy_net import init_variables
    from go_engine.nets.weights import save_policy_weights
    cfg = PolicyNetConfig(board_size=n, layers=2, filters=4, first_kernel=3)
    save_policy_weights(path, cfg, init_variables(cfg, seed))
    return path


def replay_checked(n: int, codes: np.ndarray, komi: float):
    """Replay encoded moves with the rules engine (positional superko); returns the Game.
    Raises IllegalMove on any illegal move."""
    from go_engine.rules.game import Game
    game = Game(n, komi)
    for code in codes:
        code = int(code)
        colour = 1 if code >= 0 else 2
        point = code if code >= 0 else -code - 1
        game.play(point, colour)
    return game
