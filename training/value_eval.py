"""The value network against Monte Carlo estimates at equal CPU time (``go-engine eval value``).

AlphaGo's value-net bar compares the net's mean squared error with that of rollouts from the
same positions. Rollouts of the SL policy network (``value_train.rollout_estimates``) are far
slower than one value-net evaluation, so here are the *fast* estimators that can be given the
net's own time per position:

- ``random``: uniform random playouts (``go_engine.playouts.uniform.random_playout``: legal moves that
  do not fill an own eye, simple ko, Tromp-Taylor count);
- ``heuristic``: MoGo-style playouts (``go_engine.playouts.heuristic``: atari, 3x3 shape and
  capture rules, then random moves that are not self-ataris);
- ``nakade``: the same with the nakade rules of ``go_engine.playouts.nakade``, the search's default;
- ``pattern``: playouts of the fast rollout policy (``go_engine.playouts.rollout_policy``, linear softmax
  over local patterns, ``data/rollout_<n>.npz``).

All of them run through ``go_engine.search.drivers.playout_batch``.

An estimate of k playouts is ``2 * (black wins / k) - 1`` from the side to move's view (a tie
under an integer komi counts as a black loss, as in the kernels). ``equal_time_table`` runs a
sweep of k, times each (playouts only: the board of the position is built beforehand, as it is
for the net) and names, for each kind, the largest k whose time per position is within the
value net's, features included.
"""
from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING

import numpy as np
from go_engine.rules.conventions import DEFAULT_KOMI, playout_move_cap, selfplay_move_cap

if TYPE_CHECKING:  # the CLI builds its parser from this module: keep Numba out of its import
    from go_engine.training.value_data import ValueSet

FAST_KINDS = ("random", "heuristic", "nakade", "pattern")


def position_boards(data: ValueSet, komi: float = DEFAULT_KOMI):
    """A ``selfplay.GameBatch`` whose game i is set to position i of ``data``."""
    from go_engine.rules import board_kernels as bk

    from go_engine.training.selfplay import GameBatch
    longest = int(data.plies.max(initial=0))
    gb = GameBatch(data.n, max(data.size, 1), max_moves=max(longest + 2, selfplay_move_cap(data.n)), komi=komi)
    if data.size:
        gb.set_prefixes(data.prefixes())
        to_play = gb.info[:data.size, bk.I_TO_PLAY]
        if not np.array_equal(to_play, data.to_play):
            raise ValueError("the side to move of a replayed position differs from the stored one")
    return gb


def rollout_seeds(seed: int, count: int) -> np.ndarray:
    """int64[count]: the playout seed of each of ``count`` positions under one run seed."""
    return seed * 1_000_003 + np.arange(count, dtype=np.int64) + 1


def playout_means(boards, to_play: np.ndarray, kind: str, rollouts: int, komi, seeds: np.ndarray,
                  pol=None, threads: int = 1) -> np.ndarray:
    """Mean outcome (side to move's view, in [-1, 1]) of ``rollouts`` playouts from each of the
    first ``len(seeds)`` boards of ``boards`` (a ``position_boards`` batch). Position i is
    played out from ``seeds[i]`` on its own komi (``komi``: one float or one per position), so
    the numbers are the same for any ``threads`` (the kernels release the GIL)."""
    from go_engine.rules import board_kernels as bk
    from go_engine.rules.position import ZOBRIST
    from go_engine.search.drivers import PLAYOUT_NAMES, playout_arrays, playout_batch
    count = len(seeds)
    code = PLAYOUT_NAMES[kind]
    pol = playout_arrays(kind, boards.n) if pol is None else pol
    max_moves = playout_move_cap(boards.n)
    komis = np.broadcast_to(np.asarray(komi, np.float64), (count,))
    wins = np.zeros(count, np.float64)

    def run(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            wins[i] = playout_batch(code, boards.color[i], boards.links[i], boards.info[i], ZOBRIST, pol,
                                    int(seeds[i]), rollouts, max_moves, float(komis[i]))[0]

    threads = max(1, min(threads, count))
    if threads == 1:
        run(0, count)
    else:
        from concurrent.futures import ThreadPoolExecutor
        cuts = np.linspace(0, count, threads + 1).astype(int)
        with ThreadPoolExecutor(threads) as pool:
            for job in [pool.submit(run, lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:])]:
                job.result()
    black_view = 2.0 * wins / rollouts - 1.0
    return np.where(np.asarray(to_play[:count]) == bk.BLACK, black_view, -black_view).astype(np.float32)


def fast_rollout_estimates(data: ValueSet, kind: str = "random", rollouts: int = 1, komi: float = DEFAULT_KOMI,
                           seed: int = 0, rollout_weights: str | None = None, boards=None) -> tuple[np.ndarray, float]:
    """Mean outcome (side to move's view, in [-1, 1]) of ``rollouts`` fast playouts from each
    position; returns (estimates float32[N], playout seconds per position)."""
    from go_engine.search.drivers import playout_arrays
    if kind not in FAST_KINDS:
        raise ValueError(f"kind must be one of {FAST_KINDS}, not {kind!r}")
    if rollouts < 1:
        raise ValueError("rollouts >= 1")
    gb = boards if boards is not None else position_boards(data, komi)
    pol = playout_arrays(kind, data.n, rollout_weights)
    if data.size:  # compile (or load the cache) outside the timing
        playout_means(gb, data.to_play, kind, rollouts, komi, np.array([seed + 12345]), pol)
    t0 = time.perf_counter()
    est = playout_means(gb, data.to_play, kind, rollouts, komi, rollout_seeds(seed, data.size), pol)
    secs = (time.perf_counter() - t0) / max(data.size, 1)
    return est, secs


def value_net_timing(value_weights: str, data: ValueSet, boards=None, repeats: int = 3) -> dict:
    """Seconds per position of the value net, batched over the whole set: the forward pass
    alone and with the 49 feature planes computed from the board (the net's full cost when
    a search hands it a position); the best of ``repeats`` runs each. Also the predictions."""
    from go_engine.features.planes import MAX_LADDER_DEPTH, N_VALUE_PLANES, FeatureScratch
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.rules.position import ZOBRIST

    from go_engine.training.selfplay import batch_planes
    gb = boards if boards is not None else position_boards(data)
    ev = ValueNetRunner(value_weights)
    n = data.n
    scratch = FeatureScratch(n, MAX_LADDER_DEPTH)
    games = np.arange(data.size, dtype=np.int64)
    planes = np.zeros((data.size, n, n, N_VALUE_PLANES), np.uint8)

    def features():
        batch_planes(gb.color, gb.links, gb.info, ZOBRIST, games, scratch.st_color, scratch.st_links, scratch.st_info,
                     scratch.budget, scratch.marks, planes, True)

    features()
    v = ev.values(planes)  # compile outside the timing
    feat_s, net_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        features()
        t1 = time.perf_counter()
        v = ev.values(planes)
        t2 = time.perf_counter()
        feat_s.append(t1 - t0)
        net_s.append(t2 - t1)
    per = max(data.size, 1)
    return {"values": v, "forward_s_per_position": min(net_s) / per, "features_s_per_position": min(feat_s) / per,
            "total_s_per_position": (min(net_s) + min(feat_s)) / per}


def equal_time_table(value_weights: str, data: ValueSet, komi: float = DEFAULT_KOMI, kinds: tuple[str, ...] = FAST_KINDS,
                     ks: dict | None = None, seed: int = 0, rollout_weights: str | None = None) -> dict:
    """MSE of the value net and of k fast playouts per position (a sweep of k per kind) on
    the same positions, with the seconds per position of each; ``equal_time[kind]`` is the
    row with the largest k that costs no more than the net (features included), or the
    k = 1 row marked ``over_budget`` when even one playout costs more."""
    from go_engine.training.value_train import mse
    ks = {"random": (1, 2, 4, 8, 16, 32, 64, 128), "heuristic": (1, 2, 4, 8, 16, 32, 64),
          "nakade": (1, 2, 4, 8, 16, 32, 64), "pattern": (1, 2, 4, 8, 16, 32), **(ks or {})}
    boards = position_boards(data, komi)
    net = value_net_timing(value_weights, data, boards)
    budget = net["total_s_per_position"]
    out = {"positions": data.size, "value_net_mse": mse(net["values"], data.z),
           "value_net_forward_s_per_position": net["forward_s_per_position"],
           "value_net_features_s_per_position": net["features_s_per_position"],
           "value_net_s_per_position": budget, "sweep": {}, "equal_time": {}}
    for kind in kinds:
        rows = []
        for k in ks[kind]:
            est, secs = fast_rollout_estimates(data, kind, k, komi, seed, rollout_weights, boards)
            rows.append({"rollouts": k, "mse": mse(est, data.z), "s_per_position": secs})
        out["sweep"][kind] = rows
        fit = [r for r in rows if r["s_per_position"] <= budget]
        out["equal_time"][kind] = dict(fit[-1]) if fit else {**rows[0], "over_budget": True}
    return out


def parse_sl_rollouts(spec: str) -> list[tuple[int, int]]:
    """"4:500,16:200" -> [(4, 500), (16, 200)]: k SL-policy rollouts on the first m positions."""
    out = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        k, _, m = item.partition(":")
        out.append((int(k), int(m) if m else 256))
    return out


def evaluate_set(value_weights: str, data: ValueSet, constant: float, sl_weights: str | None = None,
                 sl_rollouts: list[tuple[int, int]] = (), fast_positions: int | None = None, komi: float = DEFAULT_KOMI,
                 kinds: tuple[str, ...] = FAST_KINDS, rollout_weights: str | None = None, seed: int = 0,
                 symmetries: int = 1) -> dict:
    """One set's row: the net and the constant on all positions; SL-policy rollouts (k on the
    first m positions, with the net and constant on the same ones); the fast-playout sweep
    and its equal-time rows on the first ``fast_positions``; with ``symmetries`` > 1 also the
    net averaged over that many symmetries of each position."""
    from go_engine.training.value_train import mse, rollout_estimates
    row: dict = {"positions": data.size, "constant": constant,
                 "constant_mse": mse(np.full(data.size, constant), data.z)}
    fast = data.subset(np.arange(min(fast_positions or data.size, data.size)))
    eq = equal_time_table(value_weights, fast, komi, kinds, seed=seed, rollout_weights=rollout_weights)

    @functools.cache
    def net_input():  # the weights loaded and the planes computed once for every row below
        from go_engine.nets.value_net import ValueNetRunner
        return ValueNetRunner(value_weights), data.planes()

    @functools.cache
    def net_values(k: int = 1) -> np.ndarray:
        """The net on every position of ``data``, averaged over k symmetries."""
        runner, planes = net_input()
        return runner.values(planes, k)

    # the equal-time table already has the net's MSE when it ran on every position
    row["value_net_mse"] = eq["value_net_mse"] if fast.size == data.size else mse(net_values(), data.z)
    row["fast"] = eq
    if symmetries > 1:
        row["value_net_symmetries"] = symmetries
        row["value_net_symmetric_mse"] = mse(net_values(symmetries), data.z)
    row["sl_rollouts"] = []
    if sl_weights:
        values = net_values()
        for k, m in sl_rollouts:
            sub = data.subset(np.arange(min(m, data.size)))
            est, secs = rollout_estimates(sl_weights, sub, k, komi, seed=seed)
            row["sl_rollouts"].append({"rollouts": k, "positions": sub.size, "mse": mse(est, sub.z),
                                       "s_per_position": secs, "value_net_mse_same": mse(values[:sub.size], sub.z),
                                       "constant_mse_same": mse(np.full(sub.size, constant), sub.z)})
    return row
