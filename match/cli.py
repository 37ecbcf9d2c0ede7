"""Arguments and entry point of ``go-engine match`` (argparse only; the runner loads on use)."""
from __future__ import annotations

import argparse
import shutil
import signal
import sys
import threading

from go_engine.rules.conventions import DEFAULT_KOMI


def default_referee() -> str | None:
    gnugo = shutil.which("gnugo") or shutil.which("/usr/games/gnugo")
    return f"{gnugo} --mode gtp --chinese-rules" if gnugo else None


def add_match_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", required=True,
                   help='GTP command line of the engine under test, e.g. "go-engine gtp"')
    p.add_argument("--opponent", required=True,
                   help='GTP command line of the opponent, e.g. "gnugo --mode gtp --level 10 --chinese-rules"')
    p.add_argument("--games", type=int, required=True,
                   help="number of games (colours alternate; the engine is Black in even games)")
    p.add_argument("--size", type=int, default=19, help="board size")
    p.add_argument("--komi", type=float, default=DEFAULT_KOMI)
    p.add_argument("--handicap", type=int, default=0,
                   help="fixed handicap stones for Black (sent as fixed_handicap)")
    p.add_argument("--out", required=True,
                   help="output folder: match.json, results.jsonl, one SGF per game; rerun to resume")
    p.add_argument("--parallel", type=int, default=1,
                   help="games played at once (each with its own engine processes)")
    p.add_argument("--move-time", type=int, default=None,
                   help="byo-yomi seconds per move (time_settings MAIN SEC 1); "
                        "an engine slower than this plus --grace loses")
    p.add_argument("--main-time", type=int, default=None,
                   help="main time in seconds per side (time_settings, time_left before each genmove)")
    p.add_argument("--grace", type=float, default=5.0,
                   help="seconds past the time limit before an engine counts as hung")
    p.add_argument("--hang-timeout", type=float, default=600.0,
                   help="seconds a genmove may take when no time control is set")
    p.add_argument("--command-timeout", type=float, default=120.0,
                   help="seconds for setup, play and scoring commands")
    p.add_argument("--referee", default=default_referee(),
                   help='GTP engine whose final_score settles dead-stone disputes (default: "gnugo --mode gtp '
                        '--chinese-rules" when installed; "" for none: the board is then counted as it stands)')
    p.add_argument("--max-moves", type=int, default=None,
                   help="move cap (default 3*size*size); capped games are scored as they stand")
    p.add_argument("--force", action="store_true", help="resume in --out even though the saved settings differ")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the runner stops its engines on the way out."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def cmd_match(args: argparse.Namespace) -> int:
    from go_engine.match.runner import MatchConfig, MatchError, MatchRunner, format_table

    runner = None
    in_main = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main else None
    try:
        config = MatchConfig(
            engine=args.engine, opponent=args.opponent, games=args.games, size=args.size, komi=args.komi,
            handicap=args.handicap, move_time=args.move_time, main_time=args.main_time,
            referee=args.referee or None, max_moves=args.max_moves, grace=args.grace,
            command_timeout=args.command_timeout, hang_timeout=args.hang_timeout)
        runner = MatchRunner(config, args.out, parallel=args.parallel, force=args.force,
                             progress=not args.quiet)
        records = runner.run()
    except MatchError as e:
        print(f"go-engine match: {e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated) as e:
        if runner is not None:
            runner.abort()
        what = "terminated" if isinstance(e, Terminated) else "interrupted"
        print(f"go-engine match: {what}; finished games are in results.jsonl, rerun to resume",
              file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    finally:
        if runner is not None:
            runner.abort()  # no engine outlives the runner, whatever ended it
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    print(format_table(records, config))
    return 0


def add_match_report_arguments(sub: argparse._SubParsersAction) -> None:
    """``go-engine eval match DIR``: the report of a match folder, finished or still running."""
    rep = sub.add_parser("match", help="the report of a `go-engine match` folder (finished or in progress)")
    rep.add_argument("dir", help="the match's --out folder (match.json, results.jsonl)")
    rep.add_argument("--json", action="store_true", help="print one JSON object (counts, score, Elo, intervals)")
    rep.set_defaults(func=cmd_eval_match)  # overrides the eval command's own dispatcher


def cmd_eval_match(args: argparse.Namespace) -> int:
    import json
    import math
    from dataclasses import asdict
    from pathlib import Path

    from go_engine.match.runner import CONFIG_FILE, RESULTS_FILE, MatchConfig, read_results
    from go_engine.match.report import format_table, summarize

    folder = Path(args.dir)
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        print(f"go-engine eval match: {folder} holds no {CONFIG_FILE} (not a match folder)", file=sys.stderr)
        return 2
    try:
        config = MatchConfig(**json.loads(config_path.read_text(encoding="utf-8"))["config"])
    except (ValueError, KeyError, TypeError) as e:
        print(f"go-engine eval match: {config_path} is unreadable ({e})", file=sys.stderr)
        return 2
    records = read_results(folder / RESULTS_FILE)
    if args.json:
        summary = summarize(records)
        # an unbeaten record has Elo +inf: JSON has no infinity, so it is written as null
        summary["stats"] = {k: (v if not isinstance(v, float) or math.isfinite(v) else None)
                            for k, v in asdict(summary["stats"]).items()}
        summary["planned_games"] = config.games
        print(json.dumps(summary, sort_keys=True))
    else:
        print(f"{len(records)} of {config.games} games played")
        print(format_table(records, config))
    return 0
