"""Property tests of the rules with hypothesis, checked against a slow flood-fill reference."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from go_engine.rules import board_kernels as bk
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, IllegalMove


def reference_chains(board: np.ndarray) -> list[tuple[int, set, set]]:
    """(colour, stones, liberties) of every chain, by plain flood fill over an (n, n) board."""
    n = board.shape[0]
    seen = np.zeros_like(board, dtype=bool)
    chains = []
    for r in range(n):
        for c in range(n):
            if board[r, c] == 0 or seen[r, c]:
                continue
            color, stones, libs, todo = board[r, c], set(), set(), [(r, c)]
            seen[r, c] = True
            while todo:
                y, x = todo.pop()
                stones.add((y, x))
                for yy, xx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                    if 0 <= yy < n and 0 <= xx < n:
                        if board[yy, xx] == 0:
                            libs.add((yy, xx))
                        elif board[yy, xx] == color and not seen[yy, xx]:
                            seen[yy, xx] = True
                            todo.append((yy, xx))
            chains.append((int(color), stones, libs))
    return chains


moves = st.lists(st.integers(min_value=0, max_value=49), min_size=1, max_size=160)


@settings(max_examples=60, deadline=None)
@given(n=st.sampled_from([3, 5, 7]), seq=moves)
def test_random_sequences_keep_the_invariants(n, seq):
    game = Game(n, 0.5)
    placed = {BLACK: 0, WHITE: 0}
    for raw in seq:
        point = raw % (n * n + 1)
        color = game.to_play
        before_status = game.position.legal_status(point, color)
        before = (game.position.color.copy(), game.position.links.copy(), game.position.info.copy(),
                  game.position.hash)
        try:
            game.play(point)
        except IllegalMove:
            assert before_status != bk.LEGAL
            # an illegal move changes nothing
            assert np.array_equal(before[0], game.position.color)
            assert np.array_equal(before[1], game.position.links)
            assert before[3] == game.position.hash
            continue
        assert before_status == bk.LEGAL
        if point != n * n:
            placed[color] += 1
        pos = game.position
        pos.check_consistency()
        # stones are conserved modulo captures
        caps_b, caps_w = pos.captures
        assert len(pos.stones(BLACK)) == placed[BLACK] - caps_w
        assert len(pos.stones(WHITE)) == placed[WHITE] - caps_b
        # every chain has a liberty, and our liberty counts equal the reference
        w = n + 2
        for color_, stones, libs in reference_chains(pos.board()):
            assert libs
            r, c = next(iter(stones))
            head = pos.links[bk.HEAD, (r + 1) * w + c + 1]
            assert pos.links[bk.LIBS, head] == len(libs)
            assert pos.links[bk.SIZE, head] == len(stones)


@settings(max_examples=40, deadline=None)
@given(n=st.sampled_from([5, 9]), seq=moves)
def test_undo_restores_exact_position_and_hash(n, seq):
    game = Game(n, 7.5)
    snapshots = []
    for raw in seq:
        point = raw % (n * n + 1)
        snap = (game.position.color.copy(), game.position.links.copy(), game.position.info.copy(),
                game.position.hash)
        try:
            game.play(point)
        except IllegalMove:
            continue
        snapshots.append(snap)
    while snapshots:
        color, links, info, h = snapshots.pop()
        game.undo()
        assert np.array_equal(game.position.color, color)
        assert np.array_equal(game.position.links, links)
        assert np.array_equal(game.position.info, info)
        assert game.position.hash == h


@settings(max_examples=40, deadline=None)
@given(n=st.sampled_from([5, 9]), seq=moves)
def test_area_score_matches_reference(n, seq):
    game = Game(n, 0.0)
    for raw in seq:
        try:
            game.play(raw % (n * n + 1))
        except IllegalMove:
            pass
    board = game.position.board()
    black = int((board == BLACK).sum())
    white = int((board == WHITE).sum())
    # empty regions: flood fill treating empties as the "stones"
    inverted = np.where(board == 0, 1, 0)
    for _, region, _ in reference_chains(inverted):
        touches = set()
        for r, c in region:
            for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= rr < n and 0 <= cc < n and board[rr, cc] != 0:
                    touches.add(int(board[rr, cc]))
        if touches == {BLACK}:
            black += len(region)
        elif touches == {WHITE}:
            white += len(region)
    assert game.score() == black - white
