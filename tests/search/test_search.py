"""MCTS: a bandit evaluator, visit/virtual-loss bookkeeping, tree reuse and compaction,
superko in the tree, and the obvious move on small ASCII fixtures."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.search import tree as tr
from go_engine.rules.coords import point_to_vertex, vertex_to_point
from go_engine.search.evaluators import Evaluator, HeuristicEvaluator, UniformEvaluator
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.search.mcts import MCTS, SearchConfig

from tests.ascii_boards import LAST_DAME, TRIPLE_KO


def game_from_ascii(text: str, to_play: int = BLACK, komi: float = 0.0) -> Game:
    pos = Position.from_ascii(text, to_play=to_play)
    game = Game(pos.n, komi)
    game.position = pos
    return game


def assert_visits_add_up(mcts: MCTS, exact: bool = True) -> None:
    """Every expanded node under the root: N = 1 + sum of its edges' N; an edge's N >= its
    child's N (the child node appears after ``expand_threshold`` visits). When the pool was
    full (not ``exact``) a node may have had playouts before it could be expanded: N >= ..."""
    t = mcts.tree
    mcts.check_invariants()
    stack = [int(t.counts[tr.ROOT])]
    while stack:
        v = stack.pop()
        first, count = int(t.node_first[v]), int(t.node_count[v])
        if first < 0:
            continue
        edges = slice(first, first + count)
        if exact:
            assert t.node_n[v] == 1 + t.child_n[edges].sum()
        else:
            assert t.node_n[v] >= 1 + t.child_n[edges].sum()
        kids = t.child_node[edges]
        has = kids >= 0
        assert np.all(t.child_n[edges][has] >= t.node_n[kids[has]])
        stack.extend(int(k) for k in kids[has])


class BanditEvaluator(Evaluator):
    """5x5 board, black's first move is an arm: the value (black's view) after arm a is
    means[a] plus noise; the best arm is ``best``. Reported from the side to move's view."""

    native_prior = None
    has_value = True

    def __init__(self, n: int, best: int, seed: int = 0):
        self.n = n
        self.best = best
        rng = np.random.default_rng(seed)
        self.means = rng.uniform(-0.6, 0.2, n * n + 1)
        self.means[best] = 0.5
        self.rng = np.random.default_rng(seed + 1)

    def evaluate(self, positions):
        priors = np.full((len(positions), self.n * self.n + 1), 1.0 / (self.n * self.n + 1), np.float32)
        values = np.zeros(len(positions), np.float32)
        for i, pos in enumerate(positions):
            arm = [p for p in pos.stones(BLACK) if pos.links[bk.AGE, pos.p2l[p]] == 0]  # ply-0 stone
            v_black = 0.0 if not arm else self.means[arm[0]] + self.rng.normal(0, 0.3)
            values[i] = v_black if pos.to_play == BLACK else -v_black
        return priors, values


def test_bandit_best_arm_wins():
    n = 5
    ev = BanditEvaluator(n, best=17)
    cfg = SearchConfig(c_puct=1.0, batch_size=8, mix_lambda=0.0, expand_threshold=0, threads=1, max_tree_mb=16)
    mcts = MCTS(cfg, evaluator=ev)
    result = mcts.search(Game(n, 0.0), simulations=3000, stop_early=False)
    assert result.move == 17
    assert result.children[0].visits > 2 * result.children[1].visits
    assert result.root_visits == 3000
    assert abs(result.children[0].q - 0.5) < 0.1
    assert_visits_add_up(mcts)


@pytest.mark.parametrize("threads,batch", [(1, 1), (2, 16)])
def test_visits_add_up_and_virtual_loss_returns_to_zero(threads, batch):
    cfg = SearchConfig(threads=threads, batch_size=batch, max_tree_mb=32)
    mcts = MCTS(cfg)
    result = mcts.search(Game(7, 7.0), simulations=1000, stop_early=False)
    assert result.simulations == 1000
    assert result.root_visits == 1000
    assert sum(c.visits for c in result.children) == 999
    assert_visits_add_up(mcts)


def test_python_evaluator_path_matches_bookkeeping():
    class PythonUniform(UniformEvaluator):
        native_prior = None
        has_value = True  # its value 0 is mixed with the playouts', as a network's would be

    mcts = MCTS(SearchConfig(threads=1, batch_size=8, max_tree_mb=16, mix_lambda=0.5),
                evaluator=PythonUniform())
    result = mcts.search(Game(5, 0.0), simulations=400, stop_early=False)
    assert result.root_visits == 400
    assert_visits_add_up(mcts)


class BlackWinsEvaluator(UniformEvaluator):
    """A network that says Black wins every position: uniform priors, value +1 for Black."""
    native_prior = None
    has_value = True

    def evaluate(self, positions):
        priors, _ = super().evaluate(positions)
        return priors, np.array([1.0 if pos.to_play == BLACK else -1.0 for pos in positions], np.float32)


def test_leaf_lambdas_ramp_from_mix_lambda_to_the_late_one():
    cfg = SearchConfig(mix_lambda=0.25, mix_lambda_late=0.75, lambda_ramp_start=100, lambda_ramp_end=200)
    np.testing.assert_allclose(cfg.leaf_lambdas([0, 100, 150, 200, 300]), [0.25, 0.25, 0.5, 0.75, 0.75])
    np.testing.assert_allclose(SearchConfig(mix_lambda=0.5).leaf_lambdas([0, 400]), [0.5, 0.5])
    with pytest.raises(ValueError, match="lambda_ramp_start < lambda_ramp_end"):
        SearchConfig(mix_lambda_late=0.5, lambda_ramp_start=200, lambda_ramp_end=100)
    with pytest.raises(ValueError, match="mix_lambda_late"):
        SearchConfig(mix_lambda_late=1.5)
    with pytest.raises(ValueError, match="parallel must be"):
        SearchConfig(parallel="threads")


@pytest.mark.parametrize("late", [None, 1.0])
def test_late_lambda_hands_the_leaves_to_the_playouts(late):
    """With lambda 0 the net's word (Black wins) is every leaf's value; a late lambda of 1 from
    ply 1 on values the same leaves by playouts alone."""
    cfg = SearchConfig(threads=1, batch_size=8, max_tree_mb=16, mix_lambda=0.0, mix_lambda_late=late,
                       lambda_ramp_start=0, lambda_ramp_end=1, expand_threshold=0, rave_equiv=0)
    mcts = MCTS(cfg, evaluator=BlackWinsEvaluator())
    result = mcts.search(Game(5, 0.0), simulations=300, stop_early=False)
    q = sum(c.q * c.visits for c in result.children) / sum(c.visits for c in result.children)
    if late is None:
        assert q == pytest.approx(1.0) and mcts.total_rollouts == 0
    else:
        assert q < 0.9 and mcts.total_rollouts >= 300
    assert_visits_add_up(mcts)


def test_seeded_batch_search_is_reproducible_across_threads():
    def run(seed, threads):
        mcts = MCTS(SearchConfig(threads=threads, batch_size=8, seed=seed, max_tree_mb=16))
        result = mcts.search(Game(7, 7.0), simulations=800)
        return [(c.point, c.visits) for c in result.children]

    assert run(3, 1) == run(3, 2)
    assert run(3, 1) != run(4, 1)


def test_lanes_respect_an_exact_simulation_budget():
    mcts = MCTS(SearchConfig(threads=3, batch_size=8, max_tree_mb=16, parallel="lanes"))
    for sims in (5, 100, 1001):
        mcts.forget()
        result = mcts.search(Game(7, 7.0), simulations=sims, stop_early=False)
        assert result.simulations == sims and result.root_visits == sims
        assert_visits_add_up(mcts)


def test_a_search_on_the_clock_runs_lanes_and_keeps_the_books():
    """parallel="auto": a timed search with two threads runs one lane per thread (both lanes
    back up simulations); every count still adds up and no virtual loss is left behind."""
    mcts = MCTS(SearchConfig(threads=2, batch_size=8, max_tree_mb=16))
    result = mcts.search(Game(7, 7.0), seconds=0.3, stop_early=False)
    assert result.simulations > 0 and result.root_visits == result.simulations
    assert len(mcts.lanes) == 2 and all(lane.own.any() for lane in mcts.lanes)
    assert_visits_add_up(mcts)


def test_tree_reuse_keeps_the_subtree_statistics():
    game = Game(7, 7.0)
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=32))
    mcts.search(game, simulations=3000, stop_early=False)
    t = mcts.tree
    root = int(t.counts[tr.ROOT])
    pv = mcts.principal_variation(2)
    e = tr.find_child(t, root, pv[0])
    child = int(t.child_node[e])
    e2 = tr.find_child(t, child, pv[1])
    grandchild = int(t.child_node[e2])
    kept_visits = int(t.node_n[grandchild])
    kept_children = {int(t.child_point[x]): int(t.child_n[x])
                     for x in range(t.node_first[grandchild], t.node_first[grandchild] + t.node_count[grandchild])}
    assert kept_visits > 10
    game.play(pv[0])
    game.play(pv[1])
    assert mcts.sync(game)
    assert mcts.tree.node_n[mcts.tree.counts[tr.ROOT]] == kept_visits
    assert {c.point: c.visits for c in mcts.root_children()} == kept_children
    result = mcts.search(game, simulations=500, stop_early=False)
    assert result.root_visits == kept_visits + 500
    assert_visits_add_up(mcts)


def test_compaction_keeps_the_subtree():
    game = Game(7, 7.0)
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=1))
    mcts.search(game, simulations=2000, stop_early=False)
    move = mcts.principal_variation(1)[0]
    t = mcts.tree
    child = int(t.child_node[tr.find_child(t, int(t.counts[tr.ROOT]), move)])
    before = {int(t.child_point[x]): (int(t.child_n[x]), float(t.child_w[x]))
              for x in range(t.node_first[child], t.node_first[child] + t.node_count[child])}
    used = int(t.counts[tr.NUM_EDGES])
    assert used * 2 >= mcts.max_edges, "the pool should be over half full for this test"
    game.play(move)
    assert mcts.sync(game)
    t2 = mcts.tree
    assert t2 is not t and int(t2.counts[tr.ROOT]) == 0
    assert int(t2.counts[tr.NUM_EDGES]) < used
    after = {c.point: c.visits for c in mcts.root_children()}
    assert after == {p: nw[0] for p, nw in before.items()}
    mcts.search(game, simulations=300, stop_early=False)
    assert_visits_add_up(mcts, exact=False)


def test_pool_exhaustion_degrades_to_rollouts():
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=0.05))
    result = mcts.search(Game(9, 7.0), simulations=3000, stop_early=False)
    assert result.root_visits == 3000
    assert int(mcts.tree.counts[tr.NUM_EDGES]) <= mcts.max_edges
    mcts.check_invariants()


def test_positional_superko_is_never_in_the_tree():
    game = game_from_ascii(TRIPLE_KO, BLACK, komi=7.0)
    for v in ("D7", "G7", "D3", "C7", "H7"):
        game.play(vertex_to_point(v, 9))
    forbidden = vertex_to_point("C3", 9)
    assert not game.position.is_legal(forbidden)
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=16, prior="uniform"))
    mcts.search(game, simulations=300, stop_early=False)
    assert forbidden not in {c.point for c in mcts.root_children()}
    # one move earlier, the same cycle must be cut two plies down the tree
    game.undo()
    mcts = MCTS(SearchConfig(threads=1, max_tree_mb=16, prior="uniform"))
    mcts.search(game, simulations=3000, stop_early=False)
    t = mcts.tree
    e = tr.find_child(t, int(t.counts[tr.ROOT]), vertex_to_point("H7", 9))
    child = int(t.child_node[e])
    assert child >= 0 and t.node_first[child] >= 0
    points = {int(t.child_point[x]) for x in range(t.node_first[child], t.node_first[child] + t.node_count[child])}
    assert forbidden not in points
    assert vertex_to_point("J1", 9) in points  # an ordinary move is there


def test_heuristic_priors_prefer_capture_and_escape():
    game = game_from_ascii("""
    . . . . . . .
    . . . . . . .
    . . O O O . .
    . O X X X . .
    . . O O O . .
    . . . . . . .
    . . . . . . .
    """, BLACK)
    priors, _ = HeuristicEvaluator().evaluate([game.position])
    escape = vertex_to_point("F4", 7)
    assert priors[0].argmax() == escape
    assert priors[0, 49] < priors[0, escape] / 10  # the pass is unlikely
    assert abs(priors[0].sum() - 1.0) < 1e-5


SAVE_IN_ATARI = """
. . . . . . .
. . . . . . .
. . O O O X .
. O X X X . .
. . O O O X .
. . . . . . .
. . . . . . .
"""

SEMEAI = """
. O X O .
O O X O .
X X X O .
. O O O .
. . . . .
"""


@pytest.mark.parametrize("text,komi,answer,wins", [
    (SAVE_IN_ATARI, 0.0, "F4", False),
    (SEMEAI, -8.0, "A5", False),  # black lives only by capturing first
    (LAST_DAME, 0.5, "C3", True),
], ids=["save-group-in-atari", "capture-to-win-semeai", "last-dame-wins-by-half"])
def test_search_finds_the_obvious_move(text, komi, answer, wins):
    game = game_from_ascii(text, BLACK, komi)
    mcts = MCTS(SearchConfig(threads=2, max_tree_mb=64, seed=1, rave_equiv=0.0, c_puct=1.0))
    result = mcts.search(game, simulations=4000)
    assert point_to_vertex(result.move, game.n) == answer, [(point_to_vertex(c.point, game.n), c.visits)
                                                             for c in result.children[:5]]
    if wins:
        assert result.winrate > 0.5


def test_white_to_move_values_are_from_white_view():
    # the same last-dame fixture with colours swapped: white takes the dame and wins
    swapped = LAST_DAME.replace("X", "x").replace("O", "X").replace("x", "O")
    game = game_from_ascii(swapped, WHITE, komi=-0.5)
    result = MCTS(SearchConfig(threads=1, max_tree_mb=64)).search(game, simulations=3000)
    assert point_to_vertex(result.move, 5) == "C3"
    assert result.winrate > 0.5


def test_rave_statistics_cover_the_played_moves():
    mcts = MCTS(SearchConfig(threads=2, batch_size=8, rave_equiv=500.0, max_tree_mb=32))
    mcts.search(Game(7, 7.0), simulations=1500, stop_early=False)
    assert_visits_add_up(mcts)
    t = mcts.tree
    root = int(t.counts[tr.ROOT])
    edges = range(int(t.node_first[root]), int(t.node_first[root] + t.node_count[root]))
    moves = [e for e in edges if t.child_point[e] != 49]
    # a simulation through an edge plays its move first at the root's ply: AMAF counts it
    assert all(t.amaf_n[e] >= t.child_n[e] for e in moves)
    # and playouts give AMAF data to moves the tree did not choose
    assert sum(int(t.amaf_n[e]) for e in moves) > 5 * sum(int(t.child_n[e]) for e in moves)
    assert all(abs(t.amaf_w[e]) <= t.amaf_n[e] for e in moves)


@pytest.mark.parametrize("text,komi,answer", [
    (SAVE_IN_ATARI, 0.0, "F4"),
    (LAST_DAME, 0.5, "C3"),
], ids=["save-group-in-atari", "last-dame-wins-by-half"])
def test_rave_search_finds_the_obvious_move(text, komi, answer):
    game = game_from_ascii(text, BLACK, komi)
    result = MCTS(SearchConfig(threads=2, max_tree_mb=64, seed=1, rave_equiv=1000.0)).search(game, simulations=4000)
    assert point_to_vertex(result.move, game.n) == answer


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "data" / "rollout_9.npz").exists(),
                    reason="no 9x9 rollout-policy weights (data/rollout_9.npz)")
@pytest.mark.parametrize("parallel", ["batch", "lanes"])
def test_pattern_priors_and_playouts_plug_in(parallel):
    from go_engine.search.rollout_config import RolloutConfig
    game = Game(9, 7.0)
    mcts = MCTS(SearchConfig(threads=2, batch_size=8, prior="pattern", max_tree_mb=32, parallel=parallel),
                rollout=RolloutConfig(kind="pattern"))
    result = mcts.search(game, simulations=200, stop_early=False)
    assert result.root_visits == 200
    assert_visits_add_up(mcts)
    priors = {c.point: c.prior for c in result.children}
    assert abs(sum(priors.values()) - 1.0) < 1e-4
    assert priors[81] < max(priors.values()) / 10  # the pass stays unlikely


def test_repeated_leaf_playouts_beside_an_evaluator():
    """leaf_rollouts > 1: each leaf's z is the mean of that many playouts from a copy, so the
    leaf boards stay as selected and the bookkeeping still adds up."""
    from go_engine.rules.position import ZOBRIST
    from go_engine.search.priors import no_policy
    from go_engine.search.drivers import PLAYOUT_RANDOM, rollout_leaves_repeated
    from go_engine.search.mcts import allocate_lanes

    class PythonUniform(UniformEvaluator):
        native_prior = None
        has_value = False

    mcts = MCTS(SearchConfig(threads=1, batch_size=8, max_tree_mb=16, mix_lambda=0.5, leaf_rollouts=4),
                evaluator=PythonUniform())
    result = mcts.search(Game(5, 0.0), simulations=400, stop_early=False)
    assert result.root_visits == 400
    assert mcts.total_rollouts >= 4 * 400 and mcts.total_rollouts % 4 == 0  # slots x 4 (collisions too)
    assert_visits_add_up(mcts)

    pos = Position(5)
    _, (lane,) = allocate_lanes(1, 5, 3, seed=1)
    for b in range(3):
        lane.wcolor[b], lane.wlinks[b], lane.winfo[b] = pos.color, pos.links, pos.info
    before = lane.wcolor.copy(), lane.wlinks.copy()
    lane.leaf_kind[:3] = tr.LEAF_PENDING
    rollout_leaves_repeated(lane.wcolor, lane.wlinks, lane.winfo, lane.leaf_kind, lane.rng, ZOBRIST,
                            60, 0.5, PLAYOUT_RANDOM, no_policy(), lane.owner, lane.own, lane.out_z,
                            3, 5, lane.scolor, lane.slinks, lane.sinfo, lane.first_ply)
    assert np.array_equal(lane.wcolor, before[0]) and np.array_equal(lane.wlinks, before[1])
    z = lane.out_z[:3]
    assert np.all(np.abs(z) <= 1.0)
    assert np.allclose(z * 5, np.round(z * 5))   # means of five +-1 results (komi 0.5: no jigo)
    assert len(set(np.round(z, 3))) > 1 or abs(z[0]) < 1.0   # not one constant playout


def test_a_collision_keeps_its_virtual_loss_so_the_batch_spreads():
    """Descents that reach a node still pending keep their virtual loss until the backup, so
    the next ones turn elsewhere: from a fresh 9x9 root, a batch of 16 wastes few slots."""
    mcts = MCTS(SearchConfig(threads=1, batch_size=16, max_tree_mb=32, rave_equiv=0.0))
    result = mcts.search(Game(9, 7.0), simulations=3200, stop_early=False)
    assert result.root_visits == 3200
    assert_visits_add_up(mcts)
    assert mcts.total_rollouts < 1.25 * 3200  # slots used, collisions included (was ~2x)


class PythonUniform(UniformEvaluator):
    """Uniform priors and value 0 through the Python path (batches of leaves, as a network's)."""

    native_prior = None
    has_value = True


# Black's wall with two eyes on the left owns columns A-C beyond doubt; the rest is open.
TWO_EYED_WALL = """
. X . . .
X X . . .
. X . . .
X X . . .
. X . . .
"""


@pytest.mark.parametrize("python_batches", [False, True])
def test_ownership_counts_scored_boards_not_leaves(python_batches):
    """Stones that cannot die are owned in every playout: ownership 1.0, not diluted by the
    leaves that were never played out (collisions) or played out several times."""
    game = game_from_ascii(TWO_EYED_WALL, to_play=WHITE)
    evaluator = PythonUniform() if python_batches else UniformEvaluator()
    cfg = SearchConfig(threads=1, batch_size=8, max_tree_mb=16, seed=5, mix_lambda=0.5,
                       leaf_rollouts=2 if python_batches else 1)
    mcts = MCTS(cfg, evaluator=evaluator)
    mcts.search(game, simulations=400, stop_early=False)
    own = mcts.ownership().reshape(5, 5)
    assert np.all(own[:, :2] == 1.0), own
