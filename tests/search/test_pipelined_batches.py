"""The search with a Python evaluator keeps several batches in flight (``batches_in_flight``):
the books must still add up, a seeded search must repeat itself, and an evaluator that may run
on several threads must be called on several threads at once."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from go_engine.rules.game import Game
from go_engine.search.evaluators import UniformEvaluator
from go_engine.search.mcts import MCTS, SearchConfig
from tests.search.test_search import BanditEvaluator, assert_visits_add_up


class PythonUniform(UniformEvaluator):
    """Uniform priors and value 0 through the Python path, as a network would take."""

    native_prior = None
    has_value = True


def config(depth: int, **kw) -> SearchConfig:
    return SearchConfig(threads=1, batch_size=8, max_tree_mb=16, mix_lambda=0.5, batches_in_flight=depth, **kw)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_batches_in_flight_keep_the_books(depth):
    mcts = MCTS(config(depth), evaluator=PythonUniform())
    result = mcts.search(Game(5, 0.0), simulations=300, stop_early=False)
    assert result.simulations == 300 and result.root_visits == 300
    assert not mcts._in_flight
    assert_visits_add_up(mcts)
    again = mcts.search(Game(5, 0.0), seconds=0.05, stop_early=False)  # on the clock, too
    assert again.root_visits == 300 + again.simulations
    assert_visits_add_up(mcts)


def test_a_pipelined_search_repeats_itself_for_a_seed():
    runs = []
    for _ in range(2):
        mcts = MCTS(config(2, seed=5), evaluator=PythonUniform())
        result = mcts.search(Game(5, 0.0), simulations=200, stop_early=False)
        runs.append([(c.point, c.visits, round(c.q, 9)) for c in result.children])
    assert runs[0] == runs[1]


def test_the_best_arm_wins_with_three_batches_in_flight():
    ev = BanditEvaluator(5, best=17)
    cfg = SearchConfig(c_puct=1.0, batch_size=8, mix_lambda=0.0, expand_threshold=0, threads=1,
                       max_tree_mb=16, batches_in_flight=3)
    mcts = MCTS(cfg, evaluator=ev)
    result = mcts.search(Game(5, 0.0), simulations=3000, stop_early=False)
    assert result.move == 17 and result.root_visits == 3000
    assert_visits_add_up(mcts)


class FailingOnce(PythonUniform):
    def __init__(self, fail_at: int):
        self.calls = 0
        self.fail_at = fail_at

    def evaluate(self, positions):
        self.calls += 1
        if self.calls == self.fail_at:
            raise RuntimeError("network down")
        return super().evaluate(positions)


def test_a_failing_evaluator_leaves_the_next_search_clean():
    ev = FailingOnce(fail_at=3)
    mcts = MCTS(config(2), evaluator=ev)
    with pytest.raises(RuntimeError, match="network down"):
        mcts.search(Game(5, 0.0), simulations=200, stop_early=False)
    assert not mcts._in_flight
    result = mcts.search(Game(5, 0.0), simulations=100, stop_early=False)
    assert result.root_visits == 100  # a fresh tree: the failed batches' virtual loss is gone
    assert_visits_add_up(mcts)


class MeetingEvaluator(PythonUniform):
    """Notes whether two of its calls ever run at the same time (its first calls wait a moment
    for a partner, so that an overlap cannot be missed by bad luck)."""

    thread_safe = True

    def __init__(self):
        self.active = 0
        self.calls = 0
        self.met = threading.Event()
        self.lock = threading.Lock()

    def evaluate(self, positions):
        with self.lock:
            self.active += 1
            self.calls += 1
            if self.active >= 2:
                self.met.set()
            wait = self.calls <= 4
        try:
            if wait:
                self.met.wait(timeout=1.0)
            return super().evaluate(positions)
        finally:
            with self.lock:
                self.active -= 1


def test_a_thread_safe_evaluator_gets_the_batches_in_flight_at_once():
    ev = MeetingEvaluator()
    mcts = MCTS(config(2), evaluator=ev)
    result = mcts.search(Game(5, 0.0), simulations=64, stop_early=False)
    assert ev.met.is_set()
    assert result.root_visits == 64
    assert_visits_add_up(mcts)


def test_batches_in_flight_must_be_positive():
    with pytest.raises(ValueError):
        SearchConfig(batches_in_flight=0)
    assert np.isfinite(SearchConfig().batches_in_flight)
