"""Differential test of the rules against GNU Go (``--chinese-rules --positional-superko``).

Random legal games are played on both engines at once. After every move both must agree on
the stones on the board (``list_stones``) and on ``is_legal`` for a sample of points (always
including the ko point, the points just emptied by captures, and occupied points); at the end
of every game finished by two passes, on the area score.

The CI subset plays 40 games; ``pytest -m slow`` plays 300 more.
"""
from __future__ import annotations

import random

import numpy as np
import pytest

from go_engine.rules.coords import point_to_vertex
from go_engine.rules.game import Game
from go_engine.players.protocol import TimeBudget
from go_engine.players.random_player import RandomPlayer
from go_engine.rules.position import BLACK, WHITE

from tests.conftest import GnuGo

KOMI = 7.5


def _choose_move(game: Game, rng: random.Random, player: RandomPlayer) -> int:
    """Mostly a random non-eye-filling move (so games end); sometimes any legal move at all,
    eye fills and self-ataris included, to reach rarer rule situations."""
    pos, n, color = game.position, game.n, game.to_play
    if rng.random() < 0.05:
        legal = [p for p in range(n * n) if pos.is_legal(p, color)]
        if legal:
            return rng.choice(legal)
    return player.genmove(game, color, TimeBudget())


def _sample_points(game: Game, rng: random.Random, before_empty: set[int], k: int) -> list[int]:
    n = game.n
    pos = game.position
    points = set(rng.sample(range(n * n), min(k, n * n)))
    if pos.ko_point is not None:
        points.add(pos.ko_point)
    now_empty = {p for p in range(n * n) if pos.board().ravel()[p] == 0}
    points |= now_empty - before_empty  # points emptied by the last capture
    return sorted(points)


def play_differential_game(gnugo: GnuGo, n: int, seed: int, sample: int) -> dict:
    rng = random.Random(seed)
    player = RandomPlayer(seed)
    game = Game(n, KOMI)
    gnugo.ask(f"boardsize {n}")
    gnugo.ask("clear_board")
    gnugo.ask(f"komi {KOMI}")
    stats = {"moves": 0, "captures": 0, "is_legal_checks": 0, "illegal_agreed": 0}
    max_moves = 3 * n * n
    while not game.is_over and len(game.moves) < max_moves:
        color = game.to_play
        empty_before = set(np.flatnonzero(game.position.board().ravel() == 0).tolist())
        point = _choose_move(game, rng, player)
        game.play(point)
        gnugo.ask(f"play {'b' if color == BLACK else 'w'} {point_to_vertex(point, n)}")
        stats["moves"] += 1
        for c, name in ((BLACK, "black"), (WHITE, "white")):
            ours = {point_to_vertex(p, n) for p in game.position.stones(c)}
            theirs = set(gnugo.ask(f"list_stones {name}").split())
            assert ours == theirs, (
                f"seed {seed} move {len(game.moves)}: {name} stones differ\n"
                f"only ours: {sorted(ours - theirs)} only gnugo: {sorted(theirs - ours)}\n{game.position}")
        to_play = game.to_play
        for p in _sample_points(game, rng, empty_before, sample):
            ours = game.position.is_legal(p, to_play)
            theirs = gnugo.ask(f"is_legal {'b' if to_play == BLACK else 'w'} {point_to_vertex(p, n)}") == "1"
            stats["is_legal_checks"] += 1
            stats["illegal_agreed"] += not ours
            assert ours == theirs, (
                f"seed {seed} move {len(game.moves)}: is_legal {point_to_vertex(p, n)} "
                f"ours={ours} gnugo={theirs}\n{game.position}")
    stats["captures"] = sum(game.position.captures)
    stats["finished"] = game.is_over
    if game.is_over:
        theirs = gnugo.ask("final_score")
        assert theirs == game.result_string(), (
            f"seed {seed}: final score ours={game.result_string()} gnugo={theirs}\n{game.position}")
    return stats


def _run(gnugo: GnuGo, games: list[tuple[int, int]], sample: dict[int, int]) -> dict:
    total: dict = {"games": 0, "finished": 0, "moves": 0, "captures": 0, "is_legal_checks": 0,
                   "illegal_agreed": 0}
    for n, seed in games:
        stats = play_differential_game(gnugo, n, seed, sample[n])
        total["games"] += 1
        for key in ("finished", "moves", "captures", "is_legal_checks", "illegal_agreed"):
            total[key] += int(stats[key])
    return total


def test_random_games_agree_with_gnugo(gnugo):
    """CI subset: 30 games on 9x9 and 10 on 19x19, every move compared."""
    games = [(9, s) for s in range(30)] + [(19, 1000 + s) for s in range(10)]
    total = _run(gnugo, games, {9: 12, 19: 12})
    assert total["games"] == 40
    assert total["finished"] >= 30  # random games with the eye rule end by two passes
    assert total["illegal_agreed"] > 0  # the sample did reach illegal points


@pytest.mark.slow
def test_random_games_agree_with_gnugo_full(gnugo):
    """Full run: 200 games on 9x9 and 100 on 19x19 with denser is_legal sampling."""
    games = [(9, 10_000 + s) for s in range(200)] + [(19, 20_000 + s) for s in range(100)]
    total = _run(gnugo, games, {9: 30, 19: 40})
    print(total)
    assert total["games"] == 300
