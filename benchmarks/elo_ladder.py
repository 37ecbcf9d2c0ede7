#!/usr/bin/env python
"""AlphaGo's ablation on this machine: Elo of each player configuration against GNU Go.

Runs one ``go-engine match`` per rung against the same anchor (GNU Go level 10 by default,
Elo 0), with fixed settings, then writes ``ladder.md`` (a table: games, score, Elo and its 95%
interval) and ``ladder.png`` (Elo with error bars) into ``--out``. The rungs mirror Silver et
al. 2016, Figure 4b:

- ``rollouts``: rollout-only MCTS (``--player mcts``: heuristic priors, heuristic playouts, RAVE);
- ``network``: the SL policy network alone, greedy (``--player policy``);
- ``net-search-value``: networks inside the search, leaf value = value net only (lambda 0);
- ``net-search-rollouts``: networks inside the search, leaf value = rollouts only (lambda 1);
- ``alphago``: the full player, lambda 0.5 (``--player alphago``, the default of ``go-engine gtp``).

Every rung is resumable: each writes its own match folder under ``--out`` and a rerun only
plays the missing games (``go-engine match`` resumes). Example (about 3-4 hours on 2 cores for
the defaults)::

    python benchmarks/elo_ladder.py --size 9 --komi 7 --move-time 2 --games 20 --out runs/ladder9

``--rungs rollouts,alphago`` runs a subset; ``--rung-games alphago=60`` gives one rung more games; ``--engine-cmd`` changes how the engine is started
(default: ``go-engine gtp``).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from go_engine.match.elo import format_elo
from go_engine.match.runner import MatchConfig, MatchRunner, read_results
from go_engine.match.report import summarize

RUNGS: dict[str, list[str]] = {
    "rollouts": ["--player", "mcts"],
    "network": ["--player", "policy"],
    "net-search-value": ["--player", "alphago", "--option", "mix_lambda=0"],
    "net-search-rollouts": ["--player", "alphago", "--option", "mix_lambda=1"],
    "alphago": ["--player", "alphago"],
}


def rung_command(engine_cmd: str, rung: str, threads: int | None) -> str:
    args = list(RUNGS[rung])
    if threads:
        args += ["--threads", str(threads)]
    return engine_cmd + " " + " ".join(shlex.quote(a) for a in args)


def run_ladder(args: argparse.Namespace) -> list[dict]:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for rung in args.rungs:
        config = MatchConfig(engine=rung_command(args.engine_cmd, rung, args.threads), opponent=args.opponent,
                             games=args.rung_games.get(rung, args.games), size=args.size, komi=args.komi, move_time=args.move_time,
                             referee=args.referee or None, grace=args.grace)
        folder = out / rung
        print(f"== {rung}: {config.engine}", flush=True)
        MatchRunner(config, folder, parallel=args.parallel, force=False, progress=not args.quiet).run()
        rows.append(rung_row(rung, folder))
    return rows


def parse_rung_games(text: str) -> dict[str, int]:
    """``alphago=60,rollouts=20`` -> {"alphago": 60, "rollouts": 20}: per-rung overrides of ``--games``.

    AlphaGo's rung usually gets more games than the others, since its bar is the one measured.
    """
    counts: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name not in RUNGS or not value.isdigit() or int(value) < 1:
            raise argparse.ArgumentTypeError(f"expected RUNG=GAMES with RUNG in {list(RUNGS)}, got {part!r}")
        counts[name] = int(value)
    return counts


def rung_row(rung: str, folder: Path) -> dict:
    """Games, wins and Elo (vs the anchor) of one finished rung's match folder."""
    records = read_results(folder / "results.jsonl")
    summary = summarize(records)
    s = summary["stats"]
    return {"rung": rung, "games": summary["games"], "wins": s.wins, "losses": s.losses, "draws": s.draws,
            "score": s.score, "elo": s.elo, "elo_low": s.elo_low, "elo_high": s.elo_high,
            "seconds_per_move": summary["seconds_per_move"]["engine"]}


def write_table(rows: list[dict], args: argparse.Namespace, path: Path) -> str:
    lines = [f"Elo against `{args.opponent}` (anchor, Elo 0); {args.size}x{args.size}, komi {args.komi}, "
             f"{args.move_time} s per move, colours alternating; games per rung in the table.", "",
             "| rung | games | W-L-D | score | Elo | 95% interval | s/move |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        spm = r["seconds_per_move"]
        lines.append(f"| {r['rung']} | {r['games']} | {r['wins']}-{r['losses']}-{r['draws']} | "
                     f"{100 * r['score']:.1f}% | {format_elo(r['elo'])} | "
                     f"[{format_elo(r['elo_low'])}, {format_elo(r['elo_high'])}] | "
                     f"{'n/a' if spm is None else f'{spm:.2f}'} |")
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text


def write_plot(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from go_engine.training.plot import save_figure
    clip = 800.0  # a 0% or 100% score has an infinite Elo bound; draw it at the edge
    names = [r["rung"] for r in rows]
    elo = [max(-clip, min(clip, r["elo"])) for r in rows]
    lo = [e - max(-clip, r["elo_low"]) for e, r in zip(elo, rows)]
    hi = [min(clip, r["elo_high"]) - e for e, r in zip(elo, rows)]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(names, elo, yerr=[lo, hi], capsize=6, color="#4c72b0")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("Elo vs anchor (95% interval)")
    ax.set_title(title)
    plt.setp(ax.get_xticklabels(), rotation=15, ha="right")
    fig.tight_layout()
    save_figure(fig, path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="folder for the matches, ladder.md, ladder.png, ladder.json")
    p.add_argument("--size", type=int, default=9)
    p.add_argument("--komi", type=float, default=7.0)
    p.add_argument("--move-time", type=int, default=2, help="seconds per move for both sides")
    p.add_argument("--games", type=int, default=20, help="games per rung")
    p.add_argument("--rung-games", type=parse_rung_games, default={},
                   help="per-rung game counts that override --games, e.g. alphago=60")
    p.add_argument("--rungs", type=lambda s: s.split(","), default=list(RUNGS),
                   help=f"comma-separated subset of {','.join(RUNGS)}")
    p.add_argument("--opponent", default="gnugo --mode gtp --level 10 --chinese-rules")
    p.add_argument("--referee", default="gnugo --mode gtp --chinese-rules")
    p.add_argument("--engine-cmd", default="go-engine gtp")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--parallel", type=int, default=1, help="games at once (keep 1 to give each engine the cores)")
    p.add_argument("--grace", type=float, default=10.0)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--report-only", action="store_true", help="only rebuild the table and plot from the folders")
    args = p.parse_args(argv)
    unknown = [r for r in args.rungs if r not in RUNGS]
    if unknown:
        p.error(f"unknown rungs {unknown}; choose from {list(RUNGS)}")
    out = Path(args.out)
    if args.report_only:
        rows = [rung_row(r, out / r) for r in args.rungs if (out / r / "results.jsonl").exists()]
    else:
        rows = run_ladder(args)
    print(write_table(rows, args, out / "ladder.md"))
    (out / "ladder.json").write_text(json.dumps(rows, indent=1))
    write_plot(rows, out / "ladder.png", f"{args.size}x{args.size} vs {args.opponent.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
