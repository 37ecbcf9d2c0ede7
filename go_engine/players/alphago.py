"""``AlphaGoPlayer``: the full player. PUCT search with SL-policy priors and leaf values that mix
the value network with fast rollouts, one search per board size in play.

For each board size it looks for the shipped weights in ``data/``: ``policy_<n>.npz`` (priors)
and ``value_<n>.npz`` (values). With both, leaves get ``V = (1 - lambda) v + lambda z``
(lambda 0.5 by default, AlphaGo's choice); with a policy but no value net, the playouts alone
value the leaves (lambda 1); with no policy net for the size, it falls back to the rollout-only
search of ``players.mcts`` and says so on stderr. AlphaGo found SL priors better than RL priors
inside the search, so ``policy`` defaults to ``sl``.

Options (``extra``, typed as ``players.options`` declares): ``policy`` (sl, rl or a path),
``value`` (a path or none), ``prune_ladder_runs`` (default on: the search leaves out moves that
run into a caught ladder, ``nets.search_evaluator``), and any ``SearchConfig`` or ``PlayerConfig`` field (``mix_lambda``
0.0 for network-only values, ``c_puct`` ...), which override the network defaults below.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from go_engine.rules.game import Game
from go_engine.jit_cache import kernels_warm, mark_warm
from go_engine.players.first_run import PLAYER as FIRST_RUN_PLAYER, BackgroundCompile
from go_engine.players.mcts import DEFAULT_ROLLOUT_PLAYOUT, MCTSPlayer, player_from_options
from go_engine.players.options import OptionValue, check_option
from go_engine.players.policy import PolicyPlayer
from go_engine.players.protocol import SearchPlayer, TimeBudget
from go_engine.search.mcts import MCTS, ProgressCallback, SearchResult
from go_engine.nets.value_config import default_value_weights
from go_engine.nets.weights import resolve_policy_weights

# Search settings with networks. The priors carry the knowledge RAVE supplies without them, so
# RAVE is off; c_puct is raised so that the priors steer longer than in the rollout search. A
# node gets its network evaluation on its edge's second visit (expand_threshold 1: the first
# visit is a playout only), which doubles the simulations per network call. While the networks
# evaluate a batch of 16 leaves, the other core plays each leaf out ``leaf_rollouts`` times and
# averages the results, which lowers z's variance at little wall-time cost. The playouts are the
# ``nakade+ko`` kind: the nakade rules see group kills by a bulky-five sacrifice, and the ko
# limit stops several kos on one board from shuttling every playout to its move cap. The
# matches behind these choices: benchmarks/results/README.md.
NETWORK_SEARCH_DEFAULTS: Mapping[str, OptionValue] = MappingProxyType({
    "c_puct": 1.5,
    "rave_equiv": 0.0,
    "mix_lambda": 0.5,
    "expand_threshold": 1,
    "batch_size": 16,
    "leaf_rollouts": 4,
    "playout": DEFAULT_ROLLOUT_PLAYOUT,
})
NETWORK_KEYS = ("policy", "value", "weights", "prune_ladder_runs")


class AlphaGoPlayer(SearchPlayer):
    """Networks inside the search for sizes that have them; rollout search for the others."""

    name = "alphago"

    def __init__(self, seed: int | None = None, seconds: float | None = None, playouts: int | None = None,
                 threads: int | None = None, extra: Mapping[str, OptionValue] | None = None,
                 compile_in_background: bool = False):
        """``compile_in_background``: on a cold Numba cache, compile the search in a second
        process and answer with the policy network alone meanwhile (``players.first_run``);
        interactive front ends set it, tests and matches leave it off."""
        self._kwargs = dict(seed=seed, seconds=seconds, playouts=playouts, threads=threads)
        self.extra = dict(extra or {})
        self._players: dict[int, MCTSPlayer] = {}
        self._current: MCTSPlayer | None = None
        self.descriptions: dict[int, str] = {}
        self._compile_in_background = compile_in_background
        self._compile: BackgroundCompile | None = None
        self._quick: dict[int, PolicyPlayer] = {}
        self._warming: dict[int, threading.Thread] = {}  # first run: a size's search loading

    # --- building the search for a size ------------------------------------------------------
    def networks_for(self, n: int) -> tuple[Path | None, Path | None]:
        """(policy weights, value weights) for size n, each None when there is none."""
        spec = self._text("policy") or self._text("weights") or "sl"
        policy = resolve_policy_weights(spec, n)
        if not policy.exists():
            if spec not in ("sl", "rl"):
                raise FileNotFoundError(f"policy weights {policy} not found")
            return None, None
        value_spec = self._text("value")
        if value_spec.lower() == "none":
            return policy, None
        value = Path(value_spec) if value_spec else default_value_weights(n)
        if not value.exists():
            if value_spec:
                raise FileNotFoundError(f"value weights {value} not found")
            return policy, None
        return policy, value

    def player_for(self, n: int) -> MCTSPlayer:
        """The search player for board size n, built at first use."""
        if n in self._players:
            return self._players[n]
        policy, value = self.networks_for(n)
        user = {k: v for k, v in self.extra.items() if k not in NETWORK_KEYS}
        if policy is None:
            print(f"go-engine: no policy network for {n}x{n}; searching with rollouts and "
                  f"heuristic priors", file=sys.stderr, flush=True)
            player = player_from_options(extra=user, **self._kwargs)
            self.descriptions[n] = "rollout search (no network for this size)"
        else:
            from go_engine.nets.search_evaluator import NetworkEvaluator
            settings = dict(NETWORK_SEARCH_DEFAULTS)
            if value is None:
                settings["mix_lambda"] = 1.0
            settings.update(user)
            if settings["mix_lambda"] == 0.0 and "expand_threshold" not in user:
                settings["expand_threshold"] = 0  # the value net values every leaf: no playouts
            prune = check_option("prune_ladder_runs", self.extra.get("prune_ladder_runs", True), bool)
            evaluator = NetworkEvaluator(policy, value, n, prune_ladder_runs=prune)
            player = player_from_options(extra=settings, evaluator=evaluator, **self._kwargs)
            cfg = player.mcts.config
            lam = (f"{cfg.mix_lambda}" if cfg.mix_lambda_late is None else
                   f"{cfg.mix_lambda} -> {cfg.mix_lambda_late} over plies {cfg.lambda_ramp_start}-{cfg.lambda_ramp_end}")
            self.descriptions[n] = (f"policy {policy.name}, " + (f"value {value.name}, lambda {lam}"
                                    if value is not None else "no value net, rollouts only"))
            # one line in the GUI's engine console: which networks this size plays with
            print(f"go-engine: {n}x{n}: {self.descriptions[n]}", file=sys.stderr, flush=True)
        self._players[n] = player
        return player

    # --- the first run: search kernels compiling in another process --------------------------
    def _quick_player(self, game: Game) -> PolicyPlayer | None:
        """While the search kernels compile in the background (first run only), the policy
        network alone for this size; None once the search is ready (or with no network)."""
        if not self._compile_in_background:
            return None
        if self._compile is None:
            self._compile = BackgroundCompile(sorted({game.n, 9, 19}))
        n = game.n
        if self._compile.ready():
            if n in self._quick and not self._search_warmed(n):
                return self._quick[n]  # the search loads on a thread: not on this move's clock
            self._quick.pop(n, None)  # the search plays from now on: free the stand-in network
            return None
        if n not in self._quick:
            policy, _ = self.networks_for(n)
            if policy is None:  # nothing quick to play with: wait for the search
                self._compile.wait()
                return None
            self._quick[n] = PolicyPlayer(policy, seed=self._kwargs["seed"] or 0, playout_checks=False)
        return self._quick[n]

    def _search_warmed(self, n: int) -> bool:
        """Whether size n's search is built and warm, starting that on a thread the first time.
        Once the compile is over, loading the kernels and compiling the networks still takes
        seconds; mid-game they would come off a move's clock, so the stand-in answers meanwhile."""
        thread = self._warming.get(n)
        if thread is None:
            thread = threading.Thread(target=self._warm_search, args=(n,), name=f"go-engine warm {n}x{n}",
                                      daemon=True)
            self._warming[n] = thread
            thread.start()
        return not thread.is_alive()

    def _warm_search(self, n: int) -> None:
        try:
            self.player_for(n).new_game(Game(n))
        except Exception as exc:  # the main thread builds it again and reports the error there
            self._players.pop(n, None)
            print(f"go-engine: loading the {n}x{n} search failed ({exc}); retrying on the next move",
                  file=sys.stderr, flush=True)

    # --- the Player protocol -------------------------------------------------------------------
    def _select(self, game: Game) -> MCTSPlayer:
        self._current = self.player_for(game.n)
        return self._current

    def new_game(self, game: Game) -> None:
        quick = self._quick_player(game)
        if quick is not None:
            quick.new_game(game)
            return
        self._select(game).new_game(game)  # the warm-up: compiles, or loads the cache
        if self._compile_in_background and not kernels_warm(FIRST_RUN_PLAYER):
            mark_warm(FIRST_RUN_PLAYER)  # compiled here: the next start needs no background compile

    def genmove(self, game: Game, color: int, budget: TimeBudget, *,
                on_progress: ProgressCallback | None = None, progress_interval: float = 1.0) -> int:
        """``on_progress`` gets the search's state every ``progress_interval`` s (genmove_analyze)."""
        quick = self._quick_player(game)
        if quick is not None:
            self._current = None  # no search behind this move: last_result is None
            return quick.genmove(game, color, budget)
        return self._select(game).genmove(game, color, budget, on_progress=on_progress,
                                          progress_interval=progress_interval)

    def analyze(self, game: Game, color: int, should_stop: Callable[[], bool],
                on_progress: ProgressCallback | None = None, interval: float = 1.0) -> SearchResult | None:
        """GUI analysis and pondering (``MCTSPlayer.analyze``) with this size's search; None
        while the search is still compiling (first run)."""
        if self._quick_player(game) is not None:
            return None
        return self._select(game).analyze(game, color, should_stop, on_progress, interval)

    def genmove_cleanup(self, game: Game, color: int, budget: TimeBudget) -> int:
        if self._compile is not None:
            self._compile.wait()  # cleanup needs the search's ownership judgement
        warming = self._warming.get(game.n)
        if warming is not None:
            warming.join()
        return self._select(game).genmove_cleanup(game, color, budget)

    @property
    def last_result(self) -> SearchResult | None:
        """The current size's last search (``SearchPlayer.last_result``)."""
        return self._current.last_result if self._current is not None else None

    @property
    def mcts(self) -> MCTS:
        """The current size's search; AttributeError before any game was set."""
        if self._current is None:
            raise AttributeError("no board size chosen yet: call new_game or genmove first")
        return self._current.mcts

    def _text(self, key: str) -> str:
        """A network option's text ("" when unset); TypeError naming it when not text."""
        value = check_option(key, self.extra.get(key), str | None)
        return value or ""
