"""Batched self-play: legal games under positional superko, correct Tromp-Taylor results,
shards and SGF that round-trip, reproducible seeds."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")

from go_engine.rules import board_kernels as bk  # noqa: E402
from go_engine.training.selfplay import (GameBatch, RANDOM_MOVE, batch_to_arrays, colour_split_assigner,  # noqa: E402
                               game_to_sgf_text, load_player, play_out, read_shard, shard_games,
                               write_npz_atomic)

from tests.rl_helpers import replay_checked, tiny_policy_file  # noqa: E402

N = 5


@pytest.fixture(scope="module")
def players(tmp_path_factory):
    d = tmp_path_factory.mktemp("sp")
    policies: dict = {}
    a = load_player(str(tiny_policy_file(d / "a.npz", N, 0)), N, name="a", policies=policies)
    b = load_player(str(tiny_policy_file(d / "b.npz", N, 1)), N, name="b", policies=policies)
    return a, b


def test_games_are_legal_and_scored_by_tromp_taylor(players):
    a, b = players
    gb = play_out(GameBatch(N, 8, komi=2.5, seed=3), colour_split_assigner(a, b))
    assert gb.done.all()
    for g in range(8):
        codes = gb.game_codes(g)
        game = replay_checked(N, codes, 2.5)  # raises on any illegal move, superko included
        assert game.is_over or len(codes) == gb.max_moves
        assert game.position.area_score(2.5) == pytest.approx(gb.score[g])
        assert gb.winners()[g] == np.sign(gb.score[g])
        # colours alternate: black moves at even plies
        assert all((c >= 0) == (i % 2 == 0) for i, c in enumerate(codes))
        # passes only when no sensible move was left: the game ends with two passes
        if game.is_over:
            assert codes[-1] == N * N and codes[-2] == -(N * N) - 1 or codes[-2] == N * N


def test_forced_pass_only_without_sensible_moves(players):
    a, _ = players
    gb = play_out(GameBatch(N, 4, komi=0.5, seed=5), colour_split_assigner(a, a))
    for g in range(4):
        codes = gb.game_codes(g)
        probs = gb.move_prob[g, :gb.length[g]]
        pts = np.where(codes >= 0, codes, -codes - 1)
        assert np.all(probs[pts != N * N] > 0)  # every stone was a sampled policy move
        assert np.all(probs[pts == N * N] == 0)  # every pass was forced


def test_same_seed_same_games_and_random_mode_legal(players):
    a, b = players
    g1 = play_out(GameBatch(N, 4, seed=11), colour_split_assigner(a, b))
    g2 = play_out(GameBatch(N, 4, seed=11), colour_split_assigner(a, b))
    assert np.array_equal(g1.moves, g2.moves)
    gr = play_out(GameBatch(N, 4, seed=2), lambda batch, active: [(RANDOM_MOVE, active)])
    for g in range(4):
        replay_checked(N, gr.game_codes(g), gr.komi)
        assert np.all(gr.move_prob[g, :gr.length[g]] <= 0)


def test_prefix_start_continues_the_given_game(players):
    a, _ = players
    prefix = np.array([12, -(6 + 1), 8], np.int16)  # B c3, W b4, B d4 on 5x5
    gb = GameBatch(N, 2, seed=1)
    gb.set_prefixes([prefix, prefix[:1]])
    assert gb.info[0, bk.I_TO_PLAY] == bk.WHITE and gb.info[1, bk.I_TO_PLAY] == bk.WHITE
    play_out(gb, lambda batch, active: [(a, active)])
    for g, p in enumerate([prefix, prefix[:1]]):
        codes = gb.game_codes(g)
        assert np.array_equal(codes[:len(p)], p)
        replay_checked(N, codes, gb.komi)


def test_shard_and_sgf_round_trip(players, tmp_path):
    from sgfmill import sgf
    a, b = players
    gb = play_out(GameBatch(N, 4, seed=7), colour_split_assigner(a, b))
    arrays = batch_to_arrays(gb, ["a", "a", "b", "b"], ["b", "b", "a", "a"], np.array([1, 1, 2, 2]))
    write_npz_atomic(tmp_path / "s.npz", arrays)
    assert not list(tmp_path.glob("*.tmp"))
    games = shard_games(read_shard(tmp_path / "s.npz"))
    assert len(games) == 4
    for g, rec in enumerate(games):
        assert np.array_equal(rec.codes, gb.game_codes(g))
        parsed = sgf.Sgf_game.from_string(game_to_sgf_text(rec))
        assert parsed.get_size() == N
        winner = parsed.get_winner()
        assert winner == ("b" if rec.winner > 0 else "w" if rec.winner < 0 else None)
        seq = [node.get_move() for node in parsed.get_main_sequence()[1:]]
        assert len(seq) == len(rec.codes)
        for (colour, move), code in zip(seq, rec.codes):
            point = code if code >= 0 else -code - 1
            assert colour == ("b" if code >= 0 else "w")
            assert (move is None) == (point == N * N)
            if move is not None:
                assert (N - 1 - move[0]) * N + move[1] == point


def test_cli_selfplay_writes_shards_and_sgf(tmp_path):
    from go_engine_cli import main
    w = tiny_policy_file(tmp_path / "w.npz", N)
    assert main(["selfplay", "--weights", str(w), "--games", "4", "--size", str(N), "--out", str(tmp_path / "o"),
                 "--batch", "4", "--sgf", "--quiet"]) == 0
    assert len(list((tmp_path / "o").glob("selfplay-*.npz"))) == 1
    assert len(list((tmp_path / "o" / "sgf").glob("*.sgf"))) == 4
