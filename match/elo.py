"""Match statistics: win rate with a Wilson score interval, and the Elo difference it implies.

Elo model (logistic): a player rated ``d`` points above its opponent scores
``p = 1 / (1 + 10 ** (-d / 400))``; inverted, ``d = -400 * log10(1 / p - 1)``.
So 50% is 0 Elo, 75% is ``400 * log10(3)`` = +190.8 Elo, 90% is +381.7 Elo.

Interval for the Elo difference: the Wilson 95% interval of the score ``p`` mapped through the
formula above. The map is strictly increasing, so the mapped interval keeps the Wilson
interval's coverage exactly, stays finite unless all games went one way (where the data do not
bound the difference, and the interval honestly reaches +-infinity), and is asymmetric as it
should be near 0% and 100% -- unlike the delta method (``d +- z * 400 / ln10 * se / (p (1-p))``),
which is symmetric and undefined at 0% and 100%.

A draw (jigo) counts as half a win, as in Elo rating.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def elo_from_score(p: float) -> float:
    """Elo difference implied by an expected score p in [0, 1] (+-inf at the ends)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"score must be in [0, 1], got {p}")
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    return -400.0 * math.log10(1.0 / p - 1.0)


def score_from_elo(d: float) -> float:
    """Expected score of a player rated d Elo points above its opponent."""
    return 1.0 / (1.0 + 10.0 ** (-d / 400.0))


def wilson_interval(wins: float, games: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (wins may be fractional: draws = 0.5)."""
    if games <= 0:
        return 0.0, 1.0
    if not 0 <= wins <= games:
        raise ValueError(f"wins {wins} out of range for {games} games")
    p = wins / games
    z2 = z * z
    denom = 1.0 + z2 / games
    centre = (p + z2 / (2 * games)) / denom
    half = z * math.sqrt(p * (1.0 - p) / games + z2 / (4 * games * games)) / denom
    # in exact arithmetic 0 wins give a lower bound of 0 and all wins an upper bound of 1
    lo = 0.0 if wins == 0 else max(0.0, centre - half)
    hi = 1.0 if wins == games else min(1.0, centre + half)
    return lo, hi


@dataclass(frozen=True)
class MatchStats:
    """Score of one side of a match and what it says about the strength difference."""

    wins: int
    losses: int
    draws: int
    score: float  # (wins + draws / 2) / games
    score_low: float
    score_high: float
    elo: float
    elo_low: float
    elo_high: float

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws


def match_stats(wins: int, losses: int, draws: int = 0, z: float = Z95) -> MatchStats:
    """Win rate, its Wilson interval, and the Elo difference with the mapped interval."""
    games = wins + losses + draws
    if games == 0:
        nan = math.nan
        return MatchStats(0, 0, 0, nan, 0.0, 1.0, nan, -math.inf, math.inf)
    points = wins + 0.5 * draws
    p = points / games
    lo, hi = wilson_interval(points, games, z)
    return MatchStats(wins, losses, draws, p, lo, hi, elo_from_score(p), elo_from_score(lo),
                      elo_from_score(hi))


def format_elo(d: float) -> str:
    if math.isnan(d):
        return "n/a"
    if math.isinf(d):
        return "+inf" if d > 0 else "-inf"
    text = f"{d:+.0f}"
    return "0" if text in ("+0", "-0") else text


__all__ = ["Z95", "elo_from_score", "score_from_elo", "wilson_interval", "MatchStats", "match_stats",
           "format_elo"]
