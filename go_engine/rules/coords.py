"""Every coordinate system of the engine, and the conversions between them.

| name   | type          | range                   | used by                                  |
|--------|---------------|-------------------------|------------------------------------------|
| loc    | int           | 0 .. (n+2)^2 - 1        | Numba board kernels (padded, wall cells) |
| point  | int           | 0 .. n*n - 1, PASS=n*n  | features, networks, search, move lists   |
| (r, c) | (int, int)    | row 0 = top line        | ASCII boards, NumPy planes               |
| vertex | str           | "A1".."T19", "pass"     | GTP (column letters skip I, row 1 bottom)|
| sgf    | str           | "aa".."ss", "" = pass   | SGF (row a = top line)                   |

The padded board has stride ``w = n + 2``: ``loc = (r + 1) * w + (c + 1)``. Wall cells
surround the board so neighbour lookups never need bounds checks.
Locs use ``PASS_LOC = -1`` for a pass and ``NO_LOC = 0`` (a wall corner) for "none".
"""
from __future__ import annotations

import numpy as np

MIN_SIZE = 2
MAX_SIZE = 25
PASS_LOC = -1
NO_LOC = 0  # the top-left wall cell is never a move, so it doubles as "none"
GTP_COLUMNS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"  # no I, as GTP and every Go GUI require


class CoordinateError(ValueError):
    """A vertex or SGF point that does not name a point of this board."""


def stride(n: int) -> int:
    return n + 2


def loc_of(r: int, c: int, n: int) -> int:
    return (r + 1) * (n + 2) + (c + 1)


def rc_of_loc(loc: int, n: int) -> tuple[int, int]:
    w = n + 2
    return loc // w - 1, loc % w - 1


def point_of_loc(loc: int, n: int) -> int:
    if loc == PASS_LOC:
        return n * n
    r, c = rc_of_loc(loc, n)
    return r * n + c


def loc_of_point(point: int, n: int) -> int:
    if point == n * n:
        return PASS_LOC
    return loc_of(point // n, point % n, n)


def point_to_loc_table(n: int) -> np.ndarray:
    """int32[n*n + 1]: loc of each point, PASS_LOC for the pass index."""
    table = np.empty(n * n + 1, dtype=np.int32)
    for p in range(n * n):
        table[p] = loc_of(p // n, p % n, n)
    table[n * n] = PASS_LOC
    return table


def loc_to_point_table(n: int) -> np.ndarray:
    """int32[(n+2)^2]: point of each on-board loc, -1 on walls."""
    w = n + 2
    table = np.full(w * w, -1, dtype=np.int32)
    for p in range(n * n):
        table[loc_of(p // n, p % n, n)] = p
    return table


def point_to_vertex(point: int, n: int) -> str:
    if point == n * n:
        return "pass"
    r, c = divmod(point, n)
    return f"{GTP_COLUMNS[c]}{n - r}"


def vertex_to_point(vertex: str, n: int) -> int:
    """Parse a GTP vertex ("D4", "pass", case-insensitive); raise CoordinateError if off-board."""
    v = vertex.strip().upper()
    if v == "PASS":
        return n * n
    if len(v) < 2 or v[0] not in GTP_COLUMNS or not v[1:].isdigit():
        raise CoordinateError(f"invalid vertex {vertex!r}")
    c = GTP_COLUMNS.index(v[0])
    row = int(v[1:])
    if c >= n or not 1 <= row <= n:
        raise CoordinateError(f"vertex {vertex!r} is off a {n}x{n} board")
    return (n - row) * n + c


def point_to_sgf(point: int, n: int) -> str:
    if point == n * n:
        return ""
    r, c = divmod(point, n)
    return "abcdefghijklmnopqrstuvwxy"[c] + "abcdefghijklmnopqrstuvwxy"[r]


def rc_to_point(r: int, c: int, n: int) -> int:
    return r * n + c
