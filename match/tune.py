"""``go-engine tune``: tune search parameters from real games by SPSA.

SPSA (simultaneous perturbation stochastic approximation, Spall 1992/1998; the tuner of
Stockfish's Fishtest and of several Go engines) needs two games' worth of evidence per step,
whatever the number of parameters. Iteration k draws a random sign per parameter (Delta), plays
the engine at theta + c_k Delta against theta - c_k Delta (``--opponent self``: each colour once
per pair of games) or each of them against a fixed opponent (``--opponent "pachi ..."``: the
same colours for both), and moves theta along ``a_k (score+ - score-) / (2 c_k Delta)``.
Each parameter works in units of its own ``step`` (the perturbation at k = 0), with Spall's
gains a_k = a / (k + 1 + A)^0.602 and c_k = c / (k + 1)^0.101.

Everything lives in ``--out``: ``tune.json`` (settings), ``trace.jsonl`` (one line per
iteration: theta, Delta, the two sides' settings and scores, the next theta), ``trace.png``
(theta by iteration) and one folder of SGFs and results per iteration. A rerun resumes after
the last finished iteration (a half-played iteration resumes its games).
"""
from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from go_engine.rules.conventions import DEFAULT_KOMI

# NumPy, matplotlib and the match runner load when a run starts: ``go-engine`` builds this
# module's parser on every start, ``go-engine gtp`` included.


@dataclass(frozen=True)
class Param:
    """A tunable player option (``go-engine gtp --option name=value``)."""

    name: str
    start: float
    lo: float
    hi: float
    step: float          # perturbation at iteration 0, in the option's own units
    integer: bool = False

    def clip(self, value: float) -> float:
        return min(self.hi, max(self.lo, value))

    def option(self, value: float) -> str:
        v = self.clip(value)
        return f"{self.name}={int(round(v))}" if self.integer else f"{self.name}={v:.4g}"


# The default player's search knobs (players/alphago.py NETWORK_SEARCH_DEFAULTS, search/mcts.py
# SearchConfig, players/mcts.py PlayerConfig) with ranges that keep it playing sensibly.
KNOWN = {
    "c_puct": Param("c_puct", 1.5, 0.2, 6.0, 0.4),
    "mix_lambda": Param("mix_lambda", 0.5, 0.0, 1.0, 0.15),
    "leaf_rollouts": Param("leaf_rollouts", 4, 1, 16, 2, integer=True),
    "fpu_reduction": Param("fpu_reduction", 0.1, 0.0, 0.6, 0.08),
    "virtual_loss": Param("virtual_loss", 1.0, 0.25, 4.0, 0.4),
    "expand_threshold": Param("expand_threshold", 1, 0, 8, 1, integer=True),
    "rave_equiv": Param("rave_equiv", 1000.0, 0.0, 5000.0, 400.0),
    "resign_threshold": Param("resign_threshold", 0.1, 0.0, 0.3, 0.04),
}


@dataclass(frozen=True)
class TuneConfig:
    engine: str                  # base GTP command; the options are appended
    opponent: str                # "self" or a GTP command line
    params: tuple[Param, ...]
    iterations: int
    pairs: int = 1               # game pairs per iteration
    size: int = 9
    komi: float = DEFAULT_KOMI
    move_time: int | None = 1
    a: float = 2.0               # gain numerator (in steps per unit score difference)
    c: float = 1.0               # perturbation numerator (in steps)
    big_a: float | None = None   # Spall's stability constant A (default: a tenth of the iterations)
    seed: int = 0

    def gains(self, k: int) -> tuple[float, float]:
        big_a = self.big_a if self.big_a is not None else 0.1 * self.iterations
        return self.a / (k + 1 + big_a) ** 0.602, self.c / (k + 1) ** 0.101

    def command(self, theta: dict[str, float]) -> str:
        return self.engine + "".join(f" --option {shlex.quote(p.option(theta[p.name]))}" for p in self.params)

    def to_json(self) -> dict:
        d = asdict(self)
        d["params"] = [asdict(p) for p in self.params]
        return d


def parse_params(specs: list[str]) -> tuple[Param, ...]:
    """``name`` (a known option with its default range) or ``name=start:lo:hi:step[:int]``."""
    out = []
    for spec in specs:
        name, _, rest = spec.partition("=")
        if not rest:
            if name not in KNOWN:
                raise SystemExit(f"unknown parameter {name!r}: give name=start:lo:hi:step, or one of {', '.join(KNOWN)}")
            out.append(KNOWN[name])
            continue
        parts = rest.split(":")
        if len(parts) not in (4, 5):
            raise SystemExit(f"{spec!r}: expected name=start:lo:hi:step[:int]")
        start, lo, hi, step = (float(x) for x in parts[:4])
        if not (lo <= start <= hi and step > 0):
            raise SystemExit(f"{spec!r}: need lo <= start <= hi and step > 0")
        out.append(Param(name, start, lo, hi, step, len(parts) == 5 and parts[4] == "int"))
    if not out:
        raise SystemExit("give at least one --param")
    return tuple(out)


def read_trace(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _side_score(records: list[dict], side: str) -> float:
    """Mean score of ``side`` ('engine' or 'opponent') over the records: win 1, draw 0.5."""
    value = {"win": 1.0, "draw": 0.5, "loss": 0.0}
    scores = [value[r["engine_result"]] if side == "engine" else 1.0 - value[r["engine_result"]] for r in records]
    return sum(scores) / len(scores) if scores else 0.5


def play_iteration(cfg: TuneConfig, k: int, plus: str, minus: str, out: Path) -> tuple[float, float, list[dict]]:
    """(score of theta+, score of theta-, the game records) of iteration k."""
    from go_engine.match.runner import MatchConfig, MatchRunner
    folder = out / f"iter-{k:04d}"
    if cfg.opponent == "self":
        match = MatchConfig(engine=plus, opponent=minus, games=2 * cfg.pairs, size=cfg.size, komi=cfg.komi,
                            move_time=cfg.move_time)
        records = MatchRunner(match, folder, progress=False).run()
        return _side_score(records, "engine"), _side_score(records, "opponent"), records
    scores, records = [], []
    for name, command in (("plus", plus), ("minus", minus)):
        match = MatchConfig(engine=command, opponent=cfg.opponent, games=2 * cfg.pairs, size=cfg.size,
                            komi=cfg.komi, move_time=cfg.move_time)
        played = MatchRunner(match, folder / name, progress=False).run()
        scores.append(_side_score(played, "engine"))
        records += played
    return scores[0], scores[1], records


def plot_trace(trace: list[dict], params: tuple[Param, ...], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from go_engine.atomic_io import write_atomic
    fig, axes = plt.subplots(len(params), 1, figsize=(6, 2.2 * len(params)), sharex=True, squeeze=False)
    its = [t["iteration"] + 1 for t in trace]
    for ax, p in zip(axes[:, 0], params):
        ax.plot([0] + its, [p.start] + [t["theta_next"][p.name] for t in trace], "-", lw=1.2)
        ax.set_ylabel(p.name)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("iteration")
    fig.suptitle("SPSA: parameters by iteration")
    fig.tight_layout()
    try:
        write_atomic(path, lambda handle: fig.savefig(handle, dpi=100, format="png"))
    finally:
        plt.close(fig)


def tune(cfg: TuneConfig, out: str | Path, progress: bool = True) -> dict:
    """Run (or resume) the SPSA iterations; returns the final theta and the totals."""
    import numpy as np
    from tqdm import tqdm

    from go_engine.atomic_io import write_json_atomic, write_text_atomic
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = out / "tune.json"
    if settings.is_file():
        saved = json.loads(settings.read_text())
        saved.pop("iterations", None)
        now = cfg.to_json()
        now.pop("iterations")
        if saved != now:
            raise SystemExit(f"{out} holds a tuning run with other settings (see {settings}); use another --out")
    write_json_atomic(settings, cfg.to_json(), indent=2)
    trace_path = out / "trace.jsonl"
    trace = read_trace(trace_path)
    theta = dict(trace[-1]["theta_next"]) if trace else {p.name: float(p.start) for p in cfg.params}
    bar = tqdm(total=cfg.iterations, initial=len(trace), desc="tune", unit="iter", disable=not progress)
    for k in range(len(trace), cfg.iterations):
        a_k, c_k = cfg.gains(k)
        rng = np.random.default_rng([cfg.seed, k])
        delta = {p.name: float(rng.choice([-1.0, 1.0])) for p in cfg.params}
        plus = {p.name: p.clip(theta[p.name] + c_k * delta[p.name] * p.step) for p in cfg.params}
        minus = {p.name: p.clip(theta[p.name] - c_k * delta[p.name] * p.step) for p in cfg.params}
        s_plus, s_minus, records = play_iteration(cfg, k, cfg.command(plus), cfg.command(minus), out)
        diff = s_plus - s_minus
        nxt = {}
        for p in cfg.params:  # in units of the parameter's step
            gradient = diff / (2.0 * c_k * delta[p.name])
            nxt[p.name] = p.clip(theta[p.name] + a_k * gradient * p.step)
        row = {"iteration": k, "a_k": a_k, "c_k": c_k, "theta": theta, "delta": delta, "plus": plus,
               "minus": minus, "score_plus": s_plus, "score_minus": s_minus, "games": len(records),
               "theta_next": nxt}
        trace.append(row)
        write_text_atomic(trace_path, "".join(json.dumps(t) + "\n" for t in trace))
        plot_trace(trace, cfg.params, out / "trace.png")
        theta = nxt
        bar.update(1)
        bar.set_postfix_str(" ".join(f"{p.name}={theta[p.name]:.3g}" for p in cfg.params))
    bar.close()
    games = sum(t["games"] for t in trace)
    return {"iterations": len(trace), "games": games, "theta": theta,
            "options": " ".join(f"--option {p.option(theta[p.name])}" for p in cfg.params), "out": str(out)}


def add_tune_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param", action="append", default=[], metavar="SPEC",
                   help=f"a parameter: one of {', '.join(KNOWN)} (its default range), or name=start:lo:hi:step[:int]; repeat")
    p.add_argument("--engine", default=None, help='base GTP command (default: this go-engine, "gtp")')
    p.add_argument("--opponent", default="self", help='"self" (theta+ against theta-) or a GTP command line')
    p.add_argument("--iterations", type=int, required=True)
    p.add_argument("--pairs", type=int, default=1, help="game pairs (both colours) per side per iteration")
    p.add_argument("--size", type=int, default=9)
    p.add_argument("--komi", type=float, default=DEFAULT_KOMI)
    p.add_argument("--move-time", type=int, default=1, help="seconds per move (time_settings 0 T 1)")
    p.add_argument("--a", type=float, default=2.0, help="SPSA gain a (steps per unit of score difference)")
    p.add_argument("--c", type=float, default=1.0, help="SPSA perturbation c (steps)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="folder for tune.json, trace.jsonl, trace.png and the games")
    p.add_argument("--quiet", action="store_true")


def cmd_tune(args: argparse.Namespace) -> int:
    if args.iterations < 1 or args.pairs < 1:
        raise SystemExit("--iterations and --pairs must be at least 1")
    if not math.isfinite(args.komi):
        raise SystemExit("--komi must be a finite number")
    engine = args.engine or f"{shlex.quote(sys.executable)} -m go_engine_cli gtp"
    cfg = TuneConfig(engine=engine, opponent=args.opponent, params=parse_params(args.param),
                     iterations=args.iterations, pairs=args.pairs, size=args.size, komi=args.komi,
                     move_time=args.move_time or None, a=args.a, c=args.c, seed=args.seed)
    print(json.dumps(tune(cfg, args.out, progress=not args.quiet), indent=2))
    return 0
