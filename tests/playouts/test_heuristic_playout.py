"""Heuristic (MoGo-style) playouts: the 3x3 shape table, the capped liberty count against the
full one, each rule on an ASCII fixture, sound boards after playouts, and the search with them."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from go_engine.rules import board_kernels as bk
from go_engine.playouts import heuristic as hp
from go_engine.rules.coords import point_to_vertex, vertex_to_point
from go_engine.search.rollout_config import RolloutConfig
from go_engine.rules.position import BLACK, WHITE, ZOBRIST, Position
from go_engine.search.priors import liberties_after
from go_engine.search.mcts import MCTS, SearchConfig
from tests.search.test_search import SAVE_IN_ATARI, SEMEAI, assert_visits_add_up, game_from_ascii


def key_at(pos: Position, vertex: str) -> int:
    return int(hp.pattern_key(pos.color, pos.n + 2, int(pos.p2l[vertex_to_point(vertex, pos.n)])))


def first_move(pos: Position, seed: int = 1, rules: int = 0) -> str:
    """The move the heuristic playout plays first from ``pos`` (for the side to move);
    ``rules``: 1 nakade, 3 nakade and two-liberty tactics (the ``tactics`` kind)."""
    color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
    state = np.array([seed * 0x9E3779B97F4A7C15 % 2**64 or 1], np.uint64)
    cand = np.empty(hp.MAX_CANDIDATES, np.int64)
    alist = np.empty(color.shape[0] + 1, np.int64)
    hp.init_ataris(color, links, alist)
    loc = int(hp.heuristic_move(color, links, info, state, int(info[bk.I_TO_PLAY]), cand, alist, rules, True))
    return "pass" if loc == bk.PASS_LOC else point_to_vertex(int(pos.l2p[loc]), pos.n)


def test_pattern_table_knows_hane_and_cut_shapes_in_every_orientation():
    assert hp.PATTERN_TABLE.shape == (4 ** 8,) and 0 < hp.PATTERN_TABLE.sum() < 4 ** 8 // 4
    assert hp.PATTERN_TABLE[0] == 0  # an empty neighbourhood is no shape
    hane = Position.from_ascii("""
        . . . . .
        . . . . .
        . X O X .
        . . . . .
        . . . . .
    """)
    assert hp.PATTERN_TABLE[key_at(hane, "C4")] == 1      # enclosing hane above O
    assert hp.PATTERN_TABLE[key_at(hane, "C2")] == 1      # and below it (a reflection)
    swapped = Position.from_ascii("""
        . . . . .
        . O . . .
        . X . . .
        . O . . .
        . . . . .
    """)
    assert hp.PATTERN_TABLE[key_at(swapped, "A3")] == 1   # rotated, colours swapped
    cut = Position.from_ascii("""
        . . . . .
        . X O . .
        . O . . .
        . . . . .
        . . . . .
    """)
    assert hp.PATTERN_TABLE[key_at(cut, "C3")] == 1       # cutting point of a diagonal
    assert hp.PATTERN_TABLE[key_at(cut, "E1")] == 0       # far from everything


def test_a_pattern_needs_an_empty_centre():
    with pytest.raises(ValueError):
        hp.build_pattern_table((("...", ".X.", "..."),))


def _random_position(n: int, moves: int, seed: int) -> Position:
    pos = Position(n)
    rng = np.random.default_rng(seed)
    c = BLACK
    for _ in range(moves):
        legal = [p for p in range(n * n) if pos.is_legal(p, c)]
        if not legal:
            break
        pos.play(int(rng.choice(legal)), c, superko=False)
        c = 3 - c
    return pos


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([5, 7, 9]), moves=st.integers(0, 60), seed=st.integers(0, 10 ** 6))
def test_capped_liberties_equal_the_full_count_capped(n, moves, seed):
    pos = _random_position(n, moves, seed)
    w = n + 2
    marks = np.zeros(pos.color.shape[0], np.int8)
    for c in (BLACK, WHITE):
        for p in range(n * n):
            loc = int(pos.p2l[p])
            if pos.color[loc] != bk.EMPTY:
                continue
            full = liberties_after(pos.color, pos.links, w, loc, c, marks)
            assert hp.liberties_after_capped(pos.color, pos.links, w, loc, c, 0, 2) == min(2, full)
            assert hp.liberties_after_capped(pos.color, pos.links, w, loc, c, 0, 3) == min(3, full)
            assert not marks.any()


def _liberty_set_after(pos, w, loc, c, skip):
    """Reference: loc's empty neighbours, the enemy stones in atari it touches, and the
    liberties of the own chains it joins, with loc and skip left out."""
    opp = 3 - c
    libs = set()
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = pos.color[nb]
        if col == bk.EMPTY or (col == opp and pos.links[bk.LIBS, pos.links[bk.HEAD, nb]] == 1):
            libs.add(nb)
        elif col == c:
            hd = pos.links[bk.HEAD, nb]
            s = hd
            while True:
                libs.update(e for e in (s - 1, s + 1, s - w, s + w) if pos.color[e] == bk.EMPTY)
                s = pos.links[bk.NEXT, s]
                if s == hd:
                    break
    return libs - {loc, skip}


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([5, 7, 9]), moves=st.integers(0, 60), seed=st.integers(0, 10 ** 6))
def test_capped_liberties_leave_out_the_skipped_point(n, moves, seed):
    pos = _random_position(n, moves, seed)
    w = n + 2
    empty = [int(pos.p2l[p]) for p in range(n * n) if pos.color[int(pos.p2l[p])] == bk.EMPTY]
    rng = np.random.default_rng(seed)
    for c in (BLACK, WHITE):
        for loc in empty:
            skip = int(rng.choice(empty))
            want = len(_liberty_set_after(pos, w, loc, c, skip))
            for cap in (2, 3):
                assert hp.liberties_after_capped(pos.color, pos.links, w, loc, c, skip, cap) == min(cap, want)


def test_a_chain_put_in_atari_escapes():
    pos = Position.from_ascii("""
        . . . . . .
        . . . . . .
        . . O . . .
        . O X . . .
        . . . . . .
        . . . . . .
    """, to_play=WHITE)
    pos.play(vertex_to_point("C2", 6), WHITE)  # X at C3 is left with D3 only
    assert pos.links[bk.LIBS, pos.links[bk.HEAD, pos.p2l[vertex_to_point("C3", 6)]]] == 1
    assert {first_move(pos, s) for s in range(8)} == {"D3"}  # extending gets three liberties


def _after(board: str, vertex: str) -> Position:
    """The board with white's last move on ``vertex``, black to play."""
    pos = Position.from_ascii(board, to_play=WHITE)
    pos.play(vertex_to_point(vertex, pos.n), WHITE)
    return pos


def test_a_chain_left_with_two_liberties_gets_out_to_three():
    pos = _after("""
        . . . . . . .
        . . . . . . .
        . . . . . . .
        . O X . . . .
        . . . . . . .
        . . . . . . .
        . . . . . . .
    """, "C3")  # X at C4 keeps C5 and D4; either extension has three or more
    assert {first_move(pos, s, rules=3) for s in range(32)} == {"C5", "D4"}
    assert {first_move(pos, s, rules=1) for s in range(32)} != {"C5", "D4"}  # nakade playouts: shape moves


def test_a_two_liberty_chain_in_a_race_ataris_its_two_liberty_neighbour():
    pos = _after("""
        . . . . . . .
        . . . . . . .
        . . . . . . .
        . . X X . . .
        . X O . X . .
        . . O X . . .
        . . . . . . .
    """, "D3")  # X at D2 is down to D1, E2; the white chain C3-D3-C2 has B2 and C1
    assert {first_move(pos, s, rules=3) for s in range(32)} == {"B2", "C1", "D1", "E2"}


def test_the_last_moves_two_liberty_chain_is_netted_where_it_cannot_escape():
    pos = _after("""
        . . . . . .
        . . . . . .
        X X . . . .
        X . . X . .
        . . X . . .
        . . . . . .
    """, "B3")  # atari from C3 lets it out at B2 (two liberties); from B2 it is caught
    assert {first_move(pos, s, rules=3) for s in range(32)} == {"B2"}


def test_a_self_atari_of_the_last_move_is_captured():
    pos = Position.from_ascii("""
        . . . . .
        . X . . .
        X . X . .
        . . . . .
        . . . . .
    """, to_play=WHITE)
    pos.play(vertex_to_point("B3", 5), WHITE)  # one liberty left, at B2
    assert {first_move(pos, s) for s in range(8)} == {"B2"}


def test_a_capture_anywhere_is_taken():
    pos = Position.from_ascii("""
        . . X . . . .
        . X O . . . .
        . . X . . . .
        . . . . . . .
        . . . . . . .
        . . . . . . .
        . . . . . . .
    """, to_play=WHITE)
    pos.play(vertex_to_point("G2", 7), WHITE)  # far from the O stone in atari at C6
    assert {first_move(pos, s) for s in range(8)} == {"D6"}


def _capture_points_by_scan(color, links, w, c) -> set[int]:
    """The oracle for rule 3: every empty point next to an enemy chain in atari."""
    opp = 3 - c
    return {loc for loc in range(color.shape[0]) if color[loc] == bk.EMPTY
            and any(color[nb] == opp and links[bk.LIBS, links[bk.HEAD, nb]] == 1
                    for nb in (loc - 1, loc + 1, loc - w, loc + w))}


@settings(max_examples=12, deadline=None)
@given(n=st.sampled_from([5, 9, 13]), moves=st.integers(0, 40), seed=st.integers(0, 10 ** 6), nakade=st.booleans())
def test_atari_notes_find_the_same_captures_as_a_board_scan(n, moves, seed, nakade):
    """Rule 3 reads incremental notes of the chains in atari; at every move of a playout
    they must give exactly the capturing points a scan of the whole board finds."""
    pos = _random_position(n, moves, seed)
    color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
    w = n + 2
    state = np.array([seed * 2 + 1], np.uint64)
    cand = np.empty(hp.MAX_CANDIDATES, np.int64)
    alist = np.empty(color.shape[0] + 1, np.int64)
    hp.init_ataris(color, links, alist)
    c = int(info[bk.I_TO_PLAY])
    checked = 0
    for _ in range(3 * n * n):
        if info[bk.I_PASSES] >= 2:
            break
        for side in (c, 3 - c):
            k = hp._capture_candidates(color, links, w, side, alist, cand)
            assert set(cand[:k].tolist()) == _capture_points_by_scan(color, links, w, side)
            assert k == len(set(cand[:k].tolist()))  # each point once
            checked += k
        loc = int(hp.heuristic_move(color, links, info, state, c, cand, alist, int(nakade), True))
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            bk.place_stone(color, links, info, ZOBRIST, np.uint64(0), loc, c)
            hp._note_ataris(color, links, w, loc, alist)
        c = 3 - c
    assert bk.check_links(color, links, info) == 0


@pytest.mark.parametrize("nakade", [False, True], ids=["heuristic", "nakade"])
@pytest.mark.parametrize("n", [9, 19])
def test_playouts_leave_sound_boards_and_finish(n, nakade):
    pos = _random_position(n, 10, seed=n)
    color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
    state = np.array([12345], np.uint64)
    first_ply = np.full(color.shape[0], -1, np.int32)
    for _ in range(20):
        color[:], links[:, :], info[:] = pos.color, pos.links, pos.info
        moves = hp.heuristic_playout(color, links, info, ZOBRIST, state, 3 * n * n + 20, True, first_ply, 0, nakade)
        assert moves < 3 * n * n + 20 and info[bk.I_PASSES] >= 2
        assert bk.check_links(color, links, info) == 0
    assert (first_ply >= 0).sum() > 0


@pytest.mark.parametrize("parallel", ["batch", "lanes"])
@pytest.mark.parametrize("text,komi,answer", [
    (SAVE_IN_ATARI, 0.0, "F4"),
    (SEMEAI, -8.0, "A5"),
], ids=["save-group-in-atari", "capture-to-win-semeai"])
def test_search_with_heuristic_playouts_finds_the_obvious_move(text, komi, answer, parallel):
    game = game_from_ascii(text, BLACK, komi)
    mcts = MCTS(SearchConfig(threads=2, max_tree_mb=64, seed=1, parallel=parallel),
                rollout=RolloutConfig(kind="heuristic"))
    result = mcts.search(game, simulations=3000, stop_early=False)
    assert point_to_vertex(result.move, game.n) == answer, [(point_to_vertex(c.point, game.n), c.visits)
                                                             for c in result.children[:5]]
    assert_visits_add_up(mcts)


def test_rollout_search_player_uses_nakade_ko_playouts_by_default():
    from go_engine.players.mcts import player_from_options
    assert player_from_options().mcts.rollout.kind == "nakade+ko"
    assert player_from_options(extra={"playout": "nakade"}).mcts.rollout.kind == "nakade"
    assert player_from_options(extra={"playout": "heuristic"}).mcts.rollout.kind == "heuristic"
    assert player_from_options(extra={"playout": "random"}).mcts.rollout.kind == "random"


# A nakade: the white ring's eye space C5 D5 E5 holds a black stone on its vital point, and
# the ring has no outside liberty. Black kills by filling (a two-stone self-atari); the rest of
# the board is black's, with one-point eyes on the first line.
NAKADE_STRAIGHT_THREE = """
X X X X X X X
X O O O O O X
X O . X . O X
X O O O O O X
X X X X X X X
X X X X X X X
X . X . X . X
"""


def _playouts(text: str, to_play: int, count: int, seed: int = 7, nakade: bool = False) -> list[np.ndarray]:
    """The final ``color`` arrays of ``count`` heuristic playouts from an ASCII position."""
    pos = Position.from_ascii(text, to_play=to_play)
    n = pos.n
    state = np.array([seed], np.uint64)
    first_ply = np.full(pos.color.shape[0], -1, np.int32)
    finals = []
    for _ in range(count):
        color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
        hp.heuristic_playout(color, links, info, ZOBRIST, state, 3 * n * n, False, first_ply, 0, nakade)
        assert bk.check_links(color, links, info) == 0 and info[bk.I_PASSES] >= 2
        finals.append(color)
    return finals


def _at(text: str, vertex: str) -> int:
    pos = Position.from_ascii(text)
    return int(pos.p2l[vertex_to_point(vertex, pos.n)])


@pytest.mark.parametrize("nakade", [False, True], ids=["heuristic", "nakade"])
def test_playouts_kill_by_nakade(nakade):
    finals = _playouts(NAKADE_STRAIGHT_THREE, BLACK, 200, nakade=nakade)
    ring = _at(NAKADE_STRAIGHT_THREE, "B6")
    killed = sum(int(color[ring]) != WHITE for color in finals)
    assert killed >= 190, killed  # the two-stone fill (a self-atari) is played when nothing else is left


def test_a_ko_capture_is_told_from_other_captures():
    pos = Position.from_ascii("""
        . . . . . .
        . X O . . .
        X O . O . .
        . X O . . .
        . . . . . .
        . . . . . .
    """, to_play=BLACK)
    w = pos.n + 2
    at = {v: int(pos.p2l[vertex_to_point(v, pos.n)]) for v in ("C4", "A6", "E5")}
    assert hp.is_ko_capture(pos.color, pos.links, w, at["C4"], BLACK)  # takes B4 and stands in atari
    assert not hp.is_ko_capture(pos.color, pos.links, w, at["A6"], BLACK)  # an empty point
    assert not hp.is_ko_capture(pos.color, pos.links, w, at["E5"], BLACK)
    pos.play(vertex_to_point("C4", pos.n), BLACK)
    assert int(pos.info[bk.I_KO]) == at["C4"] - 1  # the board agrees: B4 is now the ko point


@pytest.mark.parametrize("kind", ["heuristic+ko", "nakade+ko", "nakade+twolib+ko"])
def test_playouts_among_several_kos_end_before_the_move_cap(kind):
    """Move 150 of a 19x19 game against GNU Go (``ko_cycle_19.sgf``) has ko shapes at A19,
    Q7, H13 and L4. The capture rules take them in turn for ever: every playout without the
    ko limit runs into the move cap (1,103 moves) and is scored with the bottom rows empty, so
    the search judged the rest of that game blind. With ``RULE_KO_LIMIT`` they end like other
    playouts."""
    from go_engine.rules.conventions import playout_move_cap
    from go_engine.search.priors import no_policy
    from go_engine.search.drivers import PLAYOUT_NAMES, run_playout
    from go_engine.rules.sgf import load_sgf_file
    from tests.playouts.test_nakade import FIXTURES
    pos = load_sgf_file(FIXTURES / "ko_cycle_19.sgf").game.position
    cap = playout_move_cap(pos.n)
    state = np.array([11], np.uint64)
    lengths = []
    for _ in range(20):
        color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
        lengths.append(run_playout(PLAYOUT_NAMES[kind], color, links, info, ZOBRIST, state, cap, no_policy(),
                                   False, np.empty(0, np.int32), 0))
        assert int((color == bk.EMPTY).sum()) < 90  # played out: eyes and dame left, not whole rows
    assert max(lengths) < cap // 2, lengths


def test_the_default_playouts_have_the_ko_limit():
    """Both searches play ``nakade+ko`` by default, so the game-14 board cannot blind them;
    the same board without the limit still runs into the move cap."""
    from go_engine.players.mcts import DEFAULT_ROLLOUT_PLAYOUT
    from go_engine.players.alphago import NETWORK_SEARCH_DEFAULTS
    from go_engine.rules.conventions import playout_move_cap
    from go_engine.search.priors import no_policy
    from go_engine.search.drivers import PLAYOUT_NAMES, run_playout
    from go_engine.rules.sgf import load_sgf_file
    from tests.playouts.test_nakade import FIXTURES
    assert DEFAULT_ROLLOUT_PLAYOUT == NETWORK_SEARCH_DEFAULTS["playout"] == "nakade+ko"
    pos = load_sgf_file(FIXTURES / "ko_cycle_19.sgf").game.position
    cap = playout_move_cap(pos.n)
    color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
    moves = run_playout(PLAYOUT_NAMES["nakade"], color, links, info, ZOBRIST, np.array([11], np.uint64), cap,
                        no_policy(), False, np.empty(0, np.int32), 0)
    assert moves == cap
