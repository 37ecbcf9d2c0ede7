"""More time for unclear moves, only where the clock banks it: the clock's ceiling, the
decision (a pure function of the root's statistics), and the search and player that use it."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from go_engine.players.protocol import TimeBudget
from go_engine.players.time_control import TimeManager
from go_engine.players.time_extension import STEP_SHARE, extension_seconds, is_unclear
from go_engine.rules.position import BLACK, WHITE


@dataclass
class Child:
    visits: int
    q: float


CLEAR = [Child(900, 0.10), Child(60, 0.05), Child(40, 0.0)]          # 15x lead, best mean
CLOSE = [Child(500, 0.10), Child(420, 0.08), Child(80, 0.0)]          # lead under 1.5x
RIVAL = [Child(700, 0.10), Child(200, 0.20), Child(100, 0.0)]         # well-visited, better mean
DECIDED = [Child(500, 0.95), Child(450, 0.94)]                        # win rate 0.975: won


# --- the clock: how far a move may run ------------------------------------------------------

def engine_budget(tm: TimeManager, color: int, ply: int, n: int = 9) -> TimeBudget:
    """The budget as the GTP front end builds it (gtp/engine.py ``_generate``)."""
    return TimeBudget(tm.budget(color, ply, n), use_all=not tm.bankable(color),
                      max_seconds=tm.ceiling(color, ply, n))


def test_no_extension_in_a_period_that_resets_after_the_move():
    tm = TimeManager()
    assert tm.ceiling(BLACK, 0, 9) is None                 # no clock: the player's default
    tm.time_settings(0, 5, 1)                              # the match runner's clock
    for ply in (0, 40):
        assert tm.ceiling(BLACK, ply, 9) is None
        assert engine_budget(tm, BLACK, ply).max_seconds is None
    tm.record(BLACK, 3.0)
    assert tm.ceiling(BLACK, 2, 9) is None
    tm.kgs_time_settings("byoyomi", 0, 5, 3)               # Japanese byo-yomi
    assert tm.ceiling(WHITE, 0, 9) is None
    tm.time_settings(0, 30, 10)
    tm.time_left(WHITE, 3.0, 1)                            # Canadian, the period's last stone
    assert tm.ceiling(WHITE, 50, 9) is None


def test_main_time_allows_a_share_of_the_bank_and_keeps_the_margin():
    tm = TimeManager()
    tm.time_settings(60, 0, 0)                             # absolute: 60 s
    nominal = tm.budget(BLACK, 0, 9)
    ceiling = tm.ceiling(BLACK, 0, 9)
    assert ceiling == pytest.approx(0.25 * 60 * 0.95 - 0.2)
    assert nominal < ceiling < 60
    tm.time_settings(600, 30, 10)                          # Canadian, main time first
    assert tm.ceiling(WHITE, 20, 9) == pytest.approx(0.25 * 600 * 0.95 - 0.2)
    tm.time_left(WHITE, 2.0, 0)                            # main time nearly gone: no room
    assert tm.ceiling(WHITE, 60, 9) == tm.budget(WHITE, 60, 9)
    tm.time_left(WHITE, 30.0, 10)                          # a fresh Canadian period of 10 stones
    assert tm.ceiling(WHITE, 62, 9) == pytest.approx(0.25 * 30 * 0.95 - 0.2)
    assert tm.ceiling(WHITE, 62, 9) > tm.budget(WHITE, 62, 9)
    tm.time_left(WHITE, 4.0, 2)                            # two stones in 4 s: no room
    assert tm.ceiling(WHITE, 64, 9) == tm.budget(WHITE, 64, 9)


# --- the decision -----------------------------------------------------------------------------

def test_unclear_roots():
    assert not is_unclear(CLEAR, 1.5)
    assert is_unclear(CLOSE, 1.5)
    assert not is_unclear(CLOSE, 1.1)                      # the ratio is the option's
    assert is_unclear(RIVAL, 1.5)
    assert not is_unclear([Child(700, 0.1), Child(20, 0.9), Child(10, 0.0)], 1.5)  # too few visits
    assert not is_unclear(DECIDED, 1.5)
    assert not is_unclear([Child(100, 0.0)], 1.5)
    assert not is_unclear([Child(100, 0.0), Child(0, 0.0)], 1.5)


def test_extension_in_steps_capped_by_the_factor_and_the_ceiling():
    nominal = 2.0
    step = STEP_SHARE * nominal
    assert extension_seconds(CLOSE, 2.0, nominal, 60.0, 1.0, 1.5) == pytest.approx(step)
    assert extension_seconds(RIVAL, 2.0, nominal, 60.0, 1.0, 1.5) == pytest.approx(step)
    # the factor: at most 1x the budget more, 4.0 s in all
    assert extension_seconds(CLOSE, 3.8, nominal, 60.0, 1.0, 1.5) == pytest.approx(0.2)
    assert extension_seconds(CLOSE, 4.0, nominal, 60.0, 1.0, 1.5) == 0.0
    assert extension_seconds(CLOSE, 2.0, nominal, 60.0, 0.5, 1.5) == pytest.approx(step)
    assert extension_seconds(CLOSE, 2.9, nominal, 60.0, 0.5, 1.5) == pytest.approx(0.1)
    # the clock's ceiling
    assert extension_seconds(CLOSE, 2.0, nominal, 2.3, 1.0, 1.5) == pytest.approx(0.3)
    assert extension_seconds(CLOSE, 2.3, nominal, 2.3, 1.0, 1.5) == 0.0
    assert extension_seconds(CLOSE, 2.0, nominal, nominal, 1.0, 1.5) == 0.0
    # off, or nothing in doubt
    assert extension_seconds(CLOSE, 2.0, nominal, 60.0, 0.0, 1.5) == 0.0
    assert extension_seconds(CLEAR, 2.0, nominal, 60.0, 1.0, 1.5) == 0.0
    assert extension_seconds(DECIDED, 2.0, nominal, 60.0, 1.0, 1.5) == 0.0


def test_total_extension_never_passes_the_caps():
    for nominal, ceiling, factor in ((2.0, 60.0, 1.0), (2.0, 3.1, 1.0), (1.0, 60.0, 0.3)):
        elapsed = nominal
        while (more := extension_seconds(CLOSE, elapsed, nominal, ceiling, factor, 1.5)) > 0:
            elapsed += more
        assert elapsed <= min((1 + factor) * nominal, ceiling) + 1e-9
        assert elapsed >= min((1 + factor) * nominal, ceiling) - 0.02 - 1e-9


# --- the search and the player ------------------------------------------------------------------

def test_player_extends_only_with_a_bankable_ceiling():
    from go_engine.players.mcts import MCTSPlayer, PlayerConfig
    from go_engine.search.mcts import SearchConfig
    player = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=1), PlayerConfig(time_extension=1.0))
    assert player._extension(TimeBudget(2.0, max_seconds=5.0)) is not None
    default = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=1), PlayerConfig())
    assert default._extension(TimeBudget(2.0, max_seconds=5.0)) is None  # off until measured in games
    assert player._extension(TimeBudget(2.0)) is None
    assert player._extension(TimeBudget(2.0, use_all=True, max_seconds=5.0)) is None
    assert player._extension(TimeBudget(None, max_seconds=5.0)) is None
    assert player._extension(TimeBudget(2.0, max_seconds=2.0)) is None
    off = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=1), PlayerConfig(time_extension=0.0))
    assert off._extension(TimeBudget(2.0, max_seconds=5.0)) is None
    tm = TimeManager()
    tm.time_settings(0, 5, 1)                              # the match runner's clock: unchanged
    assert player._extension(engine_budget(tm, BLACK, 10)) is None
    tm.time_settings(300, 0, 0)
    assert player._extension(engine_budget(tm, BLACK, 10)) is not None


def test_search_asks_at_each_deadline_and_adds_what_it_is_given():
    from go_engine.rules.game import Game
    from go_engine.search.mcts import MCTS, SearchConfig
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=16, parallel="batch"))
    game = Game(9, 7.0)
    mcts.search(game, simulations=64, stop_early=False)   # load the kernels
    asked = []

    def extend(children, elapsed):
        asked.append(elapsed)
        assert children and children[0].visits >= children[-1].visits
        return 0.05 if len(asked) <= 2 else 0.0

    result = mcts.search(game, seconds=0.1, stop_early=False, extend=extend)
    assert len(asked) == 3 and asked[0] >= 0.1 and asked[0] < asked[1] < asked[2]
    assert result.extended == pytest.approx(0.1)
    assert result.seconds >= 0.2
    plain = mcts.search(game, seconds=0.1, stop_early=False)
    assert plain.extended == 0.0


def test_player_spends_up_to_twice_the_budget_on_an_unclear_move_and_stops_a_clear_one():
    from go_engine.players.mcts import MCTSPlayer, PlayerConfig
    from go_engine.rules.game import Game
    from go_engine.rules.position import Position
    from go_engine.search.mcts import SearchConfig
    from tests.ascii_boards import LAST_DAME
    search = SearchConfig(threads=1, max_tree_mb=16, parallel="batch")
    # every root counts as unclear with this lead ratio: the move takes the budget twice
    unclear = MCTSPlayer(search, PlayerConfig(time_extension=1.0, extension_lead=1e9, resign=False))
    game = Game(9, 7.0)
    unclear.genmove(game, BLACK, TimeBudget(0.05))         # warm-up
    unclear.mcts.forget()
    unclear.genmove(game, BLACK, TimeBudget(0.2, max_seconds=5.0))
    result = unclear.last_result
    # granted in steps of a quarter budget until 2x the budget is spent, each step from the
    # moment the last one ran out (a chunk may overrun it), and the last one under MIN_STEP dropped
    assert 0.1 <= result.extended <= 0.2 + 1e-9  # (the early stop may end the last sliver)
    assert 0.35 <= result.seconds < 0.4 + 0.25
    # capped by the clock's ceiling
    unclear.mcts.forget()
    unclear.genmove(game, BLACK, TimeBudget(0.2, max_seconds=0.25))
    assert unclear.last_result.extended <= 0.05 + 1e-9 and unclear.last_result.seconds < 0.25 + 0.2
    # C3 is the only move that matters: the early stop ends the search, no extension
    clear = MCTSPlayer(SearchConfig(threads=1, seed=2, max_tree_mb=16), PlayerConfig(time_extension=1.0))
    game = Game(5, 0.5)
    game.position = Position.from_ascii(LAST_DAME, to_play=BLACK)
    clear.genmove(game, BLACK, TimeBudget(0.05))           # warm-up
    clear.mcts.forget()
    clear.genmove(game, BLACK, TimeBudget(1.0, max_seconds=10.0))
    assert clear.last_result.stopped_early and clear.last_result.extended == 0.0
    assert clear.last_result.seconds < 0.9


def test_an_unclear_move_is_not_stopped_early_before_its_deadline():
    from go_engine.rules.game import Game
    from go_engine.rules.position import Position
    from go_engine.search.mcts import MCTS, SearchConfig
    from tests.ascii_boards import LAST_DAME
    game = Game(5, 0.5)
    game.position = Position.from_ascii(LAST_DAME, to_play=BLACK)
    mcts = MCTS(SearchConfig(threads=1, seed=2, max_tree_mb=16, parallel="batch"))
    mcts.search(game, simulations=64, stop_early=False)   # load the kernels
    mcts.forget()
    assert mcts.search(game, seconds=0.5).stopped_early   # C3: the early stop ends it
    answers = iter([0.05])                                # unclear once (at the early stop), then clear
    mcts.forget()
    result = mcts.search(game, seconds=0.5, extend=lambda children, elapsed: next(answers, 0.0))
    assert not result.stopped_early and result.extended == 0.0 and result.seconds >= 0.5


def test_the_options_are_typed_player_options():
    from go_engine.players.mcts import player_from_options
    from go_engine.players.options import parse_options
    extra = parse_options(["time_extension=0", "extension_lead=2"])
    assert extra == {"time_extension": 0.0, "extension_lead": 2.0}
    player = player_from_options(extra=extra)
    assert player.config.time_extension == 0.0 and player.config.extension_lead == 2.0
    with pytest.raises(ValueError):
        parse_options(["time_extension=lots"])
