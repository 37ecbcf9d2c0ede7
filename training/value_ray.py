"""Value-data self-play (``training.value_data``) on Ray actors, for more games than one
machine plays in time. Needs ``pip install '.[distributed]'``.

The run's game numbers 0..games-1 are cut into chunks of consecutive numbers; each actor
plays a chunk with the very function the single process runs (``generate_value_data`` with
``first_game``), and a game is a pure function of (seed, game number), so the positions and
labels are those a single process writes for the same seed, only grouped into other shards.

A chunk is written as ONE shard, ``value-<seed>-g<first game>-00000.npz``, atomically and
only when the whole chunk is over: a killed actor leaves nothing of its chunk (or, killed
after the write, the complete shard), the driver gives the chunk to a replacement actor, and
the replay writes the same name, so no game is ever in two shards. Different chunks have
different names, so workers never clash, and ``ValueSet.load`` reads them all.

Weight paths must be readable by every node (a shared file system on a cluster); ``sl`` and
``rl`` name the weights shipped in the package, which every node has.
"""
from __future__ import annotations

import os
import time
from collections import deque
from pathlib import Path
from typing import Callable

from go_engine.rules.conventions import DEFAULT_KOMI
from go_engine.training.distributed import ActorPool, init_ray, make_worker_class


def chunk_prefix(seed: int, first: int) -> str:
    return f"value-{seed:04d}-g{first:08d}"


def chunk_ranges(games: int, chunk_games: int) -> list[tuple[int, int]]:
    """(first game, games) of each chunk, in game order."""
    return [(first, min(chunk_games, games - first)) for first in range(0, games, chunk_games)]


class ValueDataWorkerImpl:
    """The body of a value-data actor (a plain class, testable without Ray). It keeps the
    compiled networks between chunks, so only its first chunk pays for compilation."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id
        self.policies: dict = {}

    def play_chunk(self, settings: dict, first: int, games: int) -> dict:
        """Games ``first`` .. ``first + games - 1`` of the run ``settings`` describes (the keyword
        arguments of ``generate_value_data`` but games, first_game, shard_*), as one shard."""
        from go_engine.training.value_data import generate_value_data
        t0 = time.perf_counter()
        summary = generate_value_data(games=games, first_game=first, shard_games=games,
                                      shard_prefix=chunk_prefix(settings["seed"], first), progress=False,
                                      policies=self.policies, **settings)
        return {**summary, "worker": self.worker_id, "first": first, "seconds": time.perf_counter() - t0}

    def pid(self) -> int:
        return os.getpid()


class ValueDataPool:
    """W value-data actors, kept between runs (a benchmark times a second run, compiled)."""

    def __init__(self, workers: int, cpus_per_worker: float = 1.0):
        self.workers = workers
        self.actors = ActorPool(make_worker_class(cpus_per_worker, ValueDataWorkerImpl), workers)

    def run(self, sl_weights: str, rl_weights: str, games: int, out: str | Path, n: int = 9, batch: int = 256,
            komi: float = DEFAULT_KOMI, u_max: int | None = None, seed: int = 0, ladders: bool = True,
            chunk_games: int | None = None, threads: int = 1, progress: bool = True,
            on_result: Callable | None = None) -> dict:
        """Play the run's ``games`` games in chunks of ``chunk_games`` (default: an equal share per
        worker, at most 1024) with ``threads`` network threads per actor; a chunk lost with its
        actor is played again by the replacement. ``on_result(pool, result)`` runs after each
        finished chunk (a test kills an actor there). Returns the run's counts."""
        from tqdm import tqdm
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        chunk_games = chunk_games or min(1024, max(1, -(-games // self.workers)))
        settings = {"sl_weights": str(sl_weights), "rl_weights": str(rl_weights), "out": str(out), "n": n,
                    "batch": batch, "komi": komi, "u_max": u_max, "seed": seed, "ladders": ladders,
                    "threads": threads}
        todo = deque(chunk_ranges(games, chunk_games))
        done: dict[int, dict] = {}
        replayed = 0
        lost_before = self.actors.workers_lost
        bar = tqdm(total=games, desc=f"value data x{self.workers} (ray)", unit="game", disable=not progress)
        t0 = time.perf_counter()
        finished: list = []
        try:
            while True:
                for wid in self.actors.idle_workers():
                    if not todo:
                        break
                    first, count = todo.popleft()
                    self.actors.call(wid, "play_chunk", (first, count), settings, first, count)
                if on_result is not None:  # after the hand-out: every actor with work is busy now
                    for _, res in finished:
                        on_result(self.actors, res)
                if not self.actors.pending:
                    break
                finished, lost = self.actors.wait(timeout=0.5)
                for first, count in lost:
                    todo.appendleft((first, count))  # the replacement (or the next idle actor) replays it
                    replayed += count
                for (first, _), res in finished:
                    if first in done:
                        raise RuntimeError(f"chunk at game {first} finished twice")
                    done[first] = res
                    bar.update(res["games"])
        finally:
            bar.close()
        wall = time.perf_counter() - t0
        parts = list(done.values())
        played = sum(p["games"] for p in parts)
        positions = sum(p["positions"] for p in parts)
        return {"games": played, "positions": positions, "dropped": played - positions,
                "moves": sum(p["moves"] for p in parts), "wall_s": wall, "games_per_hour": played / wall * 3600,
                "shards": sum(p["shards"] for p in parts), "workers": self.workers, "chunk_games": chunk_games,
                "threads_per_worker": threads, "workers_lost": self.actors.workers_lost - lost_before,
                "games_replayed": replayed, "out": str(out)}

    def shutdown(self) -> None:
        self.actors.shutdown()


def ray_value_data(sl_weights: str, rl_weights: str, games: int, out: str | Path, workers: int = 2,
                   address: str | None = None, num_cpus: int | None = None, **run_kwargs) -> dict:
    """``go-engine selfplay --value-data --workers W``: start (or join) Ray, play the run on W
    actors (``ValueDataPool.run`` takes the other arguments), stop the actors."""
    init_ray(address, num_cpus)
    pool = ValueDataPool(workers)
    try:
        return pool.run(sl_weights, rl_weights, games, out, **run_kwargs)
    finally:
        pool.shutdown()
