"""The first run after an install (``players.first_run``): while the search kernels compile in a
second process, the AlphaGo player answers with its policy network; once the compile is over,
the search plays. The compile process itself is replaced by a stand-in here (the real one costs
minutes of CPU; ``.ci/front_door.sh`` runs it from a wheel with an empty cache)."""
from __future__ import annotations

import threading

import pytest

from go_engine.players import alphago
from go_engine.players.protocol import TimeBudget
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK
from go_engine.shipped import shipped_data_dir

pytest.importorskip("jax")
pytestmark = pytest.mark.skipif(not (shipped_data_dir() / "policy_9.npz").exists(),
                                reason="shipped 9x9 policy network missing")


class StandInCompile:
    """A background compile that is over when the test says so."""

    done = False
    started_with: list[list[int]] = []

    def __init__(self, sizes: list[int]):
        StandInCompile.started_with.append(sizes)

    def ready(self) -> bool:
        return StandInCompile.done

    def wait(self) -> None:
        StandInCompile.done = True


@pytest.fixture
def stand_in(monkeypatch):
    StandInCompile.done, StandInCompile.started_with = False, []
    monkeypatch.setattr(alphago, "BackgroundCompile", StandInCompile)
    return StandInCompile


def test_policy_network_answers_while_the_search_compiles(stand_in):
    player = alphago.AlphaGoPlayer(seed=1, playouts=32, threads=1, extra={"resign": False},
                                   compile_in_background=True)
    game = Game(9, 7.0)
    player.new_game(game)
    point = player.genmove(game, BLACK, TimeBudget())
    assert 0 <= point < 81 and game.position.is_legal(point, BLACK)
    assert player.last_result is None          # no search behind that move
    assert 9 not in player._players            # and no search built yet
    assert stand_in.started_with == [[9, 19]]  # one compile, for the sizes with networks

    stand_in.done = True                        # the compile process finished
    release = threading.Event()
    warm = player._warm_search
    player._warm_search = lambda n: (release.wait(30), warm(n))
    point = player.genmove(game, BLACK, TimeBudget())
    assert 0 <= point < 81 and player.last_result is None  # the search loads on a thread meanwhile
    assert player._warming[9].is_alive()
    release.set()
    player._warming[9].join(120)
    point = player.genmove(game, BLACK, TimeBudget())
    assert 0 <= point < 81
    assert player.last_result is not None and player.last_result.simulations >= 32
    assert 9 not in player._quick              # the stand-in network is freed


def test_the_stand_in_runs_no_playouts(stand_in, monkeypatch):
    """The stand-in answers while the playout kernels compile in the other process: a playout
    here would compile them on the move's clock (30 s on 19x19), so it runs none."""
    from go_engine.players import ownership

    def no_playouts(*args, **kwargs):
        raise AssertionError("the stand-in ran playouts")

    monkeypatch.setattr(ownership, "estimate_ownership", no_playouts)
    player = alphago.AlphaGoPlayer(seed=1, playouts=32, threads=1, extra={"resign": False},
                                   compile_in_background=True)
    game = Game(9, 7.0)
    player.new_game(game)
    for _ in range(6):  # Black's own corner becomes an enclosed region the check would read
        point = player.genmove(game, game.to_play, TimeBudget())
        game.play(point, game.to_play)
    game.play(81, game.to_play)  # a pass: the count check after a pass needs playouts too
    point = player.genmove(game, game.to_play, TimeBudget())
    assert 0 <= point <= 81 and player.last_result is None


def test_without_background_compile_the_search_plays_at_once(stand_in):
    player = alphago.AlphaGoPlayer(seed=1, playouts=32, threads=1, extra={"resign": False})
    game = Game(9, 7.0)
    player.genmove(game, BLACK, TimeBudget())
    assert player.last_result is not None
    assert stand_in.started_with == []
