"""Value-net regression on expert games (``go-engine train value --expert-shards DIR``).

The games come from ``go-engine data build`` shards (moves, result, komi per game). Every
epoch draws one fresh position from each game, uniformly over its moves, labelled with the
recorded result from the side to move's view: AlphaGo's remedy for a value net that
memorises whole games (successive positions of one game are nearly the same input with the
same label). A game thus gives a different position each epoch, never two in one.

What human results carry, and what is done with it:

- time losses, forfeits, disconnects and games with no result are already gone from
  ``../shared/data`` (its MANIFEST, filter 2); a shard game with no winner (draw or unknown
  result) is dropped here as well;
- komi other than ``komis`` (default 6.5 and 7.5, the komi the engine plays with) is dropped:
  KGS's 0.5-komi games are rank-difference games, and a missing komi (most Fox records)
  leaves the result's meaning open at a half point;
- games shorter than ``min_moves`` are dropped (resignations in the opening say little about
  the position).

Batches are a function of (seed, step), so a killed run resumes exactly from its checkpoint.
Feature planes are made from the move prefixes in Numba while the previous step trains, and
so are the playout targets (``playout_target_weight``): the result z says one bit per position,
while the mean of k nakade playouts reads late positions better than the net did (see the
README's 19x19 value section), so the target can be (1 - w) z + w m.
"""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from numba import njit

from go_engine.features.planes import FeatureScratch, apply_symmetry, replay
from go_engine.playouts.ownership_kernel import ownership_counts
from go_engine.rules import board_kernels as bk
from go_engine.rules.conventions import playout_move_cap
from go_engine.rules.position import ZOBRIST
from go_engine.training.rl_config import ValueConfig
from go_engine.training.value_data import ValueSet

EVAL_SEED = 1_000_003  # the fixed position drawn from each held-out game


@dataclass
class ExpertGames:
    """Decided expert games of one split, as move sequences with the winner (+1 black, -1 white)."""

    n: int
    moves: np.ndarray    # int16 codes: point p for black, -(p + 1) for white, pass n*n
    starts: np.ndarray   # int64 first move of each game in ``moves``
    lengths: np.ndarray  # int64 moves of each game
    winner: np.ndarray   # int8
    dropped: Counter = field(default_factory=Counter)
    ownership: np.ndarray | None = None  # float16[G, n*n]: black minus white share at the game's end
    komi: np.ndarray | None = None  # float32[G]

    @property
    def size(self) -> int:
        return len(self.lengths)

    @classmethod
    def load(cls, directory: str | Path, split: str, komis: tuple[float, ...] = (6.5, 7.5),
             min_moves: int = 50) -> "ExpertGames":
        from go_engine.training.value_data import read_shards
        n, shards = read_shards(directory, f"{split}-*.npz", "go-engine data build",
                                ("game_start", "game_len", "winner", "komi"))
        starts, lengths, winner, komis_kept = [], [], [], []
        dropped: Counter = Counter()
        for d, base in shards:
            lens = d["game_len"].astype(np.int64)
            win = d["winner"].astype(np.int8)
            komi = d["komi"].astype(np.float64)
            komi_ok = np.zeros(len(lens), bool)
            for k in komis:
                komi_ok |= np.isclose(komi, k)
            keep = (win != 0) & komi_ok & (lens >= min_moves)
            dropped["no winner (draw or unknown result)"] += int(np.count_nonzero(win == 0))
            dropped["komi missing or not " + "/".join(str(k) for k in komis)] += int(
                np.count_nonzero((win != 0) & ~komi_ok))
            dropped[f"fewer than {min_moves} moves"] += int(np.count_nonzero((win != 0) & komi_ok & (lens < min_moves)))
            starts.append(d["game_start"].astype(np.int64)[keep] + base)
            lengths.append(lens[keep])
            winner.append(win[keep])
            komis_kept.append(komi[keep].astype(np.float32))
        moves = [d["moves"] for d, _ in shards]
        return cls(int(n), np.concatenate(moves), np.concatenate(starts), np.concatenate(lengths),
                   np.concatenate(winner), dropped, komi=np.concatenate(komis_kept))

    def positions(self, key: tuple[int, ...]) -> ValueSet:
        """One position per game, uniform over its moves (the draw is a function of ``key``):
        the position after ``ply`` moves, z from the side to move's view."""
        rng = np.random.default_rng(list(key))
        plies = (rng.random(self.size) * self.lengths).astype(np.int64)
        last = self.moves[np.maximum(self.starts + plies - 1, 0)]
        to_play = np.where(plies == 0, bk.BLACK, np.where(last >= 0, bk.WHITE, bk.BLACK)).astype(np.int64)
        z = np.where(to_play == bk.BLACK, self.winner, -self.winner).astype(np.float32)
        return ValueSet(self.n, self.moves, self.starts, plies, to_play, z)

    def summary(self) -> dict:
        return {"games": self.size, "black_wins": int(np.count_nonzero(self.winner > 0)),
                "mean_length": float(self.lengths.mean()) if self.size else 0.0,
                "dropped": dict(self.dropped)}


@njit(cache=True, nogil=True)
def _final_ownership_range(moves, starts, lengths, lo, hi, n, zob, playouts, seed, max_moves, out):
    """out[g] for games lo..hi-1: (black - white) share of each point over ``playouts`` nakade
    playouts from the game's last position (the board after all its moves)."""
    w = n + 2
    cells = w * w
    color = np.empty(cells, np.int8)
    links = np.empty((bk.NF, cells), np.int32)
    info = np.zeros(bk.NI, np.int64)
    black = np.zeros(cells, np.int32)
    white = np.zeros(cells, np.int32)
    for g in range(lo, hi):
        info[:] = 0
        info[bk.I_N] = n
        replay(color, links, info, zob, moves, starts[g], lengths[g])
        black[:] = 0
        white[:] = 0
        ownership_counts(color, links, info, zob, seed + g, playouts, max_moves, black, white)
        for p in range(n * n):
            loc = (p // n + 1) * w + p % n + 1
            out[g, p] = (black[loc] - white[loc]) / playouts


def final_ownership(games: ExpertGames, playouts: int = 8, seed: int = 0, threads: int = 2,
                    progress: bool = True) -> np.ndarray:
    """float16[G, n*n] for every game: who owns each point once its last position is played
    out (the same targets for all of a game's positions, as KataGo's ownership head uses).
    Resigned games end unsettled; the playouts settle them roughly, which is what is wanted."""
    from tqdm import tqdm
    n = games.n
    out = np.zeros((games.size, n * n), np.float32)
    cap = playout_move_cap(n)
    chunks = [(lo, min(lo + 2000, games.size)) for lo in range(0, games.size, 2000)]
    bar = tqdm(total=games.size, desc="final ownership", unit="game", disable=not progress)
    with ThreadPoolExecutor(max(1, threads)) as pool:
        jobs = [pool.submit(_final_ownership_range, games.moves, games.starts, games.lengths, lo, hi, n, ZOBRIST,
                            playouts, seed, cap, out) for lo, hi in chunks]
        for job, (lo, hi) in zip(jobs, chunks):
            job.result()
            bar.update(hi - lo)
    bar.close()
    return out.astype(np.float16)


def attach_ownership(games: ExpertGames, directory: str | Path, split: str, playouts: int,
                     progress: bool = True) -> None:
    """Load the final-ownership targets of ``games`` from the shard folder's cache
    (``ownership-<split>-k<playouts>.npz``), computing and saving them the first time."""
    from go_engine.atomic_io import write_npz_atomic
    path = Path(directory) / f"ownership-{split}-k{playouts}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as d:
            if np.array_equal(d["starts"], games.starts):
                games.ownership = d["ownership"]
                return
    games.ownership = final_ownership(games, playouts, progress=progress)
    write_npz_atomic(path, {"starts": games.starts, "ownership": games.ownership})


def symmetric_batch(planes: np.ndarray, ownership: np.ndarray | None, rng: np.random.Generator):
    """A random one of the 8 symmetries per example, the same for its planes and its ownership
    map (float32[B, n, n])."""
    syms = rng.integers(0, 8, len(planes))
    planes = planes.copy()
    ownership = None if ownership is None else ownership.copy()
    for k in range(1, 8):
        idx = np.flatnonzero(syms == k)
        if len(idx):
            planes[idx] = apply_symmetry(planes[idx], k)
            if ownership is not None:
                ownership[idx] = apply_symmetry(ownership[idx][..., None], k)[..., 0]
    return planes, ownership


def parse_komis(text: str) -> tuple[float, ...]:
    return tuple(float(k) for k in text.split(",") if k.strip())


def playout_seed(seed: int, step: int) -> int:
    """The playout seed of batch ``step`` (``value_eval.rollout_seeds`` gives each position its own)."""
    return int(np.random.default_rng([seed, step, 4]).integers(1 << 31))


class Batch(NamedTuple):
    planes: np.ndarray             # uint8[B, n, n, 49]
    target: np.ndarray             # float32[B]: z, or (1 - w) z + w m with playout targets
    ownership: np.ndarray | None   # float32[B, n, n] or None
    playout_gap: float | None      # mean |m - z| over the batch (None without playout targets)


class EpochBatches:
    """Batch ``step`` of the run: epoch ``step // steps_per_epoch`` draws its positions and a
    permutation of the games from (seed, epoch); the planes (and the playout targets, seeded by
    (seed, step)) are made in a worker thread (the Numba kernels release the GIL) one step ahead
    of the trainer. ``playout_weight`` w > 0: the target is (1 - w) z + w m, m the mean outcome
    of ``playouts`` nakade playouts from the position on its game's komi, on ``playout_threads``
    threads (the numbers do not depend on how many)."""

    def __init__(self, games: ExpertGames, batch_size: int, seed: int, symmetries: bool,
                 playout_weight: float = 0.0, playouts: int = 16, playout_threads: int = 1):
        self.games, self.batch_size, self.seed, self.symmetries = games, batch_size, seed, symmetries
        self.playout_weight, self.playouts, self.playout_threads = playout_weight, playouts, playout_threads
        if playout_weight > 0 and games.komi is None:
            raise ValueError("playout targets need each game's komi")
        self.steps_per_epoch = max(1, games.size // batch_size)
        self._epoch = -1
        self._set: ValueSet | None = None
        self._perm: np.ndarray | None = None
        self._scratch = FeatureScratch(games.n)
        self._pool = ThreadPoolExecutor(1)
        self._pending: tuple[int, object] | None = None

    def _epoch_data(self, epoch: int) -> tuple[ValueSet, np.ndarray]:
        if epoch != self._epoch:
            self._set = self.games.positions((self.seed, epoch, 1))
            self._perm = np.random.default_rng([self.seed, epoch, 2]).permutation(self.games.size)
            self._epoch = epoch
        return self._set, self._perm

    def batch_positions(self, step: int) -> tuple[ValueSet, np.ndarray]:
        """(the epoch's positions, one per game; the sorted game indices of batch ``step``)."""
        epoch, k = divmod(step, self.steps_per_epoch)
        data, perm = self._epoch_data(epoch)
        return data, np.sort(perm[k * self.batch_size:(k + 1) * self.batch_size])

    def playout_values(self, data: ValueSet, idx: np.ndarray, step: int) -> np.ndarray:
        """m of the batch's positions: float32[B], side to move's view, each on its game's komi."""
        from go_engine.training.value_eval import playout_means, position_boards, rollout_seeds
        sub = data.subset(idx)
        boards = position_boards(sub)
        return playout_means(boards, sub.to_play, "nakade", self.playouts, self.games.komi[idx],
                             rollout_seeds(playout_seed(self.seed, step), len(idx)), threads=self.playout_threads)

    def _make(self, step: int) -> Batch:
        data, idx = self.batch_positions(step)
        planes = data.planes(idx, self._scratch)
        own = None
        if self.games.ownership is not None:  # from the side to move's view
            n = self.games.n
            sign = np.where(data.to_play[idx] == bk.BLACK, 1.0, -1.0).astype(np.float32)
            own = self.games.ownership[idx].astype(np.float32).reshape(len(idx), n, n) * sign[:, None, None]
        if self.symmetries:
            planes, own = symmetric_batch(planes, own, np.random.default_rng([self.seed, step, 3]))
        z, gap = data.z[idx], None
        if self.playout_weight > 0:
            m = self.playout_values(data, idx, step)
            gap = float(np.mean(np.abs(m - z)))
            w = np.float32(self.playout_weight)
            z = ((1 - w) * z + w * m).astype(np.float32)
        return Batch(planes, z, own, gap)

    def get(self, step: int) -> Batch:
        if self._pending is not None and self._pending[0] == step:
            result = self._pending[1].result()
        else:
            result = self._make(step)
        self._pending = (step + 1, self._pool.submit(self._make, step + 1))
        return result

    def epoch_of(self, step: int) -> float:
        return step / self.steps_per_epoch

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def train_value_expert(cfg: ValueConfig, progress: bool = True, stop_at_step: int | None = None) -> dict:
    """Train (or resume) the value net on ``cfg.expert_shards`` to ``cfg.steps``."""
    from go_engine.training.value_loop import resume_value_run, run_value_loop
    from go_engine.training.value_train import ValueTrainer, mse
    komis = parse_komis(cfg.expert_komis)
    games = ExpertGames.load(cfg.expert_shards, "train", komis, cfg.expert_min_moves)
    if cfg.ownership_weight > 0:
        attach_ownership(games, cfg.expert_shards, "train", cfg.ownership_playouts, progress)
    val_games = ExpertGames.load(cfg.expert_shards, "val", komis, cfg.expert_min_moves)
    val_all = val_games.positions((EVAL_SEED,))
    val_idx = np.sort(np.random.default_rng([cfg.seed, 5]).permutation(val_all.size)[:cfg.val_positions])
    val_set = val_all.subset(val_idx)
    val_planes = val_set.planes()
    train_probe = games.positions((EVAL_SEED,))
    probe_idx = np.sort(np.random.default_rng([cfg.seed, 6]).permutation(games.size)[:cfg.val_positions])
    probe_set = train_probe.subset(probe_idx)
    probe_planes = probe_set.planes()
    constant = float(train_probe.z.mean())
    trainer = ValueTrainer(cfg, games.n)
    out, metrics = resume_value_run(cfg, trainer)
    data_summary = {"train": games.summary(), "val": val_games.summary()}
    batches = EpochBatches(games, cfg.batch_size, cfg.seed, cfg.symmetries, cfg.playout_target_weight,
                           cfg.playout_target_playouts, playout_threads=max(1, (os.cpu_count() or 2) // 2))

    def take_step(s: int) -> tuple[float, dict]:
        batch = batches.get(s)
        loss = trainer.step(batch.planes, batch.target, batch.ownership)
        # with playout targets the loss is against the mixed target; playout_gap is mean |m - z|
        return loss, ({} if batch.playout_gap is None else {"playout_gap": batch.playout_gap})

    def measure() -> dict:
        return {"val_mse": mse(trainer.predict(val_planes), val_set.z),
                "train_mse": mse(trainer.predict(probe_planes), probe_set.z),
                "constant_mse": mse(np.full(val_set.size, constant), val_set.z),
                "train_games": games.size, "val_positions": val_set.size}

    try:
        return run_value_loop(cfg, trainer, out, metrics, take_step=take_step, measure=measure,
                              step_fields=lambda s: {"epoch": round(batches.epoch_of(s), 3)},
                              meta={"data": data_summary}, desc="train value (expert)",
                              progress=progress, stop_at_step=stop_at_step)
    finally:
        batches.close()
