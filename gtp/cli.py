"""``go-engine gtp``: options, and the loop that reads GTP from stdin and answers on stdout.

stdin is read as bytes and decoded with ``errors="replace"`` so that no input can raise.
stdout carries only GTP: ``sys.stdout`` is pointed at stderr while the engine runs, so a stray
``print`` anywhere cannot corrupt the protocol; logs go to stderr.

stdin is read on a thread into a queue, so that a running analysis (``lz-analyze``) or a ponder
search can see at once that the controller has sent something and stop; commands are still
answered one at a time, in order, on the main thread.
"""
from __future__ import annotations

import argparse
import logging
import os
import queue
import sys
import threading
from typing import BinaryIO

from go_engine.players.options import OptionValue, parse_options
from go_engine.players.registry import DEFAULT_PLAYER, PlayerOptions, player_names

from go_engine.gtp.engine import MAX_KOMI, EngineConfig, GtpEngine
from go_engine.gtp.protocol import MAX_LINE_BYTES, format_response, leading_id
from go_engine.rules.conventions import DEFAULT_KOMI

log = logging.getLogger(__name__)


def add_gtp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=19, help="initial board size (2-25)")
    parser.add_argument("--komi", type=float, default=DEFAULT_KOMI, help="initial komi")
    parser.add_argument("--player", default=DEFAULT_PLAYER, choices=player_names(),
                        help="who chooses the moves (alphago: networks + search, the default)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the player")
    parser.add_argument("--time", type=float, default=None,
                        help="seconds per move for search players when no clock is set")
    parser.add_argument("--playouts", type=int, default=None,
                        help="fixed simulations per move for search players")
    parser.add_argument("--threads", type=int, default=None, help="search threads")
    parser.add_argument("--no-resign", action="store_true", help="search players never resign")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="a player setting, e.g. mcts: rave_equiv=0, c_puct=1.5, resign_threshold=0.05")
    parser.add_argument("--weights", default=None,
                        help="network weight file for network players (policy: default data/policy_<size>.npz)")
    parser.add_argument("--ownership-playouts", type=int, default=256,
                        help="nakade playouts behind final_status_list and final_score")
    parser.add_argument("--ponder", action="store_true",
                        help="search players keep searching on the opponent's time after genmove "
                             "(until the next command arrives)")
    parser.add_argument("--first-run", choices=["background", "wait"],
                        default=os.environ.get("GO_ENGINE_FIRST_RUN", "background"),
                        help="alphago on a cold kernel cache (first start after an install): compile "
                             "the search in a second process and play the policy network meanwhile "
                             "(background), or compile before the first move (wait)")
    parser.add_argument("--log-level", default="WARNING",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="stderr log level")


def config_from_args(args: argparse.Namespace) -> EngineConfig:
    if not 2 <= args.size <= 25:
        raise SystemExit("--size must be between 2 and 25")
    if not abs(args.komi) <= MAX_KOMI:
        raise SystemExit(f"--komi must be a number with |komi| <= {MAX_KOMI:g}")
    if args.ownership_playouts < 1:
        raise SystemExit("--ownership-playouts must be at least 1")
    extra: dict[str, OptionValue] = {"weights": args.weights} if getattr(args, "weights", None) else {}
    try:
        extra.update(parse_options(getattr(args, "option", [])))
    except ValueError as e:
        raise SystemExit(f"--option: {e}") from None
    if getattr(args, "no_resign", False):
        extra["resign"] = False
    options = PlayerOptions(seed=args.seed, seconds=args.time, playouts=args.playouts,
                            threads=args.threads, extra=extra,
                            compile_in_background=getattr(args, "first_run", "wait") == "background")
    return EngineConfig(size=args.size, komi=args.komi, player=args.player,
                        player_options=options, ownership_playouts=args.ownership_playouts,
                        seed=args.seed or 0, ponder=bool(getattr(args, "ponder", False)))


def read_line(stream: BinaryIO) -> bytes | None:
    """One line of at most MAX_LINE_BYTES + 1 bytes (the rest of a longer line is skipped, so a
    huge line costs no memory); None at end of input."""
    line = stream.readline(MAX_LINE_BYTES + 1)
    if not line:
        return None
    if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
        while True:
            rest = stream.readline(MAX_LINE_BYTES)
            if not rest or rest.endswith(b"\n"):
                break
    return line


class FdReader:
    """``readline(limit)`` over a file descriptor with ``os.read``. The stdin thread reads
    through this rather than ``sys.stdin.buffer``: a daemon thread blocked inside that buffered
    object holds its lock, and the interpreter then aborts at exit ("could not acquire lock")
    when the controller keeps our stdin open after ``quit``, as GUIs do."""

    def __init__(self, fd: int):
        self.fd = fd
        self._buffer = b""
        self._eof = False

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self._buffer.find(b"\n") + 1
            if end and (limit < 0 or end <= limit):
                line, self._buffer = self._buffer[:end], self._buffer[end:]
                return line
            if 0 <= limit <= len(self._buffer):
                line, self._buffer = self._buffer[:limit], self._buffer[limit:]
                return line
            if self._eof:
                line, self._buffer = self._buffer, b""
                return line
            chunk = os.read(self.fd, 1 << 16)
            self._eof = not chunk
            self._buffer += chunk


class InputLines:
    """The controller's lines, read by a daemon thread into a queue (None marks the end)."""

    def __init__(self, stream: BinaryIO):
        self._queue: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="gtp-stdin", daemon=True)
        self._thread.start()

    def _read(self, stream: BinaryIO) -> None:
        try:
            while True:
                line = read_line(stream)
                self._queue.put(line)
                if line is None:
                    return
        except (OSError, ValueError):
            self._queue.put(None)

    def get(self) -> bytes | None:
        return self._queue.get()

    def waiting(self) -> bool:
        """Has the controller sent anything (or closed its end) that is not yet handled?"""
        return not self._queue.empty()


def serve(engine: GtpEngine, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer commands until ``quit`` or end of input; ponder between commands when asked."""
    lines = InputLines(stdin)

    def write(text: str) -> None:
        stdout.write(text.encode("utf-8"))
        stdout.flush()

    while not engine.quit_requested:
        if engine.ponder_pending and not lines.waiting():
            engine.ponder(lines.waiting)
        line = lines.get()
        if line is None:
            break
        try:
            engine.run_line(line, write, lines.waiting)
        except (BrokenPipeError, ConnectionError):
            raise
        except Exception as e:  # noqa: BLE001 -- run_line already catches; belt and braces
            log.exception("failed to handle a line")
            write(format_response(leading_id(line[:64].decode("utf-8", "replace")), False,
                                  f"internal error: {type(e).__name__}"))


def run_gtp(args: argparse.Namespace) -> int:
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    engine = GtpEngine(config_from_args(args))
    stdin, stdout = FdReader(sys.stdin.fileno()), sys.stdout.buffer
    sys.stdout = sys.stderr  # keep stray prints off the protocol channel
    try:
        serve(engine, stdin, stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    finally:
        sys.stdout = sys.__stdout__
    return 0
