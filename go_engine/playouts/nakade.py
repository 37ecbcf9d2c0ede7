"""Nakade: which self-ataris are worth playing, and the vital point of a dead eye space.

A playout that never puts a chain of several stones into atari cannot kill a group whose eye
space is a dead shape (bent three, bulky five, rabbity six...): the killer must fill the space
until its stones stand in atari, so that their capture leaves one eye. One that plays every
self-atari throws away stones all over the board. ``bad_selfatari`` draws the line the way
strong playout engines do, on the local shape only:

- a move that captures, or that keeps two liberties, is no self-atari;
- a suicide is bad, and so is a self-atari whose chain could extend on its last liberty to
  two liberties instead (an escape, not a sacrifice);
- a lone stone whose capture would be retaken at once (snapback) is good;
- otherwise the opponent captures on the last liberty ``L``. The points it takes (every chain
  of ours whose only liberty is ``L``) become its eye space ``E``. The self-atari is good when
  ``E`` is one connected dead shape of at most six points (``is_dead_shape``), bad otherwise:
  a shape that lives, two separate eyes, or a chain too big to be a sacrifice.

After such a capture the killer must still take the vital point of the new eye space at once
(``vital_point_after_capture``), or the owner takes it and lives.

These read the board and write nothing; they run only on the rare moves that leave a chain
one liberty or capture three to six stones, so they cost the playouts little. Pachi's
t-unit ``selfatari.t`` (its answers, not its code) is the yardstick: ``tests/test_nakade.py``.
"""
from __future__ import annotations

from numba import njit

from go_engine.rules import board_kernels as bk

MAX_NAKADE = 6  # the largest dead eye space: rabbity six
SCRATCH = 2 * MAX_NAKADE + 2  # buffer length callers pass to bad_selfatari


@njit(cache=True, nogil=True, inline="always")
def _add_distinct(e, a, b, n):
    """Count point ``e`` into the first two distinct points ``a``, ``b`` seen so far (``n`` of
    them, 3 once a third distinct point turned up)."""
    if n == 0:
        return e, b, 1
    if e == a or (n == 2 and e == b):
        return a, b, n
    if n == 1:
        return a, e, 2
    return a, b, 3


@njit(cache=True, nogil=True)
def liberties_after_capped(color, links, w, loc, c, skip, cap):
    """min(``cap``, liberties of c's chain after c plays empty ``loc``), ``cap`` 2 or 3, with an
    adjacent enemy chain in atari counted as captured (its touching stone's point becomes a
    liberty), and the point ``skip`` not counted (``NO_LOC``, a wall cell, skips nothing). Needs
    no scratch: it stops at the ``cap``-th distinct liberty."""
    opp = 3 - c
    a = -1
    b = -1
    n = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if (col == bk.EMPTY and nb != skip) or (col == opp and links[bk.LIBS, links[bk.HEAD, nb]] == 1):
            a, b, n = _add_distinct(nb, a, b, n)
            if n >= cap:
                return cap
    # a chain with this many liberties keeps cap of them when it loses loc and skip
    enough = cap + 1 if skip == bk.NO_LOC else cap + 2
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == c:
            hd = links[bk.HEAD, nb]
            if links[bk.LIBS, hd] >= enough:
                return cap
            s = hd
            while True:
                for e in (s - 1, s + 1, s - w, s + w):
                    if color[e] == bk.EMPTY and e != loc and e != skip:
                        a, b, n = _add_distinct(e, a, b, n)
                        if n >= cap:
                            return cap
                s = links[bk.NEXT, s]
                if s == hd:
                    break
    return n


@njit(cache=True, nogil=True, inline="always")
def _adjacent(a, b, w):
    d = a - b
    return d == 1 or d == -1 or d == w or d == -w


@njit(cache=True, nogil=True, inline="always")
def _degree(cells, k, i, w):
    """How many of the points cells[0:k] touch cells[i]."""
    degree = 0
    for j in range(k):
        if _adjacent(cells[i], cells[j], w):
            degree += 1
    return degree


@njit(cache=True, nogil=True)
def is_dead_shape(cells, k, w):
    """True when the k <= 6 connected points cells[0:k] (padded locs, stride w), as an eye
    space, make only one eye: every shape of 1-3 points, the square and the pyramid of four,
    the bulky and the crossed five, the rabbity six. Straight, bent and twisted fours, the other
    fives and the other sixes give two eyes to the side that owns them, if it plays first."""
    if k <= 3:
        return True
    if k > MAX_NAKADE:
        return False
    edges = 0
    max_degree = 0
    for i in range(k):
        degree = _degree(cells, k, i, w)
        edges += degree
        max_degree = max(max_degree, degree)
    edges //= 2
    if k == 4:
        return edges == 4 or max_degree == 3  # square (a cycle) or pyramid
    if k == 5:
        return edges == 5 or max_degree == 4  # bulky five (square + 1) or cross
    return edges == 6 and max_degree == 4      # rabbity six: cross + 1 closing a square


@njit(cache=True, nogil=True)
def _connected(cells, k, w):
    """True when the k <= 6 points cells[0:k] form one 4-connected group (no allocation: the
    points reached so far are bits of one integer)."""
    reached = 1
    grew = True
    while grew:
        grew = False
        for i in range(k):
            if (reached >> i) & 1:
                continue
            for j in range(k):
                if (reached >> j) & 1 and _adjacent(cells[i], cells[j], w):
                    reached |= 1 << i
                    grew = True
                    break
    return reached == (1 << k) - 1


@njit(cache=True, nogil=True)
def _add_chain(links, hd, cells, k):
    """Append the stones of the chain headed by hd to cells[k:] unless already there; return
    the new count, or -1 when it would pass SCRATCH stones."""
    for i in range(k):
        if links[bk.HEAD, cells[i]] == hd:
            return k
    if k + links[bk.SIZE, hd] > SCRATCH:
        return -1
    s = hd
    while True:
        cells[k] = s
        k += 1
        s = links[bk.NEXT, s]
        if s == hd:
            return k


@njit(cache=True, nogil=True)
def _touches(links, w, hd, loc):
    """True when a stone of the chain headed by hd is next to loc."""
    s = hd
    while True:
        if s - 1 == loc or s + 1 == loc or s - w == loc or s + w == loc:
            return True
        s = links[bk.NEXT, s]
        if s == hd:
            return False


@njit(cache=True, nogil=True)
def _snaps_back(color, links, w, loc, lib, c):
    """True when the opponent's capture of our lone stone on loc (by playing lib) leaves its
    capturing chain of two or more stones with loc as its only liberty, to be retaken."""
    opp = 3 - c
    size = 1
    for nb in (lib - 1, lib + 1, lib - w, lib + w):
        col = color[nb]
        if col == bk.EMPTY and nb != loc:
            return False  # the capturing stone keeps a second liberty
        if col == opp:
            hd = links[bk.HEAD, nb]
            libs = links[bk.LIBS, hd]
            if libs > 2 or (libs == 2 and not _touches(links, w, hd, loc)):
                return False  # it keeps a liberty other than loc
            size += links[bk.SIZE, hd]
    return size >= 2


@njit(cache=True, nogil=True)
def bad_selfatari(color, links, w, loc, c, cells):
    """True when c playing empty, legal ``loc`` is a self-atari not worth its stones (module
    docstring). ``cells``: int64 scratch of length >= ``SCRATCH``. The board is not changed."""
    opp = 3 - c
    lib = bk.NO_LOC
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == opp and links[bk.LIBS, links[bk.HEAD, nb]] == 1:
            return False  # it captures: its value is the capture, not judged here
        if col == bk.EMPTY:
            if lib != bk.NO_LOC and nb != lib:
                return False  # two liberties of its own
            lib = nb
    # the chain after the move: loc and the own chains next to it, capped at SCRATCH stones
    cells[0] = loc
    k = 1
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == c:
            hd = links[bk.HEAD, nb]
            if links[bk.LIBS, hd] >= 3:
                return False  # it keeps two liberties besides loc
            k = _add_chain(links, hd, cells, k)
            if k < 0:
                return True  # more stones than any sacrifice: too big to give away
    for i in range(1, k):  # liberties of the own chains, other than loc
        s = cells[i]
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == bk.EMPTY and e != loc:
                if lib != bk.NO_LOC and e != lib:
                    return False
                lib = e
    if lib == bk.NO_LOC:
        return True  # suicide
    if k == 1 and _snaps_back(color, links, w, loc, lib, c):
        return False
    if liberties_after_capped(color, links, w, lib, c, loc, 2) >= 2:
        return True  # extending on the last liberty instead keeps two: escape, not sacrifice
    # E: every chain of ours that the capture on lib takes with it
    for nb in (lib - 1, lib + 1, lib - w, lib + w):
        if color[nb] == c:
            hd = links[bk.HEAD, nb]
            if links[bk.LIBS, hd] == 1:  # the chains next to loc are in cells already
                k = _add_chain(links, hd, cells, k)
                if k < 0:
                    return True
    if k > MAX_NAKADE or not _connected(cells, k, w):
        return True
    return not is_dead_shape(cells, k, w)


@njit(cache=True, nogil=True)
def _small_empty_region(color, w, start, cells):
    """Collect the empty region holding ``start`` into cells[0:k]; return k, or
    MAX_NAKADE + 1 as soon as it grows past a nakade's size."""
    cells[0] = start
    k = 1
    i = 0
    while i < k:
        p = cells[i]
        i += 1
        for e in (p - 1, p + 1, p - w, p + w):
            if color[e] != bk.EMPTY:
                continue
            seen = False
            for j in range(k):
                if cells[j] == e:
                    seen = True
                    break
            if not seen:
                if k == MAX_NAKADE:
                    return MAX_NAKADE + 1
                cells[k] = e
                k += 1
    return k


@njit(cache=True, nogil=True)
def vital_point_after_capture(color, w, last, captured, cells):
    """The vital point of the eye space that the move on ``last`` just opened by capturing
    ``captured`` stones, when that space is a dead shape of 3-6 points with one (the point
    touching most of the others: the middle of a three, the centre of a pyramid, cross,
    bulky five or rabbity six); else NO_LOC. The square four has none: it is dead as it is.
    ``cells``: int64 scratch of length >= ``SCRATCH``."""
    if captured < 3 or captured > MAX_NAKADE:
        return bk.NO_LOC
    for start in (last - 1, last + 1, last - w, last + w):
        if color[start] != bk.EMPTY:
            continue
        k = _small_empty_region(color, w, start, cells)
        if k < 3 or k > MAX_NAKADE or not is_dead_shape(cells, k, w):
            continue
        best = bk.NO_LOC
        best_degree = 0
        for i in range(k):
            degree = _degree(cells, k, i, w)
            if degree > best_degree:
                best, best_degree = cells[i], degree
        if k == 4 and best_degree == 2:
            return bk.NO_LOC  # square four
        return best
    return bk.NO_LOC

