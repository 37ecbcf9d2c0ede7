"""Where a simulation of the default player (``alphago``) spends its time.

Runs the default player's search from the empty board for ``--seconds`` (as ``time_settings
0 5 1`` gives it: about 4.5 s, every second used) twice: once with timers wrapped around each
phase of a batch (wall clock, summed over the threads that run it), once without them, reading
the CPU time of every thread of the process from ``/proc`` (Linux), so that the table says
which thread kept which core busy. Prints Markdown. Usage:

    .venv/bin/python benchmarks/profile_default_player.py --sizes 9,19 --seconds 4.5
    .venv/bin/python benchmarks/profile_default_player.py --option batches_in_flight=1  # one batch at a time
"""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections import defaultdict
from contextlib import contextmanager

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


@contextmanager
def timed(name: str):
    t0 = time.perf_counter()
    try:
        yield
    finally:
        TIMES[name] += time.perf_counter() - t0
        CALLS[name] += 1


def wrap(owner, attr: str, name: str, block: bool = False) -> None:
    """Replace ``owner.attr`` by a timed version (``block``: wait for JAX's result)."""
    fn = getattr(owner, attr)

    def timed_fn(*args, **kwargs):
        with timed(name):
            out = fn(*args, **kwargs)
            if block:
                import jax
                out = jax.block_until_ready(out)
            return out
    setattr(owner, attr, timed_fn)


_WRAPPED: set[tuple[int, str]] = set()


def wrap_once(owner, attr: str, name: str, block: bool = False) -> None:
    """``wrap``, but never twice for the same module or class attribute (a second board size)."""
    key = (id(owner), attr)
    if key not in _WRAPPED:
        _WRAPPED.add(key)
        wrap(owner, attr, name, block)


def instrument(player) -> None:
    """Timers on the phases of a batch (``MCTS._start_batch`` / ``_finish_batch``) and of the
    network evaluator."""
    import go_engine.search.mcts as mcts_mod
    from go_engine.search import tree as tr
    ev = player.mcts.evaluator
    wrap_once(tr, "select_leaves", "tree: select leaves")
    wrap_once(tr, "expand_node", "tree: expand nodes")
    wrap_once(tr, "backup", "tree: backup")
    wrap(player.mcts, "_leaf_position", "glue: copy leaf positions")
    wrap(ev, "planes", "features: fill planes (network threads)")
    wrap(ev, "_fn", "network: policy + value, one XLA call (network threads)", block=True)
    wrap(ev, "evaluate", "evaluate() total (network threads)")
    for fn_name in ("_repeated_on_worker", "_rollout_on_worker"):
        wrap_once(mcts_mod, fn_name, "playouts (playout thread, 2 Numba threads)")
    wrap(player.mcts, "_start_batch", "start batch: select, copy, hand out (main thread)")
    wrap(player.mcts, "_finish_batch", "finish batch: wait, expand, back up (main thread)")


def thread_cpu() -> dict[int, float]:
    """CPU seconds of each thread of this process (Linux ``/proc``; empty elsewhere)."""
    out: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def thread_role(name: str) -> str:
    if name == "MainThread":
        return "main thread: tree, glue"
    if name.startswith("network"):
        return "network threads: planes, dispatch"
    if name.startswith("playouts"):
        return "playout thread"
    return "XLA and Numba pool threads (convolutions, playouts)"


def profile(n: int, seconds: float, extra: dict) -> dict:
    from go_engine.players.alphago import AlphaGoPlayer
    from go_engine.rules.game import Game
    player = AlphaGoPlayer(extra=extra).player_for(n)
    game = Game(n, 7.0)
    player.new_game(game)  # warm-up: kernels and networks compiled off the clock
    # an untimed run first: CPU time per thread, nothing wrapped
    before = thread_cpu()
    c0, t0 = time.process_time(), time.perf_counter()
    plain = player.mcts.search(game, seconds=seconds, stop_early=False)
    plain_wall, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
    after = thread_cpu()
    names = {t.native_id: t.name for t in threading.enumerate()}
    roles: dict[str, float] = defaultdict(float)
    for tid, cpu in after.items():
        roles[thread_role(names.get(tid, "?"))] += cpu - before.get(tid, 0.0)
    player.mcts.forget()
    instrument(player)
    TIMES.clear()
    CALLS.clear()
    positions0 = player.mcts.evaluator.positions
    c0, t0 = time.process_time(), time.perf_counter()
    result = player.mcts.search(game, seconds=seconds, stop_early=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return dict(n=n, sims=result.simulations, wall=wall, cpu=cpu, times=dict(TIMES), calls=dict(CALLS),
                positions=player.mcts.evaluator.positions - positions0, plain_sims=plain.simulations,
                plain_wall=plain_wall, plain_cpu=plain_cpu, roles=dict(roles))


def table(p: dict) -> str:
    t, c = p["times"], p["calls"]
    wall, sims = p["wall"], p["sims"]
    pw, ps = p["plain_wall"], p["plain_sims"]
    evaluate = t.get("evaluate() total (network threads)", 0.0)
    parts = [k for k in t if k.startswith(("features", "network"))]
    t = dict(t)
    t["glue: padding, copies (rest of evaluate)"] = evaluate - sum(t[k] for k in parts)
    order = ["start batch: select, copy, hand out (main thread)", "tree: select leaves", "glue: copy leaf positions",
             "finish batch: wait, expand, back up (main thread)", "tree: expand nodes", "tree: backup",
             "evaluate() total (network threads)", "features: fill planes (network threads)",
             "network: policy + value, one XLA call (network threads)", "glue: padding, copies (rest of evaluate)",
             "playouts (playout thread, 2 Numba threads)"]
    lines = [f"### {p['n']}x{p['n']}",
             "",
             f"Without timers: {ps} simulations in {pw:.2f} s = **{ps / pw:,.0f} sims/s**, CPU/wall "
             f"**{p['plain_cpu'] / pw:.2f}**. CPU time by thread, in cores (CPU seconds per wall second):",
             "", "| threads | cores | us CPU per simulation |", "|---|---:|---:|"]
    for role, cpu in sorted(p["roles"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {role} | {cpu / pw:.2f} | {1e6 * cpu / max(ps, 1):.0f} |")
    lines += ["", f"With timers: {sims} simulations in {wall:.2f} s ({sims / wall:,.0f} sims/s), "
              f"{c.get('finish batch: wait, expand, back up (main thread)', 0)} batches, "
              f"{p['positions']} positions through the networks ({p['positions'] / max(sims, 1):.2f} per simulation). "
              f"Wall time of each phase, summed over the threads that run it (phases on different threads overlap; "
              f"indented rows are parts of the row above):", "",
              "| phase | seconds | share of wall | us per simulation |", "|---|---:|---:|---:|"]
    for name in order:
        if name not in t:
            continue
        v = t[name]
        indent = "&nbsp;&nbsp;" if name.startswith(("tree", "glue", "features", "network")) else ""
        lines.append(f"| {indent}{name} | {v:.3f} | {v / wall:.1%} | {1e6 * v / max(sims, 1):.0f} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="9,19")
    ap.add_argument("--seconds", type=float, default=4.55)
    ap.add_argument("--option", action="append", default=[], metavar="KEY=JSON",
                    help="a search option of the player, e.g. batches_in_flight=1")
    args = ap.parse_args()
    extra = {k: json.loads(v) for k, v in (o.split("=", 1) for o in args.option)}
    for n in (int(s) for s in args.sizes.split(",")):
        print(table(profile(n, args.seconds, extra)), flush=True)


if __name__ == "__main__":
    main()
