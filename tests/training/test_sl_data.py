"""Shards: building from a tiny archive splits by game, keeps every non-pass move as a target,
and the background loader gives consistent, reproducible, symmetric batches."""
from __future__ import annotations

import numpy as np

from go_engine.features.planes import (FeatureScratch, apply_symmetry, encode_moves, position_planes,
                                symmetry_point_maps)
from go_engine.rules.game import Game
from tests.sgf_fixtures import tiny_archive
from go_engine.training.data_build import SPLITS, build_shards, decode_points, split_of
from go_engine.training.shards import BatchLoader, ShardSet, augment, batch_indices, make_batch


def test_build_splits_by_game_and_reports_skips(tmp_path):
    archive, games = tiny_archive(tmp_path / "tiny.tar.xz", games=60)
    summary = build_shards([str(archive)], tmp_path / "shards", progress=False, games_per_shard=15)
    assert summary["games_used"] == 60
    skipped = summary["games_skipped"]
    assert skipped.get("duplicate") == 1 and sum(skipped.values()) == 3, skipped
    assert sum(summary["games_per_split"].values()) == 60
    expected_split = {g.moves[0].point: split_of(9, encode_moves(g.moves, 9)) for g in games}
    seen_ids: dict[str, str] = {}
    total_targets = 0
    for split in SPLITS:
        files = sorted((tmp_path / "shards").glob(f"{split}-*.npz"))
        for f in files:
            with np.load(f) as z:
                for gid, start, length in zip(z["game_id"], z["game_start"], z["game_len"]):
                    assert gid not in seen_ids, "a game appears in two shards"
                    seen_ids[str(gid)] = split
                    codes = z["moves"][start:start + length]
                    assert split_of(9, codes) == split
                total_targets += len(z["pos_game"])
                # every target is a non-pass move
                starts = z["game_start"][z["pos_game"]]
                assert (decode_points(z["moves"][starts + z["pos_ply"]]) != 81).all()
    assert len(seen_ids) == 60
    assert total_targets == summary["positions"] == sum(len(g.moves) - 1 for g in games)
    # a rebuild gives the same split for every game, whatever --max-games
    again = build_shards([str(archive)], tmp_path / "again", progress=False, max_games=20)
    assert again["games_used"] == 20
    with np.load(sorted((tmp_path / "again").glob("train-*.npz"))[0]) as z:
        assert all(seen_ids[str(g)] == "train" for g in z["game_id"])
    assert set(expected_split.values()) <= set(SPLITS)


def test_examples_match_replayed_positions(tmp_path):
    archive, games = tiny_archive(tmp_path / "tiny.tar.xz", games=12, extras=False)
    build_shards([str(archive)], tmp_path / "s", progress=False)
    data = ShardSet.from_files(sorted((tmp_path / "s").glob("*.npz")))
    by_first_move = {encode_moves(g.moves, 9).tobytes(): g for g in games}
    index = np.arange(0, data.size, 7)
    planes, targets = data.examples(index, FeatureScratch(9))
    for b, i in enumerate(index):
        g_idx, ply = data.pos_game[i], int(data.pos_ply[i])
        start = data.game_start[g_idx]
        end = data.game_start[g_idx + 1] if g_idx + 1 < data.games else len(data.moves)
        game = by_first_move[data.moves[start:end].tobytes()]
        replay = Game(9, 7.0)
        for m in game.moves[:ply]:
            replay.play(m.point, m.color)
        replay.position.to_play = game.moves[ply].color
        assert targets[b] == game.moves[ply].point
        assert (planes[b] == position_planes(replay.position)).all()


def test_augment_moves_target_with_planes():
    rng = np.random.default_rng(0)
    n = 9
    planes = rng.integers(0, 2, (16, n, n, 48)).astype(np.uint8)
    targets = rng.integers(0, n * n, 16).astype(np.int32)
    planes[np.arange(16), targets // n, targets % n, 47] = 7  # mark the target point
    syms = np.arange(16) % 8
    maps = symmetry_point_maps(n)
    out, moved = augment(planes, targets, syms, maps)
    for b in range(16):
        assert (out[b] == apply_symmetry(planes[b], syms[b])).all()
        assert out[b, moved[b] // n, moved[b] % n, 47] == 7


def test_loader_is_reproducible_and_resumable(tmp_path):
    archive, _ = tiny_archive(tmp_path / "tiny.tar.xz", games=10, extras=False)
    build_shards([str(archive)], tmp_path / "s", progress=False)
    data = ShardSet.from_files(sorted((tmp_path / "s").glob("*.npz")))
    # indices cover every position once per epoch
    per_epoch = batch_indices(data.size, data.size, seed=3, step=0)
    assert sorted(per_epoch) == list(range(data.size))
    loader = BatchLoader(data, 8, seed=5, start_step=0)
    first = [next(loader) for _ in range(4)]
    loader.close()
    resumed = BatchLoader(data, 8, seed=5, start_step=2)
    step, planes, targets = next(resumed)
    resumed.close()
    assert step == 2
    assert (planes == first[2][1]).all() and (targets == first[2][2]).all()
    # several workers give the same batches in the same order
    threaded = BatchLoader(data, 8, seed=5, start_step=1, workers=3)
    again = [next(threaded) for _ in range(3)]
    threaded.close()
    assert [s for s, _, _ in again] == [1, 2, 3]
    for (_, p, t), (_, p1, t1) in zip(again, first[1:]):
        assert (p == p1).all() and (t == t1).all()
    assert threaded.positions_per_s is None or threaded.positions_per_s > 0
    scratch, maps = FeatureScratch(9), symmetry_point_maps(9)
    p2, t2 = make_batch(data, 8, 5, 3, True, scratch, maps)
    assert (p2 == first[3][1]).all() and (t2 == first[3][2]).all()
    # symmetries: the target is always a point where the side to move has no stone... and empty
    for _, planes, targets in first:
        assert (planes[np.arange(8), targets // 9, targets % 9, 2] == 1).all()
