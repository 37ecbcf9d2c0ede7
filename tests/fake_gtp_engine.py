#!/usr/bin/env python3
"""A small scriptable GTP engine for testing the match runner's failure handling.

It plays random legal moves (checked by ``go_engine.game.Game``) and passes after ``--moves``
of its own moves; ``--crash-after``, ``--hang-after``, ``--illegal-after``, ``--garbage-after``
and ``--resign-after K`` make its (K+1)-th ``genmove`` misbehave in that way. ``--dead`` sets
what ``final_status_list dead`` answers: ``none`` (no dead stones), ``refuse`` (a ``?`` answer)
or ``white`` (all white stones dead, to force a disagreement). ``--log FILE`` appends every
command it receives to FILE.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time


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
    ap.add_argument("--dead", choices=["none", "refuse", "white"], default="none")
    ap.add_argument("--log", default=None)
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to sleep in each genmove")
    opts = ap.parse_args(argv)

    from go_engine.coords import CoordinateError, point_to_vertex, vertex_to_point
    from go_engine.game import Game
    from go_engine.position import BLACK, WHITE, parse_color

    rng = random.Random(opts.seed)
    game = Game(19, 7.5)
    own_moves = 0
    log = open(opts.log, "a", encoding="utf-8") if opts.log else None

    def reply(cmd_id: str, ok: bool, body: str = "") -> None:
        sys.stdout.write(f"{'=' if ok else '?'}{cmd_id} {body}".rstrip() + "\n\n")
        sys.stdout.flush()

    def genmove(color: int) -> str:
        nonlocal own_moves
        k = own_moves
        own_moves += 1
        if opts.delay:
            time.sleep(opts.delay)
        if opts.crash_after is not None and k >= opts.crash_after:
            os._exit(3)
        if opts.hang_after is not None and k >= opts.hang_after:
            while True:
                time.sleep(60)
        if opts.illegal_after is not None and k >= opts.illegal_after:
            stones = game.position.stones(BLACK) + game.position.stones(WHITE)
            return point_to_vertex(stones[0], game.n) if stones else "Z99"
        if opts.resign_after is not None and k >= opts.resign_after:
            return "resign"
        point = game.pass_point
        if k < opts.moves:
            legal = [p for p in range(game.n * game.n) if game.is_legal(p, color)]
            if legal:
                point = rng.choice(legal)
        game.play(point, color)
        return point_to_vertex(point, game.n)

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
        try:
            if name == "genmove" and opts.garbage_after is not None and own_moves >= opts.garbage_after:
                sys.stdout.write("this is not GTP at all\n\n")
                sys.stdout.flush()
                continue
            if name == "quit":
                reply(cmd_id, True)
                return 0
            if name == "protocol_version":
                reply(cmd_id, True, "2")
            elif name == "name":
                reply(cmd_id, True, opts.name)
            elif name == "version":
                reply(cmd_id, True, "0.1")
            elif name == "boardsize":
                game = Game(int(args[0]), game.komi)
                reply(cmd_id, True)
            elif name == "clear_board":
                game = Game(game.n, game.komi)
                reply(cmd_id, True)
            elif name == "komi":
                game.komi = float(args[0])
                reply(cmd_id, True)
            elif name == "fixed_handicap":
                points = game.set_fixed_handicap(int(args[0]))
                reply(cmd_id, True, " ".join(point_to_vertex(p, game.n) for p in points))
            elif name == "set_free_handicap":
                game.set_handicap([vertex_to_point(v, game.n) for v in args])
                reply(cmd_id, True)
            elif name == "play":
                game.play(vertex_to_point(args[1], game.n), parse_color(args[0]))
                reply(cmd_id, True)
            elif name == "genmove":
                reply(cmd_id, True, genmove(parse_color(args[0])))
            elif name in ("time_settings", "time_left"):
                reply(cmd_id, True)
            elif name == "final_status_list":
                if opts.dead == "refuse":
                    reply(cmd_id, False, "cannot score")
                elif opts.dead == "white" and args and args[0] == "dead":
                    reply(cmd_id, True, " ".join(point_to_vertex(p, game.n)
                                                 for p in game.position.stones(WHITE)))
                else:
                    reply(cmd_id, True, "")
            elif name == "final_score":
                reply(cmd_id, True, game.result_string())
            else:
                reply(cmd_id, False, "unknown command")
        except (ValueError, IndexError, CoordinateError) as e:
            reply(cmd_id, False, str(e) or "illegal move")
    return 0


if __name__ == "__main__":
    sys.exit(main())
