"""Leaf evaluation by playouts, in parallel over the leaves of a batch, and the native
search driver that runs whole batches (select -> playouts -> backup) without leaving Numba.

Parallelism: ``prange`` over the leaves of a batch (Numba's OpenMP/workqueue layer). Each
leaf slot b owns its work arrays and its RNG state, so results do not depend on the number
of threads or their scheduling: a seeded search is reproducible. Selection and backup are
serial between the batches. ``run_lanes`` instead gives each thread a lane of its own that
selects and backs up under a spin lock while the other lanes play out (faster, not
reproducible).

Playout kernels are chosen by a code: ``PLAYOUT_RANDOM`` (``uniform.random_playout``),
``PLAYOUT_PATTERN`` (the pattern policy of ``rollout_policy``; its arrays arrive in ``pol``),
``PLAYOUT_HEURISTIC`` (MoGo-style rules, ``playouts.heuristic``), or ``PLAYOUT_HEURISTIC + rules``
for those rules with optional rule sets (bits ``heuristic_playout.RULE_*``): ``PLAYOUT_NAKADE``
keeps the nakade self-ataris of ``nakade``; the names ``nakade+ko``, ``nakade+twolib+ko`` and
so on add the ko-capture limit and the two-liberty rule.
"""
from __future__ import annotations

import os

# OpenMP threads that spin while waiting starve everything else when the cores are shared
# (measured: 2 threads at 1/10 of the 1-thread speed under load); passive waiting costs
# nothing measurable on idle cores. Must be set before Numba first starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from go_engine.rules import board_kernels as bk  # noqa: E402
from go_engine.search.atomics import spin_lock, spin_unlock  # noqa: E402
from go_engine.playouts.heuristic import RULE_KO_LIMIT, RULE_NAKADE, RULE_TWO_LIBERTIES, heuristic_playout  # noqa: E402
from go_engine.playouts.uniform import random_playout  # noqa: E402
from go_engine.search.priors import PolicyArrays, no_policy  # noqa: E402
from go_engine.playouts.rollout_policy import policy_playout, policy_playout_repeat, prepared_start  # noqa: E402
from go_engine.search.tree import (F_RAVE_EQUIV, I_PRIOR_KIND, LEAF_COLLISION, LEAF_PENDING,  # noqa: E402
                   LEAF_TERMINAL, LaneArrays, backup, expand_node, select_leaves)

PLAYOUT_RANDOM = 0
PLAYOUT_PATTERN = 1   # AlphaGo's fast rollout policy (``rollout_policy.policy_playout``)
PLAYOUT_HEURISTIC = 2  # atari, 3x3 shape and capture rules, then random (``playouts.heuristic``)
PLAYOUT_NAKADE = 3     # the same, keeping the self-ataris that ``nakade`` finds nakade
PLAYOUT_NAMES = {"random": PLAYOUT_RANDOM, "pattern": PLAYOUT_PATTERN}
for _rules in range((RULE_NAKADE | RULE_TWO_LIBERTIES | RULE_KO_LIMIT) + 1):
    PLAYOUT_NAMES["+".join(["nakade" if _rules & RULE_NAKADE else "heuristic"]
                           + ["twolib"] * bool(_rules & RULE_TWO_LIBERTIES)
                           + ["ko"] * bool(_rules & RULE_KO_LIMIT))] = PLAYOUT_HEURISTIC + _rules


@njit(cache=True, nogil=True)
def first_ply_from_age(color, links, info, first_ply, root_ply, ply0):
    """After a playout that kept no record: note every stone placed during it (``AGE`` is
    the absolute ply of placement) as played first at AGE - root_ply, where still unset.
    Points captured and left empty are missed: an approximation of AMAF."""
    for loc in range(color.shape[0]):
        col = color[loc]
        if (col == bk.BLACK or col == bk.WHITE) and first_ply[loc] < 0:
            rel = links[bk.AGE, loc] - root_ply
            if rel >= ply0:
                first_ply[loc] = rel


@njit(cache=True, nogil=True)
def run_playout(kind, color, links, info, zob, state, max_moves, pol, record, first_ply, ply0):
    """Play the position out in place with the chosen policy (``pol``: its arrays); returns
    moves played. With ``record``, first_ply is filled for RAVE.

    A kernel that cannot record its moves (e.g. the pattern policy's) is followed by
    ``first_ply_from_age``, which reads the placement ply of the final stones instead."""
    if kind == PLAYOUT_PATTERN:
        root_ply = info[bk.I_PLY] - ply0
        moves = policy_playout(color, links, info, zob, pol.ew, state, max_moves)
        if record:
            first_ply_from_age(color, links, info, first_ply, root_ply, ply0)
        return moves
    if kind >= PLAYOUT_HEURISTIC:
        return heuristic_playout(color, links, info, zob, state, max_moves, record, first_ply, ply0,
                                 kind - PLAYOUT_HEURISTIC)
    return random_playout(color, links, info, zob, state, max_moves, record, first_ply, ply0)


@njit(cache=True, nogil=True)
def playout_batch(kind, color, links, info, zob, pol, seed, count, max_moves, komi):
    """``count`` playouts of one kind (a ``PLAYOUT_*`` code; ``pol`` from ``playout_arrays``)
    from one position, which is left as it was; returns (black wins, total moves played).
    The benchmarks and the Monte Carlo value estimates use it."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    wcolor = np.empty_like(color)
    wlinks = np.empty_like(links)
    winfo = np.empty_like(info)
    n = info[bk.I_N]
    wins = 0
    total = 0
    if kind == PLAYOUT_PATTERN:  # the starting scores once for all the playouts
        scratch, ecache0, rows0 = prepared_start(color, links, info, pol.ew)
        for _ in range(count):
            total += policy_playout_repeat(color, links, info, zob, pol.ew, state, max_moves, ecache0, rows0,
                                           wcolor, wlinks, winfo, scratch)
            if bk.area_score(wcolor, n, komi) > 0:
                wins += 1
    else:
        no_record = np.empty(0, np.int32)
        for _ in range(count):
            wcolor[:] = color
            wlinks[:, :] = links
            winfo[:] = info
            total += run_playout(kind, wcolor, wlinks, winfo, zob, state, max_moves, pol, False, no_record, 0)
            if bk.area_score(wcolor, n, komi) > 0:
                wins += 1
    return wins, total


def playout_arrays(kind: str, n: int, weights_path: str | None = None) -> PolicyArrays:
    """The arrays a playout kind reads (``pol`` of the kernels): the rollout policy's weights
    for size n (``data/rollout_<n>.npz`` or ``weights_path``) for "pattern", none otherwise."""
    if PLAYOUT_NAMES[kind] != PLAYOUT_PATTERN:
        return no_policy()
    return pattern_policy_arrays(n, weights_path)


def pattern_policy_arrays(n: int, weights_path: str | None = None) -> PolicyArrays:
    """The rollout policy's weights for size n as the kernels read them (float32)."""
    from go_engine.playouts.rollout_policy import load_rollout_weights
    rw = load_rollout_weights(weights_path, n=n)
    return PolicyArrays(rw.weights.astype(np.float32), rw.ew.astype(np.float32), np.zeros(0, np.int64))


@njit(cache=True, nogil=True)
def score_leaf(color, n, komi, owner, own_row):
    """Tromp-Taylor result of a finished board, black's view (+1, -1, 0 for jigo); adds the
    owner of each point (+1 black, -1 white) into own_row, and 1 into its last cell, which
    counts the boards scored (collisions score none, repeated playouts several)."""
    bk.area_owner(color, n, owner)
    diff = 0
    cells = color.shape[0]
    for loc in range(cells):
        o = owner[loc]
        if o == bk.BLACK:
            diff += 1
            own_row[loc] += 1
        elif o == bk.WHITE:
            diff -= 1
            own_row[loc] -= 1
    own_row[cells] += 1
    s = diff - komi
    return 1.0 if s > 0 else (-1.0 if s < 0 else 0.0)


@njit(cache=True, nogil=True)
def evaluate_slot(b, wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                  playout_kind, pol, owner, own, out_z, record, first_ply, path_len):
    """Play out leaf b (a terminal leaf is only scored) and score it; out_z[b], black's view."""
    kind = leaf_kind[b]
    if kind == LEAF_COLLISION:
        out_z[b] = 0.0
        return
    if kind != LEAF_TERMINAL:
        run_playout(playout_kind, wcolor[b], wlinks[b], winfo[b], zob, rng[b], max_moves, pol,
                    record, first_ply[b], path_len[b])
    out_z[b] = score_leaf(wcolor[b], winfo[b, bk.I_N], komi, owner[b], own[b])


@njit(cache=True, nogil=True)
def expand_slot(t, b, iparams, rhash, hist, nhist, zob, wcolor, wlinks, winfo, path_node, path_hash,
                path_len, nodes_len, leaf_kind, locs, scores, pol, leaf_block, leaf_edges):
    """Write leaf b's pending node's children into its reserved edge block (native priors);
    ``backup`` publishes them. Safe in parallel: pending nodes and blocks are distinct."""
    leaf_edges[b] = 0
    if leaf_kind[b] != LEAF_PENDING or leaf_block[b] < 0:
        return
    depth = path_len[b]
    h = path_hash[b, depth - 1] if depth > 0 else rhash
    v = path_node[b, nodes_len[b] - 1]
    leaf_edges[b] = expand_node(t, v, wcolor[b], wlinks[b], winfo[b], zob, h, hist, nhist, path_hash[b],
                                depth, iparams[I_PRIOR_KIND], pol, np.empty(0, np.float32), locs[b],
                                scores[b], leaf_block[b])


@njit(cache=True, nogil=True)
def evaluate_batch(t, iparams, rhash, hist, nhist, zob, wcolor, wlinks, winfo, path_node, path_hash,
                   path_len, nodes_len, leaf_kind, locs, scores, pol, leaf_block, leaf_edges,
                   rng, max_moves, komi, playout_kind, owner, own, out_z, record, first_ply, count):
    """Expand and play out the leaves of one batch serially, without the GIL: the work of one
    search lane (``mcts.MCTS`` runs several lanes on Python threads)."""
    for b in range(count):
        expand_slot(t, b, iparams, rhash, hist, nhist, zob, wcolor, wlinks, winfo, path_node, path_hash,
                    path_len, nodes_len, leaf_kind, locs, scores, pol, leaf_block, leaf_edges)
        evaluate_slot(b, wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                      playout_kind, pol, owner, own, out_z, record, first_ply, path_len)


@njit(cache=True, nogil=True, parallel=True)
def rollout_leaves(wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                   playout_kind, pol, owner, own, out_z, count, record, first_ply, path_len):
    """Playouts from the leaves 0..count-1 (terminal leaves are only scored), in parallel."""
    for b in prange(count):
        evaluate_slot(b, wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                      playout_kind, pol, owner, own, out_z, record, first_ply, path_len)


@njit(cache=True, nogil=True, parallel=True)
def run_native(t, fparams, iparams, rcolor, rlinks, rinfo, rhash, hist, nhist, zob, lane,
               max_moves, komi, playout_kind, pol, num_batches, batch):
    """``num_batches`` complete batches of ``batch`` leaves with native priors and playout
    values (the rollout-only search), on one lane (``tree.LaneArrays``). New nodes are
    expanded in the parallel phase, each in the edge block that selection reserved for it.
    Returns the number of simulations backed up."""
    wcolor, wlinks, winfo = lane.wcolor, lane.wlinks, lane.winfo
    path_edge, path_node, path_hash = lane.path_edge, lane.path_node, lane.path_hash
    path_len, nodes_len, leaf_kind = lane.path_len, lane.nodes_len, lane.leaf_kind
    locs, scores, rng, first_ply = lane.locs, lane.scores, lane.rng, lane.first_ply
    owner, own, out_z = lane.owner, lane.own, lane.out_z
    leaf_block, leaf_edges = lane.leaf_block, lane.leaf_edges
    no_priors = np.empty(0, np.float32)
    rave = fparams[F_RAVE_EQUIV] > 0.0
    done = 0
    for _ in range(num_batches):
        done += select_leaves(t, fparams, iparams, rcolor, rlinks, rinfo, rhash, hist, nhist, zob,
                              lane, batch, no_priors, pol)
        for b in prange(batch):
            expand_slot(t, b, iparams, rhash, hist, nhist, zob, wcolor, wlinks, winfo, path_node, path_hash,
                        path_len, nodes_len, leaf_kind, locs, scores, pol, leaf_block, leaf_edges)
            evaluate_slot(b, wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                          playout_kind, pol, owner, own, out_z, rave, first_ply, path_len)
        backup(t, path_edge, path_node, path_len, nodes_len, leaf_kind, out_z, batch, rave, first_ply,
               leaf_block, leaf_edges)
    return done


# cells of ``run_lanes``'s shared counters, each on its own cache line
LANE_LOCK, LANE_RESERVED, LANE_DONE, LANE_ROLLOUTS = 0, 8, 16, 24
LANE_CELLS = 32


@njit(cache=True, nogil=True, parallel=True)
def run_lanes(t, fparams, iparams, rcolor, rlinks, rinfo, rhash, hist, nhist, zob, lanes,
              max_moves, komi, playout_kind, pol, batch, budget, shared):
    """The rollout-only search on one thread per lane over one tree, ``budget`` simulations
    in all (exactly; collisions give theirs back). The work arrays carry a leading lane axis.

    A lane repeats: take the lock, select a batch, release; expand and play the batch out
    (no lock); take the lock, back up, release. One lane's selection and backup overlap the
    other lanes' playouts, and the threads meet only once per call, not once per batch as
    in ``run_native``. Not reproducible: the batches depend on the timing of the lanes.
    ``lanes``: a ``tree.LaneArrays`` whose arrays carry a leading lane axis;
    ``shared``: int64[LANE_CELLS], zeroed by the caller; returns the simulations backed up."""
    no_priors = np.empty(0, np.float32)
    rave = fparams[F_RAVE_EQUIV] > 0.0
    for k in prange(lanes.wcolor.shape[0]):
        lane = LaneArrays(lanes.wcolor[k], lanes.wlinks[k], lanes.winfo[k], lanes.path_edge[k],
                          lanes.path_node[k], lanes.path_hash[k], lanes.path_len[k], lanes.nodes_len[k],
                          lanes.leaf_kind[k], lanes.locs[k], lanes.scores[k], lanes.leaf_block[k],
                          lanes.leaf_edges[k], lanes.owner[k], lanes.own[k], lanes.out_z[k],
                          lanes.first_ply[k], lanes.scolor[k], lanes.slinks[k], lanes.sinfo[k],
                          lanes.rng[k])
        while True:
            spin_lock(shared, LANE_LOCK)
            reserved = shared[LANE_RESERVED]
            if reserved >= budget:
                spin_unlock(shared, LANE_LOCK)
                break
            size = min(batch, budget - reserved)
            shared[LANE_RESERVED] = reserved + size
            live = select_leaves(t, fparams, iparams, rcolor, rlinks, rinfo, rhash, hist, nhist, zob,
                                 lane, size, no_priors, pol)
            spin_unlock(shared, LANE_LOCK)
            evaluate_batch(t, iparams, rhash, hist, nhist, zob, lane.wcolor, lane.wlinks, lane.winfo,
                           lane.path_node, lane.path_hash, lane.path_len, lane.nodes_len, lane.leaf_kind,
                           lane.locs, lane.scores, pol, lane.leaf_block, lane.leaf_edges, lane.rng, max_moves,
                           komi, playout_kind, lane.owner, lane.own, lane.out_z, rave, lane.first_ply, size)
            spin_lock(shared, LANE_LOCK)
            backup(t, lane.path_edge, lane.path_node, lane.path_len, lane.nodes_len, lane.leaf_kind,
                   lane.out_z, size, rave, lane.first_ply, lane.leaf_block, lane.leaf_edges)
            shared[LANE_DONE] += live
            shared[LANE_RESERVED] -= size - live
            shared[LANE_ROLLOUTS] += size
            spin_unlock(shared, LANE_LOCK)
    return shared[LANE_DONE]


@njit(cache=True, nogil=True, parallel=True)
def rollout_leaves_repeated(wcolor, wlinks, winfo, leaf_kind, rng, zob, max_moves, komi,
                            playout_kind, pol, owner, own, out_z, count, repeats,
                            scolor, slinks, sinfo, first_ply):
    """``repeats`` playouts from each leaf 0..count-1, out_z[b] their mean result (black's
    view): a lower-variance z for the search that runs its playouts beside a network, whose
    evaluation of the batch takes far longer than one playout per leaf. Each slot plays out a
    copy (scolor/slinks/sinfo[b]), so the leaf boards are left as they were. No RAVE record."""
    for b in prange(count):
        kind = leaf_kind[b]
        if kind == LEAF_COLLISION:
            out_z[b] = 0.0
            continue
        if kind == LEAF_TERMINAL:
            out_z[b] = score_leaf(wcolor[b], winfo[b, bk.I_N], komi, owner[b], own[b])
            continue
        total = 0.0
        if playout_kind == PLAYOUT_PATTERN:  # the starting scores once for all the repeats
            scratch, ecache0, rows0 = prepared_start(wcolor[b], wlinks[b], winfo[b], pol.ew)
            for _ in range(repeats):
                policy_playout_repeat(wcolor[b], wlinks[b], winfo[b], zob, pol.ew, rng[b], max_moves,
                                      ecache0, rows0, scolor[b], slinks[b], sinfo[b], scratch)
                total += score_leaf(scolor[b], sinfo[b, bk.I_N], komi, owner[b], own[b])
        else:
            for _ in range(repeats):
                scolor[b, :] = wcolor[b]
                slinks[b, :, :] = wlinks[b]
                sinfo[b, :] = winfo[b]
                run_playout(playout_kind, scolor[b], slinks[b], sinfo[b], zob, rng[b], max_moves, pol,
                            False, first_ply[b], 0)
                total += score_leaf(scolor[b], sinfo[b, bk.I_N], komi, owner[b], own[b])
        out_z[b] = total / repeats

