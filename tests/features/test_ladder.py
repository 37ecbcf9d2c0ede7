"""Ladder reader: hand-made fixtures, and Pachi's t-unit ladder cases when shared data is present."""
from __future__ import annotations

import pytest

from go_engine.rules.coords import vertex_to_point
from go_engine.features.ladder import is_ladder_captured
from go_engine.rules.position import BLACK, WHITE, Position
from tests.conftest import SHARED_DATA

BASIC = """
. . . . . . .
. . . . . . .
. . . . . . .
. . O . . . .
. O X . . . .
. . O O . . .
. . . . . . .
"""
# the same shape with a black ladder breaker on the chase's diagonal
BROKEN = """
. . . . . . .
. . . . . X .
. . . . . . .
. . O . . . .
. O X . . . .
. . O O . . .
. . . . . . .
"""


def test_basic_ladder_is_caught():
    pos = Position.from_ascii(BASIC, to_play=BLACK)
    assert is_ladder_captured(pos, vertex_to_point("C3", 7))


def test_ladder_breaker_saves_the_chain():
    pos = Position.from_ascii(BROKEN, to_play=BLACK)
    assert not is_ladder_captured(pos, vertex_to_point("C3", 7))


def test_defender_captures_the_chaser():
    # the white stone at C4 is in atari: black captures it at D4 instead of running
    pos = Position.from_ascii("""
. . . . . . .
. . . . . . .
. . X . . . .
. X O . . . .
. O X . . . .
. . O O . . .
. . . . . . .
""", to_play=BLACK)
    assert not is_ladder_captured(pos, vertex_to_point("C3", 7))


def test_two_liberty_chain_attacker_first():
    # remove C4 from BASIC: white starts the ladder with C4 (D3 would let black out)
    pos = Position.from_ascii(BASIC.replace(". . O . . . .\n. O X", ". . . . . . .\n. O X", 1), to_play=WHITE)
    assert is_ladder_captured(pos, vertex_to_point("C3", 7))


def test_reader_does_not_touch_the_position():
    pos = Position.from_ascii(BASIC, to_play=BLACK)
    before = (pos.color.copy(), pos.links.copy(), pos.info.copy())
    is_ladder_captured(pos, vertex_to_point("C3", 7))
    assert (pos.color == before[0]).all() and (pos.links == before[1]).all() and (pos.info == before[2]).all()


def _pachi_cases():
    archive = SHARED_DATA / "testpos" / "pachi_tunit.tar.xz"
    if not archive.is_file():
        return []
    from tests.pachi_cases import parse_cases, read_t_file
    return parse_cases(read_t_file(archive, "ladder.t"), "ladder")


PACHI = _pachi_cases()


@pytest.mark.skipif(not PACHI, reason="shared/data/testpos/pachi_tunit.tar.xz absent")
@pytest.mark.parametrize("case", PACHI, ids=[f"{c.title[:30]}-{c.args[1]}" for c in PACHI])
def test_pachi_ladder_cases(case):
    """Every case of Pachi's ladder.t, including two that Pachi marks as its own known failures
    (``!ladder``; we read them right) and the long 120/150-move ladders."""
    pos = Position.from_ascii(case.board.replace("", " "))
    color, vertex, expected = case.args
    point = vertex_to_point(vertex, pos.n)
    assert pos.board().ravel()[point] == (BLACK if color == "b" else WHITE)
    assert is_ladder_captured(pos, point) == bool(int(expected)), case.title


def test_pachi_file_parsed():
    if not PACHI:
        pytest.skip("shared data absent")
    assert len(PACHI) >= 20
