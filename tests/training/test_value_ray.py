"""Value-data self-play on 2 local Ray actors: the same games, positions and labels as the
single process for the seed, every game once, in shards that do not clash and that
``ValueSet.load`` reads; an actor killed mid-chunk costs only a replay of that chunk."""
from __future__ import annotations

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="ray not installed (pip install '.[distributed]')")
pytest.importorskip("jax")

from go_engine.training.value_data import ValueSet, generate_value_data  # noqa: E402

from tests.rl_helpers import kill_first_busy_worker, tiny_policy_file  # noqa: E402

N = 9
GAMES = 8


def _games_by_number(directory) -> dict[int, tuple]:
    """game number -> (its moves, U, and its labelled position (ply, side to move, z) or None)."""
    out: dict[int, tuple] = {}
    for path in sorted(directory.glob("value-*.npz")):
        with np.load(path) as d:
            pos = {int(g): (int(p), int(c), float(z))
                   for g, p, c, z in zip(d["pos_game"], d["pos_ply"], d["pos_to_play"], d["pos_z"])}
            for i, number in enumerate(d["game_number"].tolist()):
                s, ln = int(d["game_start"][i]), int(d["game_len"][i])
                assert number not in out, f"game {number} in two shards"
                out[number] = (tuple(d["moves"][s:s + ln].tolist()), int(d["random_move_ply"][i]), pos.get(i))
    return out


@pytest.mark.timeout(120)
def test_ray_actors_play_the_single_process_games_and_replay_a_killed_chunk(tmp_path, local_ray):
    from go_engine.training.value_ray import ray_value_data
    sl = tiny_policy_file(tmp_path / "sl.npz", N, 0)
    rl = tiny_policy_file(tmp_path / "rl.npz", N, 1)
    kw = dict(n=N, batch=2, komi=7.5, u_max=12, seed=3, ladders=False)
    single = generate_value_data(str(sl), str(rl), GAMES, tmp_path / "single", progress=False, threads=2, **kw)
    killed: list = []
    summary = ray_value_data(str(sl), str(rl), GAMES, tmp_path / "ray", workers=2, chunk_games=2, progress=False,
                             on_result=kill_first_busy_worker(killed), **kw)
    assert killed, "no actor was busy when the first chunk came back"
    assert summary["workers_lost"] == 1 and summary["games_replayed"] == 2
    assert summary["games"] == GAMES and summary["positions"] == single["positions"]
    names = sorted(p.name for p in (tmp_path / "ray").glob("value-*.npz"))
    assert names == [f"value-0003-g{first:08d}-00000.npz" for first in range(0, GAMES, 2)]  # one per chunk
    assert not list((tmp_path / "ray").glob(".*.tmp"))
    ours, theirs = _games_by_number(tmp_path / "ray"), _games_by_number(tmp_path / "single")
    assert sorted(ours) == list(range(GAMES))
    assert ours == theirs  # game by game: the same moves, random-move ply, position and label
    vs, ref = ValueSet.load(tmp_path / "ray"), ValueSet.load(tmp_path / "single")
    assert vs.size == ref.size == summary["positions"]
    key = lambda v: sorted(zip(map(tuple, v.prefixes()), v.to_play.tolist(), v.z.tolist()))  # noqa: E731
    assert key(vs) == key(ref)
