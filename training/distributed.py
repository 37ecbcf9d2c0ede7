"""Self-play that scales out on Ray: worker actors play games and write shards; a learner
trains from the shards and publishes weights. Needs ``pip install '.[distributed]'``.

Layout of a run directory (shared by all machines: a network file system on a cluster):

    weights/latest.json     {"version": v, "file": "policy-<v>.npz"}  (written last, atomically)
    weights/policy-<v>.npz  the learner's current policy (workers reload when v changes)
    weights/pool/           opponents (``training.rl`` layout: pool-<iteration>.npz)
    shards/w<id>-<seq>.npz  finished games (``training.selfplay`` shard format), atomic
    learner/                the learner's checkpoints; each ckpt-<step>.json carries the
                            ledger of consumed shards, so a restarted learner neither reads a
                            shard twice nor skips one

A worker holds its current batch of games in memory and writes it only when every game of
the batch is over, so killing a worker loses exactly the games it had in flight; the
driver notices (``RayActorError``), starts a replacement with a fresh id (no file name is
ever reused) and plays the lost games again, so the number of games comes out exact.

One machine: ``ray.init(num_cpus=2)`` happens inside (``address=None``). A cluster:
``ray start --head`` on one machine, ``ray start --address=HEAD:6379`` on the others, then
``go-engine selfplay --ray-address HEAD:6379 --workers 16 ...`` anywhere in the cluster.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from go_engine.atomic_io import remove_dead_temps_in, write_json_atomic
from go_engine.rules.conventions import DEFAULT_KOMI

# one XLA / Numba thread per worker: W workers on W cores, not W^2 threads
WORKER_ENV = {"XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
              "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def publish_weights(run_dir: Path, version: int, config, variables: dict, meta: dict | None = None) -> Path:
    """Write policy-<version>.npz, then point latest.json at it (readers never see half a file)."""
    from go_engine.nets.weights import save_policy_weights
    wdir = run_dir / "weights"
    wdir.mkdir(parents=True, exist_ok=True)
    path = wdir / f"policy-{version:06d}.npz"
    save_policy_weights(path, config, variables, meta or {"version": version})
    write_json_atomic(wdir / "latest.json", {"version": version, "file": path.name})
    for old in sorted(wdir.glob("policy-*.npz"))[:-3]:  # keep a few for slow readers
        old.unlink(missing_ok=True)
    return path


def latest_weights(run_dir: Path) -> tuple[int, Path]:
    info = json.loads((run_dir / "weights" / "latest.json").read_text())
    return int(info["version"]), run_dir / "weights" / info["file"]


class SelfPlayWorkerImpl:
    """The body of a Ray self-play actor (a plain class, so it is testable without Ray)."""

    def __init__(self, worker_id: int, run_dir: str, n: int = 9, komi: float = DEFAULT_KOMI, temperature: float = 1.0,
                 seed: int = 0, ladders: bool = True):
        self.worker_id, self.run_dir = worker_id, Path(run_dir)
        self.n, self.komi, self.temperature, self.ladders = n, komi, temperature, ladders
        self.seed = seed
        self.seq = 0
        self.version = -1
        self.me = None
        self._policies: dict = {}
        (self.run_dir / "shards").mkdir(parents=True, exist_ok=True)

    def _refresh(self) -> None:
        from go_engine.training.selfplay import load_player
        version, path = latest_weights(self.run_dir)
        if version != self.version:
            self.me = load_player(str(path), self.n, name=f"v{version}", temperature=self.temperature,
                                  policies=self._policies)
            self.version = version

    def _opponent(self, rng: np.random.Generator):
        from go_engine.training.rl import pool_files
        from go_engine.training.selfplay import load_player
        pool = pool_files(self.run_dir / "weights")
        if not pool:
            return self.me
        _, path = pool[int(rng.integers(len(pool)))]
        return load_player(str(path), self.n, name=path.stem, temperature=self.temperature, policies=self._policies)

    def play_shard(self, games: int) -> dict:
        """Play ``games`` games (latest weights vs a pool opponent) and write one shard."""
        from go_engine.rules import board_kernels as bk

        from go_engine.training.selfplay import (
            GameBatch,
            batch_to_arrays,
            colour_split_assigner,
            play_out,
            write_npz_atomic,
        )
        t0 = time.perf_counter()
        self._refresh()
        rng = np.random.default_rng([self.seed, self.worker_id, self.seq])
        opp = self._opponent(rng)
        games += games % 2
        gb = GameBatch(self.n, games, komi=self.komi, seed=int(rng.integers(2**62)))
        play_out(gb, colour_split_assigner(self.me, opp), ladders=self.ladders)
        half = games // 2
        learner = np.where(np.arange(games) < half, bk.BLACK, bk.WHITE)
        black = [self.me.name if g < half else opp.name for g in range(games)]
        white = [opp.name if g < half else self.me.name for g in range(games)]
        path = self.run_dir / "shards" / f"w{self.worker_id:04d}-{self.seq:06d}.npz"
        write_npz_atomic(path, batch_to_arrays(gb, black, white, learner, version=self.version))
        self.seq += 1
        return {"worker": self.worker_id, "shard": path.name, "games": games, "moves": int(gb.length.sum()),
                "version": self.version, "seconds": time.perf_counter() - t0}

    def pid(self) -> int:
        return os.getpid()


def make_worker_class(num_cpus: float = 1.0, impl: type = SelfPlayWorkerImpl):
    """``impl`` as a Ray actor class: ``num_cpus`` each, one XLA/Numba thread, never restarted
    by Ray (the pool replaces a dead actor under a fresh id instead)."""
    import ray
    return ray.remote(num_cpus=num_cpus, max_restarts=0, runtime_env={"env_vars": WORKER_ENV})(impl)


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    import ray
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)


@dataclass
class RayRunStats:
    games: int = 0
    moves: int = 0
    shards: int = 0
    workers_lost: int = 0
    games_lost: int = 0
    wall_s: float = 0.0


class ActorPool:
    """W actors of one Ray class (built as ``cls.remote(worker_id, *args, **kwargs)``), one call
    in flight each. An actor that dies (killed, its node lost) is replaced by a fresh one with
    a new id, so no id (and no file named after one) is reused, and the work of its lost call
    is handed back to be given out again; an error raised by the call's own code is re-raised."""

    def __init__(self, cls, workers: int, *args, **kwargs):
        self.cls, self.args, self.kwargs = cls, args, kwargs
        self.next_id = 0
        self.actors: dict[int, object] = {}
        self.pending: dict = {}  # future -> (worker id, work)
        self.workers_lost = 0
        for _ in range(workers):
            self._spawn()

    def _spawn(self) -> int:
        wid = self.next_id
        self.next_id += 1
        self.actors[wid] = self.cls.remote(wid, *self.args, **self.kwargs)
        return wid

    def idle_workers(self) -> list[int]:
        busy = {wid for wid, _ in self.pending.values()}
        return [wid for wid in self.actors if wid not in busy]

    def call(self, wid: int, method: str, work, *args) -> None:
        """Start ``actor.method(*args)`` on worker ``wid``; ``work`` is what it stands for."""
        fut = getattr(self.actors[wid], method).remote(*args)
        self.pending[fut] = (wid, work)

    def wait(self, timeout: float = 1.0) -> tuple[list[tuple[object, object]], list[object]]:
        """((work, result) of the calls finished so far, the work of calls lost with their actor)."""
        import ray
        from ray.exceptions import RayActorError, RayTaskError
        if not self.pending:
            return [], []
        ready, _ = ray.wait(list(self.pending), num_returns=len(self.pending), timeout=timeout)
        done, lost = [], []
        for fut in ready:
            wid, work = self.pending.pop(fut)
            try:
                res = ray.get(fut)
            except (RayActorError, RayTaskError) as exc:
                if isinstance(exc, RayTaskError) and not isinstance(exc.cause, RayActorError):
                    raise
                self.workers_lost += 1
                self.actors.pop(wid, None)
                self._spawn()
                lost.append(work)
                continue
            done.append((work, res))
        return done, lost

    def kill(self, wid: int) -> None:
        import ray
        ray.kill(self.actors[wid], no_restart=True)

    def shutdown(self) -> None:
        import ray
        for actor in self.actors.values():
            ray.kill(actor, no_restart=True)
        self.actors.clear()


class SelfPlayPool(ActorPool):
    """W self-play actors kept busy with ``play_shard`` calls; dead workers are replaced."""

    def __init__(self, run_dir: str | Path, workers: int, n: int = 9, komi: float = DEFAULT_KOMI, seed: int = 0,
                 temperature: float = 1.0, ladders: bool = True, cpus_per_worker: float = 1.0):
        self.run_dir = str(run_dir)
        self.stats = RayRunStats()
        super().__init__(make_worker_class(cpus_per_worker), workers, self.run_dir, n=n, komi=komi,
                         temperature=temperature, seed=seed, ladders=ladders)

    def submit(self, wid: int, games: int) -> None:
        self.call(wid, "play_shard", games, games)

    def in_flight(self) -> int:
        return sum(g for _, g in self.pending.values())

    def collect(self, timeout: float = 1.0) -> list[dict]:
        """Finished shard summaries; a dead worker's games are counted as lost and the worker replaced."""
        done, lost = self.wait(timeout)
        self.stats.workers_lost = self.workers_lost
        self.stats.games_lost += sum(lost)
        for _, res in done:
            self.stats.games += res["games"]
            self.stats.moves += res["moves"]
            self.stats.shards += 1
        return [res for _, res in done]


def ensure_weights(run_dir: Path, weights: str, n: int) -> None:
    """Publish version 0 from ``weights`` unless the run already has weights."""
    if (run_dir / "weights" / "latest.json").is_file():
        return
    from go_engine.nets.weights import load_policy_weights

    from go_engine.nets.weights import resolve_policy_weights
    config, variables, _ = load_policy_weights(resolve_policy_weights(weights, n))
    publish_weights(run_dir, 0, config, variables, {"version": 0, "source": weights})


def ray_selfplay(weights: str, games: int, run_dir: str | Path, workers: int = 2, games_per_shard: int = 8,
                 n: int = 9, komi: float = DEFAULT_KOMI, seed: int = 0, address: str | None = None,
                 num_cpus: int | None = None, seconds: float | None = None, progress: bool = True,
                 on_result=None) -> dict:
    """Play ``games`` games (or as many as fit in ``seconds``) on W Ray workers.

    ``on_result(pool, result)`` is called after each finished shard (tests use it to kill a
    worker mid-run). Returns the counts; games in shards always equal ``games`` when no time
    limit stops the run first."""
    from tqdm import tqdm
    run_dir = Path(run_dir)
    init_ray(address, num_cpus)
    ensure_weights(run_dir, weights, n)
    pool = SelfPlayPool(run_dir, workers, n=n, komi=komi, seed=seed)
    bar = tqdm(total=games, desc=f"selfplay x{workers} (ray)", unit="game", disable=not progress)
    t0 = time.perf_counter()
    finished: list[dict] = []
    try:
        while True:
            stop = seconds is not None and time.perf_counter() - t0 > seconds
            remaining = games - pool.stats.games - pool.in_flight()
            for wid in pool.idle_workers():
                if stop or remaining <= 0:
                    break
                g = min(games_per_shard, remaining)
                g += g % 2
                pool.submit(wid, g)
                remaining -= g
            if on_result is not None:  # after the resubmission: every worker is busy now
                for res in finished:
                    on_result(pool, res)
            if not pool.pending:
                break
            finished = pool.collect(timeout=0.5)
            for res in finished:
                bar.update(res["games"])
                el = time.perf_counter() - t0
                bar.set_postfix(games_s=f"{pool.stats.games / el:.2f}", moves_s=f"{pool.stats.moves / el:.0f}",
                                lost=pool.stats.games_lost)
    finally:
        bar.close()
        pool.shutdown()
        remove_dead_temps_in(run_dir / "shards")  # a killed worker's half-written shard
    wall = time.perf_counter() - t0
    s = pool.stats
    return {**asdict(s), "wall_s": wall, "games_per_hour": s.games / wall * 3600, "moves_per_s": s.moves / wall,
            "workers": workers, "shards_on_disk": len(list((run_dir / "shards").glob("*.npz"))),
            "games_on_disk": count_games(run_dir / "shards")}


def count_games(shard_dir: Path) -> int:
    total = 0
    for p in sorted(Path(shard_dir).glob("*.npz")):
        with np.load(p, allow_pickle=False) as z:
            total += len(z["game_start"])
    return total


# --- the learner --------------------------------------------------------------------------

class ShardLearner:
    """REINFORCE from shards on disk, resumable, with a ledger of consumed shards.

    Each ``step`` reads the oldest unconsumed shards (by modification time, then name) up
    to ``games_per_update`` games, applies one update, publishes the weights and checkpoints
    the state together with the ledger (``ckpt-<step>.json``). After a kill, the restarted
    learner restores the last checkpoint: shards consumed after it are consumed again by
    the *restored* state, so, as seen from any checkpoint, every shard is used exactly once."""

    def __init__(self, run_dir: str | Path, init_weights: str, n: int = 9, optimizer: str = "adam",
                 lr: float = 3e-4, baseline: str = "mean", games_per_update: int = 64, pool_every: int = 10,
                 seed: int = 0):
        from go_engine.nets.weights import load_policy_weights, save_policy_weights

        from go_engine.training.checkpoint import latest_checkpoint, restore_checkpoint
        from go_engine.training.rl import ReinforceLearner
        from go_engine.nets.weights import resolve_policy_weights
        self.run_dir = Path(run_dir)
        self.dir = self.run_dir / "learner"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n, self.baseline, self.games_per_update, self.pool_every = n, baseline, games_per_update, pool_every
        self.settings = {"init": init_weights, "optimizer": optimizer, "lr": lr, "baseline": baseline,
                         "games_per_update": games_per_update, "pool_every": pool_every, "seed": seed}
        self.net_config, variables, _ = load_policy_weights(resolve_policy_weights(init_weights, n))
        self.learner = ReinforceLearner(self.net_config, variables, optimizer, lr)
        self.ledger: list[str] = []
        found = latest_checkpoint(self.dir)
        if found:
            self.learner.state = restore_checkpoint(found[1], self.learner.state)
            saved = json.loads(found[1].with_suffix(".json").read_text())
            self.ledger = list(saved["ledger"])
        pool_dir = self.run_dir / "weights" / "pool"
        pool_dir.mkdir(parents=True, exist_ok=True)
        if not (pool_dir / "pool-00000.npz").is_file():
            save_policy_weights(pool_dir / "pool-00000.npz", self.net_config, variables, {"source": init_weights})
        if not found:
            ensure_weights(self.run_dir, init_weights, n)

    @property
    def step_count(self) -> int:
        return int(self.learner.state["step"])

    def available(self) -> list[Path]:
        seen = set(self.ledger)
        files = [p for p in (self.run_dir / "shards").glob("*.npz") if p.name not in seen]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def step(self, min_games: int | None = None) -> dict | None:
        """One update if enough unconsumed games exist (else None)."""
        import jax

        from go_engine.nets.weights import save_policy_weights

        from go_engine.training.checkpoint import save_checkpoint
        from go_engine.training.selfplay import read_shard
        need = self.games_per_update if min_games is None else min_games
        chosen, shards, games = [], [], 0
        for p in self.available():
            shard = read_shard(p)
            chosen.append(p.name)
            shards.append(shard)
            games += len(shard["game_start"])
            if games >= self.games_per_update:
                break
        if games < need or not shards:
            return None
        diag = self.learner.update(shards, self.baseline)
        self.ledger.extend(chosen)
        step = self.step_count
        variables = jax.tree_util.tree_map(np.asarray, self.learner.variables)
        publish_weights(self.run_dir, step, self.net_config, variables, {"version": step})
        if step % self.pool_every == 0:
            save_policy_weights(self.run_dir / "weights" / "pool" / f"pool-{step:05d}.npz", self.net_config,
                                variables, {"iteration": step})
        save_checkpoint(self.dir, step, self.learner.state,
                        json.dumps({"settings": self.settings, "ledger": self.ledger}), keep=2)
        rec = {"kind": "train", "step": step, "shards": chosen, **diag}
        with open(self.dir / "metrics.jsonl", "a") as handle:
            handle.write(json.dumps(rec) + "\n")
        return rec


def ray_train_rl(init_weights: str, run_dir: str | Path, updates: int, workers: int = 2, games_per_shard: int = 8,
                 games_per_update: int = 32, n: int = 9, komi: float = DEFAULT_KOMI, lr: float = 3e-4,
                 optimizer: str = "adam", pool_every: int = 10, seed: int = 0, address: str | None = None,
                 num_cpus: int | None = None, progress: bool = True) -> dict:
    """Workers play continuously with the latest published weights; the learner (this
    process) updates whenever ``games_per_update`` new games are on disk."""
    from tqdm import tqdm
    run_dir = Path(run_dir)
    init_ray(address, num_cpus)  # before JAX starts its threads in this process (Ray forks helpers)
    learner = ShardLearner(run_dir, init_weights, n, optimizer, lr, "mean", games_per_update, pool_every, seed)
    pool = SelfPlayPool(run_dir, workers, n=n, komi=komi, seed=seed + 7919 * learner.step_count)
    bar = tqdm(total=updates, initial=learner.step_count, desc="train rl (ray)", unit="update", disable=not progress)
    t0 = time.perf_counter()
    try:
        while learner.step_count < updates:
            for wid in pool.idle_workers():
                pool.submit(wid, games_per_shard)
            pool.collect(timeout=0.5)
            rec = learner.step()
            if rec:
                bar.update(1)
                bar.set_postfix(z=f"{rec['mean_z']:+.2f}", games=pool.stats.games)
    finally:
        bar.close()
        pool.shutdown()
    return {"updates": learner.step_count, "games": pool.stats.games, "workers_lost": pool.stats.workers_lost,
            "wall_s": time.perf_counter() - t0, "consumed_shards": len(learner.ledger)}
