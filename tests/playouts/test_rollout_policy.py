"""Rollout policy: features on ASCII fixtures, colour symmetry, the incremental cache against
a from-scratch recomputation, the playout kernel, weights files, and a tiny fit."""
from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.playouts import patterns as pt
from go_engine.playouts import rollout_policy as rp
from go_engine.rules.game import Game
from go_engine.players.protocol import TimeBudget
from go_engine.rules.position import BLACK, WHITE, ZOBRIST, Position
from go_engine.search.priors import PolicyArrays
from go_engine.search.drivers import PLAYOUT_PATTERN, playout_batch
from tests.conftest import SHARED_DATA, needs_shared_data


def tactics_at(pos: Position, vertex_point: int, c: int) -> dict:
    w = pos.n + 2
    lcache = np.empty((3, w * w), np.int64)
    lstamp = np.zeros(w * w, np.int64)
    loc = int(pos.p2l[vertex_point])
    return pt.decode_tactics(int(pt.tactics_index(pos.color, pos.links, w, loc, c, lcache, lstamp, 1)))


def rc(pos: Position, r: int, c: int) -> int:
    return r * pos.n + c


def random_weights(seed: int = 3, scale: float = 1.0) -> rp.RolloutWeights:
    rng = np.random.default_rng(seed)
    return rp.RolloutWeights(19, (rng.standard_normal(pt.N_WEIGHTS) * scale).astype(np.float32),
                             pt.make_pos_class(19))


def test_tactical_features_on_fixtures():
    pos = Position.from_ascii("""
        . . . . . .
        . X O . . .
        X O . . . .
        . X . . . .
        . . . . . .
        . . . . . .
    """, to_play=BLACK)
    # O(2,1) is in atari at (2,2): black there captures one stone
    t = tactics_at(pos, rc(pos, 2, 2), BLACK)
    assert t["capture_bucket"] == 1 and not t["suicide"]
    # white extends O(2,1) at (2,2): O(1,2) joins too -> 2+ liberties: save-atari
    t = tactics_at(pos, rc(pos, 2, 2), WHITE)
    assert t["save_atari"] and t["libs_after"] >= 2 and t["self_atari"] == 0
    # a quiet move far away: no tactics, 3+ liberties
    t = tactics_at(pos, rc(pos, 4, 4), BLACK)
    assert t == {"suicide": False, "capture_bucket": 0, "save_atari": False, "self_atari": 0,
                 "atari": False, "libs_after": 3}


def test_self_atari_and_suicide_detected():
    pos = Position.from_ascii("""
        . O . . .
        O . O . .
        X O . . .
        . X . . .
        . . . . .
    """, to_play=BLACK)
    # black at (0,0): one liberty? (0,0) neighbours (0,1)=O, (1,0)=O -> no liberty, captures
    # nothing (both O chains have 2+ libs): suicide
    assert tactics_at(pos, rc(pos, 0, 0), BLACK)["suicide"]
    # black at (1,1): neighbours all O except none empty -> suicide as well
    assert tactics_at(pos, rc(pos, 1, 1), BLACK)["suicide"]
    # black at (3,0) next to X(2,0) (libs: (3,0)) and X(3,1): the joined chain keeps
    # liberties (4,0), (4,1), (3,2): not self-atari
    assert tactics_at(pos, rc(pos, 3, 0), BLACK)["self_atari"] == 0
    pos2 = Position.from_ascii("""
        . . . . .
        . O O . .
        O . X O .
        . O O . .
        . . . . .
    """, to_play=BLACK)
    # black at (2,1) joins X(2,2) (no other liberty): zero liberties and no capture: suicide
    assert tactics_at(pos2, rc(pos2, 2, 1), BLACK)["suicide"]
    pos3 = Position.from_ascii("""
        . . . . .
        . O O . .
        . . X O .
        . O O . .
        . . . . .
    """, to_play=BLACK)
    # black at (2,1) joins X(2,2): the chain has one liberty, (2,0): self-atari of 2 stones
    t = tactics_at(pos3, rc(pos3, 2, 1), BLACK)
    assert t["self_atari"] == 2 and t["libs_after"] == 1
    # white at (2,1) puts X(2,2) ... X has liberty (2,1) only -> white captures it
    assert tactics_at(pos3, rc(pos3, 2, 1), WHITE)["capture_bucket"] == 1


SHAPE = """
    . . . . . . .
    . X O . . . .
    . X O X . . .
    . . O X . . .
    . . . . O . .
    . . . . . . .
    . . . . . . .
"""


def swap_colors(text: str) -> str:
    return text.replace("X", "#").replace("O", "X").replace("#", "O")


def test_pattern_keys_are_colour_symmetric():
    pos = Position.from_ascii(SHAPE, to_play=BLACK)
    sw = Position.from_ascii(swap_colors(SHAPE), to_play=WHITE)
    w = pos.n + 2
    for p in range(pos.n * pos.n):
        loc = int(pos.p2l[p])
        if pos.color[loc] != bk.EMPTY:
            continue
        kb, kw = pt.pattern3_keys(pos.color, pos.links, w, loc)
        kb2, kw2 = pt.pattern3_keys(sw.color, sw.links, w, loc)
        assert kb == kw2 and kw == kb2
        assert tactics_at(pos, p, BLACK) == tactics_at(sw, p, WHITE)
    # the whole feature matrix agrees too (last move set the same way in both)
    for q in (pos, sw):
        q.info[bk.I_LAST] = int(q.p2l[rc(q, 2, 3)])
    n = pos.n
    out = []
    for q, c in ((pos, BLACK), (sw, WHITE)):
        locs = np.empty(n * n, np.int64)
        feats = np.empty((n * n, rp.NFEAT), np.int64)
        m = rp.position_features(q.color, q.links, q.info, pt.make_pos_class(n), c, False, locs, feats)
        out.append((locs[:m].copy(), feats[:m].copy()))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
    # and a different shape gives a different key somewhere
    kb_a, _ = pt.pattern3_keys(pos.color, pos.links, w, int(pos.p2l[rc(pos, 1, 3)]))
    kb_b, _ = pt.pattern3_keys(pos.color, pos.links, w, int(pos.p2l[rc(pos, 5, 5)]))
    assert kb_a != kb_b


def test_playout_cache_matches_training_features():
    """The cached exp-scores of the rollout kernel equal exp(sum of the static feature
    weights) that training and priors compute, for both colours, on a busy board."""
    rw = random_weights(6)
    pos = Position(19)
    state = np.array([11], np.uint64)
    rp.policy_playout(pos.color, pos.links, pos.info, ZOBRIST, rw.ew, state, 150)
    pos.info[bk.I_LAST] = 0
    pos.info[bk.I_LAST2] = 0  # static features only
    pos.info[bk.I_KO] = 0
    ecache = np.zeros((2, 21 * 21))
    rp.cached_scores(pos.color, pos.links, pos.info, rw.ew, ecache)
    checked = 0
    for c in (BLACK, WHITE):
        locs = np.empty(361, np.int64)
        feats = np.empty((361, rp.NFEAT), np.int64)
        m = rp.position_features(pos.color, pos.links, pos.info, rw.pos_class, c, True, locs, feats)
        scores = np.empty(361)
        rp.feature_scores(rw.weights, feats, m, scores)
        expected = np.zeros(21 * 21)
        expected[locs[:m]] = np.exp(scores[:m])
        assert np.allclose(ecache[c - 1], expected, rtol=1e-5, atol=0.0)
        checked += m
    assert checked > 200


@njit(cache=True)
def _step_and_check(color, links, info, zob, ew, seed, max_moves):
    """Play a policy rollout move by move; after each move compare the incremental cache with
    a from-scratch one, and check no move fills the mover's own eye. Returns (moves played,
    cache mismatches, eye fills, passes at the end)."""
    n = info[bk.I_N]
    w = n + 2
    cells = w * w
    state = np.empty(1, np.uint64)
    state[0] = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    ecache = np.zeros((2, cells))
    fresh = np.zeros((2, cells))
    rows = np.zeros((2, w))
    dirty = np.zeros(cells, np.uint8)
    dlist = np.empty(cells * 9 + 16, np.int64)
    stamp = np.zeros(cells, np.int64)
    capbuf = np.empty(cells, np.int64)
    sidx = np.full(cells, -1, np.int64)
    sloc = np.empty(64, np.int64)
    sval = np.empty(64)
    lcache = np.empty((3, cells), np.int64)
    lstamp = np.full(cells, -1, np.int64)
    rp.cached_scores(color, links, info, ew, ecache)
    rp._rebuild_rows(ecache, rows, n, w)
    moves = 0
    bad = 0
    eye_fills = 0
    while moves < max_moves and info[bk.I_PASSES] < 2:
        c = info[bk.I_TO_PLAY]
        loc = rp.sample_move(color, links, info, ew, ecache, rows, state, sidx, sloc, sval)
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            if bk.is_eye(color, w, loc, c):
                eye_fills += 1
            if bk.legal_status(color, links, info, zob, zob[0], 0, loc, c) != bk.LEGAL:
                bad += 1000
            rp.play_and_update(color, links, info, zob, loc, c, ew, ecache, rows,
                               dirty, dlist, stamp, capbuf, lcache, lstamp, moves + 1)
        moves += 1
        rp.cached_scores(color, links, info, ew, fresh)
        for x in range(cells):
            for ci in range(2):
                a = ecache[ci, x]
                b = fresh[ci, x]
                if abs(a - b) > 1e-9 * max(abs(a), abs(b)):
                    bad += 1
        if bk.check_links(color, links, info) != 0:
            bad += 100000
    return moves, bad, eye_fills, info[bk.I_PASSES]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_cache_equals_recomputation_and_no_eye_fill(seed):
    rw = random_weights(seed, scale=1.5)
    pos = Position(19)
    moves, bad, eye_fills, passes = _step_and_check(pos.color, pos.links, pos.info, ZOBRIST, rw.ew,
                                                    seed, 1100)
    assert bad == 0
    assert eye_fills == 0
    assert passes == 2 and moves < 1100  # ended by two passes


def test_playout_kernel_ends_and_leaves_a_consistent_board():
    rw = random_weights(5)
    pos = Position(9)
    rw9 = rp.RolloutWeights(9, rw.weights, pt.make_pos_class(9))
    state = np.array([99], np.uint64)
    for _ in range(20):
        q = pos.copy()
        moves = rp.policy_playout(q.color, q.links, q.info, ZOBRIST, rw9.ew, state, 400)
        assert 0 < moves < 400 and q.info[bk.I_PASSES] == 2
        assert bk.check_links(q.color, q.links, q.info) == 0
        # at the end every empty point is an eye of one side or unplayable for both
        w = 11
        for p in range(81):
            loc = int(q.p2l[p])
            if q.color[loc] == bk.EMPTY:
                for c in (BLACK, WHITE):
                    legal = bk.legal_status(q.color, q.links, q.info, ZOBRIST, q.hashes, 0, loc, c) == bk.LEGAL
                    assert not legal or bk.is_eye(q.color, w, loc, c) or (
                        loc == q.info[bk.I_KO] and c == q.info[bk.I_KO_COLOR])
    pol = PolicyArrays(rw9.weights.astype(np.float32), rw9.ew.astype(np.float32), np.zeros(0, np.int64))
    wins, total = playout_batch(PLAYOUT_PATTERN, pos.color, pos.links, pos.info, ZOBRIST, pol, 7, 10, 400, 7.0)
    assert 0 <= wins <= 10 and total > 0


def test_priors_and_player():
    rw = random_weights(2)
    game = Game(19, 7.5)
    for p in (rc(game.position, 3, 3), rc(game.position, 15, 15), rc(game.position, 3, 15)):
        game.play(p)
    pos = game.position
    probs = rp.rollout_priors(pos, rw)
    legal = pos.legal_points()
    assert probs.shape == (19 * 19 + 1,)
    assert abs(probs.sum() - 1.0) < 1e-9
    assert np.all(probs[~legal] == 0.0) and np.all(probs[:-1][legal[:-1]] > 0.0)
    # the Numba prior kernel agrees on a subset of moves
    locs = np.array([pos.p2l[p] for p in (0, 20, 100)], np.int64)
    out = np.empty(4)
    rp.policy_priors(pos.color, pos.links, pos.info, rw.weights, locs, 3, out)
    assert np.allclose(out[:3], probs[[0, 20, 100]]) and out[3] == 0.0
    from go_engine.players.rollout_policy import RolloutPolicyPlayer
    player = RolloutPolicyPlayer(rw)
    move = player.genmove(game, pos.to_play, TimeBudget())
    assert move == int(np.argmax(probs[:-1]))


def test_weights_roundtrip_and_clear_errors(tmp_path):
    rw = random_weights(4)
    path = tmp_path / "r.npz"
    rp.save_rollout_weights(path, rw, note="test")
    back = rp.load_rollout_weights(path, n=19)
    assert np.array_equal(back.weights, rw.weights) and back.n == 19
    with pytest.raises(ValueError, match="19x19"):
        rp.load_rollout_weights(path, n=9)
    with pytest.raises(FileNotFoundError, match="no rollout-policy weights for 7x7"):
        rp.load_rollout_weights(n=7)
    bad = tmp_path / "bad.npz"
    np.savez(bad, something=np.zeros(3))
    with pytest.raises(ValueError, match="not a rollout-policy weight file"):
        rp.load_rollout_weights(bad)


@needs_shared_data
def test_tiny_fit_lowers_the_loss():
    from go_engine.training import rollout_fit as rf
    archive = SHARED_DATA / "sgf9" / "cgos9.tar.xz"
    data, _, _ = rf.load_games([str(archive)], max_games=40, progress=False)
    train = np.arange(0, 30, dtype=np.int64)
    held = np.arange(30, 40, dtype=np.int64)
    rw = rp.RolloutWeights(9, np.zeros(pt.N_WEIGHTS, np.float32), pt.make_pos_class(9))
    accum = np.full(pt.N_WEIGHTS, 1e-2, np.float32)
    before = rf.summarize(rf.run_pass(data, held, rw, accum, 0.0, "eval", False))
    for _ in range(2):
        rf.run_pass(data, train, rw, accum, 0.1, "train", False)
    after = rf.summarize(rf.run_pass(data, held, rw, accum, 0.0, "eval", False))
    assert before["positions"] == after["positions"] > 100
    assert after["log_loss"] < before["log_loss"] - 0.3
    assert after["top1"] > before["top1"]


def test_registered_player_uses_shipped_weights():
    from go_engine.players.registry import PlayerOptions, make_player, player_names
    assert "rollout" in player_names()
    if not rp.default_weights_path(9).exists():
        pytest.skip("data/rollout_9.npz not present")
    player = make_player("rollout", PlayerOptions())
    game = Game(9, 7.0)
    player.new_game(game)
    for _ in range(6):
        move = player.genmove(game, game.position.to_play, TimeBudget())
        assert game.position.is_legal(move)
        game.play(move)


@njit(cache=True)
def _sample_counts(color, links, info, ew, seed, draws, counts):
    """Draw ``draws`` moves from one position with the rollout kernel's sampler."""
    n = info[bk.I_N]
    w = n + 2
    cells = w * w
    state = np.empty(1, np.uint64)
    state[0] = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    ecache = np.zeros((2, cells))
    rows = np.zeros((2, w))
    sidx = np.full(cells, -1, np.int64)
    sloc = np.empty(64, np.int64)
    sval = np.empty(64)
    rp.cached_scores(color, links, info, ew, ecache)
    rp._rebuild_rows(ecache, rows, n, w)
    for _ in range(draws):
        loc = rp.sample_move(color, links, info, ew, ecache, rows, state, sidx, sloc, sval)
        counts[max(loc, 0)] += 1


@pytest.mark.parametrize("seed", [21, 22])
def test_sampler_follows_the_softmax_of_all_features(seed):
    """Move frequencies of ``sample_move`` (cached static features, reweighting near the last
    two moves, ko removed) match the softmax that ``position_features`` gives from scratch."""
    rw = random_weights(seed)
    pos = Position(19)
    state = np.array([seed], np.uint64)
    rp.policy_playout(pos.color, pos.links, pos.info, ZOBRIST, rw.ew, state, 80)
    assert pos.info[bk.I_LAST] > 0 and pos.info[bk.I_LAST2] > 0
    expected = rp.move_probabilities(pos, rw, skip_eyes=True)
    draws = 60000
    counts = np.zeros(pos.color.shape[0], np.int64)
    _sample_counts(pos.color, pos.links, pos.info, rw.ew, seed, draws, counts)
    assert counts[0] == 0  # no pass while moves are left
    obs = np.zeros(19 * 19)
    for p in range(19 * 19):
        obs[p] = counts[int(pos.p2l[p])]
    exp = expected[:-1] * draws
    assert np.all(obs[exp == 0.0] == 0)  # never an illegal move, an own eye or the ko point
    big = exp >= 5.0
    chi2 = float(np.sum((obs[big] - exp[big]) ** 2 / exp[big]))
    rest_o, rest_e = obs[~big].sum(), exp[~big].sum()
    if rest_e > 0:
        chi2 += (rest_o - rest_e) ** 2 / rest_e
    dof = int(big.sum())
    assert chi2 < dof + 6.0 * np.sqrt(2.0 * dof), (chi2, dof)


def test_geometry_tables():
    """The constant tables the kernels read instead of dividing by the width."""
    for n in (2, 5, 9, 13, 19, 25):
        w = n + 2
        cls = pt.make_pos_class(n)
        for loc in range(w * w):
            assert pt.ROW_TABLE[w, loc] == loc // w
            if cls[loc] >= 0:
                assert pt.pos_class_of(loc, n) == cls[loc]
