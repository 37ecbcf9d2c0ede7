"""``go-engine bench all``: every speed figure of the engine in one table, with Pachi's beside
them when a Pachi binary is given, written as JSON (with the commit) and a PNG of simulations
per second against threads and batch size into ``benchmarks/results/bench/``.

The figures: uniform random and ``nakade+ko`` playouts (``go_engine.bench.bench_board``), rollout
policy rollouts (``bench_rollout``), the rollout-only search on 1 and 2 lanes
(``bench_search``), the default player (``alphago``) as ``time_settings 0 5 1`` runs it: one
move from the empty board, the whole budget used, simulations per second and process CPU time
over wall time; and self-play games per hour with the value-data recipe (``value_data``).

It lives with the front ends, not in ``go_engine/bench.py``, because it builds players and
plays self-play games (the engine never imports ``players`` outside ``players/`` or ``training``).
On shared cores every wall-clock figure is low; the CPU-time figures say what a core does.
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from go_engine.atomic_io import write_atomic, write_json_atomic
from go_engine.training.machine import machine_info

BYO_YOMI_BUDGET = 5.0 * 0.95 - 0.2   # what ``time_settings 0 5 1`` gives a move (TimeManager)
RESULTS = Path("benchmarks/results/bench")


def default_player_speed(n: int, seconds: float = BYO_YOMI_BUDGET, extra: dict | None = None) -> dict:
    """The default player's first move on an empty n x n board with ``seconds`` to spend in full:
    simulations/s and process CPU seconds per wall second during the move."""
    from go_engine.players.alphago import AlphaGoPlayer
    from go_engine.players.protocol import TimeBudget
    from go_engine.rules.conventions import DEFAULT_KOMI
    from go_engine.rules.game import Game
    from go_engine.rules.position import BLACK
    player = AlphaGoPlayer(extra=extra)
    game = Game(n, DEFAULT_KOMI)
    player.new_game(game)   # kernels and networks compiled off the clock, as GTP does
    c0, t0 = time.process_time(), time.perf_counter()
    player.genmove(game, BLACK, TimeBudget(seconds, use_all=True))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = player.last_result
    return {"sims_per_s": round(result.simulations / result.seconds, 1), "cpu_per_wall": round(cpu / wall, 2),
            "simulations": result.simulations, "seconds": round(result.seconds, 2),
            "player": player.descriptions.get(n, "")}


def player_sweep(n: int = 9, seconds: float = 1.5, batch_sizes: tuple[int, ...] = (8, 16, 32),
                 in_flight: tuple[int, ...] = (1, 2, 3)) -> list[dict]:
    """The default player's simulations/s for each search batch size and number of batches in
    flight (the measurement behind the defaults)."""
    rows = []
    for depth in in_flight:
        for b in batch_sizes:
            speed = default_player_speed(n, seconds, {"batch_size": b, "batches_in_flight": depth})
            rows.append({"batch_size": b, "batches_in_flight": depth, **speed})
    return rows


def selfplay_speed(n: int, games: int = 32) -> dict:
    """Games per hour of the value-data recipe (SL policy, one random move, RL policy to the end;
    the SL policy stands in for a missing RL one), one process, ``games`` games in one batch.
    The batch is played twice and the second timed: the first pays for compiling the networks."""
    from go_engine.nets.weights import resolve_policy_weights
    from go_engine.training.value_data import generate_value_data
    sl = resolve_policy_weights("sl", n)
    rl = resolve_policy_weights("rl", n)
    if not sl.exists():
        return {}
    for seed in (0, 1):
        with tempfile.TemporaryDirectory() as out:
            summary = generate_value_data(str(sl), str(rl if rl.exists() else sl), games, out, n=n,
                                          batch=games, progress=False, seed=seed)
    return {"games_per_hour": round(summary["games_per_hour"]), "games": summary["games"],
            "rl_policy": rl.exists()}


# --- Pachi ------------------------------------------------------------------------------------
PACHI_MC_GAMELEN = 400   # Pachi's montecarlo engine: a playout ends when the game has this many moves


def _pachi_genmove(pachi: str, n: int, args: list[str]) -> tuple[float, str]:
    """Seconds Pachi takes to answer one genmove (after two opening moves, so that no book or
    joseki answers it), and its stderr. Timed between the command and the answer, so the start-up
    is not counted."""
    proc = subprocess.Popen([pachi, "-D", "--nojoseki", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        def ask(command: str) -> str:
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
            lines = []
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"pachi exited while answering {command!r}")
                if not line.strip():
                    if lines:
                        return "\n".join(lines)
                    continue
                lines.append(line.strip())
        for command in (f"boardsize {n}", "clear_board", "komi 7.5", "play b c3", "play w g7"):
            ask(command)
        t0 = time.perf_counter()
        answer = ask("genmove b")
        seconds = time.perf_counter() - t0
        if not answer.startswith("="):
            raise RuntimeError(f"pachi answered {answer!r}")
        ask("quit")
        _, err = proc.communicate(timeout=30)
        return seconds, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def pachi_light_speed(pachi: str, n: int, count: int, gamelen: int = PACHI_MC_GAMELEN) -> float:
    """Pachi's light (uniform random) playouts/s: ``count`` playouts of its ``montecarlo`` engine
    timed in one genmove. Pachi stops a playout when the game reaches ``gamelen`` moves (its
    default 400 ends 99.95% of 19x19 light playouts early, at 398 moves from the two-stone start
    position; ``gamelen=3*n*n+20``, our cap, lets them end by two passes: 474 moves on average)."""
    seconds, _ = _pachi_genmove(pachi, n, ["-e", "montecarlo", "-t", f"={count}", "playout=light",
                                           f"gamelen={gamelen}"])
    return count / seconds


def pachi_speed(pachi: str, sizes: tuple[int, ...] = (9, 19)) -> dict:
    """Pachi's light and moggy playouts/s (its ``montecarlo`` engine, one thread, a fixed number
    of playouts timed) and its UCT search's simulations/s on 1 and 2 threads (as it reports them).
    ``pachi_light_full_*``: light playouts played to two passes (see ``pachi_light_speed``)."""
    out: dict[str, float] = {}
    for n in sizes:
        full = 3 * n * n + 20
        out[f"pachi_light_full_playouts_per_s_{n}x{n}"] = round(pachi_light_speed(pachi, n, 5000 if n > 9 else 20000,
                                                                                  full), 1)
        games = 40000 if n <= 9 else 10000
        for playout in ("light", "moggy"):
            count = games if playout == "light" else games // 4
            seconds, _ = _pachi_genmove(pachi, n, ["-e", "montecarlo", "-t", f"={count}", f"playout={playout}"])
            out[f"pachi_{playout}_playouts_per_s_{n}x{n}"] = round(count / seconds, 1)
        for threads in (1, 2):
            count = 20000 if n <= 9 else 5000
            seconds, err = _pachi_genmove(pachi, n, ["-t", f"={count}", f"threads={threads}"])
            reported = re.findall(r"\((\d+) games/s", err)
            out[f"pachi_uct_sims_per_s_{n}x{n}_{threads}t"] = float(reported[-1]) if reported else round(count / seconds, 1)
    return out


# --- the table --------------------------------------------------------------------------------
def measure_all(sizes: tuple[int, ...] = (9, 19), seconds: float = 3.0, pachi: str | None = None,
                sweep: bool = True, selfplay_games: int = 32) -> dict:
    """Every figure, one flat dict (keys name the size and threads)."""
    from go_engine.bench import bench_board, bench_rollout, bench_search
    figures: dict = {}
    board = bench_board(sizes, seconds=seconds)
    for n in sizes:
        for key in (f"playouts_per_s_{n}x{n}", f"nakade_ko_playouts_per_s_{n}x{n}", f"playouts_per_cpu_s_{n}x{n}",
                    f"nakade_ko_playouts_per_cpu_s_{n}x{n}"):
            figures[key] = board[key]
    rollout = bench_rollout(19, seconds=seconds)
    figures["rollout_policy_rollouts_per_s_19x19"] = rollout["rollouts_per_s"]
    search = bench_search(sizes, (1, 2), seconds=seconds)
    for n in sizes:
        for key in (f"sims_per_s_{n}x{n}_1t", f"sims_per_s_{n}x{n}_2t", f"speedup_{n}x{n}_2t",
                    f"cpu_per_wall_{n}x{n}_2t"):
            figures[f"rollout_search_{key}"] = search[key]
    for n in sizes:
        speed = default_player_speed(n)
        figures[f"default_player_sims_per_s_{n}x{n}"] = speed["sims_per_s"]
        figures[f"default_player_cpu_per_wall_{n}x{n}"] = speed["cpu_per_wall"]
        figures[f"default_player_{n}x{n}"] = speed["player"]
    for n in sizes:
        if selfplay_games:
            speed = selfplay_speed(n, selfplay_games)
            if speed:
                figures[f"selfplay_value_recipe_games_per_hour_{n}x{n}"] = speed["games_per_hour"]
    if sweep:
        figures["player_sweep_9x9"] = player_sweep(9)
    if pachi:
        figures.update(pachi_speed(pachi, sizes))
    return figures


def table_rows(f: dict, sizes: tuple[int, ...]) -> list[tuple[str, object, object]]:
    """(figure, ours, Pachi's or None) for printing."""
    rows = []
    for n in sizes:
        s = f"{n}x{n}"
        rows += [(f"random playouts/s {s} (1 thread)", f.get(f"playouts_per_s_{s}"), f.get(f"pachi_light_playouts_per_s_{s}")),
                 (f"nakade+ko playouts/s {s} (Pachi: moggy)", f.get(f"nakade_ko_playouts_per_s_{s}"),
                  f.get(f"pachi_moggy_playouts_per_s_{s}")),
                 (f"rollout search sims/s {s}, 1 lane", f.get(f"rollout_search_sims_per_s_{s}_1t"),
                  f.get(f"pachi_uct_sims_per_s_{s}_1t")),
                 (f"rollout search sims/s {s}, 2 lanes", f.get(f"rollout_search_sims_per_s_{s}_2t"),
                  f.get(f"pachi_uct_sims_per_s_{s}_2t")),
                 (f"rollout search speed-up {s}, 2 lanes", f.get(f"rollout_search_speedup_{s}_2t"), None),
                 (f"default player sims/s {s} (time_settings 0 5 1)", f.get(f"default_player_sims_per_s_{s}"), None),
                 (f"default player CPU/wall {s}", f.get(f"default_player_cpu_per_wall_{s}"), None),
                 (f"self-play games/hour {s} (value-data recipe, 1 process)",
                  f.get(f"selfplay_value_recipe_games_per_hour_{s}"), None)]
    rows.append(("rollout policy rollouts/s 19x19 (1 thread)", f.get("rollout_policy_rollouts_per_s_19x19"), None))
    return [r for r in rows if r[1] is not None]


def format_table(f: dict, sizes: tuple[int, ...]) -> str:
    pachi = any(k.startswith("pachi_") for k in f)
    head = "| figure | go-engine |" + (" Pachi | ratio |" if pachi else "")
    lines = [head, "|---|---:|" + ("---:|---:|" if pachi else "")]
    for name, ours, theirs in table_rows(f, sizes):
        text = f"{ours:,.2f}" if isinstance(ours, float) and ours < 10 else f"{ours:,.0f}"
        line = f"| {name} | {text} |"
        if pachi:
            line += (f" {theirs:,.0f} | {ours / theirs:.2f}x |" if theirs else " | |")
        lines.append(line)
    return "\n".join(lines)


def git_commit() -> tuple[str, bool]:
    """(HEAD commit, whether the working tree has changes), or ("unknown", True) outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                    text=True, check=True).stdout.strip())
        return commit, dirty
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True


def plot(f: dict, sizes: tuple[int, ...], path: Path) -> None:
    """Simulations/s against threads (the rollout search) and against batch size and batches in
    flight (the default player, 9x9)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for n in sizes:
        ys = [f.get(f"rollout_search_sims_per_s_{n}x{n}_{k}t") for k in (1, 2)]
        if None not in ys:
            left.plot([1, 2], ys, marker="o", label=f"{n}x{n}")
    left.set(xlabel="threads (search lanes)", ylabel="simulations/s", title="rollout search", xticks=[1, 2])
    left.legend()
    sweep = f.get("player_sweep_9x9") or []
    for depth in sorted({r["batches_in_flight"] for r in sweep}):
        rows = sorted((r for r in sweep if r["batches_in_flight"] == depth), key=lambda r: r["batch_size"])
        right.plot([r["batch_size"] for r in rows], [r["sims_per_s"] for r in rows], marker="o",
                   label=f"{depth} batch(es) in flight")
    right.set(xlabel="search batch size (leaves)", ylabel="simulations/s", title="default player, 9x9")
    if sweep:
        right.legend()
    fig.tight_layout()
    write_atomic(path, lambda handle: fig.savefig(handle, format="png", dpi=100))
    plt.close(fig)


def cmd_bench_all(args) -> int:
    sizes = tuple(int(s) for s in args.sizes.split(","))
    figures = measure_all(sizes, seconds=args.seconds, pachi=args.pachi)
    commit, dirty = git_commit()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    record = {"commit": commit, "dirty": dirty, "utc": stamp, "machine": machine_info(), "figures": figures}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"bench-{commit[:7]}-{stamp}"
    write_json_atomic(out / f"{name}.json", record, indent=1)
    plot(figures, sizes, out / f"{name}.png")
    if args.json:
        print(json.dumps(record))
    else:
        print(f"commit {commit[:10]}{' (with local changes)' if dirty else ''}\n")
        print(format_table(figures, sizes))
        print(f"\nwritten: {out / name}.json, {out / name}.png")
    return 0
