#!/usr/bin/env python3
"""A small scriptable GTP engine for testing the match runner's failure handling.

It plays random legal moves (checked by ``go_engine.game.Game``) and passes after ``--moves``
of its own moves; ``--crash-after``, ``--hang-after``, ``--illegal-after``, ``--garbage-after``
and ``--resign-after K`` make its (K+1)-th ``genmove`` misbehave in that way;
``--refuse-play-after K`` answers ``?`` to every ``play`` after the K-th. ``--dead`` sets
what ``final_status_list dead`` answers: ``none`` (no dead stones), ``refuse`` (a ``?`` answer)
or ``white`` (all white stones dead, to force a disagreement). ``--cleanup-moves K`` lists
``kgs-genmove_cleanup`` and answers it with K random legal moves, then passes. ``--log FILE`` appends every
command it receives to FILE. ``--player``, ``--option`` and ``--threads`` are accepted and ignored. go_engine (Numba) loads on the first board command only, so
``name``/``version``/``quit`` answer at once.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time


def misbehave(opts: argparse.Namespace, k: int) -> None:
    """Delay, crash or hang in the (k+1)-th genmove, as the options ask."""
    if opts.delay:
        time.sleep(opts.delay)
    if opts.crash_after is not None and k >= opts.crash_after:
        sys.stderr.write("fake engine: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)
    if opts.hang_after is not None and k >= opts.hang_after:
        while True:
            time.sleep(60)


class FakeEngine:
    def __init__(self, opts: argparse.Namespace):
        from go_engine.rules import coords
        from go_engine.rules.game import Game
        from go_engine.rules.position import BLACK, WHITE

        self.opts = opts
        self.coords = coords
        self.Game = Game
        self.black_white = (BLACK, WHITE)
        self.game = Game(19, 7.5)
        self.rng = random.Random(opts.seed)
        self.own_moves = 0
        self.cleanup_moves = 0

    def vertex(self, point: int) -> str:
        return self.coords.point_to_vertex(point, self.game.n)

    def point(self, vertex: str) -> int:
        return self.coords.vertex_to_point(vertex, self.game.n)

    def genmove(self, color: int) -> str:
        opts, game = self.opts, self.game
        k = self.own_moves
        self.own_moves += 1
        misbehave(opts, k)
        if opts.illegal_after is not None and k >= opts.illegal_after:
            stones = [p for c in self.black_white for p in game.position.stones(c)]
            return self.vertex(stones[0]) if stones else "Z99"
        if opts.resign_after is not None and k >= opts.resign_after:
            return "resign"
        point = game.pass_point
        if k < opts.moves:
            legal = [p for p in range(game.n * game.n) if game.is_legal(p, color)]
            if legal:
                point = self.rng.choice(legal)
        game.play(point, color)
        return self.vertex(point)

    def execute(self, name: str, args: list[str]) -> str:
        """The answer to one board command; ValueError (IllegalMove, CoordinateError) means '?'."""
        from go_engine.rules.position import parse_color

        game = self.game
        if name == "boardsize":
            self.game = self.Game(int(args[0]), game.komi)
        elif name == "clear_board":
            self.game = self.Game(game.n, game.komi)
        elif name == "komi":
            game.komi = float(args[0])
        elif name == "fixed_handicap":
            return " ".join(self.vertex(p) for p in game.set_fixed_handicap(int(args[0])))
        elif name == "set_free_handicap":
            game.set_handicap([self.point(v) for v in args])
        elif name == "play":
            game.play(self.point(args[1]), parse_color(args[0]))
        elif name == "genmove":
            return self.genmove(parse_color(args[0]))
        elif name == "kgs-genmove_cleanup" and self.opts.cleanup_moves is not None:
            color = parse_color(args[0])
            legal = [p for p in range(game.n * game.n) if game.is_legal(p, color)]
            point = game.pass_point
            if legal and self.cleanup_moves < self.opts.cleanup_moves:
                point = self.rng.choice(legal)
                self.cleanup_moves += 1
            game.play(point, color)
            return self.vertex(point)
        elif name == "list_commands" and self.opts.cleanup_moves is not None:
            return "genmove\nkgs-genmove_cleanup\nfinal_status_list"
        elif name in ("time_settings", "time_left"):
            pass
        elif name == "final_status_list":
            if self.opts.dead == "refuse":
                raise ValueError("cannot score")
            if self.opts.dead == "white" and args and args[0] == "dead":
                return " ".join(self.vertex(p) for p in game.position.stones(self.black_white[1]))
        elif name == "final_score":
            return game.result_string()
        else:
            raise ValueError("unknown command")
        return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="Fake")
    ap.add_argument("--moves", type=int, default=10, help="pass after this many own moves")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crash-after", type=int, default=None)
    ap.add_argument("--hang-after", type=int, default=None)
    ap.add_argument("--illegal-after", type=int, default=None)
    ap.add_argument("--garbage-after", type=int, default=None)
    ap.add_argument("--resign-after", type=int, default=None)
    ap.add_argument("--refuse-play-after", type=int, default=None,
                    help="answer '?' to every play command after this many")
    ap.add_argument("--dead", choices=["none", "refuse", "white"], default="none")
    ap.add_argument("--cleanup-moves", type=int, default=None,
                    help="list kgs-genmove_cleanup and play this many random moves with it, then pass")
    ap.add_argument("--log", default=None)
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to sleep in each genmove")
    ap.add_argument("--no-board", action="store_true",
                    help="never load go_engine: accept every move, always pass (fast to start)")
    # go-engine gtp's player options, accepted and ignored so the fake can stand in for it in the Elo ladder
    ap.add_argument("--player", default=None)
    ap.add_argument("--option", action="append", default=[])
    ap.add_argument("--threads", type=int, default=None)
    opts = ap.parse_args(argv)

    log = open(opts.log, "a", encoding="utf-8") if opts.log else None
    engine: FakeEngine | None = None
    genmoves = 0
    plays = 0
    instant = {"protocol_version": "2", "name": opts.name, "version": "0.1", "quit": ""}

    def reply(cmd_id: str, ok: bool, body: str = "") -> None:
        sys.stdout.write(f"{'=' if ok else '?'}{cmd_id} {body}".rstrip() + "\n\n")
        sys.stdout.flush()

    for raw in sys.stdin:
        if log:
            log.write(raw)
            log.flush()
        parts = raw.split("#")[0].split()
        if not parts:
            continue
        cmd_id = ""
        if parts[0].isdigit():
            cmd_id, parts = parts[0], parts[1:]
        if not parts:
            reply(cmd_id, False, "no command")
            continue
        name, args = parts[0], parts[1:]
        if name in instant:
            reply(cmd_id, True, instant[name])
            if name == "quit":
                return 0
            continue
        if name == "play":
            plays += 1
            if opts.refuse_play_after is not None and plays > opts.refuse_play_after:
                reply(cmd_id, False, "illegal move")
                continue
        if opts.no_board:  # answers without a board: passes (after any failure it is asked for)
            if name == "genmove":
                misbehave(opts, genmoves)
                genmoves += 1
            reply(cmd_id, True, "pass" if name == "genmove" else "")
            continue
        if engine is None:
            engine = FakeEngine(opts)
        if name == "genmove" and opts.garbage_after is not None and engine.own_moves >= opts.garbage_after:
            sys.stdout.write("this is not GTP at all\n\n")
            sys.stdout.flush()
            continue
        try:
            reply(cmd_id, True, engine.execute(name, args))
        except (ValueError, IndexError) as e:
            reply(cmd_id, False, str(e) or "illegal move")
    return 0


if __name__ == "__main__":
    sys.exit(main())
