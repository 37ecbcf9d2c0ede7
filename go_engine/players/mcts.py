"""``MCTSPlayer``: the ``Player`` that searches, with resignation and area-rules passing.

Passing under area scoring (Tromp-Taylor, as the ``Game`` scores):
- when the opponent has just passed and the board as it stands already wins, pass (ends the game);
- the search itself values a pass reply to a pass as the game's end, counted as it stands, so
  it never passes away a won game while the opponent's dead stones still count for them;
- when the search prefers to pass but the opponent has not passed, the pass is kept only if
  the board as it stands wins; otherwise the best other move is played;
- in cleanup mode (``kgs-genmove_cleanup``) no pass while opponent stones that the playouts
  judge dead (``dead_threshold`` of the ownership) remain on the board.
Own eyes are never filled: the tree does not contain such moves.

Resignation: after ``resign_moves`` consecutive searches whose best win rate is below
``resign_threshold`` (off with ``resign=False``).

Time: the search stops at the budget's ``seconds``, or earlier when the best move cannot be
overtaken and the time saved is kept (``stop_early``). Where the clock banks time
(``TimeBudget.max_seconds``: main time, a Canadian period with stones to follow) an unclear
move may search on in steps, up to ``time_extension`` times the budget more and never past
``max_seconds`` (``players.time_extension``; unclear: the most visited move leads the second
by less than ``extension_lead`` in visits, or a well-visited move has a better mean).
``time_extension=0`` turns this off; a byo-yomi period that resets after the move (the match
runner's ``time_settings 0 T 1``) never extends.
"""
from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import point_to_vertex
from go_engine.search.evaluators import Evaluator
from go_engine.search.rollout_config import RolloutConfig
from go_engine.rules.game import Game
from go_engine.players.options import OptionValue, check_option, search_option_types
from go_engine.players.protocol import RESIGN, SearchPlayer, TimeBudget
from go_engine.players.time_extension import extension_seconds
from go_engine.rules.position import BLACK
from go_engine.search.mcts import MCTS, ExtendCallback, ProgressCallback, SearchConfig, SearchResult

log = logging.getLogger(__name__)

DEFAULT_ROLLOUT_PLAYOUT = "nakade+ko"  # playouts of the search without networks (heuristic + nakade rules, ko limit)


@dataclass(frozen=True)
class PlayerConfig:
    playouts: int | None = None        # fixed simulations per move (reproducible with a seed)
    default_seconds: float = 5.0       # budget when neither playouts nor a clock are given
    resign: bool = True
    resign_threshold: float = 0.1
    resign_moves: int = 3
    min_resign_visits: int = 500       # do not trust a tiny search to resign
    dead_threshold: float = 0.6        # |ownership| for a stone to count as dead in cleanup
    stop_early: bool = True
    time_extension: float = 0.0        # bankable clock: an unclear move may take up to this many
    #                                    times its budget more (0, the default until games have
    #                                    measured it: never past the budget)
    extension_lead: float = 1.5        # unclear while the most visited move has fewer than this
    #                                    many times the second's visits


class MCTSPlayer(SearchPlayer):
    name = "mcts"

    def __init__(self, search: SearchConfig = SearchConfig(), config: PlayerConfig = PlayerConfig(),
                 evaluator: Evaluator | None = None, rollout: RolloutConfig = RolloutConfig()):
        self.config = config
        self.mcts = MCTS(search, evaluator=evaluator, rollout=rollout)
        self.cleanup = False
        self.last_result: SearchResult | None = None
        self._low_moves = 0
        self._warm_sizes: set[int] = set()

    def new_game(self, game: Game) -> None:
        """Forget the tree; load the kernels (and networks) for the size now, off the clock."""
        self._warm(game.n)
        self.mcts.forget()
        self._low_moves = 0
        self.last_result = None

    def genmove_cleanup(self, game: Game, color: int, budget: TimeBudget) -> int:
        """``kgs-genmove_cleanup``: like genmove, but capture every dead opponent stone first."""
        self.cleanup = True
        try:
            return self.genmove(game, color, budget)
        finally:
            self.cleanup = False

    def genmove(self, game: Game, color: int, budget: TimeBudget, *,
                on_progress: ProgressCallback | None = None, progress_interval: float = 1.0) -> int:
        """``on_progress`` (``genmove_analyze``) gets the search's state every
        ``progress_interval`` seconds while it runs."""
        start = time.perf_counter()
        n = game.n
        self._warm(n)
        pass_point = n * n
        if color != game.to_play or (self.cleanup and game.is_over):
            # cleanup resumes a game that two passes ended (the controller disputes the dead
            # stones), so its passes are forgotten as a playout forgets them
            game = _with_side_to_move(game, color, forget_passes=self.cleanup)
        if game.is_over:
            return pass_point
        opponent_passed = bool(game.moves) and game.moves[-1].point == pass_point
        if opponent_passed and not self.cleanup and self._wins_as_it_stands(game, color):
            return pass_point
        if budget.seconds is not None:  # what the warm-up and the checks above used is gone
            used = time.perf_counter() - start
            budget = replace(budget, seconds=max(0.05, budget.seconds - used),
                             max_seconds=None if budget.max_seconds is None else budget.max_seconds - used)
        result = self._search(game, budget, on_progress, progress_interval)
        self.last_result = result
        log.info("%d simulations in %.2fs%s%s, win rate %.3f, visits %s, pv %s", result.simulations,
                 result.seconds, " (stopped early)" if result.stopped_early else "",
                 f" (extended {result.extended:.2f}s)" if result.extended else "", result.winrate,
                 [(point_to_vertex(c.point, n), c.visits) for c in result.children[:3]],
                 " ".join(point_to_vertex(p, n) for p in result.pv[:8]))
        if self._should_resign(result):
            return RESIGN
        for child in result.children:
            point = child.point
            if point == pass_point and not self._pass_ok(game, color, opponent_passed):
                continue
            if point != pass_point and not game.position.is_legal(point, color):
                continue  # cannot happen (the tree holds legal moves only); guard anyway
            return point
        return pass_point

    def analyze(self, game: Game, color: int, should_stop: Callable[[], bool],
                on_progress: ProgressCallback | None = None,
                interval: float = 1.0) -> SearchResult | None:
        """Search with ``color`` to move until ``should_stop()`` says so (GUI analysis,
        pondering), calling ``on_progress`` every ``interval`` seconds. The tree is kept, so a
        later genmove in this line starts from what this search found. None if the game is over."""
        self._warm(game.n)
        if color != game.to_play:
            game = _with_side_to_move(game, color)
        if game.is_over:
            return None
        return self.mcts.search(game, seconds=math.inf, stop_early=False, should_stop=should_stop,
                                on_progress=on_progress, progress_interval=interval)

    # --- helpers -------------------------------------------------------------------------------
    def _warm(self, n: int) -> None:
        """The first search of a size pays for loading kernels and compiling networks: do it
        once, before any clock runs (``new_game``) or at the latest before the first move."""
        if n not in self._warm_sizes:
            self.mcts.warm_up(n)
            self._warm_sizes.add(n)

    def _search(self, game: Game, budget: TimeBudget, on_progress: ProgressCallback | None = None,
                progress_interval: float = 1.0) -> SearchResult:
        cfg = self.config
        progress = dict(on_progress=on_progress, progress_interval=progress_interval)
        if cfg.playouts is not None and budget.seconds is None:
            return self.mcts.search(game, simulations=cfg.playouts, stop_early=cfg.stop_early, **progress)
        seconds = budget.seconds if budget.seconds is not None else cfg.default_seconds
        stop_early = cfg.stop_early and not (budget.use_all and budget.seconds is not None)
        return self.mcts.search(game, simulations=cfg.playouts, seconds=seconds, stop_early=stop_early,
                                extend=self._extension(budget), **progress)

    def _extension(self, budget: TimeBudget) -> ExtendCallback | None:
        """The search's ``extend``: more time for an unclear move, where the clock banks it."""
        cfg = self.config
        nominal, ceiling = budget.seconds, budget.max_seconds
        if (cfg.time_extension <= 0 or budget.use_all or nominal is None or ceiling is None
                or ceiling <= nominal):
            return None
        return lambda children, elapsed: extension_seconds(children, elapsed, nominal, ceiling,
                                                           cfg.time_extension, cfg.extension_lead)

    def _should_resign(self, result: SearchResult) -> bool:
        cfg = self.config
        if result.winrate < cfg.resign_threshold and result.root_visits >= cfg.min_resign_visits:
            self._low_moves += 1
        else:
            self._low_moves = 0
        return cfg.resign and self._low_moves >= cfg.resign_moves

    def _pass_ok(self, game: Game, color: int, opponent_passed: bool) -> bool:
        if self.cleanup and self._dead_opponent_stones(game, color):
            return False
        if opponent_passed:
            return True  # the search valued this pass as the end of the game
        return self._wins_as_it_stands(game, color)

    @staticmethod
    def _wins_as_it_stands(game: Game, color: int) -> bool:
        return game.position.area_score(game.komi, view=color) > 0

    def _dead_opponent_stones(self, game: Game, color: int) -> list[int]:
        """Opponent stones that the last search's playouts mostly give to ``color``."""
        own = self.mcts.ownership()
        sign = 1.0 if color == BLACK else -1.0
        stones = game.position.stones(3 - color)
        return [p for p in stones if sign * own[p] > self.config.dead_threshold]


def _with_side_to_move(game: Game, color: int, forget_passes: bool = False) -> Game:
    """A copy of the game with ``color`` to move (GTP may ask either colour to move), and with
    ``forget_passes`` no passes in a row (a cleanup phase after the game's two passes)."""
    other = copy.copy(game)
    other.position = game.position.copy()
    other.position.to_play = color
    if forget_passes:
        other.position.info[bk.I_PASSES] = 0
    other.moves = list(game.moves)
    return other


def player_from_options(seed: int | None = None, seconds: float | None = None, playouts: int | None = None,
                        threads: int | None = None, extra: Mapping[str, OptionValue] | None = None,
                        evaluator: Evaluator | None = None) -> MCTSPlayer:
    """Build an MCTSPlayer from front-end options. ``extra`` may set any ``SearchConfig`` or
    ``PlayerConfig`` field with a value of its type (``rave_equiv=0.0``, ``resign=False``; see
    ``players.options``), or ``playout`` (the kernel: nakade+ko by default without an evaluator,
    random with one; ``prior="pattern"`` for pattern priors); an unknown key raises ValueError,
    a value of the wrong type TypeError, each naming the key. ``evaluator`` (e.g. the networks)
    replaces the native priors."""
    search_types = search_option_types()
    player_names = {f.name for f in fields(PlayerConfig)}
    search_kw: dict = {}
    player_kw: dict = {}
    rollout_kw: dict = {}
    if evaluator is None:  # rollout search: the MoGo-style playouts
        rollout_kw["kind"] = DEFAULT_ROLLOUT_PLAYOUT
    for key, value in (extra or {}).items():
        if key == "weights":
            continue  # a network option, meaningless to this player
        if key == "playout":
            rollout_kw["kind"] = check_option(key, value, str)
        elif key in search_types:
            (player_kw if key in player_names else search_kw)[key] = check_option(key, value, search_types[key])
        else:
            raise ValueError(f"unknown mcts option {key!r}; choose from {', '.join(sorted(search_types))}")
    if seed is not None:
        search_kw["seed"] = seed
    if threads is not None:
        search_kw["threads"] = threads
    if playouts is not None:
        player_kw["playouts"] = playouts
    if seconds:
        player_kw["default_seconds"] = seconds
    return MCTSPlayer(SearchConfig(**search_kw), PlayerConfig(**player_kw), evaluator=evaluator,
                      rollout=RolloutConfig(**rollout_kw))
