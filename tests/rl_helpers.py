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


def kill_first_busy_worker(killed: list):
    """A Ray run's ``on_result`` callback: kill the first worker found in the middle of its work,
    once, and record its id in ``killed`` (the tests check the run survives it)."""
    def on_result(pool, result):
        if not killed:
            busy = [wid for wid, _ in pool.pending.values()]
            if busy:
                pool.kill(busy[0])
                killed.append(busy[0])
    return on_result
