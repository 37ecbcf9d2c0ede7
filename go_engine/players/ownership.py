"""Who owns each point, estimated by playouts, and the life-and-death verdicts built on it
(GTP ``final_status_list``, ``final_score``).

Ownership: K heuristic playouts with the nakade rules (``playouts.heuristic``, kind ``nakade``)
from copies of the position, each counted by Tromp-Taylor (``board_kernels.area_owner``); a
point's ownership is the share of playouts in which each colour owns it. They answer ataris,
capture, and kill by nakade (a sacrifice whose capture leaves a dead eye shape, then the vital
point), so they settle clear positions reliably; close fights they still settle by chance.
Uniform random playouts, used before, called a group that dies by a bulky-five sacrifice a seki
(``tests/fixtures/sgf/bulky_five_kill_19.sgf``).

Verdicts, per chain (a chain lives or dies as a whole):
- **seki**: a black and a white chain border the same neutral empty region (dame as the board
  stands: it touches both colours), neither is clearly dead (owned by the opponent in at most
  ``SEKI_MAX_DEAD`` of the playouts), and either both are contested (each owned by the opponent
  in at least ``1 - SEKI_MAX_DEAD`` of them) or every liberty they share directly is a point
  neither side can fill (illegal, or a self-atari that captures nothing and is no nakade:
  ``nakade.bad_selfatari``). Playouts break a seki by filling a shared liberty in the end, so
  seki stones look contested, while a settled group is owned by one side in nearly every
  playout; an undecided capturing race also reads as seki, which scores the same way (both
  chains stay, the shared points count for nobody).
- **dead**: otherwise, owned by the opponent in more than half of the playouts.
- **alive**: everything else.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from go_engine.rules import board_kernels as bk
from go_engine.playouts.ownership_kernel import ownership_counts
from go_engine.playouts.nakade import SCRATCH, bad_selfatari
from go_engine.rules.conventions import playout_move_cap
from go_engine.rules.position import BLACK, EMPTY, WHITE, ZOBRIST, Position

DEFAULT_PLAYOUTS = 256
SEKI_MAX_DEAD = 0.8


@dataclass(frozen=True)
class Ownership:
    """Shares of playouts in which black / white own each point (float[n*n] each)."""

    black: np.ndarray
    white: np.ndarray
    playouts: int

    def of(self, c: int) -> np.ndarray:
        return self.black if c == BLACK else self.white

    def balance(self) -> np.ndarray:
        """black - white in [-1, 1]: GoGui's ``dboard`` ownership view."""
        return self.black - self.white


def estimate_ownership(position: Position, playouts: int = DEFAULT_PLAYOUTS, seed: int = 0) -> Ownership:
    """Ownership shares from ``playouts`` nakade playouts (deterministic for a seed)."""
    if playouts < 1:
        raise ValueError("need at least one playout")
    cells = position.color.shape[0]
    black = np.zeros(cells, dtype=np.int32)
    white = np.zeros(cells, dtype=np.int32)
    ownership_counts(position.color, position.links, position.info, ZOBRIST, seed, playouts,
                     playout_move_cap(position.n), black, white)
    on_board = position.p2l[:-1]
    return Ownership(black[on_board] / playouts, white[on_board] / playouts, playouts)


def chains(position: Position) -> list[list[int]]:
    """Every chain on the board as a sorted list of points, in order of its first point."""
    heads: dict[int, list[int]] = {}
    for p in range(position.n * position.n):
        loc = int(position.p2l[p])
        if position.color[loc] in (BLACK, WHITE):
            heads.setdefault(int(position.links[bk.HEAD, loc]), []).append(p)
    return list(heads.values())


def _neighbours(p: int, n: int) -> list[int]:
    r, c = divmod(p, n)
    out = []
    if r > 0:
        out.append(p - n)
    if r < n - 1:
        out.append(p + n)
    if c > 0:
        out.append(p - 1)
    if c < n - 1:
        out.append(p + 1)
    return out


def _cannot_fill(position: Position, point: int, c: int) -> bool:
    """Would c playing ``point`` be illegal, or a self-atari that captures nothing and kills
    nothing (``nakade.bad_selfatari``: filling a shared liberty to sacrifice stones whose
    capture leaves a dead eye shape breaks what only looks like a seki)?"""
    if position.color[int(position.p2l[point])] != EMPTY or not position.is_legal(point, c, superko=False):
        return True
    loc = int(position.p2l[point])
    return bool(bad_selfatari(position.color, position.links, position.n + 2, loc, c,
                              np.empty(SCRATCH, np.int64)))


def _neutral_regions(position: Position) -> list[set[int]]:
    """Empty regions that touch both colours (Tromp-Taylor dame as the board stands)."""
    n = position.n
    board = position.board().ravel()
    seen: set[int] = set()
    regions = []
    for start in range(n * n):
        if board[start] != EMPTY or start in seen:
            continue
        region, stack, touch = {start}, [start], set()
        seen.add(start)
        while stack:
            p = stack.pop()
            for q in _neighbours(p, n):
                if board[q] == EMPTY:
                    if q not in seen:
                        seen.add(q)
                        region.add(q)
                        stack.append(q)
                else:
                    touch.add(int(board[q]))
        if len(touch) == 2:
            regions.append(region)
    return regions


def final_status(position: Position, playouts: int = DEFAULT_PLAYOUTS, seed: int = 0,
                 ownership: Ownership | None = None) -> dict[int, str]:
    """Map every stone's point to "alive", "dead" or "seki" (see the module docstring)."""
    n = position.n
    own = ownership if ownership is not None else estimate_ownership(position, playouts, seed)
    board = position.board().ravel()
    all_chains = chains(position)
    chain_of = {p: i for i, ch in enumerate(all_chains) for p in ch}
    dead_share = [float(np.mean(own.of(3 - int(board[ch[0]]))[ch])) for ch in all_chains]
    status = ["dead" if s > 0.5 else "alive" for s in dead_share]
    for region in _neutral_regions(position):
        edge = sorted({chain_of[q] for p in region for q in _neighbours(p, n) if board[q] != EMPTY})
        for a in edge:
            for b in edge:
                if board[all_chains[a][0]] != BLACK or board[all_chains[b][0]] != WHITE:
                    continue
                if max(dead_share[a], dead_share[b]) > SEKI_MAX_DEAD:
                    continue
                contested = min(dead_share[a], dead_share[b]) >= 1.0 - SEKI_MAX_DEAD
                if contested or _unfillable(position, region, all_chains[a], all_chains[b]):
                    status[a] = status[b] = "seki"
    return {p: status[i] for i, ch in enumerate(all_chains) for p in ch}


def _unfillable(position: Position, region: set[int], a: list[int], b: list[int]) -> bool:
    """Static seki test: every point of ``region`` next to both chains (a shared liberty) is
    one that neither colour can fill without harm; there is at least one."""
    n = position.n
    sa, sb = set(a), set(b)
    libs = [p for p in region if any(q in sa for q in _neighbours(p, n))
            and any(q in sb for q in _neighbours(p, n))]
    return bool(libs) and all(_cannot_fill(position, p, BLACK) and _cannot_fill(position, p, WHITE)
                              for p in libs)


def status_chains(position: Position, wanted: str, status: dict[int, str]) -> list[list[int]]:
    """The chains whose verdict is ``wanted``, each a sorted list of points."""
    return [ch for ch in chains(position) if status[ch[0]] == wanted]


def score_without_dead(position: Position, komi: float, dead: list[int]) -> float:
    """Area score (black - white - komi) with the ``dead`` stones taken off first."""
    color = position.color.copy()
    for p in dead:
        color[int(position.p2l[p])] = EMPTY
    return float(bk.area_score(color, position.n, komi))
