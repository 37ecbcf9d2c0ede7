"""Player settings with types: the names ``--option KEY=VALUE`` may set, and their values.

Text becomes a typed value once, where a command line is read (``parse_option``); from there
on a float is a float. The search players check the values they get against the same
declared types (``check_option``), so a caller that builds options in code gets the same
clear error as one that types them.

The names are the fields of ``SearchConfig`` and ``PlayerConfig`` (their annotations are the
types), plus the players' own: ``playout`` (the playout kernel of a search), ``policy``,
``value`` and ``weights`` (network files), ``temperature`` and ``symmetries`` (the policy
player's sampling and symmetry averaging).
"""
from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping

OptionValue = bool | int | float | str | None

PLAYER_OWN_OPTIONS: Mapping[str, object] = types.MappingProxyType({
    "playout": str,        # search players: a name of drivers.PLAYOUT_NAMES
    "policy": str,         # alphago: sl, rl or a weight file
    "value": str,          # alphago: a weight file, or none
    "weights": str,        # policy / rollout players: a weight file (alphago: the policy)
    "temperature": float,  # policy player: 0 plays the most likely move
    "symmetries": int,     # policy player: 8 averages the net over the board's symmetries, 1 does not
    "prune_ladder_runs": bool,  # alphago: leave out moves that run into a caught ladder (default on)
})
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def search_option_types() -> dict[str, object]:
    """The declared type of every ``SearchConfig`` and ``PlayerConfig`` field, by name."""
    from go_engine.players.mcts import PlayerConfig  # the search loads Numba: only when asked
    from go_engine.search.mcts import SearchConfig
    found: dict[str, object] = {}
    for config in (SearchConfig, PlayerConfig):
        found.update(typing.get_type_hints(config))
    return found


def option_types() -> dict[str, object]:
    """Every settable name with its type."""
    return {**search_option_types(), **PLAYER_OWN_OPTIONS}


def _members(declared: object) -> tuple[object, ...]:
    """The types a declared type allows: ``int | None`` -> (int, NoneType)."""
    if isinstance(declared, types.UnionType) or typing.get_origin(declared) is typing.Union:
        return typing.get_args(declared)
    return (declared,)


def parse_option(key: str, text: str, declared: object) -> OptionValue:
    """``text`` as a value of type ``declared``; ValueError naming the key otherwise."""
    allowed = _members(declared)
    word = text.strip().lower()
    if type(None) in allowed and word == "none":
        return None
    try:
        if bool in allowed:
            if word not in TRUE_WORDS + FALSE_WORDS:
                raise ValueError(text)
            return word in TRUE_WORDS
        if int in allowed:
            return int(text)
        if float in allowed:
            return float(text)
    except ValueError:
        names = " or ".join(getattr(t, "__name__", str(t)) for t in allowed)
        raise ValueError(f"bad value {text!r} for option {key!r} (wants {names})") from None
    return text.strip()


def check_option(key: str, value: OptionValue, declared: object) -> OptionValue:
    """``value`` if it is of type ``declared`` (an int where a float is wanted becomes a
    float); TypeError naming the key otherwise. Text is refused: parse it first."""
    allowed = _members(declared)
    if value is None and type(None) in allowed:
        return None
    if isinstance(value, bool):
        ok = bool in allowed
    elif isinstance(value, int):
        ok = int in allowed or float in allowed
        value = value if int in allowed else float(value)
    else:
        ok = any(isinstance(value, t) for t in allowed if isinstance(t, type))
    if not ok:
        names = " or ".join(getattr(t, "__name__", str(t)) for t in allowed)
        raise TypeError(f"option {key!r} wants {names}, got {value!r}")
    return value


def parse_options(items: Iterable[str]) -> dict[str, OptionValue]:
    """``["c_puct=1.5", "resign=false"]`` -> {"c_puct": 1.5, "resign": False}; ValueError
    for a malformed item, an unknown name or a bad value."""
    known: dict[str, object] | None = None
    out: dict[str, OptionValue] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"an option wants KEY=VALUE, got {item!r}")
        if known is None:
            known = option_types()
        if key not in known:
            raise ValueError(f"unknown player option {key!r}; choose from {', '.join(sorted(known))}")
        out[key] = parse_option(key, text, known[key])
    return out
