"""Arguments and handlers of ``go-engine selfplay``, ``train rl`` and ``train value``.
Imports argparse only; the pipelines (JAX, Ray) load when a command runs."""
from __future__ import annotations

import argparse
import json
from dataclasses import fields
from pathlib import Path
from go_engine.rules.conventions import DEFAULT_KOMI


def _subcommands(parser: argparse.ArgumentParser):
    """The parser's sub-command group (created if it has none), so several modules can add
    sub-subcommands to ``go-engine train``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="train_command", required=True)


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls) -> None:
    """--config FILE plus one flag per field (default None: keep the file's/dataclass's value)."""
    parser.add_argument("--config", help=f"JSON file of {cls.__name__} fields; flags override it")
    for f in fields(cls):
        flag = "--" + f.name.replace("_", "-")
        kind = f.type if isinstance(f.type, str) else f.type.__name__
        if kind == "bool":
            parser.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes", "on"), default=None,
                                metavar="BOOL")
        else:
            parser.add_argument(flag, type={"int": int, "float": float, "str": str}[kind], default=None)


def dataclass_from_args(cls, args: argparse.Namespace):
    from dataclasses import replace
    base = cls.from_dict(json.loads(Path(args.config).read_text())) if getattr(args, "config", None) else cls()
    return replace(base, **{f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name, None) is not None})


def add_train_subcommands(train: argparse.ArgumentParser) -> None:
    from go_engine.training.rl_config import RLConfig, ValueConfig
    sub = _subcommands(train)
    rl = sub.add_parser("rl", help="REINFORCE self-play training of the policy (AlphaGo's RL policy)")
    add_dataclass_arguments(rl, RLConfig)
    rl.add_argument("--workers", type=int, default=0,
                    help="Ray self-play workers (0: play in this process); see training/distributed.py")
    rl.add_argument("--ray-address", default=None, help="join a running Ray cluster (ray start --head ...)")
    rl.add_argument("--games-per-shard", type=int, default=8, help="with --workers")
    rl.add_argument("--quiet", action="store_true", help="no progress bar")
    rl.set_defaults(func=cmd_train_rl)
    value = sub.add_parser("value", help="train the value network on self-play positions (--data) or expert games (--expert-shards)")
    add_dataclass_arguments(value, ValueConfig)
    value.add_argument("--sl-weights", default=None,
                       help="after training: compare with this SL policy's rollouts (sl, rl or a path)")
    value.add_argument("--expert-sgf", default=None,
                       help="after training: MSE on one position per game of this archive (its val/test games "
                            "by data_build's split, which the SL policy never trained on)")
    value.add_argument("--rollouts", type=int, default=4, help="SL rollouts per position in the comparison")
    value.add_argument("--rollout-positions", type=int, default=256)
    value.add_argument("--quiet", action="store_true", help="no progress bar")
    value.set_defaults(func=cmd_train_value)
    from go_engine.training.recipe import add_recipe_arguments
    add_recipe_arguments(sub)


def cmd_train_rl(args: argparse.Namespace) -> int:
    from go_engine.training.rl import train_rl
    from go_engine.training.rl_config import RLConfig
    cfg = dataclass_from_args(RLConfig, args)
    if args.workers > 0:
        from go_engine.training.distributed import ray_train_rl
        summary = ray_train_rl(cfg.init, cfg.out, cfg.iterations, workers=args.workers,
                               games_per_shard=args.games_per_shard, games_per_update=cfg.games,
                               n=cfg.board_size, komi=cfg.komi, lr=cfg.lr, optimizer=cfg.optimizer,
                               pool_every=cfg.pool_every, seed=cfg.seed, address=args.ray_address,
                               progress=not args.quiet)
    else:
        summary = train_rl(cfg, progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    return 0


def cmd_train_value(args: argparse.Namespace) -> int:
    from go_engine.training.value_data import ValueSet, expert_value_set
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_train import evaluate_value, train_value
    cfg = dataclass_from_args(ValueConfig, args)
    if cfg.expert_shards:
        from go_engine.training.value_expert import train_value_expert
        print(json.dumps(train_value_expert(cfg, progress=not args.quiet), indent=2))
        return 0
    if not cfg.data:
        raise SystemExit("give --data DIR (shards from `go-engine selfplay --value-data`) "
                         "or --expert-shards DIR (from `go-engine data build`)")
    summary = train_value(cfg, progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    if args.sl_weights or args.expert_sgf:
        train_set = ValueSet.load(cfg.data)
        sets = {}
        if cfg.val_data:
            sets["selfplay_heldout"] = ValueSet.load(cfg.val_data)
        if args.expert_sgf:
            sets["expert"] = expert_value_set(args.expert_sgf, n=train_set.n, splits=("val", "test"))
        table = evaluate_value(str(Path(cfg.out) / "value.npz"), sets, float(train_set.z.mean()), args.sl_weights,
                               args.rollouts, args.rollout_positions)
        (Path(cfg.out) / "eval.json").write_text(json.dumps(table, indent=2))
        print(json.dumps(table, indent=2))
    return 0


def add_selfplay_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", default="sl", help="policy: sl, rl or a weight file (with --value-data: the RL policy)")
    p.add_argument("--opponent", default=None, help="another policy for the other colour (default: itself)")
    p.add_argument("--games", type=int, required=True)
    p.add_argument("--size", type=int, default=9, help="board size")
    p.add_argument("--out", required=True, help="directory for the shards (and sgf/ with --sgf)")
    p.add_argument("--batch", type=int, default=None,
                   help="games played at once (one network batch per ply; default 64, with --value-data 256)")
    p.add_argument("--komi", type=float, default=DEFAULT_KOMI)
    p.add_argument("--temperature", type=float, default=1.0, help="softmax temperature (0: most probable move)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sgf", action="store_true", help="also write one SGF per game (move probabilities as comments)")
    p.add_argument("--value-data", action="store_true",
                   help="AlphaGo's value data: SL policy to a random move U, one random move, then --weights; "
                        "one position per game")
    p.add_argument("--sl-weights", default="sl", help="with --value-data: the policy before move U")
    p.add_argument("--u-max", type=int, default=None, help="with --value-data: U is uniform in [0, u_max) (default n*n)")
    p.add_argument("--workers", type=int, default=0, help="Ray workers (0: this process)")
    p.add_argument("--ray-address", default=None, help="join a running Ray cluster")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local Ray instance")
    p.add_argument("--games-per-shard", type=int, default=None,
                   help="with --workers: games per shard (default 8; with --value-data, a chunk of consecutive "
                        "games per actor call, default an equal share per worker up to 1024)")
    p.add_argument("--seconds", type=float, default=None, help="stop starting new games after this time")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_selfplay)


def cmd_selfplay(args: argparse.Namespace) -> int:
    if args.value_data and args.workers > 0:
        from go_engine.training.value_ray import ray_value_data
        summary = ray_value_data(args.sl_weights, args.weights, args.games, args.out, workers=args.workers,
                                 address=args.ray_address, num_cpus=args.num_cpus, n=args.size,
                                 batch=args.batch or 256, komi=args.komi, u_max=args.u_max, seed=args.seed,
                                 chunk_games=args.games_per_shard, progress=not args.quiet)
    elif args.value_data:
        from go_engine.training.value_data import generate_value_data
        summary = generate_value_data(args.sl_weights, args.weights, args.games, args.out, n=args.size,
                                      batch=args.batch or 256, komi=args.komi, u_max=args.u_max, seed=args.seed,
                                      progress=not args.quiet)
    elif args.workers > 0:
        from go_engine.training.distributed import ray_selfplay
        summary = ray_selfplay(args.weights, args.games, args.out, workers=args.workers,
                               games_per_shard=args.games_per_shard or 8, n=args.size, komi=args.komi,
                               seed=args.seed, address=args.ray_address, num_cpus=args.num_cpus, seconds=args.seconds,
                               progress=not args.quiet)
    else:
        from go_engine.training.selfplay import run_selfplay
        summary = run_selfplay(args.weights, args.games, args.out, n=args.size, batch=args.batch or 64, komi=args.komi,
                               temperature=args.temperature, seed=args.seed, opponent=args.opponent, sgf=args.sgf,
                               progress=not args.quiet, seconds=args.seconds)
    print(json.dumps(summary, indent=2))
    return 0
