"""Parallel Monte Carlo tree search with PUCT (AlphaGo's selection rule), over ``tree``.

One *batch* is: select B leaves from the root with virtual loss (``tree.select_leaves``),
evaluate them (priors from the evaluator, values from playouts run in parallel and/or the
evaluator's value), back the values up (``tree.backup``). Leaf value, black's view:

    V = (1 - mix_lambda) * v + mix_lambda * z

where v is the evaluator's value and z the playout result (+1/-1, Tromp-Taylor with komi).
With ``mix_lambda_late`` set, lambda depends on the leaf's move number: ``mix_lambda`` up to
ply ``lambda_ramp_start``, then linearly to ``mix_lambda_late`` at ``lambda_ramp_end`` and
after (the 19x19 value net judges the opening better than playouts do and the endgame worse:
``data/value_19.md``).
A leaf without an evaluator value (a bare edge below the expansion threshold, or any leaf with
a native-prior evaluator, which has no value) uses z alone; a finished game uses its score.

Drivers sharing the kernels:
- native priors (``UniformEvaluator``, ``HeuristicEvaluator``), ``parallel="batch"``:
  many batches inside one Numba call (``drivers.run_native``), the leaves of each batch
  expanded and played out in a prange; deterministic for a seed whatever the thread count.
  Selection and backup are serial: 28% of one thread's CPU time on 9x9, 13% on 19x19
  (measured), which bounds 2 threads at about 1.56x and 1.77x;
- native priors, ``parallel="lanes"``: one lane per thread over one tree, all inside one
  Numba call per chunk (``drivers.run_lanes``): a lane selects and backs up under a spin
  lock (``atomics``) and plays out without it, so the serial part of one lane overlaps the
  playouts of the others and the threads meet once per chunk; not reproducible;
- ``parallel="auto"`` (default): lanes for a search with a clock (the speed matters), batch for
  a fixed number of simulations (the fixed-playouts mode, reproducible for a seed);
- a Python evaluator (a network): ``evaluator.evaluate`` once per batch on a network thread,
  the batch's playouts on a playout thread (prange), and ``batches_in_flight`` batches at a
  time: the next batch is selected before the oldest is backed up, so the network, the
  playouts and this thread's tree work overlap (reproducible for a seed all the same).
The search never imports JAX.

``MCTS`` keeps the tree between moves: ``search(game, ...)`` first walks the root down the
moves played since the last search (ours and the opponent's reply), keeping their statistics,
and compacts the pool when it is more than half used.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numba
import numpy as np

from go_engine.rules import board_kernels as bk
from go_engine.search import tree as tr
from go_engine.search.evaluators import Evaluator, make_evaluator
from go_engine.rules.game import Game, Move
from go_engine.rules.conventions import playout_move_cap
from go_engine.rules.position import ZOBRIST, Position
from go_engine.search.rollout_config import RolloutConfig
from go_engine.search.priors import PRIOR_PATTERN, PolicyArrays, no_policy
from go_engine.search.tree import LaneArrays
from go_engine.search.drivers import (LANE_CELLS, LANE_ROLLOUTS, PLAYOUT_NAMES, pattern_policy_arrays, rollout_leaves,
                       rollout_leaves_repeated, run_lanes, run_native)


@dataclass(frozen=True)
class SearchConfig:
    """Knobs of the search. Values are in [-1, 1]; c_puct scales the prior term against them."""

    c_puct: float = 0.5
    fpu_reduction: float = 0.1       # Q of an unvisited child = parent Q - fpu_reduction
    batch_size: int = 16             # leaves selected per batch (with virtual loss)
    virtual_loss: float = 1.0        # an in-flight simulation counts as this many lost visits
    mix_lambda: float = 1.0          # weight of the playout result z against the value net v
    mix_lambda_late: float | None = None  # lambda from ply lambda_ramp_end on (None: mix_lambda throughout)
    lambda_ramp_start: int = 150     # leaf ply where lambda starts moving towards mix_lambda_late
    lambda_ramp_end: int = 250       # leaf ply where it gets there
    expand_threshold: int = 1        # a bare edge gets a node once it has this many visits
    leaf_rollouts: int = 1           # playouts averaged per leaf beside a Python evaluator (a
    #                                  network): they run while it evaluates the batch, so more
    #                                  than one costs little wall time and lowers z's variance
    rave_equiv: float = 1000.0       # RAVE: visits at which own Q and AMAF Q weigh equally; 0: off
    # (RAVE on with c_puct 0.5 beat plain PUCT with c_puct 1.0 in 10/10 self-play games at 1,500
    # playouts, 9x9; with a value network set rave_equiv=0 and mix_lambda < 1)
    max_tree_mb: float = 1024.0      # memory bound of the node and edge pools
    threads: int = 2                 # playout threads (numba); 0: all cores
    parallel: str = "auto"           # "batch": prange over a batch's leaves (deterministic);
    #                                  "lanes": one lane per thread, no barrier per batch (run_lanes);
    #                                  "auto": lanes when searching on a clock, batch for a fixed count
    prior: str = "heuristic"         # native priors when no evaluator is given
    seed: int = 0
    min_chunk_seconds: float = 0.02  # time between checks of the clock and the early stop
    batches_in_flight: int = 2       # with a Python evaluator (a network): batches selected before
    #                                  the oldest is backed up, so the network evaluates one batch
    #                                  while this thread expands, backs up and selects the next
    #                                  (1: one batch at a time; both are reproducible for a seed)

    def __post_init__(self) -> None:
        if (self.batch_size < 1 or self.expand_threshold < 0 or not 0.0 <= self.mix_lambda <= 1.0
                or self.leaf_rollouts < 1 or self.batches_in_flight < 1):
            raise ValueError(f"invalid search config: {self}")
        if self.mix_lambda_late is not None and not (0.0 <= self.mix_lambda_late <= 1.0
                                                     and 0 <= self.lambda_ramp_start < self.lambda_ramp_end):
            raise ValueError("mix_lambda_late must be in [0, 1], and 0 <= lambda_ramp_start < lambda_ramp_end")
        if self.parallel not in ("batch", "lanes", "auto"):
            raise ValueError(f"parallel must be 'batch', 'lanes' or 'auto', got {self.parallel!r}")

    def leaf_lambdas(self, plies: np.ndarray) -> np.ndarray:
        """float64[len(plies)]: the weight of the playouts at leaves of these move numbers."""
        plies = np.asarray(plies, np.float64)
        if self.mix_lambda_late is None:
            return np.full(plies.shape, self.mix_lambda)
        t = np.clip((plies - self.lambda_ramp_start) / (self.lambda_ramp_end - self.lambda_ramp_start), 0.0, 1.0)
        return self.mix_lambda + t * (self.mix_lambda_late - self.mix_lambda)


@dataclass
class ChildStats:
    point: int
    visits: int
    q: float        # mean value for the side to move at the root, in [-1, 1]
    prior: float
    pv: list[int] = field(default_factory=list)  # this move and its best line (progress reports only)

    @property
    def winrate(self) -> float:
        """Mean result for the side to move at the root, in [0, 1]."""
        return 0.5 * (1.0 + self.q)

    @property
    def lcb(self) -> float:
        """Lower confidence bound of ``winrate`` (see ``winrate_lcb``)."""
        return winrate_lcb(self.winrate, self.visits)


LCB_Z = 1.96  # two-sided 95% normal quantile


def winrate_lcb(winrate: float, visits: int, z: float = LCB_Z) -> float:
    """Lower end of the Wilson score interval for a win rate measured over ``visits``
    simulations, each counted as one win or loss (z = 1.96: 95% two-sided); 0 without visits.

    Why Wilson and not mean - z * stderr: the tree keeps no per-edge variance, and with few
    visits and a win rate near 0 or 1 the plain normal bound collapses onto the mean (3 wins in
    3 visits would give an LCB of 1); Wilson stays below the mean and tends to it as visits grow.
    The simulation values are not strictly wins and losses (RAVE and value-net mixing), so this
    is a ranking aid for GUIs (Leela Zero's ``lcb`` field), not an exact interval.
    """
    if visits <= 0:
        return 0.0
    w = min(1.0, max(0.0, winrate))
    z2n = z * z / visits
    centre = w + z2n / 2.0
    spread = z * math.sqrt(w * (1.0 - w) / visits + z2n / (4.0 * visits))
    return max(0.0, (centre - spread) / (1.0 + z2n))


@dataclass
class SearchResult:
    """Outcome of one search, from the root's side to move."""

    move: int                       # most visited point (n*n = pass)
    winrate: float                  # of the chosen move, in [0, 1]
    root_visits: int
    simulations: int                # simulations run by this search
    seconds: float
    children: list[ChildStats] = field(default_factory=list)   # by visits, descending
    pv: list[int] = field(default_factory=list)
    stopped_early: bool = False
    interrupted: bool = False       # ended by ``should_stop`` (analysis, pondering)
    extended: float = 0.0           # seconds granted past ``seconds`` by ``extend`` (unclear move)


ProgressCallback = Callable[[SearchResult], None]
ExtendCallback = Callable[[list[ChildStats], float], float]  # (root children, seconds so far) -> more


@dataclass
class _Batch:
    """A batch of leaves between selection and backup (``MCTS._start_batch``)."""

    lane: "LaneArrays"
    size: int
    live: int                   # leaves that will be backed up (collisions excluded)
    kinds: np.ndarray           # [size] LEAF_* of each leaf (a view into the lane)
    pending: np.ndarray         # leaf indices whose new node awaits the evaluator's priors
    positions: list[Position]   # copies of those leaves' positions, in ``pending`` order
    has_value: np.ndarray       # [size] bool: the evaluator values this leaf
    lambdas: np.ndarray         # [size] the playouts' weight at each leaf (``leaf_lambdas``)
    need_rollout: bool
    repeats: int                # playouts per leaf
    network: Future | None      # the evaluator's (priors, values), when run on its thread
    playouts: Future | None


def allocate_lanes(count: int, n: int, b: int, seed: int) -> tuple[LaneArrays, list[LaneArrays]]:
    """``count`` lanes of B leaf slots for board size n: the stacked arrays (leading lane
    axis) and one ``LaneArrays`` view per lane.

    Every per-slot array gets one spare slot (row B) and each RNG state a 64-byte row, so
    that no cache line holds data two threads write at the same time: a playout updates its
    RNG state and board on every move, and a shared line would bounce between the cores."""
    a = (n + 2) * (n + 2)
    depth = 2 * n * n + 64
    s = b + 1
    shapes = {
        "wcolor": ((s, a), np.int8), "wlinks": ((s, bk.NF, a), np.int32), "winfo": ((s, bk.NI), np.int64),
        "path_edge": ((s, depth), np.int32), "path_node": ((s, depth + 1), np.int32),
        "path_hash": ((s, depth), np.uint64), "path_len": ((s,), np.int32), "nodes_len": ((s,), np.int32),
        "leaf_kind": ((s,), np.int32), "locs": ((s, n * n + 1), np.int32), "scores": ((s, n * n + 1), np.float64),
        "leaf_block": ((s,), np.int64), "leaf_edges": ((s,), np.int64), "owner": ((s, a), np.int8),
        "own": ((s, a + 1), np.int32), "out_z": ((s,), np.float64), "first_ply": ((s, a), np.int32),
        "scolor": ((s, a), np.int8), "slinks": ((s, bk.NF, a), np.int32), "sinfo": ((s, bk.NI), np.int64),
        "rng": ((s, 8), np.uint64),
    }
    stacked = {name: np.zeros((count,) + shape, dtype) for name, (shape, dtype) in shapes.items()}
    stacked["leaf_block"][:] = -1
    stacked["first_ply"][:] = -1
    for k in range(count):
        lane_seed = np.uint64((seed + 104729 * k) % 2**63)
        seeds = np.arange(1, s + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        states = seeds ^ lane_seed
        states[states == 0] = 1
        stacked["rng"][k, :, 0] = states
    lanes = [LaneArrays(**{name: arr[k] for name, arr in stacked.items()}) for k in range(count)]
    return LaneArrays(**stacked), lanes


def policy_arrays(rollout: RolloutConfig, evaluator: Evaluator, n: int) -> PolicyArrays:
    """The pattern-policy arrays the chosen playout kernel and prior kind need: the rollout
    policy's weights for size n (``data/rollout_<n>.npz`` or ``rollout.weights_path``)."""
    if rollout.kind != "pattern" and evaluator.native_prior != PRIOR_PATTERN:
        return no_policy()
    return pattern_policy_arrays(n, rollout.weights_path)


class MCTS:
    """A search tree bound to one evaluator and rollout policy, reused across moves."""

    def __init__(self, config: SearchConfig = SearchConfig(), evaluator: Evaluator | None = None,
                 rollout: RolloutConfig = RolloutConfig()):
        self.config = config
        self.evaluator = evaluator if evaluator is not None else make_evaluator(config.prior)
        self.rollout = rollout
        if rollout.kind not in PLAYOUT_NAMES:
            raise ValueError(f"unknown playout kind {rollout.kind!r}; choose from {sorted(PLAYOUT_NAMES)}")
        self.max_nodes, self.max_edges = tr.pool_sizes(config.max_tree_mb)
        self.tree = tr.allocate_tree(self.max_nodes, self.max_edges)
        self._n = -1
        self._key: tuple | None = None          # (n, komi, handicap) of the tree's game
        self._root_moves: list[Move] = []      # game.moves at the current root
        self._root: Position | None = None
        self._rng_seed = config.seed
        self.total_rollouts = 0
        self._pool: ThreadPoolExecutor | None = None
        self._net_pool: ThreadPoolExecutor | None = None
        self._in_flight: deque[_Batch] = deque()   # Python-evaluator batches, oldest first
        self._lane_turn = 0

    # --- tree management -------------------------------------------------------------------
    def _alloc_work(self, n: int) -> None:
        """Per-lane work arrays for board size n (one lane per thread, and one per batch in
        flight with a Python evaluator)."""
        self._n = n
        lanes = max(1, self.config.threads or numba.config.NUMBA_NUM_THREADS) \
            if self.config.parallel != "batch" else 1
        if self.evaluator.native_prior is None:
            lanes = max(lanes, self.config.batches_in_flight)
        self.lane_stack, self.lanes = allocate_lanes(lanes, n, self.config.batch_size,
                                                     self._rng_seed * 7919 + 1)
        self.lane_shared = np.zeros(LANE_CELLS, np.int64)
        self.fparams = np.array([self.config.c_puct, self.config.fpu_reduction, self.config.virtual_loss,
                                 self.config.rave_equiv])
        self.max_playout_moves = self.rollout.max_moves or playout_move_cap(n)
        self.pol = policy_arrays(self.rollout, self.evaluator, n)

    def reset(self, game: Game) -> None:
        """Drop the tree; the root becomes the game's current position."""
        pos = game.position
        terminal = 1 if pos.passes >= 2 else 0
        tr.reset_tree(self.tree, pos.to_play, terminal)
        self._key = (game.n, game.komi, tuple(game.handicap))
        self._root_moves = list(game.moves)
        self._root = pos.copy()
        self._clear_ownership()

    def _clear_ownership(self) -> None:
        for lane in self.lanes:
            lane.own[:] = 0
        self.total_rollouts = 0

    def sync(self, game: Game) -> bool:
        """Move the root to the game's current position, keeping the subtree of the moves
        played since the last search when the tree has them. Returns True if reused."""
        if game.n != self._n:
            self._alloc_work(game.n)
        key = (game.n, game.komi, tuple(game.handicap))
        moves = game.moves
        k = len(self._root_moves)
        reusable = (self._key == key and self._root is not None and len(moves) >= k
                    and moves[:k] == self._root_moves)
        if reusable:
            t = self.tree
            root = int(t.counts[tr.ROOT])
            for mv in moves[k:]:
                if t.node_to_play[root] != mv.color:
                    reusable = False
                    break
                e = tr.find_child(t, root, mv.point)
                child = int(t.child_node[e]) if e >= 0 else -1
                if child < 0:
                    reusable = False
                    break
                root = child
            if (reusable and t.node_to_play[root] == game.to_play
                    and game.position.hash == self._root_hash_after(moves[k:])):
                t.counts[tr.ROOT] = root
                self._root_moves = list(moves)
                self._root = game.position.copy()
                self._clear_ownership()
                self._maybe_compact()
                return True
        self.reset(game)
        return False

    def warm_up(self, n: int) -> float:
        """Load (or compile) every kernel with a tiny search on an empty n x n board, so the
        first real move's clock is not spent on it; returns the seconds it took."""
        t0 = time.perf_counter()
        self.evaluator.warm_up(self.config.batch_size)  # e.g. a network's batch shapes
        self.search(Game(n, 7.0), simulations=2 * self.config.batch_size, stop_early=False)
        self.forget()
        return time.perf_counter() - t0

    def forget(self) -> None:
        """Drop the tree at the next search (a new game)."""
        self._key = None

    def _root_hash_after(self, new_moves: list[Move]) -> int:
        pos = self._root.copy()
        for mv in new_moves:
            pos.play(mv.point, mv.color)
        return pos.hash

    def _maybe_compact(self) -> None:
        t = self.tree
        if t.counts[tr.NUM_EDGES] * 2 < self.max_edges and t.counts[tr.NUM_NODES] * 2 < self.max_nodes:
            return
        fresh = tr.allocate_tree(self.max_nodes, self.max_edges)
        tr.compact_into(t, fresh, int(t.counts[tr.ROOT]))
        self.tree = fresh

    # --- searching -------------------------------------------------------------------------
    def search(self, game: Game, simulations: int | None = None, seconds: float | None = None,
               stop_early: bool = True, should_stop: Callable[[], bool] | None = None,
               on_progress: ProgressCallback | None = None,
               progress_interval: float = 1.0, with_pvs: bool = False,
               extend: ExtendCallback | None = None) -> SearchResult:
        """Search from the game's current position for ``simulations`` (exact count) and/or
        ``seconds`` (``math.inf``: until ``should_stop``); with ``stop_early``, stop once the most
        visited move cannot be overtaken.

        For analysis and pondering: ``should_stop()`` is polled after every chunk of simulations
        (about ``min_chunk_seconds`` of work, at least one batch), so a True answer ends the
        search within one chunk (``SearchResult.interrupted``); ``on_progress(result)`` is called
        from this thread at most every ``progress_interval`` seconds with the state so far, each
        child carrying its principal variation. Both default to None: no cost to a plain search.
        ``with_pvs``: the returned children carry their principal variations too (game review).
        ``extend(children, elapsed)``: asked at each deadline for seconds more (time management,
        ``players.time_extension``; 0 or less ends the search), and when the early stop would end
        the search: a positive answer (an unclear move) then means search on to the deadline.
        So at most twice per deadline, never per simulation.
        """
        if simulations is None and seconds is None:
            raise ValueError("give simulations and/or seconds")
        self._drain()  # batches a failed search left in flight belong to the tree as it stands
        self.sync(game)
        t0 = time.perf_counter()
        deadline = t0 + seconds if seconds is not None else math.inf
        budget = simulations if simulations is not None else 1 << 62
        threads = self.config.threads or numba.config.NUMBA_NUM_THREADS
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        done = 0
        rate = None
        stopped_early = False
        interrupted = False
        extended = 0.0
        hold_until = -math.inf  # ``extend`` called the move unclear: no early stop before then
        last_report = t0
        native = self.evaluator.native_prior is not None
        b = self.config.batch_size
        lanes = native and (self.config.parallel == "lanes" or (
            self.config.parallel == "auto" and simulations is None and len(self.lanes) > 1))
        while done < budget:
            now = time.perf_counter()
            if now >= deadline:
                more = extend(self.root_children(), now - t0) if extend is not None else 0.0
                if more <= 0:
                    break
                deadline = now + more
                extended += more
            if stop_early and rate is not None and done > 0 and now >= hold_until:
                remaining = min(budget - done, rate * (deadline - now))
                if self._best_is_safe(remaining):
                    if extend is None or extend(self.root_children(), now - t0) <= 0:
                        stopped_early = True
                        break
                    hold_until = deadline  # unclear: on to the deadline, where extend is asked again
            if seconds is None:
                batches = 32  # fixed chunks: a fixed-simulation search is reproducible
            elif rate is None:
                batches = 1
            else:
                batches = max(1, int(rate * self.config.min_chunk_seconds / b))
            batches = min(batches, max(1, (budget - done) // b))
            size = b if budget - done >= b else budget - done
            if lanes:
                done += self._native_lanes(game, min(budget - done, max(batches, len(self.lanes)) * b))
            elif native:
                done += self._native_batches(game, batches, size)
            else:
                done += self._python_batches(game, batches, size)
            now = time.perf_counter()
            elapsed = now - t0
            rate = done / elapsed if elapsed > 0 and done > 0 else None
            if on_progress is not None and now - last_report >= progress_interval and done < budget:
                last_report = now
                on_progress(self._result(done, elapsed, False, with_pvs=True))
            if should_stop is not None and should_stop():
                interrupted = True
                break
        self._drain()
        result = self._result(done, time.perf_counter() - t0, stopped_early, interrupted, with_pvs)
        result.extended = extended
        return result

    def _native_lanes(self, game: Game, sims: int) -> int:
        """``sims`` simulations with native priors on one thread per lane (``drivers.run_lanes``)."""
        rcolor, rlinks, rinfo, rhash, hist, nhist = self._root_arrays()
        S = self.lane_stack
        shared = self.lane_shared
        shared[:] = 0
        done = run_lanes(self.tree, self.fparams, self._iparams(2), rcolor, rlinks, rinfo, rhash, hist, nhist,
                         ZOBRIST, S, self.max_playout_moves, float(game.komi), PLAYOUT_NAMES[self.rollout.kind],
                         self.pol, self.config.batch_size, sims, shared)
        self.total_rollouts += int(shared[LANE_ROLLOUTS])
        return int(done)

    def _root_arrays(self):
        pos = self._root
        nhist = pos.ply + 1
        return pos.color, pos.links, pos.info, np.uint64(pos.hashes[pos.ply]), pos.hashes, nhist

    def _iparams(self, defer: int) -> np.ndarray:
        kind = self.evaluator.native_prior
        return np.array([self.config.expand_threshold, defer, 0 if kind is None else kind], np.int64)

    def _native_batches(self, game: Game, batches: int, size: int) -> int:
        rcolor, rlinks, rinfo, rhash, hist, nhist = self._root_arrays()
        L = self.lanes[0]
        done = run_native(self.tree, self.fparams, self._iparams(2), rcolor, rlinks, rinfo, rhash,
                          hist, nhist, ZOBRIST, L, self.max_playout_moves, float(game.komi),
                          PLAYOUT_NAMES[self.rollout.kind], self.pol, batches, size)
        self.total_rollouts += batches * size
        return int(done)

    def _python_batches(self, game: Game, batches: int, size: int) -> int:
        """``batches`` batches of ``size`` leaves with a Python evaluator, pipelined: each batch
        is started (selected, its network call and playouts handed to their threads) before the
        oldest batch in flight is finished (expanded, backed up), so the network never waits for
        this thread's tree work. Up to ``batches_in_flight`` batches are in flight, each on a
        lane of its own; the last ones stay in flight for the next call (``_drain`` ends them).
        Returns the simulations started (collisions excluded)."""
        depth = self.config.batches_in_flight
        started = 0
        try:
            for _ in range(batches):
                lane = self.lanes[self._lane_turn % depth]
                self._lane_turn += 1
                batch = self._start_batch(game, lane, size)
                started += batch.live
                self._in_flight.append(batch)
                if len(self._in_flight) >= depth:
                    self._finish_batch(self._in_flight.popleft())
        except BaseException:
            self._abandon_in_flight()
            raise
        return started

    def _drain(self) -> None:
        """Finish every batch still in flight (the end of a search)."""
        try:
            while self._in_flight:
                self._finish_batch(self._in_flight.popleft())
        except BaseException:
            self._abandon_in_flight()
            raise

    def _abandon_in_flight(self) -> None:
        """After an error: wait for the worker threads, drop their batches and the tree (it holds
        their virtual loss), so that the next search starts clean."""
        for batch in self._in_flight:
            for future in (batch.network, batch.playouts):
                if future is not None:
                    future.exception()
        self._in_flight.clear()
        self.forget()

    def _start_batch(self, game: Game, L: LaneArrays, size: int) -> _Batch:
        """Select a batch of leaves into lane L; copy the new leaves' positions; hand them to the
        network thread (when batches overlap) and the leaves to the playout thread (Numba, no
        GIL). With mix_lambda 0 and a value for every leaf, only terminal leaves are scored and
        nothing is played out."""
        rcolor, rlinks, rinfo, rhash, hist, nhist = self._root_arrays()
        no_priors = np.empty(0, np.float32)
        live = tr.select_leaves(self.tree, self.fparams, self._iparams(1), rcolor, rlinks, rinfo, rhash, hist,
                                nhist, ZOBRIST, L, size, no_priors, self.pol)
        kinds = L.leaf_kind[:size]
        pending = np.flatnonzero(kinds == tr.LEAF_PENDING)
        positions = [self._leaf_position(L, int(i)) for i in pending]  # copies: playouts change the leaves
        lambdas = np.full(size, self.config.mix_lambda)
        lambdas[pending] = self.config.leaf_lambdas([pos.ply for pos in positions])
        rave = self.config.rave_equiv > 0
        has_value = np.zeros(size, bool)
        has_value[pending] = self.evaluator.has_value
        # a playout for every leaf without a value, and for those whose value the playouts share
        valued_alone = (kinds == tr.LEAF_PENDING) & has_value & (lambdas == 0.0)
        need_rollout = bool(np.any((kinds == tr.LEAF_ROLLOUT) | ((kinds == tr.LEAF_PENDING) & ~valued_alone)))
        network = None
        if positions and self.config.batches_in_flight > 1:
            network = self._network_pool().submit(self.evaluator.evaluate, positions)
        playouts = None
        repeats = self.config.leaf_rollouts
        if need_rollout and repeats > 1:
            playouts = self._playout_pool().submit(
                _repeated_on_worker, self._playout_threads(), L.wcolor, L.wlinks, L.winfo, L.leaf_kind, L.rng,
                ZOBRIST, self.max_playout_moves, float(game.komi), PLAYOUT_NAMES[self.rollout.kind],
                self.pol, L.owner, L.own, L.out_z, size, repeats, L.scolor, L.slinks, L.sinfo, L.first_ply)
        elif need_rollout or np.any(kinds == tr.LEAF_TERMINAL):
            repeats = 1
            playouts = self._playout_pool().submit(
                _rollout_on_worker, self._playout_threads(), L.wcolor, L.wlinks, L.winfo, L.leaf_kind, L.rng, ZOBRIST,
                self.max_playout_moves, float(game.komi), PLAYOUT_NAMES[self.rollout.kind],
                self.pol, L.owner, L.own, L.out_z, size, rave, L.first_ply, L.path_len)
        else:
            L.out_z[:size] = 0.0
        return _Batch(L, size, int(live), kinds, pending, positions, has_value, lambdas, need_rollout, repeats,
                      network, playouts)

    def _finish_batch(self, batch: _Batch) -> None:
        """Expand a started batch's new nodes with the evaluator's priors (waiting for the
        network thread, or calling the evaluator here when batches do not overlap), wait for
        its playouts, and back up ``V = (1 - lambda) v + lambda z``."""
        t = self.tree
        L, size, kinds = batch.lane, batch.size, batch.kinds
        _, _, _, rhash, hist, nhist = self._root_arrays()
        v_black = np.zeros(size, np.float64)
        try:
            if batch.positions:
                if batch.network is not None:
                    priors, values = batch.network.result()
                else:
                    priors, values = self.evaluator.evaluate(batch.positions)
                priors = np.asarray(priors, np.float32)
                for j, i in enumerate(batch.pending):
                    i = int(i)
                    pos = batch.positions[j]
                    node = int(L.path_node[i, L.nodes_len[i] - 1])
                    depth = int(L.path_len[i])
                    h = L.path_hash[i, depth - 1] if depth > 0 else rhash
                    tr.expand_node(t, node, pos.color, pos.links, pos.info, ZOBRIST, np.uint64(h),
                                   hist, nhist, L.path_hash[i], depth, 0, self.pol, priors[j], L.locs[i],
                                   L.scores[i], -1)
                    sign = 1.0 if pos.to_play == bk.BLACK else -1.0
                    v_black[i] = sign * float(values[j])
        finally:
            if batch.playouts is not None:
                batch.playouts.result()
                self.total_rollouts += size * batch.repeats
        lam = batch.lambdas
        z = L.out_z[:size]
        if batch.need_rollout:
            values_black = np.where(batch.has_value, (1.0 - lam) * v_black + lam * z, z)
        else:
            values_black = v_black
        values_black = np.where(kinds == tr.LEAF_TERMINAL, z, values_black)
        tr.backup(t, L.path_edge, L.path_node, L.path_len, L.nodes_len, L.leaf_kind,
                  values_black, size, self.config.rave_equiv > 0, L.first_ply, L.leaf_block, L.leaf_edges)

    def _playout_threads(self) -> int:
        return min(self.config.threads or numba.config.NUMBA_NUM_THREADS, numba.config.NUMBA_NUM_THREADS)

    def _playout_pool(self) -> ThreadPoolExecutor:
        """One worker thread that runs a batch's playouts beside the evaluator."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playouts")
        return self._pool

    def _network_pool(self) -> ThreadPoolExecutor:
        """Threads that run the evaluator on the batches in flight while this one works on the
        tree: one per batch when the evaluator may run on several threads at once (two network
        calls keep two cores busy, one call only one), else one."""
        if self._net_pool is None:
            # an evaluator says so with ``thread_safe``; any other is called from one thread
            workers = self.config.batches_in_flight if self.evaluator.thread_safe else 1
            self._net_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="network")
        return self._net_pool

    def _leaf_position(self, L: LaneArrays, i: int) -> Position:
        n = self._n
        pos = Position(n)
        pos.color[:] = L.wcolor[i]
        pos.links[:, :] = L.wlinks[i]
        pos.info[:] = L.winfo[i]
        ply = pos.ply
        pos.hashes = np.zeros(max(64, ply + 2), np.uint64)
        depth = int(L.path_len[i])
        pos.hashes[ply] = L.path_hash[i, depth - 1] if depth > 0 else self._root.hashes[self._root.ply]
        return pos

    # --- reading the tree ------------------------------------------------------------------
    def root_children(self) -> list[ChildStats]:
        t = self.tree
        root = int(t.counts[tr.ROOT])
        first = int(t.node_first[root])
        out = []
        if first < 0:
            return out
        for e in range(first, first + int(t.node_count[root])):
            nv = int(t.child_n[e])
            q = float(t.child_w[e]) / nv if nv else 0.0
            out.append(ChildStats(int(t.child_point[e]), nv, q, float(t.child_p[e])))
        out.sort(key=lambda s: (-s.visits, -s.q))
        return out

    def _best_is_safe(self, remaining: float) -> bool:
        """True when the second most visited move could not catch the first with every
        remaining simulation."""
        t = self.tree
        root = int(t.counts[tr.ROOT])
        first = int(t.node_first[root])
        if first < 0 or t.node_count[root] < 2:
            return first >= 0
        n = np.sort(t.child_n[first:first + int(t.node_count[root])])
        return int(n[-1]) - int(n[-2]) > remaining

    def principal_variation(self, max_len: int = 20) -> list[int]:
        return self._pv_from(int(self.tree.counts[tr.ROOT]), max_len)

    def _pv_from(self, v: int, max_len: int) -> list[int]:
        """The most visited line from node ``v`` (may be -1: no node yet)."""
        t = self.tree
        pv = []
        while len(pv) < max_len and v >= 0 and t.node_first[v] >= 0:
            first = int(t.node_first[v])
            cnt = int(t.node_count[v])
            ns = t.child_n[first:first + cnt]
            if ns.max() == 0:
                break
            e = first + int(np.argmax(ns))
            pv.append(int(t.child_point[e]))
            v = int(t.child_node[e])
        return pv

    def _add_child_pvs(self, children: list[ChildStats], max_len: int = 16) -> None:
        """Fill each visited root child's ``pv``: the move, then the most visited line below it."""
        t = self.tree
        root = int(t.counts[tr.ROOT])
        first = int(t.node_first[root])
        if first < 0:
            return
        edges = {int(t.child_point[e]): e for e in range(first, first + int(t.node_count[root]))}
        for child in children:
            if child.visits > 0:
                child.pv = [child.point, *self._pv_from(int(t.child_node[edges[child.point]]), max_len - 1)]

    def ownership(self) -> np.ndarray:
        """float[n*n]: mean final owner of each point over this search's playouts (+1 black,
        -1 white), the root's estimate of territory and dead stones."""
        n = self._n
        total = sum(lane.own.sum(axis=0) for lane in self.lanes).astype(np.float64)
        w = n + 2
        count = max(1.0, total[w * w])  # boards scored, not leaves visited (collisions score none)
        return (total[: w * w].reshape(w, w)[1:-1, 1:-1] / count).ravel()

    def root_visits(self) -> int:
        """Visits of the current root: after ``sync``, what the tree kept from earlier searches."""
        return int(self.tree.node_n[int(self.tree.counts[tr.ROOT])])

    def root_winrate(self) -> float:
        t = self.tree
        root = int(t.counts[tr.ROOT])
        nv = int(t.node_n[root])
        return 0.5 if nv == 0 else 0.5 * (1.0 + float(t.node_w[root]) / nv)

    def _result(self, done: int, seconds: float, stopped_early: bool, interrupted: bool = False,
                with_pvs: bool = False) -> SearchResult:
        children = self.root_children()
        if with_pvs:
            self._add_child_pvs(children)
        t = self.tree
        root = int(t.counts[tr.ROOT])
        n = self._n
        if children:
            best = children[0]
            move, winrate = best.point, 0.5 * (1.0 + best.q)
        else:
            move, winrate = n * n, self.root_winrate()
        return SearchResult(move=move, winrate=winrate, root_visits=int(t.node_n[root]), simulations=done,
                            seconds=seconds, children=children, pv=self.principal_variation(),
                            stopped_early=stopped_early, interrupted=interrupted)

    def check_invariants(self) -> None:
        """Raise AssertionError unless every virtual loss is zero and visits add up."""
        t = self.tree
        nn = int(t.counts[tr.NUM_NODES])
        ne = int(t.counts[tr.NUM_EDGES])
        assert not t.node_vl[:nn].any(), "virtual loss left on nodes"
        assert not t.child_vl[:ne].any(), "virtual loss left on edges"


def _repeated_on_worker(threads: int, *args) -> None:
    """``drivers.rollout_leaves_repeated`` on the worker thread."""
    numba.set_num_threads(threads)
    rollout_leaves_repeated(*args)


def _rollout_on_worker(threads: int, *args) -> None:
    """``drivers.rollout_leaves`` on a worker thread (Numba's thread count is per thread)."""
    numba.set_num_threads(threads)
    rollout_leaves(*args)
