"""Match statistics: Elo from a score, Wilson intervals, hand-computed values."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from go_engine.match.elo import elo_from_score, format_elo, match_stats, score_from_elo, wilson_interval


def test_elo_of_known_scores():
    assert elo_from_score(0.5) == 0.0
    # 75%: odds 3:1, d = 400 * log10(3) = 190.848...
    assert elo_from_score(0.75) == pytest.approx(190.848, abs=1e-3)
    assert elo_from_score(0.25) == pytest.approx(-190.848, abs=1e-3)
    # 90%: odds 9:1, d = 400 * log10(9) = 381.697...
    assert elo_from_score(0.9) == pytest.approx(381.697, abs=1e-3)
    assert elo_from_score(1.0) == math.inf
    assert elo_from_score(0.0) == -math.inf
    with pytest.raises(ValueError):
        elo_from_score(1.5)


def test_score_of_known_elo():
    assert score_from_elo(0) == 0.5
    assert score_from_elo(400) == pytest.approx(10 / 11)  # odds 10:1 per 400 points


@given(st.floats(min_value=-1500, max_value=1500))
def test_elo_and_score_are_inverse(d):
    assert elo_from_score(score_from_elo(d)) == pytest.approx(d, abs=1e-6)


def test_wilson_interval_for_8_of_10_by_hand():
    # z = 1.96, z^2 = 3.8416, n = 10, p = 0.8
    # denominator 1 + 3.8416/10 = 1.38416
    # centre (0.8 + 3.8416/20) / 1.38416 = 0.99208 / 1.38416 = 0.716738
    # half 1.96 * sqrt(0.8*0.2/10 + 3.8416/400) / 1.38416 = 1.96 * sqrt(0.025604) / 1.38416 = 0.226581
    lo, hi = wilson_interval(8, 10, z=1.96)
    assert lo == pytest.approx(0.716738 - 0.226581, abs=1e-5)  # 0.490157
    assert hi == pytest.approx(0.716738 + 0.226581, abs=1e-5)  # 0.943319


def test_wilson_interval_edges():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.0 < hi < 0.35  # 0/10: (0, 0.2775)
    assert hi == pytest.approx(0.27753, abs=1e-4)
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(1 - 0.27753, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@given(st.integers(min_value=1, max_value=500).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_wilson_interval_contains_the_observed_score(wins_games):
    wins, games = wins_games
    lo, hi = wilson_interval(wins, games)
    assert 0.0 <= lo <= wins / games <= hi <= 1.0
    # symmetric under swapping wins and losses
    lo2, hi2 = wilson_interval(games - wins, games)
    assert lo2 == pytest.approx(1 - hi, abs=1e-12) and hi2 == pytest.approx(1 - lo, abs=1e-12)


def test_match_stats_maps_wilson_bounds_to_elo():
    s = match_stats(wins=8, losses=2)
    assert s.games == 10 and s.score == 0.8
    assert s.elo == pytest.approx(400 * math.log10(4))  # 240.8
    assert s.elo_low == pytest.approx(elo_from_score(s.score_low))
    assert s.elo_high == pytest.approx(elo_from_score(s.score_high))
    assert s.elo_low < s.elo < s.elo_high
    # 0.490157 -> 400*log10(0.490157/0.509843) = -6.84 Elo;
    # 0.943319 -> 400*log10(0.943319/0.056681) = +488.5 Elo: the interval is asymmetric
    assert s.elo_low == pytest.approx(-6.84, abs=0.05)
    assert s.elo_high == pytest.approx(488.5, abs=0.1)


def test_match_stats_counts_draws_as_half():
    s = match_stats(wins=3, losses=1, draws=2)
    assert s.score == pytest.approx(4 / 6)
    assert match_stats(5, 5).elo == 0.0


def test_match_stats_one_sided_and_empty():
    s = match_stats(wins=5, losses=0)
    assert s.elo == math.inf and s.elo_high == math.inf and s.elo_low > 0
    empty = match_stats(0, 0)
    assert math.isnan(empty.score) and empty.elo_low == -math.inf


def test_format_elo():
    assert format_elo(190.85) == "+191"
    assert format_elo(-0.2) == "0"
    assert format_elo(-math.inf) == "-inf"
    assert format_elo(math.nan) == "n/a"
