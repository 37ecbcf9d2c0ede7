"""Reading shards (format: ``training.data_build``) and feeding batches from a background thread.

``ShardSet`` holds one split in memory (moves are ~2 bytes per position). ``BatchLoader``
replays positions and computes their planes in Numba (``nogil``), so its thread runs beside
the JAX training step; each example gets a random one of the 8 symmetries, applied to the
planes and the target move alike. Batches are a pure function of (seed, step): resuming at
a step reproduces the same stream, which is all the "loader position" a checkpoint needs.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from go_engine.features.planes import (N_POLICY_PLANES, FeatureScratch, apply_symmetry, batch_planes_from_moves,
                                symmetry_point_maps)


@dataclass
class ShardSet:
    """All positions of one split: encoded moves, game table and (game, ply) per position."""

    n: int
    moves: np.ndarray
    game_start: np.ndarray
    winner: np.ndarray
    pos_game: np.ndarray
    pos_ply: np.ndarray

    @property
    def size(self) -> int:
        return len(self.pos_game)

    @property
    def games(self) -> int:
        return len(self.game_start)

    @classmethod
    def load(cls, directory: str | Path, split: str = "train") -> "ShardSet":
        files = sorted(Path(directory).glob(f"{split}-*.npz"))
        if not files:
            raise FileNotFoundError(f"no {split}-*.npz shards in {directory} (run `go-engine data build`)")
        return cls.from_files(files)

    @classmethod
    def from_files(cls, files: list[Path]) -> "ShardSet":
        moves, starts, winners, games, plies = [], [], [], [], []
        n = None
        move_base = 0
        game_base = 0
        for f in files:
            with np.load(f, allow_pickle=False) as z:
                size = int(z["board_size"])
                if n is not None and size != n:
                    raise ValueError(f"{f}: board size {size} differs from {n}")
                n = size
                moves.append(z["moves"])
                starts.append(z["game_start"] + move_base)
                winners.append(z["winner"])
                games.append(z["pos_game"].astype(np.int64) + game_base)
                plies.append(z["pos_ply"])
                move_base += len(z["moves"])
                game_base += len(z["game_start"])
        return cls(n, np.concatenate(moves), np.concatenate(starts), np.concatenate(winners),
                   np.concatenate(games), np.concatenate(plies))

    def examples(self, index: np.ndarray, scratch: FeatureScratch | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(planes uint8[B, n, n, 48], target points int32[B]) of positions ``index`` (no symmetry)."""
        games = self.pos_game[index]
        starts = self.game_start[games]
        plies = self.pos_ply[index].astype(np.int64)
        codes = self.moves[starts + plies].astype(np.int64)
        to_play = np.where(codes >= 0, 1, 2)
        targets = np.where(codes >= 0, codes, -codes - 1).astype(np.int32)
        planes = batch_planes_from_moves(self.moves, starts, plies, to_play, self.n, scratch)
        return planes, targets


def batch_indices(size: int, batch_size: int, seed: int, step: int) -> np.ndarray:
    """Positions of batch ``step``: epochs walk fresh permutations seeded by (seed, epoch)."""
    first = step * batch_size
    out = np.empty(batch_size, dtype=np.int64)
    filled = 0
    while filled < batch_size:
        epoch, offset = divmod(first + filled, size)
        perm = _epoch_perm(size, seed, epoch)
        take = min(batch_size - filled, size - offset)
        out[filled:filled + take] = perm[offset:offset + take]
        filled += take
    return out


_PERM_CACHE: dict[tuple[int, int, int], np.ndarray] = {}


def _epoch_perm(size: int, seed: int, epoch: int) -> np.ndarray:
    """The epoch's permutation, cached; safe to call from several loader threads."""
    key = (size, seed, epoch)
    perm = _PERM_CACHE.get(key)
    if perm is None:
        perm = np.random.default_rng([seed, epoch]).permutation(size)
        if len(_PERM_CACHE) > 4:
            _PERM_CACHE.clear()
        _PERM_CACHE[key] = perm
    return perm


def augment(planes: np.ndarray, targets: np.ndarray, syms: np.ndarray, maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply symmetry syms[b] to example b (planes and target point together)."""
    planes = planes.copy()
    targets = targets.copy()
    for k in range(1, 8):
        idx = np.flatnonzero(syms == k)
        if len(idx):
            planes[idx] = apply_symmetry(planes[idx], k)
            targets[idx] = maps[k, targets[idx]]
    return planes, targets


def make_batch(data: ShardSet, batch_size: int, seed: int, step: int, symmetries: bool,
               scratch: FeatureScratch, maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = batch_indices(data.size, batch_size, seed, step)
    planes, targets = data.examples(index, scratch)
    if symmetries:
        syms = np.random.default_rng([seed, step, 8]).integers(0, 8, batch_size)
        planes, targets = augment(planes, targets, syms, maps)
    return planes, targets


class BatchLoader:
    """Iterator of (step, planes, targets) from ``start_step`` on, made by ``workers`` daemon
    threads. Worker k makes steps start+k, start+k+workers, ...; the iterator takes them in
    step order, so the batches are the same whatever the number of workers (the feature
    kernels are Numba ``nogil``, so on a GPU machine several workers keep the device fed)."""

    def __init__(self, data: ShardSet, batch_size: int, seed: int = 0, start_step: int = 0,
                 symmetries: bool = True, prefetch: int = 4, workers: int = 1):
        if workers < 1:
            raise ValueError("the loader needs at least one worker")
        self.data, self.batch_size, self.seed, self.symmetries = data, batch_size, seed, symmetries
        self.step = start_step
        self.workers = workers
        self._busy = [0.0] * workers      # seconds each worker spent making batches
        self._produced = [0] * workers    # positions each worker made (first batch excluded)
        self._queues: list[queue.Queue] = [queue.Queue(maxsize=max(1, prefetch // workers + 1))
                                           for _ in range(workers)]
        self._start = start_step
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(k, start_step + k), daemon=True,
                                          name=f"batch-loader-{k}") for k in range(workers)]
        for thread in self._threads:
            thread.start()

    def _run(self, k: int, step: int) -> None:
        scratch = FeatureScratch(self.data.n)
        maps = symmetry_point_maps(self.data.n)
        first = step
        out = self._queues[k]
        try:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                planes, targets = make_batch(self.data, self.batch_size, self.seed, step, self.symmetries,
                                             scratch, maps)
                if step > first:  # the first batch includes Numba's start-up
                    self._busy[k] += time.perf_counter() - t0
                    self._produced[k] += self.batch_size
                while not self._stop.is_set():
                    try:
                        out.put((step, planes, targets), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                step += self.workers
        except Exception as exc:  # surface loader errors in the training thread
            out.put(exc)

    def __iter__(self):
        return self

    def __next__(self) -> tuple[int, np.ndarray, np.ndarray]:
        item = self._queues[(self.step - self._start) % self.workers].get()
        if isinstance(item, Exception):
            raise item
        self.step = item[0] + 1
        return item

    @property
    def positions_per_s(self) -> float | None:
        """Loader throughput while busy: the sum over workers of each one's positions/s."""
        rates = [p / b for p, b in zip(self._produced, self._busy) if b > 0]
        return sum(rates) if rates else None

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


def loader_speed(data: ShardSet, batch_size: int = 256, batches: int = 8, seed: int = 0) -> float:
    """Positions/s of one loader thread (features + symmetries), measured after a warm-up batch."""
    scratch = FeatureScratch(data.n)
    maps = symmetry_point_maps(data.n)
    make_batch(data, batch_size, seed, 0, True, scratch, maps)
    t0 = time.perf_counter()
    for step in range(1, batches + 1):
        make_batch(data, batch_size, seed, step, True, scratch, maps)
    return batches * batch_size / (time.perf_counter() - t0)


__all__ = ["ShardSet", "BatchLoader", "batch_indices", "augment", "make_batch", "loader_speed",
           "N_POLICY_PLANES"]
