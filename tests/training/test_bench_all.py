"""``go-engine bench all``: the table with and without Pachi's column, and the PNG."""
from __future__ import annotations

import pytest

from go_engine.training.bench_all import format_table, plot

FIGURES = {
    "playouts_per_s_9x9": 90000.0, "nakade_ko_playouts_per_s_9x9": 35800.0,
    "rollout_search_sims_per_s_9x9_1t": 30000.0, "rollout_search_sims_per_s_9x9_2t": 55800.0,
    "rollout_search_speedup_9x9_2t": 1.86, "default_player_sims_per_s_9x9": 5200.0,
    "default_player_cpu_per_wall_9x9": 1.6, "rollout_policy_rollouts_per_s_19x19": 1425.0,
    "player_sweep_9x9": [{"batch_size": b, "batches_in_flight": d, "sims_per_s": 1000.0 * b * d}
                         for b in (8, 16) for d in (1, 2)],
}


def test_the_table_has_every_figure_and_a_pachi_column_only_with_pachi():
    text = format_table(FIGURES, (9,))
    assert "| Pachi |" not in text.splitlines()[0]
    for label in ("random playouts/s 9x9", "nakade+ko playouts/s 9x9", "speed-up 9x9, 2 lanes",
                  "default player sims/s 9x9", "default player CPU/wall 9x9", "rollout policy rollouts/s 19x19"):
        assert label in text
    assert "| 1.60 |" in text and "| 5,200 |" in text
    with_pachi = format_table({**FIGURES, "pachi_light_playouts_per_s_9x9": 67400.0}, (9,))
    assert "| 90,000 | 67,400 | 1.34x |" in with_pachi


def test_the_plot_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "bench.png"
    plot(FIGURES, (9,), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
