"""Benchmarks of the engine's hot loops, printed as text or one JSON object.

``board``: uniform random playouts from the empty board, single thread, after a warm-up
that also fills Numba's cache; moves/s counts every move and pass played in playouts;
also per CPU second of the process (on shared cores wall-clock figures say little). The
``heuristic_*`` rows time the MoGo-style playouts of ``playouts.heuristic`` the same way, and
``nakade_*`` rows those playouts with the nakade self-atari rule.
``search``: MCTS simulations/s at 1 and 2 threads (the bar: 2 threads >= 1.7x one thread),
in the default mode (one search lane per thread) and the reproducible batch mode.
"""
from __future__ import annotations

import time

from go_engine.rules.conventions import DEFAULT_KOMI, playout_move_cap
from go_engine.rules.position import ZOBRIST, Position
from go_engine.search.priors import no_policy
from go_engine.search.drivers import (PLAYOUT_HEURISTIC, PLAYOUT_NAKADE, PLAYOUT_NAMES, PLAYOUT_PATTERN, PLAYOUT_RANDOM,
                       pattern_policy_arrays, playout_batch)


def bench_board(sizes: tuple[int, ...] = (9, 19), seconds: float = 3.0, komi: float = 7.0) -> dict:
    """Playouts/s and moves/s per board size and playout kind (uniform random, heuristic,
    heuristic with nakade, and that with the ko-capture limit and the two-liberty rule),
    measured for about ``seconds`` each."""
    results: dict[str, float] = {}
    pol = no_policy()
    for n in sizes:
        pos = Position(n)
        max_moves = playout_move_cap(n)
        for prefix, kind in (("", PLAYOUT_RANDOM), ("heuristic_", PLAYOUT_HEURISTIC), ("nakade_", PLAYOUT_NAKADE),
                             ("nakade_ko_", PLAYOUT_NAMES["nakade+ko"]),
                             ("nakade_twolib_ko_", PLAYOUT_NAMES["nakade+twolib+ko"])):
            chunk = (2000 if n <= 9 else 500) // (4 if prefix else 1)
            count, moves, elapsed, cpu = time_playouts(kind, pos, pol, chunk, max_moves, komi, seconds)
            results[f"{prefix}playouts_per_s_{n}x{n}"] = round(count / elapsed, 1)
            results[f"{prefix}moves_per_s_{n}x{n}"] = round(moves / elapsed, 1)
            results[f"{prefix}moves_per_playout_{n}x{n}"] = round(moves / count, 1)
            # by process CPU time: the fair figure when other jobs share the cores
            results[f"{prefix}playouts_per_cpu_s_{n}x{n}"] = round(count / max(cpu, 1e-9), 1)
    return results


def time_playouts(kind: int, pos: Position, pol, chunk: int, max_moves: int, komi: float,
                  seconds: float) -> tuple[int, int, float, float]:
    """Play batches of ``chunk`` playouts of ``kind`` from ``pos`` (one thread, after a warm-up
    batch) until ``seconds`` of wall time: (playouts, moves, wall seconds, process CPU seconds)."""
    playout_batch(kind, pos.color, pos.links, pos.info, ZOBRIST, pol, 1, 50, max_moves, komi)  # warm-up
    count, moves, wall, cpu, seed = 0, 0, 0.0, 0.0, 2
    while wall < seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        _, m = playout_batch(kind, pos.color, pos.links, pos.info, ZOBRIST, pol, seed, chunk, max_moves, komi)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        count += chunk
        moves += m
        seed += 1
    return count, moves, wall, cpu


def bench_random(n: int = 19, seconds: float = 3.0, komi: float = 7.0, max_moves: int | None = None) -> dict:
    """Uniform random playouts from the empty board, one thread, with the move cap ``max_moves``
    (default ``playout_move_cap(n)``, the engine's). A smaller cap is there to compare with
    engines that stop playouts early: Pachi's ``montecarlo`` engine ends a light playout when the
    game reaches 400 moves, before most 19x19 random games end (ours run 455 moves on average),
    so equal playouts/s needs equal moves per playout (``benchmarks/random_vs_pachi.py``)."""
    pos = Position(n)
    cap = playout_move_cap(n) if max_moves is None else max_moves
    pol = no_policy()
    count, moves, wall, cpu = time_playouts(PLAYOUT_RANDOM, pos, pol, 2000 if n <= 9 else 500, cap, komi, seconds)
    return {"board_size": n, "max_moves": cap, "playouts": count, "playouts_per_s": round(count / wall, 1),
            "moves_per_s": round(moves / wall, 1), "moves_per_playout": round(moves / count, 1),
            "playouts_per_cpu_s": round(count / max(cpu, 1e-9), 1)}


def bench_search(sizes: tuple[int, ...] = (9, 19), threads: tuple[int, ...] = (1, 2), seconds: float = 3.0,
                 komi: float = 7.0, batch_size: int = 16) -> dict:
    """MCTS simulations/s (heuristic priors, random playouts) from the empty board for each
    board size and thread count, and the parallel efficiency of the largest thread count
    (speed-up over 1 thread divided by the threads).

    The first thread count searches for ``seconds``; the others do the same number of
    simulations, so every count is timed on the same work (a simulation costs more as the
    tree deepens: equal seconds would hand the faster count a deeper, slower tree). Each
    thread runs one search lane (the mode a search on a clock uses); the 1-thread figure is
    the faster of one lane and the batch mode; ``*_batch`` rows give the reproducible batch
    mode (the fixed-playouts mode's) on the same work."""
    from go_engine.rules.game import Game
    from go_engine.search.mcts import MCTS, SearchConfig

    def measure(n: int, k: int, parallel: str, sims: int | None) -> tuple[int, float, float]:
        mcts = MCTS(SearchConfig(threads=k, batch_size=batch_size, max_tree_mb=512, parallel=parallel))
        game = Game(n, komi)
        mcts.search(game, simulations=8 * batch_size * k, stop_early=False)  # warm-up, fills the cache
        mcts.forget()
        cpu0 = time.process_time()
        if sims is None:
            result = mcts.search(game, seconds=seconds, stop_early=False)
        else:
            result = mcts.search(game, simulations=sims, stop_early=False)
        cpu = time.process_time() - cpu0
        return result.simulations, result.seconds, cpu

    results: dict[str, float] = {}
    for n in sizes:
        work = None
        for k in threads:
            sims, wall, cpu = measure(n, k, "lanes", work)
            work = sims if work is None else work
            if k == 1:  # one thread: the faster of one lane and the batch mode on the same work
                sims_b, wall_b, cpu_b = measure(n, 1, "batch", work)
                results[f"sims_per_s_{n}x{n}_1t_lane"] = round(sims / wall, 1)
                results[f"sims_per_s_{n}x{n}_1t_batch"] = round(sims_b / wall_b, 1)
                if sims_b / wall_b > sims / wall:
                    sims, wall, cpu = sims_b, wall_b, cpu_b
            results[f"sims_per_s_{n}x{n}_{k}t"] = round(sims / wall, 1)
            # on shared cores the wall-clock speed-up says little; CPU time shows whether the
            # threads got their cores (cpu_per_wall ~ k) and what a simulation costs
            results[f"cpu_per_wall_{n}x{n}_{k}t"] = round(cpu / wall, 2)
            results[f"sims_per_cpu_s_{n}x{n}_{k}t"] = round(sims / max(cpu, 1e-9), 1)
        results[f"simulations_{n}x{n}"] = work
        top = max(threads)
        if top > 1:
            sims, wall, _ = measure(n, top, "batch", work)
            results[f"sims_per_s_{n}x{n}_{top}t_batch"] = round(sims / wall, 1)
        if 1 in threads and len(threads) > 1:
            speedup = results[f"sims_per_s_{n}x{n}_{top}t"] / results[f"sims_per_s_{n}x{n}_1t"]
            results[f"speedup_{n}x{n}_{top}t"] = round(speedup, 3)
            results[f"efficiency_{n}x{n}_{top}t"] = round(speedup / top, 3)
    return results


def bench_rollout(n: int = 19, seconds: float = 3.0, komi: float = DEFAULT_KOMI, weights: str | None = None) -> dict:
    """Rollout-policy playouts from the empty board, one thread: rollouts/s and moves/s by
    wall clock and by process CPU time (the fair figure on a shared, loaded machine)."""
    pol = pattern_policy_arrays(n, weights)
    pos = Position(n)
    max_moves = playout_move_cap(n)
    playout_batch(PLAYOUT_PATTERN, pos.color, pos.links, pos.info, ZOBRIST, pol, 1, 5, max_moves, komi)
    count, moves, wall, cpu, seed, wins = 0, 0, 0.0, 0.0, 2, 0
    chunk = 100 if n > 9 else 500
    while wall < seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        b, m = playout_batch(PLAYOUT_PATTERN, pos.color, pos.links, pos.info, ZOBRIST, pol, seed, chunk,
                             max_moves, komi)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        count += chunk
        moves += m
        wins += b
        seed += 1
    return {"board_size": n, "rollouts": count, "rollouts_per_s": round(count / wall, 1),
            "moves_per_s": round(moves / wall, 1), "rollouts_per_cpu_s": round(count / max(cpu, 1e-9), 1),
            "moves_per_cpu_s": round(moves / max(cpu, 1e-9), 1), "moves_per_rollout": round(moves / count, 1),
            "black_win_rate": round(wins / count, 3), "threads": 1}
