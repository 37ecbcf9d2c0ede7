"""``go-engine data build``: SGF archives -> compact training shards (npz), split by game.

Shard format (one ``{split}-{k:05d}.npz`` per split and chunk of games, plus ``summary.json``):

| array         | dtype     | meaning                                                          |
|---------------|-----------|------------------------------------------------------------------|
| moves         | int16[M]  | all games' moves back to back: point p for black, -(p+1) for white, pass = n*n |
| game_start    | int64[G]  | index of each game's first move in ``moves``                     |
| game_len      | int32[G]  | number of moves of each game                                     |
| winner        | int8[G]   | 1 black won, -1 white won, 0 draw or unknown                     |
| komi          | float32[G]|                                                                  |
| black_rank, white_rank, game_id | str[G] | from BR/WR/GN when present ("" otherwise)         |
| pos_game      | int32[P]  | game (index into this shard) of each training position           |
| pos_ply       | int16[P]  | moves already played: the position is after pos_ply moves, the target is the next move |
| board_size    | int32[]   |                                                                  |

Positions are stored as move sequences and replayed in Numba when loaded
(``go_engine.features.planes.replay_planes``): about 2 bytes per position, and the features'
history (ages, ko) comes out exact. Positions whose next move is a pass are not targets.
The split is by game: a SHA-1 of the board size and move sequence picks train (90%),
val (5%) or test (5%), so a game and its positions never straddle splits, whatever the
archive order or ``--max-games``.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from go_engine.atomic_io import write_npz_atomic, write_text_atomic
from go_engine.rules.position import BLACK, WHITE

SPLITS = ("train", "val", "test")
SPLIT_PERMILLE = (900, 50, 50)


@dataclass
class RawGame:
    """The fields of one game record that the shards keep."""

    n: int
    moves: np.ndarray  # int16 codes as in the shards
    winner: int
    komi: float
    black_rank: str = ""
    white_rank: str = ""
    game_id: str = ""


@dataclass
class BuildStats:
    used: int = 0
    positions: int = 0
    skipped: Counter = field(default_factory=Counter)
    per_split: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)


def split_of(n: int, codes: np.ndarray) -> str:
    """Deterministic split of a game from its moves (never from file order)."""
    digest = hashlib.sha1(bytes([n]) + codes.astype("<i2").tobytes()).digest()
    bucket = int.from_bytes(digest[:8], "little") % 1000
    if bucket < SPLIT_PERMILLE[0]:
        return "train"
    if bucket < SPLIT_PERMILLE[0] + SPLIT_PERMILLE[1]:
        return "val"
    return "test"


def record_to_raw(rec) -> RawGame:
    """A ``go_engine.rules.sgf.MoveRecord`` -> RawGame; ValueError (with a reason) for games the SL
    data does not take: handicap or setup stones."""
    if rec.black_setup or rec.white_setup or rec.handicap > 0:
        raise ValueError("handicap or setup stones")
    n = rec.size
    codes = np.array([p if c == BLACK else -(p + 1) for c, p in rec.moves], dtype=np.int16)
    winner = 1 if rec.winner == BLACK else (-1 if rec.winner == WHITE else 0)
    komi = float("nan") if rec.komi_missing else float(rec.komi)
    return RawGame(n, codes, winner, komi, rec.black_rank or "", rec.white_rank or "", f"{rec.source}#{rec.index}")


def iter_raw_games(paths: list[str], stats: BuildStats) -> Iterator[RawGame]:
    """RawGame per game of the archives, via ``go_engine.rules.sgf.iter_moves`` (which streams
    .sgf/.sgfs/.zip/.tar.* and counts broken games); skip reasons land in ``stats``."""
    from go_engine.rules.sgf import ArchiveStats, iter_moves
    archive_stats = ArchiveStats()
    reported: Counter = Counter()
    for rec in iter_moves(paths, archive_stats):
        for reason, count in archive_stats.skipped.items():
            if count > reported[reason]:
                stats.skipped[f"sgf: {reason}"] += count - reported[reason]
                reported[reason] = count
        try:
            yield record_to_raw(rec)
        except ValueError as exc:
            stats.skipped[str(exc)] += 1
    for reason, count in archive_stats.skipped.items():
        if count > reported[reason]:
            stats.skipped[f"sgf: {reason}"] += count - reported[reason]
    stats.errors = archive_stats.errors


def iter_sgf_texts(paths: list[str]) -> Iterator[tuple[str, bytes]]:
    """(source, SGF bytes) of every game under ``paths`` (``go_engine.rules.sgf.iter_sgf_texts``)."""
    from go_engine.rules.sgf import iter_sgf_texts as engine_iter
    for source, index, text in engine_iter(paths):
        yield f"{source}#{index}", text


def parse_game(text: str | bytes, source: str = "<string>") -> RawGame:
    """One SGF game -> RawGame; ValueError (``go_engine.rules.sgf.SGFError`` is one) for a bad game."""
    from go_engine.rules.sgf import read_moves
    return record_to_raw(read_moves(text, source))


def replay_ok(game: RawGame) -> bool:
    """Replay the moves in Numba; False when a stone lands on an occupied point."""
    from go_engine.rules import board_kernels as bk
    from go_engine.features.planes import replay
    from go_engine.rules.position import ZOBRIST
    cells = (game.n + 2) ** 2
    color = np.empty(cells, dtype=np.int8)
    links = np.empty((bk.NF, cells), dtype=np.int32)
    info = np.zeros(bk.NI, dtype=np.int64)
    info[bk.I_N] = game.n
    return bool(replay(color, links, info, ZOBRIST, game.moves.astype(np.int16), 0, len(game.moves)))


def decode_points(codes: np.ndarray) -> np.ndarray:
    """Points of encoded moves (colour dropped): p for p >= 0, -code - 1 otherwise."""
    codes = codes.astype(np.int32)
    return np.where(codes >= 0, codes, -codes - 1)


class ShardWriter:
    """Collects games of one split and writes a shard every ``games_per_shard`` games."""

    def __init__(self, out: Path, split: str, n: int, games_per_shard: int):
        self.out, self.split, self.n, self.games_per_shard = out, split, n, games_per_shard
        self.games: list[RawGame] = []
        self.index = 0
        self.files: list[str] = []

    def add(self, game: RawGame) -> int:
        self.games.append(game)
        if len(self.games) >= self.games_per_shard:
            self.flush()
        return int(np.count_nonzero(decode_points(game.moves) != self.n * self.n))

    def flush(self) -> None:
        if not self.games:
            return
        pass_code = self.n * self.n
        lens = np.array([len(g.moves) for g in self.games], dtype=np.int32)
        starts = np.zeros(len(lens), dtype=np.int64)
        starts[1:] = np.cumsum(lens)[:-1]
        moves = np.concatenate([g.moves for g in self.games]).astype(np.int16)
        is_target = decode_points(moves) != pass_code
        game_of_move = np.repeat(np.arange(len(lens), dtype=np.int32), lens)
        ply_of_move = (np.arange(len(moves)) - starts[game_of_move]).astype(np.int16)
        arrays = dict(
            moves=moves, game_start=starts, game_len=lens,
            winner=np.array([g.winner for g in self.games], dtype=np.int8),
            komi=np.array([g.komi for g in self.games], dtype=np.float32),
            black_rank=np.array([g.black_rank for g in self.games]),
            white_rank=np.array([g.white_rank for g in self.games]),
            game_id=np.array([g.game_id for g in self.games]),
            pos_game=game_of_move[is_target], pos_ply=ply_of_move[is_target],
            board_size=np.int32(self.n))
        path = self.out / f"{self.split}-{self.index:05d}.npz"
        write_npz_atomic(path, arrays)
        self.files.append(path.name)
        self.index += 1
        self.games = []


def build_shards(paths: list[str], out: str | Path, max_games: int | None = None, board_size: int | None = None,
                 games_per_shard: int = 20000, min_moves: int = 10, progress: bool = True) -> dict:
    """Convert the archives' games into shards under ``out``; return the summary (also written
    to ``out/summary.json``). The first usable game fixes the board size unless given."""
    from tqdm import tqdm
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stats = BuildStats()
    writers: dict[str, ShardWriter] = {}
    n = board_size
    seen: set[bytes] = set()
    bar = tqdm(iter_raw_games(paths, stats), desc="games", unit=" games", disable=not progress, smoothing=0.05)
    for game in bar:
        if max_games is not None and stats.used >= max_games:
            break
        if n is None:
            n = game.n
        if game.n != n:
            stats.skipped[f"board size {game.n} (building {n}x{n})"] += 1
            continue
        if len(game.moves) < min_moves:
            stats.skipped[f"fewer than {min_moves} moves"] += 1
            continue
        if not replay_ok(game):
            stats.skipped["illegal move (occupied point)"] += 1
            continue
        key = hashlib.sha1(game.moves.tobytes()).digest()
        if key in seen:
            stats.skipped["duplicate"] += 1
            continue
        seen.add(key)
        split = split_of(n, game.moves)
        if split not in writers:
            writers[split] = ShardWriter(out, split, n, games_per_shard)
        stats.positions += writers[split].add(game)
        stats.used += 1
        stats.per_split[split] += 1
        if stats.used % 500 == 0:
            bar.set_postfix(used=stats.used, skipped=sum(stats.skipped.values()))
    bar.close()
    for writer in writers.values():
        writer.flush()
    summary = {
        "board_size": n, "archives": [str(p) for p in paths], "games_used": stats.used,
        "positions": stats.positions, "games_skipped": dict(stats.skipped),
        "games_per_split": dict(stats.per_split), "first_errors": stats.errors[:10],
        "files": {s: w.files for s, w in writers.items()},
        "split_rule": "sha1(board size byte + int16 move codes) first 8 bytes LE % 1000: <900 train, <950 val, else test",
    }
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return summary
