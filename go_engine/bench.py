"""Benchmarks of the engine's hot loops, printed as text or one JSON object.

``board``: uniform random playouts from the empty board, single thread, after a warm-up
that also fills Numba's cache; moves/s counts every move and pass played in playouts;
also per CPU second of the process (on shared cores wall-clock figures say little).
``search``: MCTS simulations/s at 1 and 2 threads (the bar: 2 threads >= 1.7x one thread).
"""
from __future__ import annotations

import time

from .playout import default_max_moves, playout_batch
from .position import ZOBRIST, Position


def bench_board(sizes: tuple[int, ...] = (9, 19), seconds: float = 3.0, komi: float = 7.0) -> dict:
    """Random playouts/s and moves/s per board size, measured for about ``seconds`` each."""
    results: dict[str, float] = {}
    for n in sizes:
        pos = Position(n)
        max_moves = default_max_moves(n)
        playout_batch(pos.color, pos.links, pos.info, ZOBRIST, 1, 50, max_moves, komi)  # warm-up
        count, moves, elapsed, cpu, seed = 0, 0, 0.0, 0.0, 2
        chunk = 2000 if n <= 9 else 500
        while elapsed < seconds:
            t0, c0 = time.perf_counter(), time.process_time()
            _, m = playout_batch(pos.color, pos.links, pos.info, ZOBRIST, seed, chunk, max_moves, komi)
            elapsed += time.perf_counter() - t0
            cpu += time.process_time() - c0
            count += chunk
            moves += m
            seed += 1
        results[f"playouts_per_s_{n}x{n}"] = round(count / elapsed, 1)
        results[f"moves_per_s_{n}x{n}"] = round(moves / elapsed, 1)
        results[f"moves_per_playout_{n}x{n}"] = round(moves / count, 1)
        # by process CPU time: the fair figure when other jobs share the cores
        results[f"playouts_per_cpu_s_{n}x{n}"] = round(count / max(cpu, 1e-9), 1)
    return results


def bench_search(sizes: tuple[int, ...] = (9, 19), threads: tuple[int, ...] = (1, 2), seconds: float = 3.0,
                 komi: float = 7.0, batch_size: int = 16) -> dict:
    """MCTS simulations/s (heuristic priors, random playouts) from the empty board for each
    board size and thread count, and the parallel efficiency of the largest thread count
    (speed-up over 1 thread divided by the threads)."""
    from .game import Game
    from .search import MCTS, SearchConfig
    results: dict[str, float] = {}
    for n in sizes:
        for k in threads:
            mcts = MCTS(SearchConfig(threads=k, batch_size=batch_size, max_tree_mb=512))
            game = Game(n, komi)
            mcts.search(game, simulations=4 * batch_size, stop_early=False)  # warm-up, fills the cache
            mcts.forget()
            cpu0 = time.process_time()
            result = mcts.search(game, seconds=seconds, stop_early=False)
            cpu = time.process_time() - cpu0
            results[f"sims_per_s_{n}x{n}_{k}t"] = round(result.simulations / result.seconds, 1)
            # on shared cores the wall-clock speed-up says little; CPU time shows whether the
            # threads got their cores (cpu_per_wall ~ k) and what a simulation costs
            results[f"cpu_per_wall_{n}x{n}_{k}t"] = round(cpu / result.seconds, 2)
            results[f"sims_per_cpu_s_{n}x{n}_{k}t"] = round(result.simulations / max(cpu, 1e-9), 1)
        top = max(threads)
        if top > 1:  # the barrier-free alternative, for comparison
            mcts = MCTS(SearchConfig(threads=top, batch_size=batch_size, max_tree_mb=512, parallel="lanes"))
            game = Game(n, komi)
            mcts.search(game, simulations=4 * batch_size, stop_early=False)
            mcts.forget()
            result = mcts.search(game, seconds=seconds, stop_early=False)
            results[f"sims_per_s_{n}x{n}_{top}t_lanes"] = round(result.simulations / result.seconds, 1)
        if 1 in threads and len(threads) > 1:
            top = max(threads)
            speedup = results[f"sims_per_s_{n}x{n}_{top}t"] / results[f"sims_per_s_{n}x{n}_1t"]
            results[f"speedup_{n}x{n}_{top}t"] = round(speedup, 3)
            results[f"efficiency_{n}x{n}_{top}t"] = round(speedup / top, 3)
    return results


def bench_rollout(n: int = 19, seconds: float = 3.0, komi: float = 7.5, weights: str | None = None) -> dict:
    """Rollout-policy playouts from the empty board, one thread: rollouts/s and moves/s by
    wall clock and by process CPU time (the fair figure on a shared, loaded machine)."""
    from .rollout_policy import load_rollout_weights, policy_playout_batch
    rw = load_rollout_weights(weights, n=n)
    pos = Position(n)
    max_moves = default_max_moves(n)
    policy_playout_batch(pos.color, pos.links, pos.info, ZOBRIST, rw.ew, 1, 5, max_moves, komi)
    count, moves, wall, cpu, seed, wins = 0, 0, 0.0, 0.0, 2, 0
    chunk = 100 if n > 9 else 500
    while wall < seconds:
        t0, c0 = time.perf_counter(), time.process_time()
        b, m = policy_playout_batch(pos.color, pos.links, pos.info, ZOBRIST, rw.ew, seed, chunk,
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
