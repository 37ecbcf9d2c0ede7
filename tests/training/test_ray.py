"""Self-play on Ray with 2 local workers: shards land on disk, and a worker killed mid-run
costs only its games in flight, which are replayed so the game count comes out exact."""
from __future__ import annotations

import pytest

ray = pytest.importorskip("ray", reason="ray not installed (pip install '.[distributed]')")
pytest.importorskip("jax")

from tests.rl_helpers import kill_first_busy_worker, tiny_policy_file  # noqa: E402

N = 5


@pytest.mark.timeout(300)
def test_two_workers_survive_a_killed_worker(tmp_path, local_ray):
    from go_engine.training.distributed import count_games, ray_selfplay
    weights = tiny_policy_file(tmp_path / "w.npz", N)
    killed: list = []
    summary = ray_selfplay(str(weights), games=12, run_dir=tmp_path / "run", workers=2, games_per_shard=2, n=N,
                           komi=0.5, progress=False, on_result=kill_first_busy_worker(killed))
    assert killed, "no worker was busy when the first shard came back"
    assert summary["workers_lost"] == 1 and summary["games_lost"] == 2
    assert summary["games"] == 12
    assert count_games(tmp_path / "run" / "shards") == 12  # nothing partial, nothing missing
    assert not list((tmp_path / "run" / "shards").glob("*.tmp"))
    names = {p.name for p in (tmp_path / "run" / "shards").glob("*.npz")}
    assert any(name.startswith("w0002-") for name in names)  # the replacement got a fresh id
