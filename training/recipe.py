"""``go-engine train recipe``: the 19x19 (or 9x9) networks from SGF archives in one resumable
command: data build -> SL policy -> value net.

Every stage keeps its state under ``--work`` and picks up where it stopped, so a killed run
loses at most one checkpoint interval: the shards are rebuilt only when their summary is
missing, and the SL and value trainers resume from their latest checkpoint (their batches are
a function of (seed, step)). To move a run to another machine, copy ``WORK/sl`` and
``WORK/value`` (checkpoints, metrics: a few MB each); the shards are rebuilt from the archives
there (about 6 minutes for the 474k 19x19 games on one core). The command prints this too.

The stages read the shipped configs (``training/configs/sl_<n>x<n>.json``,
``value_<n>x<n>.json``) with the paths pointed into ``--work``. The value net's trunk starts as
the shipped policy (``--trunk shipped``) or this run's SL stage (``--trunk sl``). ``--value-config
A,B`` chains value runs, each warm-started from the one before; ``data/value_19.md`` gives the
chain that rebuilt ``data/value_19.npz``.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

STAGES = ("data", "sl", "value")


def add_recipe_arguments(sub) -> None:
    p = sub.add_parser("recipe", help="data build -> SL policy -> value net in one resumable command")
    p.add_argument("--board-size", type=int, default=19)
    p.add_argument("--sgf-dir", default=None,
                   help="folder of .tar.xz/.sgfs archives (default ../shared/data/sgf<n> of the working directory)")
    p.add_argument("--work", default=None, help="run folder: shards, checkpoints, weights (default runs/recipe<n>)")
    p.add_argument("--stages", default="data,value", help="comma-separated, in order: data, sl, value")
    p.add_argument("--trunk", default="shipped", help="value net trunk: shipped (data/policy_<n>.npz), sl, or a file")
    p.add_argument("--sl-config", default=None, help="SL config JSON (default the shipped sl_<n>x<n>.json)")
    p.add_argument("--value-config", default=None,
                   help="value config JSON (default the shipped value_<n>x<n>.json); A,B,...: runs in turn, "
                        "each warm-started from the one before (WORK/value, WORK/value-2, ...)")
    p.add_argument("--max-minutes", type=float, default=0.0,
                   help="stop each training stage after this long (with a checkpoint); rerun to go on")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_recipe)


def _config_text(path: str | None, name: str) -> str:
    if path:
        return Path(path).read_text()
    from importlib.resources import files
    return files("go_engine.training.configs").joinpath(name).read_text()


def _archives(folder: Path) -> list[str]:
    found = sorted(str(p) for pattern in ("*.tar.xz", "*.tar.gz", "*.sgfs", "*.zip") for p in folder.glob(pattern))
    if not found:
        raise SystemExit(f"no SGF archives (*.tar.xz, *.sgfs, *.zip) in {folder}")
    return found


def best_value_weights(run: Path) -> Path:
    """The run's best-on-validation export, else its last (the next run warm-starts from it)."""
    best = run / "value_best.npz"
    return best if best.is_file() else run / "value.npz"


def cmd_recipe(args: argparse.Namespace) -> int:
    n = args.board_size
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {unknown}; choose from {', '.join(STAGES)}")
    work = Path(args.work or f"runs/recipe{n}")
    shards = work / "shards"
    work.mkdir(parents=True, exist_ok=True)
    print(f"recipe {n}x{n} in {work}: stages {', '.join(stages)}. A rerun resumes each stage; on another "
          f"machine copy {work / 'sl'} and {work / 'value'} (the shards are rebuilt from the archives).", flush=True)
    summary: dict = {}
    if "data" in stages:
        if (shards / "summary.json").is_file():
            print(f"data: {shards} already built", flush=True)
        else:
            from go_engine.training.data_build import build_shards
            sgf_dir = Path(args.sgf_dir or f"../shared/data/sgf{n}")
            built = build_shards(_archives(sgf_dir), shards, board_size=n, progress=not args.quiet)
            print(f"data: {built['games_used']} games, {built['games_per_split']}", flush=True)
        summary["data"] = json.loads((shards / "summary.json").read_text())["games_per_split"]
    if "sl" in stages:
        from go_engine.training.sl import train
        from go_engine.training.sl_config import SLConfig
        cfg = SLConfig.from_dict(json.loads(_config_text(args.sl_config, f"sl_{n}x{n}.json")))
        cfg = replace(cfg, data=str(shards), out=str(work / "sl"), max_minutes=args.max_minutes)
        summary["sl"] = train(cfg, progress=not args.quiet)
    if "value" in stages:
        from go_engine.training.rl_config import ValueConfig
        from go_engine.training.value_expert import train_value_expert
        if args.trunk == "shipped":
            from go_engine.nets.weights import resolve_policy_weights
            trunk = str(resolve_policy_weights("sl", n))
        elif args.trunk == "sl":
            trunk = str(work / "sl" / "policy.npz")
        else:
            trunk = args.trunk
        previous = None
        for i, config in enumerate((args.value_config or f"value_{n}x{n}.json").split(",")):
            cfg = ValueConfig.from_dict(json.loads(_config_text(config if args.value_config else None, config)))
            out = work / ("value" if i == 0 else f"value-{i + 1}")
            cfg = replace(cfg, expert_shards=str(shards), out=str(out), trunk_weights=trunk,
                          max_minutes=args.max_minutes,
                          init_weights=str(previous) if previous else cfg.init_weights)
            summary[out.name] = train_value_expert(cfg, progress=not args.quiet)
            previous = best_value_weights(out)
    print(json.dumps(summary, indent=2, default=str))
    return 0
