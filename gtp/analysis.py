"""Live analysis for GUIs: the arguments of ``lz-analyze``/``kata-analyze`` (and the
``genmove_analyze`` family) and the ``info`` lines they stream.

The formats are the ones Leela Zero introduced and KataGo extended, as Sabaki, Lizzie and
LizGoban read them:

- arguments: ``[color] [interval] [key value ...]`` with keys ``interval`` (centiseconds
  between lines; 0 or absent: search without printing), ``minmoves N`` (report at least N
  moves, padding with unvisited ones by prior), ``maxmoves N`` (at most N) and, for the
  ``kata-`` commands, ``ownership true|false``. ``avoid``/``allow`` are refused (the search
  cannot restrict its root moves);
- a line: ``info move D4 visits 120 winrate 5321 prior 1234 lcb 5100 order 0 pv D4 Q16 ...``,
  one ``info`` group per move on a single line, best first. Leela Zero style gives winrate,
  prior and lcb in 1/10000 (integers); KataGo style gives them as floats in [0, 1] plus
  ``utility`` and ``utilityLcb`` in [-1, 1], and ``ownership`` (one value per point, row by
  row from the top left, from the analysed side's view) when asked. Win rates are for the
  side the analysis is for. ``lcb`` is ``go_engine.search.mcts.winrate_lcb`` (Wilson lower bound).
  No ``scoreLead``: the tree keeps no per-move score.

Pure text handling; the engine runs the search (``GtpEngine``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from go_engine.gtp.protocol import GtpError

if TYPE_CHECKING:
    from go_engine.search.mcts import ChildStats, SearchResult

COLORS = {"b": 1, "black": 1, "w": 2, "white": 2}  # rules.position BLACK, WHITE
MAX_INTERVAL_CS = 360_000  # one hour; longer intervals are surely a mistake


@dataclass(frozen=True)
class AnalysisOptions:
    color: int | None = None       # None: the side to move
    interval_cs: int = 0           # centiseconds between info lines; 0: no lines
    min_moves: int = 0
    max_moves: int | None = None
    ownership: bool = False
    kata: bool = False             # KataGo number format

    @property
    def interval(self) -> float:
        return self.interval_cs / 100.0


def _count(token: str | None, key: str) -> int:
    if token is None or not re.fullmatch(r"[+]?[0-9]{1,9}", token):
        raise GtpError(f"syntax error: {key} wants a non-negative integer, got {token!r}")
    return int(token)


def parse_analysis_args(args: Sequence[str], kata: bool = False) -> AnalysisOptions:
    """``[color] [interval] [key value ...]`` as Leela Zero and KataGo accept them; GtpError
    (``? syntax error ...``) for anything else."""
    tokens = list(args)
    color = None
    interval = 0
    if tokens and tokens[0].lower() in COLORS:
        color = COLORS[tokens.pop(0).lower()]
    if tokens and re.fullmatch(r"[+-]?[0-9]+", tokens[0]):
        interval = _count(tokens.pop(0), "interval")
    min_moves, max_moves, ownership = 0, None, False
    while tokens:
        key = tokens.pop(0).lower()
        value = tokens.pop(0) if tokens else None
        if key == "interval":
            interval = _count(value, key)
        elif key == "minmoves":
            min_moves = _count(value, key)
        elif key == "maxmoves":
            max_moves = _count(value, key)
        elif key == "ownership" and kata:
            if value is None or value.lower() not in ("true", "false"):
                raise GtpError(f"syntax error: ownership wants true or false, got {value!r}")
            ownership = value.lower() == "true"
        elif key in ("avoid", "allow"):
            raise GtpError(f"{key} is not supported")
        elif key in COLORS:
            raise GtpError("syntax error: the color must come first")
        else:
            raise GtpError(f"syntax error: unknown analysis argument {key!r}")
    if interval > MAX_INTERVAL_CS:
        raise GtpError(f"syntax error: interval above {MAX_INTERVAL_CS} centiseconds")
    return AnalysisOptions(color, interval, min_moves, max_moves, ownership, kata)


def reported_moves(result: SearchResult, options: AnalysisOptions) -> list[ChildStats]:
    """The moves a line reports: every visited one (by visits, then win rate), padded to
    ``min_moves`` with unvisited ones by prior, cut to ``max_moves``."""
    from go_engine.search.root_stats import reported_moves as shared_reported_moves
    return shared_reported_moves(result.children, options.min_moves, options.max_moves)


def info_line(result: SearchResult, n: int, options: AnalysisOptions,
              ownership: Sequence[float] | None = None) -> str:
    """One line of ``info`` groups for ``result`` on an n x n board ("" when nothing to say).
    ``ownership``: per point, +1 for the analysed side, when ``options.ownership``."""
    from go_engine.rules.coords import point_to_vertex
    from go_engine.search.root_stats import move_value, root_value
    moves = reported_moves(result, options)
    root_q = root_value(result.children)
    groups = []
    for order, c in enumerate(moves):
        q = move_value(c, root_q)  # unvisited: the position's value so far
        winrate = 0.5 * (1.0 + q)
        lcb = c.lcb
        pv = " ".join(point_to_vertex(p, n) for p in (c.pv or [c.point]))
        move = point_to_vertex(c.point, n)
        if options.kata:
            groups.append(f"info move {move} visits {c.visits} utility {q:.6f} winrate {winrate:.6f} "
                          f"prior {c.prior:.6f} lcb {lcb:.6f} utilityLcb {2.0 * lcb - 1.0:.6f} "
                          f"order {order} pv {pv}")
        else:
            groups.append(f"info move {move} visits {c.visits} winrate {_per10k(winrate)} "
                          f"prior {_per10k(c.prior)} lcb {_per10k(lcb)} order {order} pv {pv}")
    if options.ownership and ownership is not None and groups:
        groups.append("ownership " + " ".join(f"{v:.4f}" for v in ownership))
    return " ".join(groups)


def _per10k(x: float) -> int:
    return int(round(min(1.0, max(0.0, x)) * 10000))


def last_search_line(result: SearchResult, n: int, pv_len: int = 12) -> str:
    """``go-engine-last_analysis``: the last genmove's search in one line of key-value pairs:
    its most visited move, that move's win rate for the side that moved, the root's visits, this
    search's simulations and seconds, the principal variation (``best D4 winrate 0.5321 visits
    1234 simulations 1200 seconds 1.98 pv D4 Q16``). The move played may differ from ``best``
    (the player's pass and resignation rules)."""
    from go_engine.rules.coords import point_to_vertex
    pv = " ".join(point_to_vertex(p, n) for p in result.pv[:pv_len])
    return (f"best {point_to_vertex(result.move, n)} winrate {result.winrate:.4f} "
            f"visits {result.root_visits} simulations {result.simulations} "
            f"seconds {result.seconds:.2f}" + (f" pv {pv}" if pv else ""))
