"""The report of ``go-engine match``: counts per colour, win rate and Elo with 95% intervals,
game length and time per move, computed from the records in results.jsonl."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from go_engine.match.elo import format_elo, match_stats

if TYPE_CHECKING:
    from go_engine.match.runner import MatchConfig


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts and statistics of a match, from the engine's point of view."""
    wins = {"engine": {"black": 0, "white": 0}, "opponent": {"black": 0, "white": 0}}
    played = {"black": 0, "white": 0}  # games the engine played as that colour (draws/void included)
    draws = void = 0
    reasons: dict[str, int] = {}
    scored_by: dict[str, int] = {}
    time_sum = {"engine": 0.0, "opponent": 0.0}
    moves_sum = {"engine": 0, "opponent": 0}
    lengths = []
    for r in records:
        ec = r["engine_color"]
        oc = "white" if ec == "black" else "black"
        played[ec] += 1
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
        if r.get("scored_by"):
            scored_by[r["scored_by"]] = scored_by.get(r["scored_by"], 0) + 1
        er = r["engine_result"]
        if er == "win":
            wins["engine"][ec] += 1
        elif er == "loss":
            wins["opponent"][oc] += 1
        elif er == "draw":
            draws += 1
        else:
            void += 1
        lengths.append(r["moves"])
        for role, color in (("engine", ec), ("opponent", oc)):
            time_sum[role] += r["seconds"][color]
            moves_sum[role] += r["genmoves"][color]
    w = sum(wins["engine"].values())
    losses = sum(wins["opponent"].values())
    stats = match_stats(w, losses, draws)
    return {
        "games": len(records), "wins": wins, "engine_played": played, "draws": draws, "void": void,
        "stats": stats, "reasons": reasons, "scored_by": scored_by,
        "avg_moves": _mean(lengths), "min_moves": min(lengths, default=None), "max_moves": max(lengths, default=None),
        "seconds_per_move": {k: (time_sum[k] / moves_sum[k] if moves_sum[k] else None) for k in time_sum},
    }


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


def format_table(records: list[dict[str, Any]], config: MatchConfig | None = None) -> str:
    """The human-readable match report printed at the end of ``go-engine match``."""
    s = summarize(records)
    st = s["stats"]
    names = {"engine": "engine", "opponent": "opponent"}
    for r in records:
        ec = r["engine_color"]
        names["engine"] = r.get(f"{ec}_name") or names["engine"]
        names["opponent"] = r.get(f"{'white' if ec == 'black' else 'black'}_name") or names["opponent"]
    lines = []
    if config is not None:
        tc = []
        if config.main_time:
            tc.append(f"main {config.main_time} s")
        if config.move_time:
            tc.append(f"{config.move_time} s/move")
        lines.append(f"{config.size}x{config.size}, komi {config.komi:g}, handicap {config.handicap}, "
                     f"time {' + '.join(tc) if tc else 'unlimited'}")
    lines.append(f"engine   = {names['engine']}")
    lines.append(f"opponent = {names['opponent']}")
    pe, pw = s["engine_played"]["black"], s["engine_played"]["white"]
    rows = [("", "as Black", "as White", "total")]
    e, o = s["wins"]["engine"], s["wins"]["opponent"]
    total = s["games"]
    rows.append(("engine wins", f"{e['black']}/{pe}", f"{e['white']}/{pw}", f"{e['black'] + e['white']}/{total}"))
    rows.append(("opponent wins", f"{o['black']}/{pw}", f"{o['white']}/{pe}", f"{o['black'] + o['white']}/{total}"))
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[k]) if k == 0 else cell.rjust(max(widths[k], 8))
                               for k, cell in enumerate(row)).rstrip())
    lines.append(f"games {s['games']}: draws {s['draws']}, void {s['void']}")
    lines.append(f"engine score  {_pct(st.score)}  "
                 f"(95% Wilson interval {_pct(st.score_low)} .. {_pct(st.score_high)})")
    lines.append(f"Elo difference {format_elo(st.elo)}  (95% interval {format_elo(st.elo_low)} .. "
                 f"{format_elo(st.elo_high)}; Wilson bounds through the logistic Elo model)")
    if s["avg_moves"] is not None:
        lines.append(f"game length   {s['avg_moves']:.1f} moves on average "
                     f"(min {s['min_moves']}, max {s['max_moves']})")
    spm = s["seconds_per_move"]
    fmt = lambda v: "n/a" if v is None else f"{v:.3f} s"  # noqa: E731
    lines.append(f"time per move engine {fmt(spm['engine'])}, opponent {fmt(spm['opponent'])}")
    lines.append("endings       " + ", ".join(f"{k} {v}" for k, v in sorted(s["reasons"].items())))
    if s["scored_by"]:
        lines.append("scored by     " + ", ".join(f"{k} {v}" for k, v in sorted(s["scored_by"].items())))
    return "\n".join(lines)


__all__ = ["summarize", "format_table"]
