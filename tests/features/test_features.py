"""AlphaGo's 48 planes, plane by plane: hand-checked ASCII fixtures, and a reference built by
really playing each move on a copy (``Position.play``) and flood-filling the board."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import vertex_to_point
from go_engine.features.planes import (N_POLICY_PLANES, N_VALUE_PLANES, P_CAPTURE, P_EMPTY, P_LADDER_CAPTURE,
                                P_LADDER_ESCAPE, P_LIBS, P_LIBS_AFTER, P_ONES, P_OPP, P_OWN, P_PLAYER_COLOR,
                                P_SELF_ATARI, P_SENSIBLE, P_TURNS, P_ZEROS, PLANE_NAMES, FeatureScratch,
                                apply_symmetry, batch_planes_from_moves, encode_moves, inverse_symmetry,
                                position_planes, symmetry_point_maps)
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, Position
from tests.sgf_fixtures import random_game


def plane(planes: np.ndarray, k: int) -> np.ndarray:
    return planes[:, :, k]


def at(planes: np.ndarray, vertex: str, k: int) -> int:
    n = planes.shape[0]
    p = vertex_to_point(vertex, n)
    return int(planes[p // n, p % n, k])


def onehot_value(planes: np.ndarray, vertex: str, first: int, offset: int = 1) -> int | None:
    """The value a group of 8 one-hot planes encodes at a vertex (None when all are 0)."""
    n = planes.shape[0]
    p = vertex_to_point(vertex, n)
    hot = np.flatnonzero(planes[p // n, p % n, first:first + 8])
    assert len(hot) <= 1
    return None if len(hot) == 0 else int(hot[0]) + offset


FIXTURE = """
. X O . .
X O . . .
. X O . .
. . . . .
. . . . X
"""


def test_plane_count_and_names():
    assert N_POLICY_PLANES == 48 and N_VALUE_PLANES == 49 and len(PLANE_NAMES) == 49
    pos = Position.from_ascii(FIXTURE, to_play=BLACK)
    assert position_planes(pos).shape == (5, 5, 48)
    assert position_planes(pos, n_planes=49).shape == (5, 5, 49)


def test_stone_colour_ones_zeros_player_colour():
    for to_play in (BLACK, WHITE):
        pos = Position.from_ascii(FIXTURE, to_play=to_play)
        f = position_planes(pos, n_planes=49)
        board = pos.board()
        assert (plane(f, P_OWN) == (board == to_play)).all()
        assert (plane(f, P_OPP) == (board == 3 - to_play)).all()
        assert (plane(f, P_EMPTY) == (board == 0)).all()
        assert (plane(f, P_ONES) == 1).all() and (plane(f, P_ZEROS) == 0).all()
        assert (plane(f, P_PLAYER_COLOR) == (to_play == BLACK)).all()


def test_liberties_of_stones():
    f = position_planes(Position.from_ascii(FIXTURE, to_play=BLACK))
    assert onehot_value(f, "B5", P_LIBS) == 1  # X B5: only A5... C5 is O, B4 is O -> A5
    assert onehot_value(f, "C5", P_LIBS) == 2  # O C5: D5, and C4
    assert onehot_value(f, "B4", P_LIBS) == 1  # O B4: only C4
    assert onehot_value(f, "E1", P_LIBS) == 2
    assert onehot_value(f, "D4", P_LIBS) is None  # empty points carry no liberty plane


def test_capture_self_atari_liberties_after():
    f = position_planes(Position.from_ascii(FIXTURE, to_play=BLACK))
    # black C4 captures the white B4 stone (its last liberty); the new stone then has the
    # liberties B4 (freed) and D4, since C5 and C3 are white
    assert onehot_value(f, "C4", P_CAPTURE, offset=0) == 1
    assert onehot_value(f, "C4", P_LIBS_AFTER) == 2
    assert onehot_value(f, "C4", P_SELF_ATARI) is None
    assert onehot_value(f, "D4", P_CAPTURE, offset=0) == 0
    assert onehot_value(f, "D4", P_LIBS_AFTER) == 4
    # white A5 takes B5's last liberty: captures one stone
    fw = position_planes(Position.from_ascii(FIXTURE, to_play=WHITE))
    assert onehot_value(fw, "A5", P_CAPTURE, offset=0) == 1
    # occupied points have no move planes
    for k in list(range(P_CAPTURE, P_LIBS_AFTER + 8)) + [P_SENSIBLE]:
        assert at(f, "B5", k) == 0


def test_self_atari_size():
    board = """
. . . . .
O O O . .
X X O . .
. . O . .
{row1}
"""
    f = position_planes(Position.from_ascii(board.format(row1=". . . . ."), to_play=BLACK))
    # black A2 joins A3-B3: liberties A1 and B2, not a self-atari
    assert onehot_value(f, "A2", P_SELF_ATARI) is None
    assert onehot_value(f, "A2", P_LIBS_AFTER) == 2
    f2 = position_planes(Position.from_ascii(board.format(row1="O . . . ."), to_play=BLACK))
    # with white on A1, A2 leaves A3-B3-A2 with B2 only: self-atari of 3 stones
    assert onehot_value(f2, "A2", P_SELF_ATARI) == 3
    assert onehot_value(f2, "A2", P_LIBS_AFTER) == 1
    assert onehot_value(f2, "B2", P_LIBS_AFTER) == 2  # A2, B1
    assert onehot_value(f2, "B2", P_SELF_ATARI) is None


def test_turns_since():
    game = Game(5, 7.0)
    points = [0, 24, 6, 18, 12, 2, 4, 20, 8, 16]
    for p in points:
        game.play(p)
    f = position_planes(game.position)
    n = 5
    for k, p in enumerate(points):
        age = len(points) - k  # the last move is 1 turn ago
        hot = np.flatnonzero(f[p // n, p % n, P_TURNS:P_TURNS + 8])
        assert list(hot) == [min(age, 8) - 1], (p, age)
    # setup stones count as old
    pos = Position.from_ascii(FIXTURE)
    assert onehot_value(position_planes(pos), "B5", P_TURNS) == 8


def test_sensibleness_excludes_own_eyes_and_illegal():
    pos = Position.from_ascii("""
. X . . .
X X . . .
. . . . .
. . . O O
. . . O .
""", to_play=BLACK)
    f = position_planes(pos)
    assert at(f, "A5", P_SENSIBLE) == 0  # own eye
    assert at(f, "E1", P_SENSIBLE) == 0  # suicide for black
    assert at(f, "E1", P_LIBS_AFTER) == 0
    assert at(f, "C3", P_SENSIBLE) == 1
    fw = position_planes(Position.from_ascii(pos.to_ascii(), to_play=WHITE))
    assert at(fw, "E1", P_SENSIBLE) == 0 and at(fw, "A5", P_SENSIBLE) == 0  # own eye; suicide


def test_ko_point_is_not_a_legal_move():
    game = Game(5, 7.0)
    # build a ko: black captures and white may not retake at once
    for v in ["B4", "C4", "A3", "D3", "B2", "C2", "E5", "B3", "C3"]:
        game.play(vertex_to_point(v, 5))
    assert game.position.ko_point == vertex_to_point("B3", 5)
    f = position_planes(game.position)
    assert at(f, "B3", P_SENSIBLE) == 0 and at(f, "B3", P_LIBS_AFTER) == 0


def test_ladder_capture_and_escape_planes():
    basic_two_libs = """
. . . . . . .
. . . . . . .
. . . . . . .
. . . . . . .
. O X . . . .
. . O O . . .
. . . . . . .
"""
    f = position_planes(Position.from_ascii(basic_two_libs, to_play=WHITE))
    assert at(f, "C4", P_LADDER_CAPTURE) == 1  # drives black along the ladder
    assert at(f, "D3", P_LADDER_CAPTURE) == 0  # black escapes upward
    assert plane(f, P_LADDER_CAPTURE).sum() == 1
    in_atari = """
. . . . . . .
. . . . . . .
. . . . . . .
. . O . . . .
. O X . . . .
. . O O . . .
. . . . . . .
"""
    f = position_planes(Position.from_ascii(in_atari, to_play=BLACK))
    assert at(f, "D3", P_LADDER_ESCAPE) == 0  # caught
    breaker = in_atari.replace(". . . . . . .\n. . . . . . .\n. . . . . . .\n. . O",
                               ". . . . . . .\n. . . . . X .\n. . . . . . .\n. . O", 1)
    f = position_planes(Position.from_ascii(breaker, to_play=BLACK))
    assert at(f, "D3", P_LADDER_ESCAPE) == 1
    assert plane(f, P_LADDER_ESCAPE).sum() == 1
    f = position_planes(Position.from_ascii(in_atari, to_play=BLACK), ladders=False)
    assert plane(f, P_LADDER_CAPTURE).sum() == 0 and plane(f, P_LADDER_ESCAPE).sum() == 0


# --- a reference by playing every move on a copy -----------------------------------------

def chain_liberties(board: np.ndarray, r: int, c: int) -> int:
    n = board.shape[0]
    col = board[r, c]
    stack, seen, libs = [(r, c)], {(r, c)}, set()
    while stack:
        y, x = stack.pop()
        for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= yy < n and 0 <= xx < n:
                if board[yy, xx] == 0:
                    libs.add((yy, xx))
                elif board[yy, xx] == col and (yy, xx) not in seen:
                    seen.add((yy, xx))
                    stack.append((yy, xx))
    return len(libs)


def reference_move_planes(pos: Position) -> np.ndarray:
    """Planes 2..3 and 12..43 + 46 from a slow, independent computation."""
    n = pos.n
    me = pos.to_play
    out = np.zeros((n, n, N_POLICY_PLANES), dtype=np.uint8)
    board = pos.board()
    caps_before = pos.captures[0 if me == BLACK else 1]
    for r in range(n):
        for c in range(n):
            if board[r, c] != 0:
                out[r, c, P_LIBS + min(chain_liberties(board, r, c), 8) - 1] = 1
                continue
            p = r * n + c
            if not pos.is_legal(p, me, superko=False):
                continue
            q = pos.copy()
            q.play(p, me, superko=False)
            captured = q.captures[0 if me == BLACK else 1] - caps_before
            after = q.board()
            libs = chain_liberties(after, r, c)
            size = 0
            # size of the moved chain by flood fill
            stack, seen = [(r, c)], {(r, c)}
            while stack:
                y, x = stack.pop()
                size += 1
                for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= yy < n and 0 <= xx < n and after[yy, xx] == me and (yy, xx) not in seen:
                        seen.add((yy, xx))
                        stack.append((yy, xx))
            out[r, c, P_CAPTURE + min(captured, 7)] = 1
            out[r, c, P_LIBS_AFTER + min(libs, 8) - 1] = 1
            if libs == 1:
                out[r, c, P_SELF_ATARI + min(size, 8) - 1] = 1
            out[r, c, P_SENSIBLE] = not bk.is_eye(pos.color, n + 2, int(pos.p2l[p]), me)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_planes_match_reference_on_random_games(seed):
    n = 7 if seed % 2 else 9
    game = random_game(n, 25 + 12 * seed, seed)
    pos = game.position
    f = position_planes(pos)
    ref = reference_move_planes(pos)
    for k in list(range(P_LIBS, P_LIBS_AFTER + 8)) + [P_SENSIBLE]:
        assert (f[:, :, k] == ref[:, :, k]).all(), f"plane {PLANE_NAMES[k]} differs\n{pos.to_ascii()}"


def test_replayed_batch_equals_position_planes():
    game = random_game(9, 60, 11)
    codes = encode_moves(game.moves, 9)
    counts = np.array([0, 1, 17, 40, 59])
    to_play = np.where(codes[counts] >= 0, BLACK, WHITE)
    batch = batch_planes_from_moves(codes, np.zeros(len(counts), np.int64), counts, to_play, 9, FeatureScratch(9))
    for b, count in enumerate(counts):
        replay = Game(9, 7.0)
        for m in game.moves[:count]:
            replay.play(m.point, m.color)
        assert (batch[b] == position_planes(replay.position)).all()


def test_symmetries_keep_planes_and_moves_consistent():
    """Planes of a game played in symmetric coordinates = the symmetry applied to the planes,
    and the symmetry's point map sends each move to its image."""
    n = 9
    game = random_game(n, 50, 3)
    maps = symmetry_point_maps(n)
    base = position_planes(game.position)
    for k in range(8):
        image = Game(n, 7.0)
        for m in game.moves:
            image.play(int(maps[k, m.point]), m.color)
        assert (position_planes(image.position) == apply_symmetry(base, k)).all(), k
        assert (apply_symmetry(apply_symmetry(base, k), inverse_symmetry(k)) == base).all()
    assert all(sorted(maps[k, :n * n]) == list(range(n * n)) for k in range(8))
    assert (maps[:, n * n] == n * n).all()
