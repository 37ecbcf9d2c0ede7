"""Argument definitions and handlers of ``go-engine data build``, ``train sl``, ``eval policy``
and ``bench net``; ``go_engine_cli`` imports this module only when one of them runs."""
from __future__ import annotations

import argparse
import json


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="data_command", required=True)
    build = sub.add_parser("build", help="SGF archives -> training shards split by game")
    build.add_argument("--sgf", nargs="+", required=True, metavar="ARCHIVE",
                       help=".tar.xz archives of .sgfs files, .sgfs files or .sgf files")
    build.add_argument("--out", required=True, help="output directory for the shards")
    build.add_argument("--max-games", type=int, default=None, help="stop after this many usable games")
    build.add_argument("--board-size", type=int, default=None, help="keep only this size (default: first game's)")
    build.add_argument("--games-per-shard", type=int, default=20000)
    build.add_argument("--quiet", action="store_true", help="no progress bar")


def cmd_data(args: argparse.Namespace) -> int:
    from go_engine.training.data_build import build_shards
    summary = build_shards(args.sgf, args.out, max_games=args.max_games, board_size=args.board_size,
                           games_per_shard=args.games_per_shard, progress=not args.quiet)
    print(f"{summary['games_used']} games used ({summary['games_per_split']}), "
          f"{summary['positions']} positions, skipped: {summary['games_skipped'] or 'none'}")
    print(f"summary: {args.out}/summary.json")
    return 0


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from go_engine.training.sl_config import add_config_arguments
    sub = parser.add_subparsers(dest="train_command", required=True)
    sl = sub.add_parser("sl", help="supervised policy training on expert moves (AlphaGo's SL policy)")
    add_config_arguments(sl)
    sl.add_argument("--quiet", action="store_true", help="no progress bar")
    from go_engine.training.rollout_cli import add_rollout_train_arguments
    add_rollout_train_arguments(sub)


def cmd_train(args: argparse.Namespace) -> int:
    if args.train_command == "rollout":
        from go_engine.training.rollout_cli import cmd_train_rollout
        return cmd_train_rollout(args)
    from go_engine.training.sl import train
    from go_engine.training.sl_config import config_from_args
    cfg = config_from_args(args)
    if not cfg.data:
        raise SystemExit("give --data DIR (shards from `go-engine data build`) or a --config file with it")
    summary = train(cfg, progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    return 0


def add_eval_arguments(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    """``go-engine eval policy|rollout|value``; returns the subcommands, which the CLI extends
    with ``eval match`` (the match harness is not training's to import)."""
    sub = parser.add_subparsers(dest="eval_command", required=True)
    pol = sub.add_parser("policy", help="top-1/top-5 accuracy and log-loss of a policy net on expert moves")
    pol.add_argument("--weights", default=None, help="weight file (default: data/policy_<n>.npz)")
    src = pol.add_mutually_exclusive_group(required=True)
    src.add_argument("--sgf", nargs="+", metavar="ARCHIVE", help="SGF archives: every non-pass move")
    src.add_argument("--shards", help="a shard directory from `go-engine data build`")
    pol.add_argument("--split", default="test", choices=["train", "val", "test"], help="with --shards")
    pol.add_argument("--max-games", type=int, default=None)
    pol.add_argument("--max-positions", type=int, default=None, help="a fixed random sample of positions")
    pol.add_argument("--symmetries", type=int, default=1, choices=[1, 8],
                     help="8: the softmax averaged over the board's symmetries, as the policy player uses it")
    pol.add_argument("--json", action="store_true", help="print one JSON object")
    from go_engine.training.rollout_cli import add_rollout_eval_arguments
    add_rollout_eval_arguments(sub)
    from go_engine.training.value_eval_cli import add_value_eval_arguments
    add_value_eval_arguments(sub)
    return sub


def cmd_eval(args: argparse.Namespace) -> int:
    if args.eval_command == "rollout":
        from go_engine.training.rollout_cli import cmd_eval_rollout
        return cmd_eval_rollout(args)
    if args.eval_command == "value":
        from go_engine.training.value_eval_cli import cmd_eval_value
        return cmd_eval_value(args)
    from go_engine.training.eval_policy import evaluate_policy
    result = evaluate_policy(args.weights, sgf=args.sgf, shards=args.shards, split=args.split,
                             max_games=args.max_games, max_positions=args.max_positions, symmetries=args.symmetries,
                             progress=not args.json)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['positions']} positions ({result['board_size']}x{result['board_size']}, "
              f"weights {result['weights']}): top-1 {result['top1']:.4f}  top-5 {result['top5']:.4f}  "
              f"log-loss {result['log_loss']:.4f} nats"
              + (f" (mean over {result['symmetries']} symmetries)" if result["symmetries"] > 1 else ""))
    return 0


def cmd_bench_net(args: argparse.Namespace) -> int:
    from go_engine.training.bench_net import bench_net
    batches = tuple(int(b) for b in args.batches.split(","))
    result = bench_net(args.weights, board_size=args.board_size, batches=batches, seconds=args.seconds)
    if args.json:
        print(json.dumps(result))
        return 0
    cfg = result["config"]
    print(f"policy net {cfg['layers']} layers x {cfg['filters']} filters, {result['board_size']}x"
          f"{result['board_size']}, {result['parameters']:,} parameters, {result['devices']} x {result['device']}")
    for key, value in result.items():
        if key.endswith("_per_s") or "_per_s_b" in key:
            print(f"  {key:34s} {value:>10,.1f}")
    return 0
