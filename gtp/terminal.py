"""``go-engine play``: a game against the engine in a terminal.

It drives the same ``GtpEngine`` that Sabaki talks to, one GTP command per step (``play``,
``genmove``, ``undo``, ``showboard``, ``final_score``), so the terminal game and a GUI game run
the same code: the player, its clock and the rules. Bad input gets a one-line message and the
prompt again; end of input or ``quit`` ends the game, and ``--sgf`` saves it either way.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from go_engine.gtp.cli import add_gtp_arguments, config_from_args
from go_engine.gtp.engine import GtpEngine

HELP = ("moves: a vertex such as D4, or pass; commands: undo (takes back your last move and the "
        "engine's reply), hint (the engine's choice for you, not played), score (the count now, "
        "dead stones judged by playouts), board, resign, quit, help")


def add_play_arguments(parser: argparse.ArgumentParser) -> None:
    add_gtp_arguments(parser)
    parser.set_defaults(size=9, komi=7.0)
    parser.add_argument("--color", default="black", choices=["black", "white"], help="the colour you play")
    parser.add_argument("--handicap", type=int, default=0, help="fixed handicap stones for Black")
    parser.add_argument("--sgf", default=None, metavar="FILE", help="save the game here when it ends")


class TerminalGame:
    """One game between a person (lines in) and the engine (lines out)."""

    def __init__(self, engine: GtpEngine, human: str, out: TextIO):
        self.engine = engine
        self.human = human                     # "black" or "white"
        self.machine = "white" if human == "black" else "black"
        self.out = out
        self.result: str | None = None         # "B+R", "W+3.5", ... once the game has ended

    def gtp(self, line: str) -> tuple[bool, str]:
        """(success, body) of one GTP command."""
        response = (self.engine.handle_line(line) or "= ").rstrip()
        body = response[1:]
        body = (body[1:] if body.startswith(" ") else body).lstrip("\n")  # keep a board's indent
        return response.startswith("="), body

    def must(self, line: str) -> str:
        ok, body = self.gtp(line)
        if not ok:
            raise ValueError(f"{line}: {body}")
        return body

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def show(self) -> None:
        self.say(self.must("showboard"))

    @property
    def to_play(self) -> str:
        from go_engine.rules.position import BLACK
        return "black" if self.engine.game.to_play == BLACK else "white"

    def engine_move(self) -> None:
        vertex = self.must(f"genmove {self.machine}")
        if vertex.lower() == "resign":
            self.result = f"{self.human[0].upper()}+R"
            self.say(f"go-engine ({self.machine}) resigns.")
            return
        self.say(f"go-engine ({self.machine}) plays {vertex}.")
        self.show()
        self.check_end()

    def check_end(self) -> None:
        if self.engine.game.is_over:
            self.result = self.must("final_score")
            self.say(f"Both passed: {self.result} (area count, komi {self.engine.game.komi:g}, "
                     f"dead stones judged by playouts).")

    def human_turn(self, line: str) -> bool:
        """Handle one line from the person; False to stop the game."""
        word = line.strip()
        low = word.lower()
        if not word:
            return True
        if low in ("quit", "exit", "q"):
            return False
        if low in ("help", "?"):
            self.say(HELP)
        elif low == "board":
            self.show()
        elif low == "score":
            self.say(f"count now: {self.must('final_score')}")
        elif low == "hint":
            self.say(f"go-engine would play {self.must(f'reg_genmove {self.human}')}")
        elif low == "resign":
            self.result = f"{self.machine[0].upper()}+R"
            self.say("You resign.")
        elif low == "undo":
            self.undo()
        else:
            ok, body = self.gtp(f"play {self.human} {word}")
            if not ok:
                self.say(f"{word}: {body} (type help for the commands)")
                return True
            self.check_end()
            if self.result is None:
                self.engine_move()
        return True

    def undo(self) -> None:
        """Back to the person's previous turn: the engine's replies and the person's last move."""
        from go_engine.rules.position import BLACK, WHITE
        human = BLACK if self.human == "black" else WHITE
        moves = self.engine.game.moves
        if not any(m.color == human for m in moves):
            self.say("nothing to undo")
            return
        while moves[-1].color != human:
            self.must("undo")
        self.must("undo")
        self.show()

    def prompt(self) -> None:
        self.out.write(f"{self.human} to play (vertex, pass, undo, hint, score, resign, quit, help)> ")
        self.out.flush()

    def run(self, lines: TextIO) -> str | None:
        """Play until the game ends or input ends; returns the result, None if unfinished."""
        self.show()
        if self.to_play == self.machine:
            self.engine_move()
        while self.result is None:
            self.prompt()
            line = lines.readline()
            if not line:
                self.say("")
                break
            if not self.human_turn(line):
                break
        return self.result


def run_play(args: argparse.Namespace, lines: TextIO | None = None, out: TextIO | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    lines = lines if lines is not None else sys.stdin
    out = out if out is not None else sys.stdout
    engine = GtpEngine(config_from_args(args))
    game = TerminalGame(engine, args.color, out)
    try:
        if args.handicap:
            ok, body = game.gtp(f"fixed_handicap {args.handicap}")
            if not ok:
                print(f"go-engine play: --handicap {args.handicap}: {body}", file=sys.stderr)
                return 2
        result = game.run(lines)
    except KeyboardInterrupt:
        result = game.result
        out.write("\n")
    game.say(f"Result: {result}" if result else "Game left unfinished.")
    if args.sgf:
        from go_engine.rules.sgf import save_sgf
        names = {args.color: "you", game.machine: f"go-engine ({args.player})"}
        save_sgf(args.sgf, engine.game, result=result, black=names["black"], white=names["white"])
        game.say(f"Saved {args.sgf}")
    return 0
