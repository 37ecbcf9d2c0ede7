"""Arguments and handlers of ``go-engine train rollout`` and ``go-engine eval rollout``.
Only argparse here: the Numba pipeline (``rollout_fit``) is imported when a command runs."""
from __future__ import annotations

import argparse
import json


def add_rollout_train_arguments(sub) -> None:
    p = sub.add_parser("rollout", help="fit the fast rollout policy (linear softmax over patterns)")
    p.add_argument("--sgf", nargs="+", required=True, metavar="ARCHIVE",
                   help=".tar.xz archives of .sgfs files, .sgfs or .sgf files")
    p.add_argument("--out", required=True, help="weight file to write (.npz), e.g. data/rollout_19.npz")
    p.add_argument("--games", type=int, default=None, help="training games (default: all)")
    p.add_argument("--holdout-games", type=int, default=1000, help="games held out for accuracy (by game)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.1, help="Adagrad learning rate")
    p.add_argument("--seed", type=int, default=1, help="seed of the game shuffle and hold-out split")
    p.add_argument("--board-size", type=int, default=None, help="keep only this size (default: first game's)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def cmd_train_rollout(args: argparse.Namespace) -> int:
    from go_engine.training.rollout_fit import train_rollout
    summary = train_rollout(args.sgf, args.out, games=args.games, holdout_games=args.holdout_games,
                            epochs=args.epochs, lr=args.lr, seed=args.seed, board_size=args.board_size,
                            progress=not args.quiet)
    print(json.dumps(summary, indent=2))
    return 0


def add_rollout_eval_arguments(sub) -> None:
    p = sub.add_parser("rollout", help="top-1 accuracy and log-loss of the rollout policy on expert moves")
    p.add_argument("--sgf", nargs="+", required=True, metavar="ARCHIVE", help="SGF archives: every non-pass move")
    p.add_argument("--weights", default=None, help="weight file (default: data/rollout_<n>.npz)")
    p.add_argument("--max-games", type=int, default=None)
    p.add_argument("--board-size", type=int, default=None, help="keep only this size (default: first game's)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_eval_rollout(args: argparse.Namespace) -> int:
    from go_engine.training.rollout_fit import evaluate_rollout
    result = evaluate_rollout(args.sgf, args.weights, board_size=args.board_size,
                              max_games=args.max_games, progress=not args.json)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['positions']} positions in {result['games']} games "
              f"({result['board_size']}x{result['board_size']}, weights {result['weights']}): "
              f"top-1 {result['top1']:.4f}  log-loss {result['log_loss']:.4f} nats")
    return 0
