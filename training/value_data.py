"""Value-network training data in AlphaGo's way, and loading it as 49-plane examples.

Each game yields exactly ONE position, so that positions of a training set are nearly
independent (AlphaGo's fix for value nets that memorise whole games). Game g draws a time
step U_g uniformly from [0, u_max); moves 0..U_g-1 are sampled from the SL policy, move U_g
is a uniformly random legal move, and the RL policy plays from move U_g+1 to the end. The
position kept is the one after the random move (U_g+1 moves played), labelled with the
final Tromp-Taylor result from the view of the side to move there: +1 win, -1 loss.
Games that end before U_g+1 moves (rare) give no position and are counted as dropped.

Shards (``value-<seed>-<k>.npz``) hold the self-play columns of ``training.selfplay`` plus
``pos_game``, ``pos_ply`` (moves before the position), ``pos_to_play`` and ``pos_z``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from go_engine.rules import board_kernels as bk
from go_engine.features.planes import N_VALUE_PLANES, FeatureScratch, apply_symmetry, batch_planes_from_moves
from go_engine.rules.conventions import DEFAULT_KOMI


def value_assigner(sl, rl, u: np.ndarray):
    """SL before move U, one random move at U, RL after (``u`` int[B], per game)."""
    from go_engine.training.selfplay import RANDOM_MOVE

    def assign(batch, active):
        ply = batch.info[active, bk.I_PLY]
        return [(sl, active[ply < u[active]]), (RANDOM_MOVE, active[ply == u[active]]),
                (rl, active[ply > u[active]])]

    return assign


def label_positions(arrays: dict, u: np.ndarray) -> dict:
    """Add the one-position-per-game columns to a shard of finished games.

    ``u`` is each game's random-move index; the position is after u+1 moves. z is +1 when
    the side to move there won, -1 when it lost, 0 for a draw."""
    lens = arrays["game_len"].astype(np.int64)
    keep = np.flatnonzero(u + 1 <= lens)
    starts = arrays["game_start"]
    ply = (u[keep] + 1).astype(np.int64)
    # the side to move after move u is the opponent of whoever played move u
    last_codes = arrays["moves"][starts[keep] + ply - 1].astype(np.int64)
    to_play = np.where(last_codes >= 0, bk.WHITE, bk.BLACK).astype(np.int8)
    winner = arrays["winner"][keep].astype(np.int64)
    z = np.where(to_play == bk.BLACK, winner, -winner).astype(np.float32)
    return {**arrays, "pos_game": keep.astype(np.int32), "pos_ply": ply.astype(np.int32),
            "pos_to_play": to_play, "pos_z": z, "random_move_ply": u.astype(np.int32)}


def generate_value_data(sl_weights: str, rl_weights: str, games: int, out: str | Path, n: int = 9,
                        batch: int = 64, komi: float = DEFAULT_KOMI, u_max: int | None = None, seed: int = 0,
                        progress: bool = True, ladders: bool = True) -> dict:
    """Play ``games`` value-data games and write one shard per batch (atomically)."""
    from tqdm import tqdm

    from go_engine.training.selfplay import GameBatch, batch_to_arrays, load_player, play_out, write_npz_atomic
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    policies: dict = {}
    sl = load_player(sl_weights, n, name="sl", policies=policies)
    rl = load_player(rl_weights, n, name="rl", policies=policies)
    u_max = u_max or n * n
    bar = tqdm(total=games, desc="value data", unit="game", disable=not progress)
    played = positions = moves = 0
    t0 = time.perf_counter()
    k = 0
    while played < games:
        b = min(batch, games - played)
        rng = np.random.default_rng([seed, k])
        u = rng.integers(0, u_max, size=b)
        gb = GameBatch(n, b, komi=komi, seed=int(rng.integers(2**62)))
        play_out(gb, value_assigner(sl, rl, u), ladders=ladders)
        names = ["sl>random>rl"] * b
        arrays = label_positions(batch_to_arrays(gb, names, names), u)
        write_npz_atomic(out / f"value-{seed:04d}-{k:05d}.npz", arrays)
        played += b
        positions += len(arrays["pos_z"])
        moves += int(gb.length.sum())
        k += 1
        el = time.perf_counter() - t0
        bar.update(b)
        bar.set_postfix(games_s=f"{played / el:.2f}", moves_s=f"{moves / el:.0f}")
    bar.close()
    wall = time.perf_counter() - t0
    return {"games": played, "positions": positions, "dropped": played - positions, "moves": moves,
            "wall_s": wall, "games_per_hour": played / wall * 3600, "shards": k, "out": str(out)}


@dataclass
class ValueSet:
    """Positions as move prefixes with labels: planes are made on demand."""

    n: int
    moves: np.ndarray
    starts: np.ndarray  # first move of each position's game in ``moves``
    plies: np.ndarray
    to_play: np.ndarray
    z: np.ndarray

    @property
    def size(self) -> int:
        return len(self.z)

    @classmethod
    def load(cls, directory: str | Path, pattern: str = "value-*.npz") -> "ValueSet":
        files = sorted(Path(directory).glob(pattern))
        if not files:
            raise FileNotFoundError(f"no {pattern} shards in {directory} (run `go-engine selfplay --value-data`)")
        moves, starts, plies, to_play, z = [], [], [], [], []
        n = None
        base = 0
        for f in files:
            with np.load(f, allow_pickle=False) as d:
                size = int(d["board_size"])
                if n is not None and size != n:
                    raise ValueError(f"{f}: board size {size} differs from {n}")
                n = size
                moves.append(d["moves"])
                starts.append(d["game_start"][d["pos_game"]] + base)
                plies.append(d["pos_ply"])
                to_play.append(d["pos_to_play"])
                z.append(d["pos_z"])
                base += len(d["moves"])
        return cls(n, np.concatenate(moves), np.concatenate(starts).astype(np.int64),
                   np.concatenate(plies).astype(np.int64), np.concatenate(to_play).astype(np.int64),
                   np.concatenate(z).astype(np.float32))

    def planes(self, index: np.ndarray | None = None, scratch: FeatureScratch | None = None) -> np.ndarray:
        index = np.arange(self.size) if index is None else index
        return batch_planes_from_moves(self.moves, self.starts[index], self.plies[index], self.to_play[index],
                                       self.n, scratch, N_VALUE_PLANES)

    def subset(self, index: np.ndarray) -> "ValueSet":
        return ValueSet(self.n, self.moves, self.starts[index], self.plies[index], self.to_play[index], self.z[index])

    def prefixes(self) -> list[np.ndarray]:
        return [self.moves[s:s + p].astype(np.int64) for s, p in zip(self.starts, self.plies)]


def expert_value_set(archive: str | Path, n: int = 9, max_games: int | None = None, seed: int = 0,
                     splits: tuple[str, ...] | None = None, komi: float | None = None) -> ValueSet:
    """One uniformly chosen position per decided game of an SGF archive (result from RE),
    labelled from the view of the side to move. ``splits`` keeps only games that
    ``data_build.split_of`` puts there (("val", "test"): games the SL policy never saw);
    ``komi`` keeps only games recorded with that komi (so playouts count as the players did)."""
    from go_engine.training.data_build import iter_sgf_texts, parse_game, replay_ok, split_of
    rng = np.random.default_rng(seed)
    moves, starts, plies, to_play, z = [], [], [], [], []
    base = 0
    for _, text in iter_sgf_texts([str(archive)]):
        try:
            game = parse_game(text)
        except Exception:  # a broken record is skipped, as data_build does
            continue
        if game.n != n or game.winner == 0 or len(game.moves) < 2 or not replay_ok(game):
            continue
        if splits is not None and split_of(n, game.moves) not in splits:
            continue
        if komi is not None and not np.isclose(game.komi, komi):
            continue
        codes = game.moves.astype(np.int64)
        ply = int(rng.integers(0, len(codes)))
        if ply == 0:
            c = bk.BLACK
        else:
            c = bk.WHITE if codes[ply - 1] >= 0 else bk.BLACK
        moves.append(codes.astype(np.int16))
        starts.append(base)
        plies.append(ply)
        to_play.append(c)
        z.append(game.winner if c == bk.BLACK else -game.winner)
        base += len(codes)
        if max_games and len(z) >= max_games:
            break
    if not z:
        raise ValueError(f"no decided {n}x{n} games in {archive}")
    return ValueSet(n, np.concatenate(moves), np.array(starts, np.int64), np.array(plies, np.int64),
                    np.array(to_play, np.int64), np.array(z, np.float32))


def augment_planes(planes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random one of the 8 symmetries per example (the value is invariant under them)."""
    syms = rng.integers(0, 8, len(planes))
    out = planes.copy()
    for k in range(1, 8):
        idx = np.flatnonzero(syms == k)
        if len(idx):
            out[idx] = apply_symmetry(planes[idx], k)
    return out
