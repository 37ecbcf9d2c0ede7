"""Players by name: the one place that knows how to build each ``Player`` from generic options.

Front ends (``gtp``, match runners) call ``make_player(name, options)`` and never see a
player's internals. To add a player, write a ``_make_<name>(options)`` factory here that
imports its module lazily (so ``go-engine gtp`` stays fast and JAX loads only when a network
player is chosen) and add it to ``PLAYER_FACTORIES``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping

from go_engine.players.options import OptionValue, check_option

if TYPE_CHECKING:  # the player modules load Numba; import them only when a player is built
    from go_engine.players.protocol import Player

DEFAULT_PLAYER = "alphago"  # what ``go-engine gtp`` plays when no --player is given


@dataclass(frozen=True)
class PlayerOptions:
    """Options every front end can pass; each factory uses the ones that mean something to it.

    seed: random seed (None: the player's default); seconds: thinking time per move when no
    clock is set; playouts: fixed simulations per move; threads: search threads;
    extra: settings of a specific player, typed as ``players.options`` declares them (text
    from a command line is parsed there, once).
    """

    seed: int | None = None
    seconds: float | None = None
    playouts: int | None = None
    threads: int | None = None
    extra: Mapping[str, OptionValue] = field(default_factory=dict)
    compile_in_background: bool = False  # first run: compile kernels in a second process (GUIs)


def _make_random(options: PlayerOptions) -> "Player":
    from go_engine.players.random_player import RandomPlayer
    return RandomPlayer(seed=options.seed or 0)


def _make_mcts(options: PlayerOptions) -> "Player":
    """PUCT search with heuristic priors and MoGo-style heuristic playouts (``players.mcts``);
    extra may set any SearchConfig/PlayerConfig field (e.g. ``resign=False``, ``rave_equiv=0.0``)."""
    from go_engine.players.mcts import player_from_options
    return player_from_options(seed=options.seed, seconds=options.seconds, playouts=options.playouts,
                               threads=options.threads, extra=dict(options.extra))


def _make_alphago(options: PlayerOptions) -> "Player":
    """The full player (``players.alphago``): PUCT search with SL-policy priors and
    leaf values mixing the value net with rollouts, for the sizes with shipped networks;
    rollout search elsewhere. JAX loads when the first network is built."""
    from go_engine.players.alphago import AlphaGoPlayer
    return AlphaGoPlayer(seed=options.seed, seconds=options.seconds, playouts=options.playouts,
                         threads=options.threads, extra=dict(options.extra),
                         compile_in_background=options.compile_in_background)


def _make_policy(options: PlayerOptions) -> "Player":
    """The SL policy network alone (``players.policy``): greedy unless extra
    ``temperature`` is set; extra ``weights`` names the weight file (default: the shipped
    data/policy_<n>.npz for the game's size); extra ``symmetries`` 1 turns off the averaging
    over the 8 symmetries. JAX loads at the first move."""
    from go_engine.players.policy import PolicyPlayer
    return PolicyPlayer(check_option("weights", options.extra.get("weights"), str | None) or None,
                        temperature=check_option("temperature", options.extra.get("temperature", 0.0), float),
                        seed=options.seed or 0,
                        symmetries=check_option("symmetries", options.extra.get("symmetries", 8), int))


def _make_rollout(options: PlayerOptions) -> "Player":
    """The fast rollout policy alone (``players.rollout_policy``), greedy; extra ``weights``
    names an npz file (default: data/rollout_<n>.npz for the game's size)."""
    from go_engine.players.rollout_policy import RolloutPolicyPlayer
    return RolloutPolicyPlayer(weights_path=check_option("weights", options.extra.get("weights"), str | None) or None)


PLAYER_FACTORIES: Mapping[str, Callable[[PlayerOptions], "Player"]] = MappingProxyType({
    "alphago": _make_alphago,
    "random": _make_random,
    "mcts": _make_mcts,
    "policy": _make_policy,
    "rollout": _make_rollout,
})


def player_names() -> list[str]:
    return sorted(PLAYER_FACTORIES)


def make_player(name: str, options: PlayerOptions = PlayerOptions()) -> "Player":
    """Build the player called ``name``; ValueError naming the choices for an unknown one."""
    try:
        factory = PLAYER_FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown player {name!r}; choose from {', '.join(player_names())}") from None
    return factory(options)
