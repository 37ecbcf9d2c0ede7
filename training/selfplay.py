"""Batched self-play: B games at once, one network evaluation per ply for all of them.

Per ply the B boards (Numba arrays, one row per game) go through ``features.fill_planes``,
then one jitted forward pass per group of games that share a player, then one Numba kernel
samples a move per game from the softmax (at a temperature) over *sensible* moves (legal
under simple ko and not filling an own eye), checks positional superko on the sampled move
(redrawing without it when it repeats a position) and plays it. A game passes only when no
sensible move is left (the policy net has no pass output), ends after two passes or at the
move cap, and is scored by Tromp-Taylor area with komi. No resignation.

Games are stored in shards (npz, written atomically) whose columns follow
``training.data_build`` (``moves``, ``game_start``, ``game_len``, ``winner``, ``komi``) plus
self-play columns (players, score, the probability of each played move, the colour the
learner played, the weights version); ``shard_to_sgf`` turns them into SGF.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.atomic_io import write_npz_atomic, write_text_atomic
from go_engine.features.planes import (
    MAX_LADDER_DEPTH,
    N_POLICY_PLANES,
    P_LIBS_AFTER,
    P_SENSIBLE,
    fill_planes,
)
from go_engine.playouts.uniform import xorshift_next
from go_engine.rules.position import ZOBRIST
from go_engine.rules.conventions import DEFAULT_KOMI, selfplay_move_cap

MODE_POLICY, MODE_RANDOM = 0, 1  # per-game move choice in ``sample_and_play``


# --- Numba kernels over the batch -------------------------------------------------------------

@njit(cache=True, nogil=True)
def batch_reset(color, links, info, hashes, n, games):
    for g in games:
        info[g, bk.I_N] = n
        bk.init_board(color[g], links[g], info[g], n)
        hashes[g, :] = 0


@njit(cache=True, nogil=True)
def batch_replay(color, links, info, hashes, zob, games, codes, starts, counts, n):
    """Set game games[k] to the position after codes[starts[k]:starts[k]+counts[k]]
    (point for black, -(p+1) for white, pass n*n), with its hash history. Returns the
    number of games whose prefix did not replay (a stone on an occupied point)."""
    w = n + 2
    bad = 0
    for k in range(len(games)):
        g = games[k]
        info[g, bk.I_N] = n
        bk.init_board(color[g], links[g], info[g], n)
        hashes[g, :] = 0
        h = np.uint64(0)
        for i in range(counts[k]):
            m = codes[starts[k] + i]
            c = bk.BLACK
            if m < 0:
                m = -m - 1
                c = bk.WHITE
            if m == n * n:
                bk.play_pass(info[g], c)
            else:
                loc = (m // n + 1) * w + m % n + 1
                if color[g, loc] != bk.EMPTY:
                    bad += 1
                    break
                h = bk.place_stone(color[g], links[g], info[g], zob, h, loc, c)
            hashes[g, info[g, bk.I_PLY]] = h
    return bad


@njit(cache=True, nogil=True)
def batch_planes(color, links, info, zob, games, st_color, st_links, st_info, budget, marks, out, ladders):
    """Planes of the side to move of games[k] into out[k] (zeroed here)."""
    for k in range(len(games)):
        g = games[k]
        out[k, :, :, :] = 0
        fill_planes(color[g], links[g], info[g], zob, st_color, st_links, st_info, budget, marks, out[k], ladders)


@njit(cache=True, inline="always")
def _uniform(state):
    return (xorshift_next(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def sample_and_play(color, links, info, hashes, zob, games, planes, logp, mode, temperature, rng,
                    moves, move_prob, length, done, max_moves, komi, score):
    """Choose and play one move in each of games[k] (planes[k], logp[k] belong to it).

    mode[k]: MODE_POLICY samples from softmax(logp / temperature) over sensible moves
    (temperature 0: the most probable); MODE_RANDOM picks uniformly among legal moves
    (AlphaGo's one random move per value-data game). A move that repeats an earlier
    position (positional superko) is dropped and the draw repeated. Records the move, the
    policy's probability of it (-1 for a random move, 0 for a forced pass), ends games on
    two passes or the move cap and writes their Tromp-Taylor score (black - white - komi)."""
    n = info[games[0], bk.I_N] if len(games) else 0
    nn = n * n
    w = n + 2
    weight = np.empty(nn, dtype=np.float64)
    for k in range(len(games)):
        g = games[k]
        c = info[g, bk.I_TO_PLAY]
        ply = info[g, bk.I_PLY]
        total = 0.0
        best = -1
        best_lp = -1e300
        mx = -1e300
        if mode[k] == MODE_POLICY:
            for p in range(nn):
                if planes[k, p // n, p % n, P_SENSIBLE] and logp[k, p] > mx:
                    mx = logp[k, p]
        norm = 0.0
        for p in range(nn):
            r = p // n
            q = p % n
            wt = 0.0
            if mode[k] == MODE_POLICY:
                if planes[k, r, q, P_SENSIBLE]:
                    norm += np.exp(logp[k, p] - mx)
                    if temperature > 0:
                        wt = np.exp((logp[k, p] - mx) / temperature)
                    else:
                        wt = 1.0
                        if logp[k, p] > best_lp:
                            best_lp = logp[k, p]
                            best = p
            else:
                legal = 0
                for j in range(8):
                    legal += planes[k, r, q, P_LIBS_AFTER + j]
                if legal > 0:
                    wt = 1.0
            weight[p] = wt
            total += wt
        chosen = nn
        while total > 0:
            if mode[k] == MODE_POLICY and temperature <= 0:
                p = best
            else:
                u = _uniform(rng[g:g + 1]) * total
                acc = 0.0
                p = -1
                last = -1
                for j in range(nn):
                    if weight[j] > 0:
                        last = j
                        acc += weight[j]
                        if acc > u:
                            p = j
                            break
                if p < 0:
                    p = last
            loc = (p // n + 1) * w + p % n + 1
            if bk.legal_status(color[g], links[g], info[g], zob, hashes[g], ply + 1, loc, c) == bk.LEGAL:
                chosen = p
                break
            total -= weight[p]
            weight[p] = 0.0
            if mode[k] == MODE_POLICY and temperature <= 0:
                best = -1
                best_lp = -1e300
                for j in range(nn):
                    if weight[j] > 0 and logp[k, j] > best_lp:
                        best_lp = logp[k, j]
                        best = j
                if best < 0:
                    break
        h = hashes[g, ply]
        if chosen == nn:
            bk.play_pass(info[g], c)
            move_prob[g, ply] = 0.0
        else:
            loc = (chosen // n + 1) * w + chosen % n + 1
            h = bk.place_stone(color[g], links[g], info[g], zob, h, loc, c)
            if mode[k] == MODE_POLICY:
                move_prob[g, ply] = np.exp(logp[k, chosen] - mx) / norm
            else:
                move_prob[g, ply] = -1.0
        hashes[g, ply + 1] = h
        moves[g, ply] = chosen if c == bk.BLACK else -(chosen + 1)
        length[g] = ply + 1
        if info[g, bk.I_PASSES] >= 2 or ply + 1 >= max_moves:
            done[g] = True
            score[g] = bk.area_score(color[g], n, komi)


# --- the batch of games and the driver -------------------------------------------------------

class GameBatch:
    """B games' board arrays, move records and results (all NumPy, owned here)."""

    def __init__(self, n: int, batch: int, max_moves: int | None = None, komi: float = DEFAULT_KOMI, seed: int = 0):
        self.n, self.batch, self.komi = n, batch, komi
        self.max_moves = max_moves or selfplay_move_cap(n)
        cells = (n + 2) * (n + 2)
        self.color = np.empty((batch, cells), np.int8)
        self.links = np.empty((batch, bk.NF, cells), np.int32)
        self.info = np.zeros((batch, bk.NI), np.int64)
        self.hashes = np.zeros((batch, self.max_moves + 2), np.uint64)
        self.moves = np.zeros((batch, self.max_moves), np.int16)
        self.move_prob = np.zeros((batch, self.max_moves), np.float32)
        self.length = np.zeros(batch, np.int32)
        self.start_len = np.zeros(batch, np.int32)  # moves given as a starting prefix
        self.done = np.zeros(batch, bool)
        self.score = np.zeros(batch, np.float32)
        seeds = np.random.default_rng(seed).integers(1, 2**63 - 1, size=batch, dtype=np.int64)
        self.rng = seeds.astype(np.uint64)
        batch_reset(self.color, self.links, self.info, self.hashes, n, np.arange(batch))

    def set_prefixes(self, prefixes: Sequence[np.ndarray]) -> None:
        """Start game k from the position after prefixes[k] (encoded moves)."""
        codes = np.concatenate([np.asarray(p, np.int64) for p in prefixes]) if prefixes else np.zeros(0, np.int64)
        counts = np.array([len(p) for p in prefixes], np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        games = np.arange(len(prefixes), dtype=np.int64)
        if counts.max(initial=0) >= self.max_moves:
            raise ValueError("a starting prefix is as long as the move cap")
        bad = batch_replay(self.color, self.links, self.info, self.hashes, ZOBRIST, games, codes, starts, counts, self.n)
        if bad:
            raise ValueError(f"{bad} starting prefixes do not replay")
        for k, p in enumerate(prefixes):
            self.moves[k, :len(p)] = p
            self.length[k] = self.start_len[k] = len(p)
            if self.info[k, bk.I_PASSES] >= 2:
                self.done[k] = True
                self.score[k] = bk.area_score(self.color[k], self.n, self.komi)

    def ply(self, g: int) -> int:
        return int(self.info[g, bk.I_PLY])

    def to_play(self) -> np.ndarray:
        return self.info[:, bk.I_TO_PLAY]

    def winners(self) -> np.ndarray:
        """int8[B]: 1 black won, -1 white won, 0 a draw (integer komi) or unfinished."""
        return np.where(~self.done, 0, np.sign(self.score)).astype(np.int8)

    def game_codes(self, g: int) -> np.ndarray:
        return self.moves[g, :self.length[g]].copy()


class JitPolicy:
    """One jitted ``log_softmax(PolicyNet(planes))`` per architecture; the variables are an
    argument, so swapping weights (RL updates, opponents from the pool) never recompiles.
    Batches are padded to a few sizes to bound the number of compiled shapes: powers of two up
    to 32, then multiples of 32 (a batch of 130 runs as 160, not 256)."""

    def __init__(self, config):
        import jax

        from go_engine.nets.policy_net import PolicyNet
        model = PolicyNet(config)
        self.config = config
        self._fn = jax.jit(lambda variables, planes: jax.nn.log_softmax(
            model.apply(variables, planes, train=False), axis=-1))

    def __call__(self, variables, planes: np.ndarray) -> np.ndarray:
        b = len(planes)
        size = 1 << max(0, (b - 1).bit_length()) if b <= 32 else -(-b // 32) * 32
        if size > b:
            planes = np.concatenate([planes, np.zeros((size - b,) + planes.shape[1:], planes.dtype)])
        return np.asarray(self._fn(variables, planes))[:b]


@dataclass
class NetPlayer:
    """A policy network as a self-play participant."""

    name: str
    policy: JitPolicy
    variables: dict
    temperature: float = 1.0


RANDOM_MOVE = "random"  # a group assigned this plays one uniformly random legal move

# ``assign(batch, active)`` -> list of (NetPlayer or RANDOM_MOVE, games) covering ``active``
Assigner = Callable[[GameBatch, np.ndarray], list]


class SelfPlayStats:
    def __init__(self):
        self.positions = 0
        self.net_s = 0.0
        self.feature_s = 0.0
        self.play_s = 0.0


def play_out(batch: GameBatch, assign: Assigner, ladders: bool = True, on_ply: Callable | None = None,
             stats: SelfPlayStats | None = None) -> GameBatch:
    """Play every unfinished game of ``batch`` to its end."""
    buffers = PlyBuffers(batch)
    while True:
        active = np.flatnonzero(~batch.done)
        if len(active) == 0:
            break
        play_plies(batch, assign(batch, active), ladders, stats, buffers)
        if on_ply is not None:
            on_ply(batch)
    return batch


class PlyBuffers:
    """The feature scratch and plane buffer that ``play_plies`` reuses from ply to ply."""

    def __init__(self, batch: GameBatch):
        from go_engine.features.planes import FeatureScratch
        self.scratch = FeatureScratch(batch.n, MAX_LADDER_DEPTH)
        self.planes = np.zeros((batch.batch, batch.n, batch.n, N_POLICY_PLANES), np.uint8)


def play_plies(batch: GameBatch, groups: list, ladders: bool = True, stats: SelfPlayStats | None = None,
               buffers: PlyBuffers | None = None) -> None:
    """One move in each game of ``groups`` (a list of (NetPlayer or RANDOM_MOVE, games))."""
    n = batch.n
    buffers = buffers or PlyBuffers(batch)
    scratch, planes_buf = buffers.scratch, buffers.planes
    stats = stats or SelfPlayStats()
    for who, games in groups:
        games = np.asarray(games, np.int64)
        if len(games) == 0:
            continue
        t0 = time.perf_counter()
        planes = planes_buf[:len(games)]
        batch_planes(batch.color, batch.links, batch.info, ZOBRIST, games, scratch.st_color, scratch.st_links,
                     scratch.st_info, scratch.budget, scratch.marks, planes, ladders)
        t1 = time.perf_counter()
        if who == RANDOM_MOVE:
            logp = np.zeros((len(games), n * n), np.float32)
            mode = np.full(len(games), MODE_RANDOM, np.int8)
            temperature = 1.0
        else:
            logp = who.policy(who.variables, planes)
            mode = np.zeros(len(games), np.int8)
            temperature = who.temperature
        t2 = time.perf_counter()
        sample_and_play(batch.color, batch.links, batch.info, batch.hashes, ZOBRIST, games, planes, logp, mode,
                        float(temperature), batch.rng, batch.moves, batch.move_prob, batch.length, batch.done,
                        batch.max_moves, float(batch.komi), batch.score)
        t3 = time.perf_counter()
        stats.positions += len(games)
        stats.feature_s += t1 - t0
        stats.net_s += t2 - t1
        stats.play_s += t3 - t2


def colour_split_assigner(black_first: NetPlayer, white_first: NetPlayer) -> Assigner:
    """Games 0..B/2-1: ``black_first`` plays black; the others: it plays white. Every game
    advances one ply per round, so all share the side to move unless started from prefixes."""

    def assign(batch: GameBatch, active: np.ndarray) -> list:
        half = batch.batch // 2
        to_play = batch.info[active, bk.I_TO_PLAY]
        a_moves = (active < half) == (to_play == bk.BLACK)
        return [(black_first, active[a_moves]), (white_first, active[~a_moves])]

    return assign


def single_assigner(player: NetPlayer) -> Assigner:
    return lambda batch, active: [(player, active)]


# --- shards ------------------------------------------------------------------------------------


def batch_to_arrays(batch: GameBatch, black: Sequence[str], white: Sequence[str],
                    learner_color: np.ndarray | None = None, version: int = 0,
                    games: np.ndarray | None = None) -> dict:
    """Columns of a self-play shard for the finished games (``games``, default all)."""
    games = np.flatnonzero(batch.done) if games is None else np.asarray(games)
    lens = batch.length[games].astype(np.int32)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    moves = np.concatenate([batch.moves[g, :batch.length[g]] for g in games]) if len(games) else np.zeros(0, np.int16)
    probs = np.concatenate([batch.move_prob[g, :batch.length[g]] for g in games]) if len(games) else np.zeros(0, np.float32)
    return {
        "board_size": np.int32(batch.n), "moves": moves.astype(np.int16), "game_start": starts, "game_len": lens,
        "start_len": batch.start_len[games].astype(np.int32),
        "winner": batch.winners()[games], "score": batch.score[games].astype(np.float32),
        "komi": np.full(len(games), batch.komi, np.float32), "move_prob": probs.astype(np.float16),
        "black": np.array([black[g] for g in games], dtype=str), "white": np.array([white[g] for g in games], dtype=str),
        "learner_color": (learner_color[games] if learner_color is not None else np.zeros(len(games))).astype(np.int8),
        "version": np.int32(version),
    }


@dataclass
class SelfPlayRecord:
    """One game of a self-play shard as arrays (``codes``: signed move codes, ``probs``: the
    policy's probability of each move); not an SGF record (``rules.sgf.GameRecord``)."""

    n: int
    komi: float
    codes: np.ndarray
    winner: int
    score: float
    black: str
    white: str
    probs: np.ndarray


def read_shard(path: str | Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def shard_games(shard: dict) -> list[SelfPlayRecord]:
    out = []
    n = int(shard["board_size"])
    for i in range(len(shard["game_start"])):
        s, ln = int(shard["game_start"][i]), int(shard["game_len"][i])
        out.append(SelfPlayRecord(n, float(shard["komi"][i]), shard["moves"][s:s + ln].astype(np.int64),
                              int(shard["winner"][i]), float(shard["score"][i]), str(shard["black"][i]),
                              str(shard["white"][i]), shard["move_prob"][s:s + ln].astype(np.float32)))
    return out


def record_game(rec: SelfPlayRecord):
    """The rules engine's ``Game`` of a record (every move re-checked, superko included)."""
    from go_engine.rules.game import Game
    game = Game(rec.n, rec.komi)
    for code in rec.codes:
        code = int(code)
        game.play(code if code >= 0 else -code - 1, bk.BLACK if code >= 0 else bk.WHITE)
    return game


def game_to_sgf_text(rec: SelfPlayRecord, comments: bool = True) -> str:
    """SGF of one self-play game (``go_engine.rules.sgf.game_to_sgf``), with each policy move's
    probability as a comment."""
    from go_engine.rules.sgf import game_to_sgf
    notes = {}
    if comments:
        for k, p in enumerate(rec.probs, start=1):
            if p > 0:
                notes[k] = f"p={p:.3f}"
            elif p < 0:
                notes[k] = "uniformly random move"
    if rec.winner:
        result = f"{'B' if rec.winner > 0 else 'W'}+{abs(rec.score):g}"
    else:
        result = "0" if rec.score == 0 else "Void"
    return game_to_sgf(record_game(rec), result=result, black=rec.black, white=rec.white, comments=notes,
                       application="go-engine selfplay")


def shard_to_sgf(shard_path: str | Path, out_dir: str | Path) -> int:
    """One .sgf per game of a shard (written atomically); returns the number written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(shard_path).stem
    games = shard_games(read_shard(shard_path))
    for i, rec in enumerate(games):
        path = out_dir / f"{stem}-{i:04d}.sgf"
        write_text_atomic(path, game_to_sgf_text(rec))
    return len(games)


# --- the ``go-engine selfplay`` command -------------------------------------------------------

def load_player(spec: str, n: int, name: str | None = None, temperature: float = 1.0,
                policies: dict | None = None) -> NetPlayer:
    """A NetPlayer from "sl", "rl" or a weight-file path (one JitPolicy per architecture)."""
    import jax
    import jax.numpy as jnp

    from go_engine.nets.weights import load_policy_weights, resolve_policy_weights
    path = resolve_policy_weights(spec, n)
    config, variables, _ = load_policy_weights(path)
    if config.board_size != n:
        raise ValueError(f"{path} is for {config.board_size}x{config.board_size}, not {n}x{n}")
    policies = policies if policies is not None else {}
    if config not in policies:
        policies[config] = JitPolicy(config)
    return NetPlayer(name or Path(path).stem, policies[config], jax.tree_util.tree_map(jnp.asarray, variables),
                     temperature)


def run_selfplay(weights: str, games: int, out: str | Path, n: int = 9, batch: int = 64, komi: float = DEFAULT_KOMI,
                 temperature: float = 1.0, seed: int = 0, opponent: str | None = None, sgf: bool = False,
                 progress: bool = True, max_moves: int | None = None, seconds: float | None = None) -> dict:
    """Play ``games`` games in batches of ``batch`` and write one shard per batch (with
    ``seconds``: start no new batch after that time)."""
    from tqdm import tqdm
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    policies: dict = {}
    me = load_player(weights, n, temperature=temperature, policies=policies)
    other = load_player(opponent, n, temperature=temperature, policies=policies) if opponent else me
    done_games = moves = 0
    t0 = time.perf_counter()
    bar = tqdm(total=games, desc="selfplay", unit="game", disable=not progress)
    k = 0
    wins_me = 0
    while done_games < games and (seconds is None or time.perf_counter() - t0 < seconds):
        b = min(batch, games - done_games)
        b += b % 2
        gb = GameBatch(n, b, max_moves, komi, seed=seed * 1_000_003 + k)
        play_out(gb, colour_split_assigner(me, other))
        half = b // 2
        black = [me.name if g < half else other.name for g in range(b)]
        white = [other.name if g < half else me.name for g in range(b)]
        learner = np.where(np.arange(b) < half, bk.BLACK, bk.WHITE)
        arrays = batch_to_arrays(gb, black, white, learner)
        path = out / f"selfplay-{seed:04d}-{k:05d}.npz"
        write_npz_atomic(path, arrays)
        if sgf:
            shard_to_sgf(path, out / "sgf")
        won = np.where(learner == bk.BLACK, gb.winners() > 0, gb.winners() < 0)
        wins_me += int(won.sum())
        done_games += b
        moves += int(gb.length.sum())
        k += 1
        el = time.perf_counter() - t0
        bar.update(b)
        bar.set_postfix(games_s=f"{done_games / el:.2f}", moves_s=f"{moves / el:.0f}")
    bar.close()
    wall = time.perf_counter() - t0
    summary = {"games": done_games, "moves": moves, "wall_s": wall, "games_per_hour": done_games / wall * 3600,
               "moves_per_s": moves / wall, "shards": k, "out": str(out)}
    if opponent:
        summary["win_rate"] = wins_me / max(done_games, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary
