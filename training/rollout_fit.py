"""Fit the rollout policy (``go_engine.playouts.rollout_policy``) to expert games, and evaluate it.

Games are read with ``go_engine.rules.sgf.iter_moves`` into flat arrays (points, colours, game
starts). One Numba pass replays games from the empty board and, at every non-pass move,
scores all legal moves, takes the softmax log-likelihood of the expert move and applies an
Adagrad step to the touched weights (``lr = 0`` evaluates only). Held-out games are chosen
by game, never by position. Progress goes to a tqdm bar and one JSON line per chunk of
games to ``<out>.metrics.jsonl``.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.playouts import patterns as pt
from go_engine.rules.position import ZOBRIST
from go_engine.playouts.rollout_policy import (NFEAT, RolloutWeights, feature_scores, load_rollout_weights,
                                      position_features, save_rollout_weights)
from go_engine.rules.sgf import ArchiveStats, iter_moves
from go_engine.training.machine import machine_info

# counters returned by ``fit_pass``
ST_POSITIONS, ST_CORRECT, ST_LOSS, ST_BAD_GAMES, ST_SKIPPED = 0, 1, 2, 3, 4
NST = 5


@dataclass(frozen=True)
class GameSet:
    """Move sequences of many games in flat arrays: game g is points[starts[g]:starts[g+1]]."""

    n: int
    points: np.ndarray   # int16, pass = n*n
    colors: np.ndarray   # int8
    starts: np.ndarray   # int64[games + 1]

    @property
    def games(self) -> int:
        return len(self.starts) - 1

    @property
    def moves(self) -> int:
        return int(self.starts[-1])


def load_games(paths: list[str], max_games: int | None = None, board_size: int | None = None,
               progress: bool = True) -> tuple[GameSet, ArchiveStats, dict]:
    """Read games of one board size (the first game's unless given) without setup stones."""
    from tqdm import tqdm
    stats = ArchiveStats()
    points: list[int] = []
    colors: list[int] = []
    starts = [0]
    skipped = {"other_size": 0, "setup": 0}
    n = board_size
    bar = tqdm(total=max_games, desc="reading games", unit="game", disable=not progress)
    for rec in iter_moves(paths, stats):
        if n is None:
            n = rec.size
        if rec.size != n:
            skipped["other_size"] += 1
            continue
        if rec.black_setup or rec.white_setup:
            skipped["setup"] += 1
            continue
        for c, p in rec.moves:
            colors.append(c)
            points.append(p)
        starts.append(len(points))
        bar.update(1)
        if max_games is not None and len(starts) - 1 >= max_games:
            break
    bar.close()
    if n is None or len(starts) == 1:
        raise SystemExit(f"no usable games in {paths} ({stats.summary()})")
    games = GameSet(n, np.asarray(points, np.int16), np.asarray(colors, np.int8),
                    np.asarray(starts, np.int64))
    return games, stats, skipped


@njit(cache=True, nogil=True)
def fit_pass(points, colors, starts, order, n, weights, accum, lr, pos_class, zob, grad, touched, out):
    """Replay the games ``order`` and, for each non-pass expert move, add the softmax
    log-loss and top-1 hit to ``out``; when lr > 0 take an Adagrad step per position.
    A game with an illegal move is counted in out[ST_BAD_GAMES] and left at that move."""
    w = n + 2
    cells = w * w
    color = np.empty(cells, np.int8)
    links = np.empty((bk.NF, cells), np.int32)
    info = np.zeros(bk.NI, np.int64)
    locs = np.empty(n * n, np.int64)
    feats = np.empty((n * n, NFEAT), np.int64)
    scores = np.empty(n * n, np.float64)
    for gi in range(order.shape[0]):
        g = order[gi]
        bk.init_board(color, links, info, n)
        for m in range(starts[g], starts[g + 1]):
            p = points[m]
            c = colors[m]
            info[bk.I_TO_PLAY] = c
            if p == n * n:
                bk.play_pass(info, c)
                continue
            loc = (p // n + 1) * w + p % n + 1
            if bk.legal_status(color, links, info, zob, zob[0], 0, loc, c) != bk.LEGAL:
                out[ST_BAD_GAMES] += 1
                break
            count = position_features(color, links, info, pos_class, c, False, locs, feats)
            target = -1
            for k in range(count):
                if locs[k] == loc:
                    target = k
                    break
            if target < 0:
                out[ST_SKIPPED] += 1
            else:
                best = feature_scores(weights, feats, count, scores)
                z = 0.0
                for k in range(count):
                    scores[k] = math.exp(scores[k] - best)
                    z += scores[k]
                ptarget = scores[target] / z
                out[ST_POSITIONS] += 1
                out[ST_LOSS] -= math.log(max(ptarget, 1e-300))
                # top-1 with ties broken at random: credit 1 / (number tied at the top)
                top = True
                ties = 0
                for k in range(count):
                    if scores[k] > scores[target]:
                        top = False
                        break
                    if scores[k] == scores[target] and k != target:
                        ties += 1
                if top:
                    out[ST_CORRECT] += 1.0 / (ties + 1)
                if lr > 0.0:
                    nt = 0
                    for k in range(count):
                        gk = scores[k] / z - (1.0 if k == target else 0.0)
                        for f in range(NFEAT):
                            i = feats[k, f]
                            if i >= 0:
                                if grad[i] == 0.0:
                                    touched[nt] = i
                                    nt += 1
                                grad[i] += gk
                                if grad[i] == 0.0:
                                    grad[i] = 1e-30  # keep it marked as touched
                    for t in range(nt):
                        i = touched[t]
                        gi_ = grad[i]
                        accum[i] += gi_ * gi_
                        weights[i] -= lr * gi_ / math.sqrt(accum[i])
                        grad[i] = 0.0
            bk.place_stone(color, links, info, zob, np.uint64(0), loc, c)


def run_pass(games: GameSet, order: np.ndarray, rw: RolloutWeights, accum: np.ndarray, lr: float,
             desc: str, progress: bool, chunk: int = 200, metrics=None, epoch: int = 0,
             t0: float | None = None) -> np.ndarray:
    """One pass over ``order`` in chunks (for the progress bar and metrics); returns counters."""
    from tqdm import tqdm
    totals = np.zeros(NST, np.float64)
    grad = np.zeros(pt.N_WEIGHTS, np.float64)
    touched = np.empty(games.n * games.n * NFEAT, np.int64)
    t0 = time.time() if t0 is None else t0
    with tqdm(total=len(order), desc=desc, unit="game", disable=not progress) as bar:
        for s in range(0, len(order), chunk):
            part = order[s:s + chunk]
            out = np.zeros(NST, np.float64)
            fit_pass(games.points, games.colors, games.starts, part, games.n, rw.weights, accum,
                     lr, rw.pos_class, ZOBRIST, grad, touched, out)
            totals += out
            bar.update(len(part))
            npos = max(out[ST_POSITIONS], 1)
            bar.set_postfix(loss=f"{out[ST_LOSS] / npos:.3f}", top1=f"{out[ST_CORRECT] / npos:.3f}")
            if metrics is not None:
                metrics.write(json.dumps({
                    "phase": desc, "epoch": epoch, "games_done": s + len(part),
                    "positions": int(out[ST_POSITIONS]), "loss": out[ST_LOSS] / npos,
                    "top1": out[ST_CORRECT] / npos, "elapsed_s": round(time.time() - t0, 1)}) + "\n")
                metrics.flush()
    return totals


def summarize(totals: np.ndarray) -> dict:
    npos = max(int(totals[ST_POSITIONS]), 1)
    return {"positions": int(totals[ST_POSITIONS]), "top1": totals[ST_CORRECT] / npos,
            "log_loss": totals[ST_LOSS] / npos, "bad_games": int(totals[ST_BAD_GAMES]),
            "moves_not_candidates": int(totals[ST_SKIPPED])}


def train_rollout(sgf: list[str], out: str, games: int | None = None, holdout_games: int = 500,
                  epochs: int = 1, lr: float = 0.1, seed: int = 1, board_size: int | None = None,
                  progress: bool = True) -> dict:
    """Fit weights on ``games`` games (held-out ones extra), save them to ``out`` (npz) and
    return a summary with the held-out top-1 accuracy and log-loss."""
    t_start = time.time()
    want = None if games is None else games + holdout_games
    data, stats, skipped = load_games(sgf, want, board_size, progress)
    if data.games <= holdout_games:
        raise SystemExit(f"only {data.games} games read; need more than --holdout-games {holdout_games}")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(data.games).astype(np.int64)
    held = np.sort(perm[:holdout_games])
    train_ids = perm[holdout_games:]
    rw = RolloutWeights.zeros(data.n)
    accum = np.full(pt.N_WEIGHTS, 1e-2, np.float32)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path = out_path.with_suffix(".metrics.jsonl")
    train_totals = np.zeros(NST)
    t_read = time.time() - t_start
    with open(metrics_path, "w") as metrics:
        for epoch in range(epochs):
            order = rng.permutation(train_ids).astype(np.int64)
            train_totals = run_pass(data, order, rw, accum, lr, f"train epoch {epoch + 1}/{epochs}",
                                    progress, metrics=metrics, epoch=epoch + 1, t0=t_start)
        held_totals = run_pass(data, held, rw, accum, 0.0, "held-out", progress, metrics=metrics,
                               epoch=epochs, t0=t_start)
        summary = {
            "board_size": data.n, "sgf": [str(p) for p in sgf], "games_read": data.games,
            "train_games": len(train_ids), "holdout_games": holdout_games, "epochs": epochs,
            "lr": lr, "seed": seed, "train_last_epoch": summarize(train_totals),
            "holdout": summarize(held_totals), "archive": stats.summary(), "skipped": skipped,
            "read_s": round(t_read, 1), "total_s": round(time.time() - t_start, 1),
            "machine": machine_info(),
        }
        metrics.write(json.dumps({"phase": "summary", **summary}) + "\n")
    save_rollout_weights(out_path, rw, train_games=len(train_ids), holdout_games=holdout_games,
                         holdout_top1=summary["holdout"]["top1"], epochs=epochs, lr=lr, seed=seed,
                         holdout_game_ids=held)
    summary["weights"] = str(out_path)
    summary["metrics"] = str(metrics_path)
    return summary


def evaluate_rollout(sgf: list[str], weights: str | None = None, board_size: int | None = None,
                     max_games: int | None = None, progress: bool = True) -> dict:
    """Top-1 accuracy and log-loss of the rollout policy on every non-pass move of the games."""
    t0 = time.time()
    data, stats, _ = load_games(sgf, max_games, board_size, progress)
    rw = load_rollout_weights(weights, n=data.n)
    order = np.arange(data.games, dtype=np.int64)
    totals = run_pass(data, order, rw, np.ones(1, np.float32), 0.0, "eval", progress)
    result = summarize(totals)
    result.update({"board_size": data.n, "games": data.games,
                   "weights": weights or f"data/rollout_{data.n}.npz", "archive": stats.summary(),
                   "seconds": round(time.time() - t0, 1)})
    return result
