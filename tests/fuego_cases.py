"""Parser for Fuego's playout-policy regression files (``regression/playout_*.tst``).

Each case loads an SGF (``loadsgf FILE [N]``: the position before move N) and names the moves
Fuego's playout policy should play first there: ``reg_genmove`` with ``#? [A|B]`` or
``#? [!(A|B)]``, or ``uct_policy_moves[_simple]`` with ``#? [Reason A B]``. A trailing ``*``
marks a case Fuego itself fails. Only the moves are kept; Fuego's move reasons are its own.
"""
from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = "fuego_regression/regression/"
FIRST_MOVE_COMMANDS = ("reg_genmove", "uct_policy_moves", "uct_policy_moves_simple")


@dataclass(frozen=True)
class FuegoCase:
    name: str  # "playout_nakade.20"
    sgf: str  # path inside the archive
    moves_played: int  # how many of the SGF's moves to replay (N - 1 for "loadsgf FILE N")
    color: str | None  # "b"/"w" for reg_genmove, None: the side to play in the SGF
    moves: frozenset[str]  # expected (or, with negated, forbidden) first moves, e.g. {"J3"}
    negated: bool
    fuego_fails: bool


def _expected(answer: str) -> tuple[frozenset[str], bool] | None:
    """``A|B`` / ``!(A|B)`` / ``Reason A B``: the vertices and whether they are forbidden."""
    negated = answer.startswith("!")
    body = answer.lstrip("!").strip("()")
    tokens = re.split(r"[|\s]+", body)
    vertices = [t for t in tokens if re.fullmatch(r"[A-HJ-T]\d{1,2}", t)]
    if not vertices or any(":" in t for t in tokens):  # weighted move lists are not first-move answers
        return None
    return frozenset(vertices), negated


def parse_tst(text: str, suite: str) -> list[FuegoCase]:
    cases: list[FuegoCase] = []
    sgf, moves_played, pending = None, 0, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("loadsgf"):
            parts = line.split()
            sgf = ROOT + parts[1]
            moves_played = int(parts[2]) - 1 if len(parts) > 2 else 10_000
            pending = None
        elif line and line[0].isdigit():
            parts = line.split()
            pending = (parts[0], parts[1], parts[2] if len(parts) > 2 else None)
        elif line.startswith("#?") and pending and sgf:
            number, command, color = pending
            pending = None
            if command not in FIRST_MOVE_COMMANDS:
                continue
            m = re.match(r"#\?\s*\[(.*)\](\*?)", line)
            parsed = _expected(m.group(1)) if m else None
            if parsed:
                cases.append(FuegoCase(f"{suite}.{number}", sgf, moves_played,
                                       color.lower()[0] if command == "reg_genmove" and color else None,
                                       parsed[0], parsed[1], bool(m.group(2))))
    return cases


def read_suites(archive: Path) -> tuple[list[FuegoCase], dict[str, bytes]]:
    """Every first-move case of the playout suites listed in ``playout.list``, and the SGFs they load."""
    with tarfile.open(archive, "r:xz") as tar:
        names = tar.extractfile(ROOT + "playout.list").read().decode().split()
        cases = []
        for name in (n for n in names if n.endswith(".tst")):
            cases += parse_tst(tar.extractfile(ROOT + name).read().decode("utf-8"), name[:-4])
        sgfs = {c.sgf: tar.extractfile(c.sgf).read() for c in cases}
    return cases, sgfs
