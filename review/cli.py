"""``go-engine review`` and ``go-engine analysis``: options, and the loops around the library
(``game_review``/``annotate``/``graph``/``summary``; ``analysis_server``).

Both build the player through the registry (``alphago``, the default player, unless
``--player`` says otherwise) and never import JAX before a network is needed.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import logging
import sys
from pathlib import Path

from go_engine.players.registry import PlayerOptions, make_player

SEARCH_PLAYERS = ("alphago", "mcts")  # the players with a search tree to read win rates from
DEFAULT_VISITS = 500       # per position; KataGo-style: the visits the tree kept count too
MAX_LINE_BYTES = 4 << 20   # longest JSON query line read (a 19x19 game is about 10 kB)
REVIEW_SUFFIX = ".review"  # GAME.sgf -> GAME.review.sgf, GAME.review.png, GAME.review.md


def _add_player_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--player", default="alphago", choices=SEARCH_PLAYERS,
                        help="whose search analyses (alphago: networks + search, the default; mcts: "
                             "rollout search)")
    parser.add_argument("--visits", type=int, default=DEFAULT_VISITS,
                        help=f"root visits per position, counting those kept from the previous "
                             f"position (default {DEFAULT_VISITS})")
    parser.add_argument("--seconds", type=float, default=None,
                        help="at most this many seconds per position (with --visits: whichever ends first)")
    parser.add_argument("--threads", type=int, default=None, help="search threads")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the search")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a player setting, as for go-engine gtp (e.g. c_puct=1.5)")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def _player_options(args: argparse.Namespace) -> PlayerOptions:
    extra = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--option wants KEY=VALUE, got {item!r}")
        extra[key.strip()] = value.strip()
    return PlayerOptions(seed=args.seed, threads=args.threads, extra=extra)


def _budget(args: argparse.Namespace):
    from go_engine.players.position_analysis import AnalysisBudget
    try:
        return AnalysisBudget(visits=args.visits, seconds=args.seconds)
    except ValueError as e:
        raise SystemExit(f"go-engine: {e}") from None


# --- review -------------------------------------------------------------------------------------

def add_review_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("games", nargs="+", help="SGF files (collections too) or folders of them")
    parser.add_argument("--out", default=None,
                        help="folder for the outputs (default: beside each game). Each game gives "
                             "NAME.review.sgf, NAME.review.png and NAME.review.md")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    _add_player_arguments(parser)


def output_stem(source: str, index: int, out: Path | None) -> Path:
    """Where a game's outputs go, without suffix: beside the file (or in ``out``), the game's
    index added for the second and later games of a collection."""
    path = Path(source.split("::")[-1])
    name = path.stem + (f"-{index + 1}" if index else "")
    folder = out if out is not None else Path(source.split("::")[0]).parent
    return folder / (name + REVIEW_SUFFIX)


def cmd_review(args: argparse.Namespace) -> int:
    """Review every game under ``args.games``; a broken game is reported and skipped (exit 1)."""
    logging.basicConfig(stream=sys.stderr, level=args.log_level, format="%(name)s %(levelname)s: %(message)s")
    from tqdm import tqdm

    from go_engine.atomic_io import write_text_atomic
    from go_engine.rules.sgf import SGFError, iter_sgf_texts, read_moves, record_to_game
    from go_engine.review.annotate import annotated_sgf
    from go_engine.review.game_review import review_record
    from go_engine.review.graph import require_matplotlib, save_graph
    from go_engine.review.summary import summary_markdown

    budget = _budget(args)
    require_matplotlib()
    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    try:
        texts = list(iter_sgf_texts(args.games))
    except FileNotFoundError as e:
        print(f"go-engine review: {e}", file=sys.stderr)
        return 2
    if not texts:
        print("go-engine review: no SGF files found", file=sys.stderr)
        return 2
    player = None
    failures = 0
    for source, index, text in texts:
        try:
            record = read_moves(text, source, index)
            record_to_game(record)  # every move checked before the player (and its networks) loads
        except SGFError as e:
            print(f"go-engine review: cannot review {e}", file=sys.stderr)
            failures += 1
            continue
        if player is None:
            player = make_player(args.player, _player_options(args))
        stem = output_stem(source, index, out)
        with tqdm(total=len(record.moves) + 1, desc=stem.name, unit="pos", file=sys.stderr,
                  disable=args.no_progress, leave=True) as bar:
            try:
                review = review_record(record, player, budget, engine=args.player,
                                       on_position=lambda k: bar.update(1))
            except SGFError as e:
                print(f"go-engine review: cannot review {e}", file=sys.stderr)
                failures += 1
                continue
        write_text_atomic(stem.with_suffix(stem.suffix + ".sgf"), annotated_sgf(review))
        save_graph(review, stem.with_suffix(stem.suffix + ".png"), title=Path(source).name)
        write_text_atomic(stem.with_suffix(stem.suffix + ".md"), summary_markdown(review, Path(source).name))
        print(f"{source}: {len(record.moves)} moves, {review.seconds_per_position():.2f} s per position "
              f"-> {stem}.sgf/.png/.md", file=sys.stderr)
    return 1 if failures else 0


# --- analysis -----------------------------------------------------------------------------------

def add_analysis_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report-as", default="BLACK", choices=["BLACK", "WHITE", "SIDETOMOVE"],
                        help="whose view win rates, utilities and ownership take (KataGo's "
                             "reportAnalysisWinratesAs; BLACK as in its example analysis config)")
    parser.add_argument("--workers", type=int, default=1,
                        help="positions analysed at once, each by its own player and tree")
    _add_player_arguments(parser)


def _version() -> str:
    try:
        return importlib.metadata.version("go-engine")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def cmd_analysis(args: argparse.Namespace) -> int:
    """Serve the JSON analysis protocol on stdin/stdout until end of input; every queued query
    is answered before exiting."""
    logging.basicConfig(stream=sys.stderr, level=args.log_level, format="%(name)s %(levelname)s: %(message)s")
    from go_engine.review.analysis_server import AnalysisServer, json_line

    _budget(args)  # refuse a bad --visits/--seconds before reading anything
    if args.workers < 1:
        raise SystemExit("go-engine: --workers must be at least 1")
    options = _player_options(args)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # keep stray prints off the protocol channel

    def write(obj: dict) -> None:
        stdout.write(json_line(obj).encode("utf-8"))
        stdout.flush()

    server = AnalysisServer(lambda: make_player(args.player, options), write, default_visits=args.visits,
                            max_seconds=args.seconds, perspective=args.report_as, workers=args.workers,
                            version=_version())
    try:
        while True:
            line = stdin.readline(MAX_LINE_BYTES + 1)
            if not line:
                break
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := stdin.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                server.write({"error": f"query longer than {MAX_LINE_BYTES} bytes"})
                continue
            server.handle_line(line.decode("utf-8", errors="replace"))
        server.close()
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        sys.stdout = sys.__stdout__
    return 0
