"""The ``go-engine`` console script: one subcommand per tool, each importing its module lazily
so that ``go-engine gtp`` starts fast and never loads JAX unless a network is used."""
from __future__ import annotations

import argparse
import json
import sys


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.what == "board":
        from go_engine.bench import bench_board
        sizes = tuple(int(s) for s in args.sizes.split(","))
        result = bench_board(sizes, seconds=args.seconds)
        if args.json:
            print(json.dumps(result))
        else:
            for n in sizes:
                print(f"{n}x{n}: {result[f'playouts_per_s_{n}x{n}']:>10,.0f} playouts/s  "
                      f"{result[f'moves_per_s_{n}x{n}']:>12,.0f} moves/s  "
                      f"({result[f'moves_per_playout_{n}x{n}']:.0f} moves per playout, 1 thread; "
                      f"{result[f'playouts_per_cpu_s_{n}x{n}']:,.0f} playouts per CPU second)")
        return 0
    if args.what == "search":
        from go_engine.bench import bench_search
        sizes = tuple(int(s) for s in args.sizes.split(","))
        threads = tuple(int(k) for k in args.threads.split(","))
        result = bench_search(sizes, threads, seconds=args.seconds)
        if args.json:
            print(json.dumps(result))
        else:
            for n in sizes:
                speeds = "  ".join(f"{k} thread(s): {result[f'sims_per_s_{n}x{n}_{k}t']:>9,.0f} sims/s" for k in threads)
                eff = result.get(f"efficiency_{n}x{n}_{max(threads)}t")
                cores = "/".join(f"{result[f'cpu_per_wall_{n}x{n}_{k}t']:.1f}" for k in threads)
                batch = result.get(f"sims_per_s_{n}x{n}_{max(threads)}t_batch")
                print(f"{n}x{n}: {speeds}" + (f"  parallel efficiency {eff:.0%}" if eff is not None else "")
                      + f"  (cores used {cores})"
                      + (f"; reproducible batch mode {batch:,.0f} sims/s" if batch is not None else ""))
        return 0
    if args.what == "rollout":
        from go_engine.bench import bench_rollout
        merged = {}
        for n in (int(s) for s in args.sizes.split(",")):
            result = bench_rollout(n, seconds=args.seconds, weights=args.weights)
            merged.update({f"{k}_{n}x{n}": v for k, v in result.items() if k != "board_size"})
            if not args.json:
                print(f"{n}x{n} rollout policy: {result['rollouts_per_s']:>8,.0f} rollouts/s "
                      f"{result['moves_per_s']:>11,.0f} moves/s (wall); {result['rollouts_per_cpu_s']:,.0f} "
                      f"rollouts/s per CPU second; {result['moves_per_rollout']:.0f} moves per rollout, 1 thread")
        if args.json:
            print(json.dumps(merged))
        return 0
    if args.what == "all":
        from go_engine.training.bench_all import cmd_bench_all
        return cmd_bench_all(args)
    if args.what == "net":
        from go_engine.training.cli import cmd_bench_net
        return cmd_bench_net(args)
    raise SystemExit(f"unknown benchmark {args.what!r}")


def _cmd_gtp(args: argparse.Namespace) -> int:
    from go_engine.gtp.cli import run_gtp
    return run_gtp(args)


def _cmd_play(args: argparse.Namespace) -> int:
    from go_engine.gtp.terminal import run_play
    return run_play(args)


def _cmd_review(args: argparse.Namespace) -> int:
    from go_engine.review.cli import cmd_review
    return cmd_review(args)


def _cmd_analysis(args: argparse.Namespace) -> int:
    from go_engine.review.cli import cmd_analysis
    return cmd_analysis(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="go-engine", description="An AlphaGo-style Go engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    bench = sub.add_parser("bench", help="measure the speed of the engine's hot loops")
    bench.add_argument("what", choices=["board", "search", "net", "rollout", "all"],
                       help="board: uniform random playouts; search: MCTS simulations/s by threads; "
                            "net: policy-net inference and training; rollout: rollout-policy playouts; "
                            "all: every figure in one table, saved as JSON and PNG")
    bench.add_argument("--threads", default="1,2", help="search: comma-separated thread counts")
    bench.add_argument("--sizes", default="9,19", help="comma-separated board sizes")
    bench.add_argument("--seconds", type=float, default=3.0, help="measuring time per size")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--weights", default=None, help="net/rollout: weight file (default: data/policy_<n>.npz, data/rollout_<n>.npz)")
    bench.add_argument("--board-size", type=int, default=19, help="net: board size of the default weights")
    bench.add_argument("--batches", default="1,8,64", help="net: comma-separated inference batch sizes")
    bench.add_argument("--pachi", default=None, metavar="PATH",
                       help="all: a Pachi binary (../shared/anchors/build-pachi.sh) whose figures go beside ours")
    bench.add_argument("--out", default="benchmarks/results/bench", help="all: folder for the JSON and PNG")
    bench.set_defaults(func=_cmd_bench)

    from go_engine.training import cli as training_cli  # argparse only; the pipelines load on use
    data = sub.add_parser("data", help="build training data from SGF archives")
    training_cli.add_data_arguments(data)
    data.set_defaults(func=lambda a: training_cli.cmd_data(a))
    train = sub.add_parser("train", help="train networks (sl: supervised policy)")
    training_cli.add_train_arguments(train)
    train.set_defaults(func=lambda a: training_cli.cmd_train(a))
    from go_engine.training import rl_cli  # train rl, train value, selfplay (argparse only)
    rl_cli.add_train_subcommands(train)
    selfplay = sub.add_parser("selfplay", help="batched policy-network self-play games (shards, SGF, value data)")
    rl_cli.add_selfplay_arguments(selfplay)
    evaluate = sub.add_parser("eval", help="evaluate networks (policy, rollout, value) and match folders (match)")
    eval_commands = training_cli.add_eval_arguments(evaluate)
    evaluate.set_defaults(func=lambda a: training_cli.cmd_eval(a))
    from go_engine.match import cli as match_cli  # argparse only; the match runner loads on use
    match_cli.add_match_report_arguments(eval_commands)
    match = sub.add_parser("match", help="play games between two GTP engines; win rate and Elo with intervals")
    match_cli.add_match_arguments(match)
    match.set_defaults(func=lambda a: match_cli.cmd_match(a))
    from go_engine.match import tune as tune_cli  # argparse only; games load on use
    tune = sub.add_parser("tune", help="tune search parameters by SPSA from real games (self-play or an opponent)")
    tune_cli.add_tune_arguments(tune)
    tune.set_defaults(func=lambda a: tune_cli.cmd_tune(a))

    from go_engine.gtp.cli import add_gtp_arguments  # argparse and the protocol only; no Numba
    gtp = sub.add_parser("gtp", help="speak GTP v2 on stdin/stdout (for Sabaki, GoGui, matches)")
    add_gtp_arguments(gtp)
    gtp.set_defaults(func=_cmd_gtp)
    from go_engine.gtp.terminal import add_play_arguments
    play = sub.add_parser("play", help="play a game against the engine in the terminal")
    add_play_arguments(play)
    play.set_defaults(func=_cmd_play)
    from go_engine.review import cli as review_cli  # argparse only; the search loads on use
    review = sub.add_parser("review", help="review whole games: annotated SGF, win-rate graph, summary")
    review_cli.add_review_arguments(review)
    review.set_defaults(func=_cmd_review)
    analysis = sub.add_parser("analysis", help="KataGo's JSON analysis protocol on stdin/stdout")
    review_cli.add_analysis_arguments(analysis)
    analysis.set_defaults(func=_cmd_analysis)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
