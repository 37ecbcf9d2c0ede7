"""Value-network training data in AlphaGo's way, and loading it as 49-plane examples.

Each game yields exactly ONE position, so that positions of a training set are nearly
independent (AlphaGo's fix for value nets that memorise whole games). Game g draws a time
step U_g uniformly from [0, u_max); moves 0..U_g-1 are sampled from the SL policy, move U_g
is a uniformly random legal move, and the RL policy plays from move U_g+1 to the end. The
position kept is the one after the random move (U_g+1 moves played), labelled with the
final Tromp-Taylor result from the view of the side to move there: +1 win, -1 loss.
Games that end before U_g+1 moves (rare) give no position and are counted as dropped.

Shards (``value-<seed>-<k>.npz``) hold the self-play columns of ``training.selfplay`` plus
``pos_game``, ``pos_ply`` (moves before the position), ``pos_to_play`` and ``pos_z``, and per
game ``random_move_ply`` (U) and ``game_number`` (g: the run's games, wherever they were played,
can be matched and counted by it).
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


def concat_shards(parts: list[dict]) -> dict:
    """One shard from several ``label_positions`` dicts of finished games (offsets rebased)."""
    per_game = ("game_len", "start_len", "winner", "score", "komi", "black", "white", "learner_color",
                "random_move_ply", "game_number")
    out = {"board_size": parts[0]["board_size"], "version": parts[0]["version"],
           "moves": np.concatenate([p["moves"] for p in parts]),
           "move_prob": np.concatenate([p["move_prob"] for p in parts])}
    for key in per_game:
        out[key] = np.concatenate([p[key] for p in parts])
    lens = out["game_len"].astype(np.int64)
    out["game_start"] = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    base, pos_game = 0, []
    for p in parts:
        pos_game.append(p["pos_game"].astype(np.int64) + base)
        base += len(p["game_len"])
    out["pos_game"] = np.concatenate(pos_game).astype(np.int32)
    for key in ("pos_ply", "pos_to_play", "pos_z"):
        out[key] = np.concatenate([p[key] for p in parts])
    return out


class _ValueStream:
    """One batch of value-data games kept full: a slot whose game ends starts the next game."""

    def __init__(self, n: int, slots: int, komi: float, seed: int, u_max: int, ladders: bool, players, next_game):
        from go_engine.training.selfplay import GameBatch, PlyBuffers
        self.n, self.seed, self.u_max, self.ladders = n, seed, u_max, ladders
        self.sl, self.rl = players
        self.next_game = next_game
        self.gb = GameBatch(n, slots, komi=komi, seed=seed)
        self.buffers = PlyBuffers(self.gb)
        self.game_of = np.full(slots, -1, np.int64)   # game number in each slot (-1: idle)
        self.u = np.zeros(slots, np.int64)
        self.names = ["sl>random>rl"] * slots
        for slot in range(slots):
            self._start(slot)

    def _start(self, slot: int) -> None:
        from go_engine.training.selfplay import batch_reset
        g = self.next_game()
        self.game_of[slot] = -1 if g is None else g
        if g is None:
            return
        gb = self.gb
        rng = np.random.default_rng([self.seed, g])  # the game's U and sampling stream
        batch_reset(gb.color, gb.links, gb.info, gb.hashes, self.n, np.array([slot]))
        gb.moves[slot] = 0
        gb.move_prob[slot] = 0
        gb.length[slot] = gb.start_len[slot] = 0
        gb.done[slot] = False
        gb.score[slot] = 0.0
        gb.rng[slot] = np.uint64(rng.integers(1, 2**63 - 1))
        self.u[slot] = rng.integers(0, self.u_max)

    @property
    def idle(self) -> bool:
        return bool(np.all(self.game_of < 0))

    def step(self) -> tuple[dict | None, np.ndarray]:
        """One ply of every game in play; returns (the labelled shard columns of the games that
        ended, their game numbers) and refills their slots."""
        from go_engine.training.selfplay import batch_to_arrays, play_plies
        gb = self.gb
        active = np.flatnonzero(~gb.done & (self.game_of >= 0))
        play_plies(gb, value_assigner(self.sl, self.rl, self.u)(gb, active), ladders=self.ladders,
                   buffers=self.buffers)
        finished = np.flatnonzero(gb.done & (self.game_of >= 0))
        if not len(finished):
            return None, finished
        order = finished[np.argsort(self.game_of[finished])]
        numbers = self.game_of[order].copy()
        part = label_positions(batch_to_arrays(gb, self.names, self.names, games=order), self.u[order])
        part["game_number"] = numbers.astype(np.int64)
        for slot in order:
            self._start(int(slot))
        return part, numbers


def generate_value_data(sl_weights: str, rl_weights: str, games: int, out: str | Path, n: int = 9,
                        batch: int = 256, komi: float = DEFAULT_KOMI, u_max: int | None = None, seed: int = 0,
                        progress: bool = True, ladders: bool = True, shard_games: int = 1024,
                        threads: int = 2, first_game: int = 0, shard_prefix: str | None = None,
                        policies: dict | None = None) -> dict:
    """Play ``games`` value-data games, ``batch`` at a time, and write a shard of every
    ``shard_games`` finished games (atomically).

    The batch stays full: a slot whose game ends starts the next game at once, so every ply's
    network call sees about ``batch`` positions, not a tail of the few longest games. With
    ``threads`` > 1 the batch is split into that many streams, each on its own thread: one XLA
    call on these small networks keeps one core busy, two calls at once keep two busy. A game
    is the same whichever stream plays it (its U and sampling come from (seed, game number));
    with several threads the grouping of games into shards depends on timing.

    The games played are numbers ``first_game`` .. ``first_game + games - 1``, so a range of a
    run can be played elsewhere (``training.value_ray`` gives ranges to Ray actors) and its
    games are those the whole run plays there. Shards are ``<shard_prefix>-<k>.npz`` (default
    prefix ``value-<seed>``). ``policies`` keeps the compiled networks between calls."""
    import threading

    from tqdm import tqdm

    from go_engine.training.selfplay import load_player, write_npz_atomic
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    policies = {} if policies is None else policies
    prefix = shard_prefix or f"value-{seed:04d}"
    players = (load_player(sl_weights, n, name="sl", policies=policies),
               load_player(rl_weights, n, name="rl", policies=policies))
    u_max = u_max or n * n
    threads = max(1, min(threads, games))
    slots = max(1, min(batch, games) // threads)
    lock = threading.Lock()
    counter = [0]

    def next_game() -> int | None:
        with lock:
            if counter[0] >= games:
                return None
            counter[0] += 1
            return first_game + counter[0] - 1

    streams = [_ValueStream(n, slots, komi, seed, u_max, ladders, players, next_game) for _ in range(threads)]
    bar = tqdm(total=games, desc="value data", unit="game", disable=not progress)
    state = {"played": 0, "positions": 0, "moves": 0, "shards": 0}
    pending: list[tuple[np.ndarray, dict]] = []
    t0 = time.perf_counter()

    def flush() -> None:  # under the lock
        if pending:
            pending.sort(key=lambda item: int(item[0][0]))
            shard = concat_shards([part for _, part in pending])
            write_npz_atomic(out / f"{prefix}-{state['shards']:05d}.npz", shard)
            state["positions"] += len(shard["pos_z"])
            state["shards"] += 1
            pending.clear()

    def run(stream: _ValueStream) -> None:
        while not stream.idle:
            part, numbers = stream.step()
            if part is None:
                continue
            with lock:
                pending.append((numbers, part))
                state["moves"] += int(part["game_len"].sum())
                state["played"] += len(numbers)
                bar.update(len(numbers))
                if sum(len(p["game_len"]) for _, p in pending) >= shard_games:
                    flush()
                el = time.perf_counter() - t0
                bar.set_postfix(games_s=f"{state['played'] / el:.2f}", moves_s=f"{state['moves'] / el:.0f}")

    if threads == 1:
        run(streams[0])
    else:
        errors: list[BaseException] = []

        def guarded(stream: _ValueStream) -> None:
            try:
                run(stream)
            except BaseException as exc:  # re-raised below, on the caller's thread
                errors.append(exc)
                with lock:
                    counter[0] = games  # the other streams finish their games and stop

        workers = [threading.Thread(target=guarded, args=(s,), name=f"value-data-{i}") for i, s in enumerate(streams)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise errors[0]
    with lock:
        flush()
    bar.close()
    wall = time.perf_counter() - t0
    played = state["played"]
    return {"games": played, "positions": state["positions"], "dropped": played - state["positions"],
            "moves": state["moves"], "wall_s": wall, "games_per_hour": played / wall * 3600,
            "shards": state["shards"], "threads": threads, "out": str(out)}


def read_shards(directory: str | Path, pattern: str, how_made: str, keys: tuple[str, ...]):
    """Each shard under ``directory`` matching ``pattern``, in name order, as (its ``moves`` and
    ``keys`` arrays, the offset of its first move in all shards' moves put back to back); all
    must be of one board size. Returns (board size, that list). Only the named arrays are read:
    a data-build shard's per-position columns alone run to hundreds of MB on 19x19."""
    files = sorted(Path(directory).glob(pattern))
    if not files:
        raise FileNotFoundError(f"no {pattern} shards in {directory} (run `{how_made}`)")
    shards, n, base = [], None, 0
    for f in files:
        with np.load(f, allow_pickle=False) as d:
            size = int(d["board_size"])
            arrays = {k: d[k] for k in ("moves", *keys)}
        if n is not None and size != n:
            raise ValueError(f"{f}: board size {size} differs from {n}")
        n = size
        shards.append((arrays, base))
        base += len(arrays["moves"])
    return n, shards


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
        n, shards = read_shards(directory, pattern, "go-engine selfplay --value-data",
                                ("game_start", "pos_game", "pos_ply", "pos_to_play", "pos_z"))
        return cls(n, np.concatenate([d["moves"] for d, _ in shards]),
                   np.concatenate([d["game_start"][d["pos_game"]] + base for d, base in shards]).astype(np.int64),
                   np.concatenate([d["pos_ply"] for d, _ in shards]).astype(np.int64),
                   np.concatenate([d["pos_to_play"] for d, _ in shards]).astype(np.int64),
                   np.concatenate([d["pos_z"] for d, _ in shards]).astype(np.float32))

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
