"""Heuristic playouts in the style of MoGo: a few cheap tactical and shape rules, then random.

Uniformly random playouts misjudge every fight: a group in atari is saved or captured only
by chance, so the search sees half-dead groups everywhere. MoGo (Gelly, Wang, Munos and
Teytaud, "Modification of UCT with patterns in Monte-Carlo Go", INRIA RR-6062, 2006) made
its playouts answer the previous move locally, and every strong MCTS program since has done
the same. Each move here takes the first rule that yields a candidate:

1. **Atari rules** around the previous move: an own chain next to it that is now in atari
   is saved by capturing an enemy chain in atari that touches it, or by extending on its
   liberty when that leaves two or more liberties; the previous move's own chain, if it
   stands in atari, is captured.
2. **Shape**: an empty neighbour (8-neighbourhood) of the previous move that matches one of
   MoGo's 3x3 patterns (hane, cut, edge moves; ``PATTERNS``) and is not a self-atari.
3. **Capture** anywhere on the board.
4. **Random**: a uniformly random legal move that does not fill an own eye; a self-atari is
   redrawn (a few times), except a lone stone, which is kept half the time (throw-ins and
   nakade need it).

Three optional rule sets, bits of ``rules`` (playout kinds in ``search.drivers.PLAYOUT_NAMES``):

- ``RULE_NAKADE`` (kinds ``nakade``, ``nakade+ko``: the searches' default) adds what killing a group by nakade takes:
  a self-atari of several stones is kept when ``nakade.bad_selfatari`` finds that its capture
  leaves a dead eye shape (bent three, bulky five...), and before rule 1, a capture of 3-6
  stones that left such a shape is answered on its vital point.
- ``RULE_TWO_LIBERTIES`` (kinds ``+twolib``), for capturing races, between rules 1 and 2: an
  own chain that the previous move left with two liberties extends to three or more, or puts a
  two-liberty enemy chain that touches it in atari; and the previous move's chain, when it has
  two liberties, is put in atari from the side that leaves its extension at most one liberty.
- ``RULE_KO_LIMIT`` (kinds ``+ko``, part of the default ``nakade+ko``): after ``KO_CAPTURE_LIMIT``
  ko captures in one playout, no rule takes a ko and a random ko capture is redrawn. Without it, two or more ko shapes on the
  board are taken in turn by the capture rules (simple ko forbids only the immediate retake):
  in the late game of a 19x19 game against GNU Go every playout ran to the move cap and was
  scored on an unfinished board, and from ordinary 19x19 positions 60% of playouts shuttle
  through ko captures long enough to reach the limit.

A candidate of rules 1-3 is drawn uniformly among that rule's candidates. The cost is about
one 3x3 table lookup per neighbour of the previous move, plus the chain walks of the atari
rules, so a playout stays a few times cheaper than the pattern softmax of ``rollout_policy``.
Rule 3 reads a list of the chains in atari that the playout keeps up to date after each move
(``_note_ataris``); scanning the board for them instead cost half of a 19x19 playout.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.playouts.uniform import pick_random_move, playable, rand_below
from go_engine.playouts.nakade import SCRATCH, bad_selfatari, liberties_after_capped, vital_point_after_capture

assert SCRATCH <= 64  # heuristic_move lends its candidate buffer (MAX_CANDIDATES) as scratch

# 3x3 patterns around an empty candidate (the centre), written as three rows, top to bottom.
# 'X' and 'O' are stones of the two colours (a pattern matches for either side to move and
# with the colours swapped), '.' empty, '#' off the board, 'x' not X (O or empty), 'o' not O
# (X or empty), '?' anything. Every rotation and reflection matches as well. The shapes are
# the ones MoGo's report describes (its figures of hane, cut and edge patterns).
PATTERNS = (
    # hane: the candidate answers a contact between X and O
    ("???", "...", "XOX"),    # hane that encloses O between two X stones
    ("?.?", "...", "XO."),    # hane that leaves no cut
    ("x.?", "X..", "XO?"),    # magari (turning against O)
    ("...", "X..", ".O."),    # diagonal attachment / shoulder hit
    # cut
    ("?o?", "O.o", "XO?"),    # cut of a diagonal O shape that nothing protects
    ("???", "O.X", "XO?"),    # cut of a diagonal O shape that X peeps at as well
    ("ooo", "O.O", "?X?"),    # cut through a one-point jump under X
    ("???", "o.O", "OX?"),    # cut of a knight's move
    # first line (the bottom row is off the board)
    ("X.?", "O.?", "###"),    # chase along the edge
    ("OX?", "X.O", "###"),    # block the cut on the edge
    ("?X?", "x.O", "###"),    # block the connection along the edge
    ("?XO", "x.x", "###"),    # sagari (descend to the edge)
    ("?OX", "X.O", "###"),    # cut on the edge
)

# neighbour order of a key: NW, N, NE, W, E, SW, S, SE; 2 bits each (the cell's colour code)
_GRID_CELLS = ((0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2))
_ALLOWED = {
    "X": (bk.BLACK,), "O": (bk.WHITE,), ".": (bk.EMPTY,), "#": (bk.WALL,),
    "x": (bk.WHITE, bk.EMPTY), "o": (bk.BLACK, bk.EMPTY),
    "?": (bk.EMPTY, bk.BLACK, bk.WHITE, bk.WALL),
}
_SWAP = str.maketrans("XOxo", "OXox")


def _symmetries(rows: tuple[str, str, str]) -> list[tuple[str, ...]]:
    """The 8 rotations and reflections of a 3x3 pattern, each also with colours swapped."""
    grid = np.array([list(r) for r in rows])
    out = []
    for k in range(4):
        g = np.rot90(grid, k)
        for h in (g, g[:, ::-1]):
            text = tuple("".join(r) for r in h)
            out.append(text)
            out.append(tuple(r.translate(_SWAP) for r in text))
    return out


def build_pattern_table(patterns=PATTERNS) -> np.ndarray:
    """uint8[4**8]: 1 where the 8 neighbour colours (key as ``pattern_key``) match a pattern."""
    keys = np.arange(4 ** 8, dtype=np.int64)
    cells = [(keys >> (2 * i)) & 3 for i in range(8)]
    table = np.zeros(4 ** 8, dtype=np.uint8)
    for rows in patterns:
        if len(rows) != 3 or any(len(r) != 3 for r in rows) or rows[1][1] != ".":
            raise ValueError(f"a pattern is 3 rows of 3 with an empty centre: {rows!r}")
        for sym in _symmetries(rows):
            match = np.ones(4 ** 8, dtype=bool)
            for i, (r, c) in enumerate(_GRID_CELLS):
                match &= np.isin(cells[i], _ALLOWED[sym[r][c]])
            table[match] = 1
    return table


PATTERN_TABLE = build_pattern_table()  # a global: Numba bakes it into the compiled kernels

MAX_CANDIDATES = 64
RULE_NAKADE, RULE_TWO_LIBERTIES, RULE_KO_LIMIT = 1, 2, 4  # bits of ``rules``
KO_CAPTURE_LIMIT = 8  # ko captures one playout makes before RULE_KO_LIMIT stops taking kos
SELF_ATARI_TRIES = 4      # redraws of a random move that is a self-atari
LONE_SELF_ATARI_KEEP = 0.5  # chance to keep a lone-stone self-atari anyway


@njit(cache=True, nogil=True, inline="always")
def pattern_key(color, w, loc):
    """The 16-bit key of the colours of loc's 8 neighbours (order of ``_GRID_CELLS``)."""
    return (np.int64(color[loc - w - 1]) | (np.int64(color[loc - w]) << 2)
            | (np.int64(color[loc - w + 1]) << 4) | (np.int64(color[loc - 1]) << 6)
            | (np.int64(color[loc + 1]) << 8) | (np.int64(color[loc + w - 1]) << 10)
            | (np.int64(color[loc + w]) << 12) | (np.int64(color[loc + w + 1]) << 14))


@njit(cache=True, nogil=True, inline="always")
def chain_liberty(color, links, w, hd):
    """One liberty of the chain headed by hd (its only one when it is in atari)."""
    s = hd
    while True:
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == bk.EMPTY:
                return e
        s = links[bk.NEXT, s]
        if s == hd:
            return bk.NO_LOC


@njit(cache=True, nogil=True, inline="always")
def is_ko_capture(color, links, w, loc, c):
    """Would c's stone on empty ``loc`` take a ko: capture one lone stone and stand alone with
    that point as its only liberty? (Every neighbour is an enemy stone or the edge, and exactly
    one of them is a lone stone in atari.)"""
    opp = 3 - c
    taken = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == bk.EMPTY or col == c:
            return False
        if col == opp:
            hd = links[bk.HEAD, nb]
            if links[bk.LIBS, hd] == 1:
                if links[bk.SIZE, hd] != 1:
                    return False
                taken += 1
    return taken == 1


@njit(cache=True, nogil=True, inline="always")
def _pick(color, links, w, state, c, ko, cand, k, ko_ok):
    """A uniformly drawn playable candidate of cand[0:k] (dropping the unplayable, and ko
    captures unless ``ko_ok``), or NO_LOC."""
    while k > 0:
        i = rand_below(state, k)
        loc = cand[i]
        if (loc != ko and color[loc] == bk.EMPTY and playable(color, links, w, loc, c)
                and (ko_ok or not is_ko_capture(color, links, w, loc, c))):
            return loc
        k -= 1
        cand[i] = cand[k]
    return bk.NO_LOC


@njit(cache=True, nogil=True, inline="always")
def _atari_candidates(color, links, w, last, c, cand):
    """Rule 1 around the previous move ``last`` (an enemy stone): moves that save an own
    chain now in atari, and the capture of last's chain if it is in atari."""
    opp = 3 - c
    k = 0
    hd_last = links[bk.HEAD, last]
    if links[bk.LIBS, hd_last] == 1:
        cand[k] = chain_liberty(color, links, w, hd_last)
        k += 1
    for nb in (last - 1, last + 1, last - w, last + w):
        if color[nb] != c:
            continue
        hd = links[bk.HEAD, nb]
        if links[bk.LIBS, hd] != 1:
            continue
        s = hd  # capture an enemy chain in atari that touches the chain
        while True:
            for e in (s - 1, s + 1, s - w, s + w):
                if color[e] == opp and k < MAX_CANDIDATES - 1:
                    ehd = links[bk.HEAD, e]
                    if links[bk.LIBS, ehd] == 1:
                        cand[k] = chain_liberty(color, links, w, ehd)
                        k += 1
            s = links[bk.NEXT, s]
            if s == hd:
                break
        lib = chain_liberty(color, links, w, hd)  # or extend, if that gets out of atari
        if lib != bk.NO_LOC and k < MAX_CANDIDATES and liberties_after_capped(color, links, w, lib, c, bk.NO_LOC, 2) >= 2:
            cand[k] = lib
            k += 1
    return k


@njit(cache=True, nogil=True, inline="always")
def chain_two_liberties(color, links, w, hd):
    """The two liberties of the chain headed by hd, which has exactly two."""
    a = bk.NO_LOC
    s = hd
    while True:
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == bk.EMPTY:
                if a == bk.NO_LOC:
                    a = e
                elif e != a:
                    return a, e
        s = links[bk.NEXT, s]
        if s == hd:
            return a, a


@njit(cache=True, nogil=True, inline="always")
def _two_liberty_candidates(color, links, w, last, c, cand):
    """Rule 1b around the previous move ``last``: an own chain it left with two liberties
    gets out to three, or puts an enemy two-liberty chain that touches it in atari (the
    semeai move); and last's own chain, if it has two liberties, is put in an atari it
    cannot escape by extending."""
    opp = 3 - c
    k = 0
    hd_last = links[bk.HEAD, last]
    if links[bk.LIBS, hd_last] == 2:
        l1, l2 = chain_two_liberties(color, links, w, hd_last)
        if (liberties_after_capped(color, links, w, l1, c, bk.NO_LOC, 2) >= 2
                and liberties_after_capped(color, links, w, l2, opp, l1, 2) <= 1):
            cand[k] = l1
            k += 1
        if (liberties_after_capped(color, links, w, l2, c, bk.NO_LOC, 2) >= 2
                and liberties_after_capped(color, links, w, l1, opp, l2, 2) <= 1):
            cand[k] = l2
            k += 1
    for nb in (last - 1, last + 1, last - w, last + w):
        if color[nb] != c:
            continue
        hd = links[bk.HEAD, nb]
        if links[bk.LIBS, hd] != 2:
            continue
        l1, l2 = chain_two_liberties(color, links, w, hd)
        if liberties_after_capped(color, links, w, l1, c, bk.NO_LOC, 3) >= 3:
            cand[k] = l1
            k += 1
        if liberties_after_capped(color, links, w, l2, c, bk.NO_LOC, 3) >= 3:
            cand[k] = l2
            k += 1
        s = hd
        while True:
            for e in (s - 1, s + 1, s - w, s + w):
                if color[e] == opp and k < MAX_CANDIDATES - 8:
                    ehd = links[bk.HEAD, e]
                    if links[bk.LIBS, ehd] == 2:
                        e1, e2 = chain_two_liberties(color, links, w, ehd)
                        if liberties_after_capped(color, links, w, e1, c, bk.NO_LOC, 2) >= 2:
                            cand[k] = e1
                            k += 1
                        if liberties_after_capped(color, links, w, e2, c, bk.NO_LOC, 2) >= 2:
                            cand[k] = e2
                            k += 1
            s = links[bk.NEXT, s]
            if s == hd:
                break
        if k >= MAX_CANDIDATES - 8:
            break
    return k


@njit(cache=True, nogil=True, inline="always")
def _pattern_candidates(color, links, w, last, c, cand):
    """Rule 2: empty 8-neighbours of ``last`` matching a 3x3 pattern, not self-ataris."""
    k = 0
    for loc in (last - w - 1, last - w, last - w + 1, last - 1, last + 1,
                last + w - 1, last + w, last + w + 1):
        if (color[loc] == bk.EMPTY and PATTERN_TABLE[pattern_key(color, w, loc)]
                and liberties_after_capped(color, links, w, loc, c, bk.NO_LOC, 2) >= 2):
            cand[k] = loc
            k += 1
    return k


@njit(cache=True, nogil=True, inline="always")
def _note_ataris(color, links, w, loc, alist):
    """After a stone on loc: note loc and its stone neighbours whose chains are in atari.

    A chain's liberties only fall when a stone lands on one of them, so a chain in atari
    always touches (or contains) a move noted here; ``_capture_candidates`` drops the notes
    that have gone stale. alist[0] is the count, entries follow."""
    for s in (loc, loc - 1, loc + 1, loc - w, loc + w):
        col = color[s]
        if (col == bk.BLACK or col == bk.WHITE) and links[bk.LIBS, links[bk.HEAD, s]] == 1:
            na = alist[0]
            if na + 1 >= alist.shape[0]:
                na = _compact_ataris(color, links, alist)
            if na + 1 < alist.shape[0]:
                alist[na + 1] = s
                alist[0] = na + 1


@njit(cache=True, nogil=True)
def _compact_ataris(color, links, alist):
    """Keep one note per chain still in atari; return the new count."""
    kept = 0
    for i in range(1, alist[0] + 1):
        s = alist[i]
        col = color[s]
        if col != bk.BLACK and col != bk.WHITE:
            continue
        hd = links[bk.HEAD, s]
        if links[bk.LIBS, hd] != 1:
            continue
        dup = False
        for j in range(1, kept + 1):
            if links[bk.HEAD, alist[j]] == hd:
                dup = True
                break
        if not dup:
            kept += 1
            alist[kept] = s
    alist[0] = kept
    return kept


@njit(cache=True, nogil=True)
def init_ataris(color, links, alist):
    """Note every chain in atari on the board (once per playout; moves keep it current)."""
    alist[0] = 0
    for loc in range(color.shape[0]):
        col = color[loc]
        if ((col == bk.BLACK or col == bk.WHITE) and links[bk.HEAD, loc] == loc
                and links[bk.LIBS, loc] == 1 and alist[0] + 1 < alist.shape[0]):
            alist[0] += 1
            alist[alist[0]] = loc


@njit(cache=True, nogil=True, inline="always")
def _capture_candidates(color, links, w, c, alist, cand):
    """Rule 3: the last liberties of enemy chains in atari anywhere on the board, each once.
    Reads the notes of ``_note_ataris`` (compacting them), not the whole board."""
    opp = 3 - c
    k = 0
    for i in range(1, _compact_ataris(color, links, alist) + 1):
        s = alist[i]
        if color[s] == opp and k < MAX_CANDIDATES:
            lib = chain_liberty(color, links, w, links[bk.HEAD, s])
            dup = False
            for j in range(k):
                if cand[j] == lib:
                    dup = True
                    break
            if not dup:
                cand[k] = lib
                k += 1
    return k


@njit(cache=True, nogil=True, inline="always")
def heuristic_move(color, links, info, state, c, cand, alist, rules, ko_ok):
    """The move c plays in a heuristic playout (rules of the module docstring), or PASS_LOC.
    ``alist``: the chains in atari, from ``init_ataris`` kept by ``_note_ataris``. ``rules``:
    bits ``RULE_*`` (the nakade rules reuse ``cand`` as scratch). Without ``ko_ok`` no rule
    takes a ko, and a random ko capture is redrawn (a pass if it is the last draw)."""
    w = info[bk.I_N] + 2
    ko = info[bk.I_KO] if info[bk.I_KO_COLOR] == c else bk.NO_LOC
    last = info[bk.I_LAST]
    if last > 0 and color[last] == 3 - c:
        if (rules & RULE_NAKADE) and info[bk.I_LAST_CAPS] >= 3:
            loc = vital_point_after_capture(color, w, last, info[bk.I_LAST_CAPS], cand)
            if loc != bk.NO_LOC and loc != ko and playable(color, links, w, loc, c):
                return loc
        k = _atari_candidates(color, links, w, last, c, cand)
        if k > 0:
            loc = _pick(color, links, w, state, c, ko, cand, k, ko_ok)
            if loc != bk.NO_LOC:
                return loc
        if rules & RULE_TWO_LIBERTIES:
            k = _two_liberty_candidates(color, links, w, last, c, cand)
            if k > 0:
                loc = _pick(color, links, w, state, c, ko, cand, k, ko_ok)
                if loc != bk.NO_LOC:
                    return loc
        k = _pattern_candidates(color, links, w, last, c, cand)
        if k > 0:
            loc = _pick(color, links, w, state, c, ko, cand, k, ko_ok)
            if loc != bk.NO_LOC:
                return loc
    k = _capture_candidates(color, links, w, c, alist, cand)
    if k > 0:
        loc = _pick(color, links, w, state, c, ko, cand, k, ko_ok)
        if loc != bk.NO_LOC:
            return loc
    loc = bk.PASS_LOC
    for _ in range(SELF_ATARI_TRIES):
        loc = pick_random_move(color, links, info, state, c)
        if loc != bk.PASS_LOC and not ko_ok and is_ko_capture(color, links, w, loc, c):
            loc = bk.PASS_LOC
            continue
        if loc == bk.PASS_LOC or liberties_after_capped(color, links, w, loc, c, bk.NO_LOC, 2) >= 2:
            return loc
        lone = ((links[bk.NBR, loc] >> (bk.NBR_BITS * c)) & bk.NBR_MASK) == 0
        if lone:
            if rand_below(state, 1 << 20) < LONE_SELF_ATARI_KEEP * (1 << 20):
                return loc
        elif (rules & RULE_NAKADE) and not bad_selfatari(color, links, w, loc, c, cand):
            return loc
    return loc


@njit(cache=True, nogil=True)
def heuristic_playout(color, links, info, zob, state, max_moves, record, first_ply, ply0, rules):
    """Play heuristic moves to the end in place; return the number of moves played. With
    ``record``, first_ply[loc] (if still -1) gets the ply from the search root (the playout
    starts at ply0) of the first move on loc, for RAVE. ``rules``: bits ``RULE_*``."""
    cand = np.empty(MAX_CANDIDATES, np.int64)
    alist = np.empty(color.shape[0] + 1, np.int64)
    return _heuristic_moves(color, links, info, zob, state, max_moves, record, first_ply, ply0, cand, alist,
                            rules)


@njit(cache=True, nogil=True)
def _heuristic_moves(color, links, info, zob, state, max_moves, record, first_ply, ply0, cand, alist, rules):
    """The move loop of ``heuristic_playout``, on scratch arrays the caller keeps alive."""
    color = bk.borrow(color)
    links = bk.borrow(links)
    info = bk.borrow(info)
    zob = bk.borrow(zob)
    state = bk.borrow(state)
    first_ply = bk.borrow(first_ply)
    cand = bk.borrow(cand)
    alist = bk.borrow(alist)
    w = info[bk.I_N] + 2
    init_ataris(color, links, alist)
    c = info[bk.I_TO_PLAY]
    h = np.uint64(0)
    moves = 0
    kos = 0
    while moves < max_moves and info[bk.I_PASSES] < 2:
        loc = heuristic_move(color, links, info, state, c, cand, alist, rules,
                             (rules & RULE_KO_LIMIT) == 0 or kos < KO_CAPTURE_LIMIT)
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            h = bk.place_stone_inline(color, links, info, zob, h, loc, c)
            kos += info[bk.I_KO] != bk.NO_LOC
            _note_ataris(color, links, w, loc, alist)
            if record and first_ply[loc] < 0:
                first_ply[loc] = ply0 + moves
        c = 3 - c
        moves += 1
    return moves
