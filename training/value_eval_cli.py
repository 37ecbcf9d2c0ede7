"""``go-engine eval value``: its arguments and command. Kept apart from ``value_eval`` so that
building the CLI's parser imports neither NumPy nor Numba (``go-engine gtp`` starts fast)."""
from __future__ import annotations

from go_engine.rules.conventions import DEFAULT_KOMI


def add_value_eval_arguments(sub) -> None:
    p = sub.add_parser("value", help="value net vs constant, SL-policy rollouts and fast playouts at equal time")
    p.add_argument("--weights", default=None, help="value weight file (default: data/value_<n>.npz)")
    p.add_argument("--data", nargs="*", default=[], metavar="NAME=DIR",
                   help="value shard directories (`go-engine selfplay --value-data`), e.g. test=runs/v/test")
    p.add_argument("--expert-sgf", default=None, help="SGF archive: one position per decided held-out game")
    p.add_argument("--expert-komi", type=float, default=DEFAULT_KOMI,
                   help="komi of the rollouts from expert positions")
    p.add_argument("--expert-same-komi", action="store_true",
                   help="use only expert games recorded with --expert-komi (playouts then count as the players did)")
    p.add_argument("--expert-splits", default="val,test",
                   help="data_build splits of the expert games (test: games no training run saw)")
    p.add_argument("--expert-max-games", type=int, default=None, help="stop after this many positions")
    p.add_argument("--train-data", default=None, help="training shards: the constant predictor is their mean label")
    p.add_argument("--constant", type=float, default=None, help="the constant predictor (instead of --train-data)")
    p.add_argument("--sl-weights", default=None, help="SL policy for the rollout comparison (sl, rl or a file)")
    p.add_argument("--sl-rollouts", default="4:200", help="k:positions[,k:positions]: SL rollouts on the first positions")
    p.add_argument("--fast-positions", type=int, default=None, help="positions for the fast-playout sweep (default all)")
    p.add_argument("--kinds", default="random,pattern", help="fast playout kinds")
    p.add_argument("--rollout-weights", default=None, help="rollout-policy weights (default data/rollout_<n>.npz)")
    p.add_argument("--board-size", type=int, default=None, help="with --expert-sgf alone: 19 for 19x19 (default 9)")
    p.add_argument("--symmetries", type=int, default=1,
                   help="also report the net averaged over this many of the 8 board symmetries (1: off)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write the table here as JSON")


def cmd_eval_value(args) -> int:
    import json
    from pathlib import Path

    from go_engine.training.value_data import ValueSet, expert_value_set
    from go_engine.training.value_eval import evaluate_set, parse_sl_rollouts
    sets: dict[str, tuple[ValueSet, float]] = {}
    for item in args.data:
        name, sep, directory = item.partition("=")
        if not sep:
            name, directory = Path(item).name, item
        sets[name] = (ValueSet.load(directory), DEFAULT_KOMI)
    n = args.board_size or (next(iter(sets.values()))[0].n if sets else 9)
    if args.expert_sgf:
        splits = tuple(x.strip() for x in args.expert_splits.split(",") if x.strip())
        sets["expert"] = (expert_value_set(args.expert_sgf, n=n, splits=splits,
                                           komi=args.expert_komi if args.expert_same_komi else None,
                                           max_games=args.expert_max_games, seed=args.seed), args.expert_komi)
    if not sets:
        raise SystemExit("give --data NAME=DIR and/or --expert-sgf")
    if args.constant is not None:
        constant = args.constant
    elif args.train_data:
        constant = float(ValueSet.load(args.train_data).z.mean())
    else:
        raise SystemExit("give --train-data DIR or --constant C (the constant predictor)")
    if args.weights:
        weights = args.weights
    else:
        from go_engine.nets.value_config import default_value_weights
        weights = str(default_value_weights(n))
    table = {"weights": weights, "constant": constant}
    for name, (data, komi) in sets.items():
        table[name] = evaluate_set(weights, data, constant, args.sl_weights, parse_sl_rollouts(args.sl_rollouts),
                                   args.fast_positions, komi, tuple(k for k in args.kinds.split(",") if k), args.rollout_weights,
                                   args.seed, args.symmetries)
        print(json.dumps({name: table[name]}), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(table, indent=2))
    return 0
