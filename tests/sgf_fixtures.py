"""Tiny SGF archives for the SL tests: random legal games written as an .sgfs file in a .tar.xz."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from go_engine.rules.game import Game
from go_engine.rules.position import BLACK


def random_game(n: int, moves: int, seed: int, local: bool = False) -> Game:
    """Random legal moves; ``local``: next to the previous move whenever possible, a pattern
    that a small net learns in a few dozen steps (uniform random moves teach almost nothing)."""
    rng = np.random.default_rng(seed)
    game = Game(n, 7.0)
    for _ in range(moves):
        legal = [p for p in range(n * n) if game.position.is_legal(p)]
        if not legal:
            break
        if local and game.moves:
            last = game.moves[-1].point
            near = [p for p in legal if abs(p // n - last // n) + abs(p % n - last % n) == 1]
            legal = near or legal
        game.play(int(rng.choice(legal)))
    return game


def game_to_sgf(game: Game, result: str = "B+R", name: str = "") -> str:
    n = game.n
    parts = [f"(;GM[1]FF[4]SZ[{n}]KM[7.0]RE[{result}]GN[{name}]"]
    for m in game.moves:
        if m.point == n * n:
            coord = ""
        else:
            r, c = divmod(m.point, n)
            coord = chr(ord("a") + c) + chr(ord("a") + r)
        parts.append(f";{'B' if m.color == BLACK else 'W'}[{coord}]")
    return "".join(parts) + ")"


def write_archive(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    with tarfile.open(path, "w:xz") as tar:
        info = tarfile.TarInfo("tiny/tiny.sgfs")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def tiny_archive(path: Path, games: int = 40, n: int = 9, moves: int = 30, seed: int = 0,
                 extras: bool = True, local: bool = False) -> tuple[Path, list[Game]]:
    """An archive of ``games`` random games (with a pass each), plus, when ``extras``, a broken
    line, a 19x19 game and a duplicate, which the builder must skip."""
    made = []
    lines = []
    for k in range(games):
        g = random_game(n, moves + k % 7, seed * 1000 + k, local)
        g.play(n * n)  # a pass: never a training target
        made.append(g)
        lines.append(game_to_sgf(g, "B+R" if k % 2 else "W+3.5", f"g{k}"))
    if extras:
        lines.append("(;GM[1]FF[4]SZ[9];B[cc];W[cc];B[zz])")  # broken: off-board move
        lines.append(game_to_sgf(random_game(19, 20, 99), name="big"))
        lines.append(lines[0].replace("GN[g0]", "GN[dup]"))
    return write_archive(path, lines), made
