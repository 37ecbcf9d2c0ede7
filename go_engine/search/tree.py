"""The PUCT search tree in preallocated NumPy arrays, and its Numba kernels.

Nodes and edges live in two pools. A node's children are a contiguous run of edges
``node_first[v] .. node_first[v] + node_count[v] - 1``; an edge knows its move and, once the
child position has been visited often enough, the child node. Arrays (M nodes, E edges):

    node_first    int32[M]   first child edge; UNEXPANDED (-1) or PENDING (-2, awaiting an evaluator)
    node_count    int32[M]   number of child edges
    node_n        int32[M]   visits through the node (completed simulations)
    node_w        float64[M] sum of values, seen by the node's side to move (+1 win, -1 loss)
    node_vl       int32[M]   simulations in flight through the node (virtual loss)
    node_to_play  int8[M]    side to move at the node
    node_terminal int8[M]    1 when the game is over at the node (two passes)
    child_point   int16[E]   move of the edge (point; n*n = pass)
    child_p       float32[E] prior probability
    child_n       int32[E]   completed simulations through the edge
    child_w       float64[E] sum of values, seen by the player who makes the move
    child_vl      int32[E]   simulations in flight (virtual loss)
    child_node    int32[E]   child node, or -1 while the child is a bare leaf
    amaf_n        int32[E]   all-moves-as-first visits (RAVE): simulations through the parent
                             in which the parent's side to move played this point later
    amaf_w        float64[E] their value sum, mover's view
    counts        int64[3]   NUM_NODES, NUM_EDGES, ROOT

RAVE (optional, ``rave_equiv`` > 0): the Q of an edge blends its own mean with the AMAF mean,
``beta = amaf_n / (amaf_n + n + n * amaf_n / rave_equiv)`` (Silver's schedule, as in MoGo), so
random playouts inform every sibling at once; it matters most without a value network.

Every count obeys: ``node_n[v] = 1 + sum(child_n of v's edges)`` for an expanded node whose
first visit expanded it, and all ``*_vl`` are zero between batches. Values along a path are
flipped by colour, so selection at any node maximises the chooser's own Q.

Selection, expansion, backup and re-rooting are Numba kernels taking the ``TreeArrays`` tuple;
the positions of the leaves are replayed from the root into per-leaf work arrays, so the tree
never stores boards. Positional superko is checked when a node is expanded, against the game's
hash history plus the hashes along the path: the tree holds only legal moves.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.search.priors import PRIOR_UNIFORM, expansion_priors

UNEXPANDED = -1
PENDING = -2
NUM_NODES, NUM_EDGES, ROOT = 0, 1, 2

# leaf kinds written by ``select_leaves``
LEAF_ROLLOUT = 0     # evaluate by a playout (a fresh node or a bare edge below the threshold)
LEAF_TERMINAL = 1    # game over at the leaf: score the board as it stands
LEAF_PENDING = 2     # a new node to expand after selection (Python evaluator or parallel phase)
LEAF_COLLISION = 3   # reached a node pending in this batch or lane: no value, its virtual loss undone at backup

# float parameters (``fparams``) and int parameters (``iparams``) of the kernels
F_C_PUCT, F_FPU, F_VLOSS, F_RAVE_EQUIV, NF_PARAMS = 0, 1, 2, 3, 4
I_EXPAND_AT, I_DEFER, I_PRIOR_KIND, NI_PARAMS = 0, 1, 2, 3


class TreeArrays(NamedTuple):
    node_first: np.ndarray
    node_count: np.ndarray
    node_n: np.ndarray
    node_w: np.ndarray
    node_vl: np.ndarray
    node_to_play: np.ndarray
    node_terminal: np.ndarray
    child_point: np.ndarray
    child_p: np.ndarray
    child_n: np.ndarray
    child_w: np.ndarray
    child_vl: np.ndarray
    child_node: np.ndarray
    amaf_n: np.ndarray
    amaf_w: np.ndarray
    counts: np.ndarray


class LaneArrays(NamedTuple):
    """Work arrays of one search lane, row b for leaf b of its batch (``mcts.allocate_lanes``
    also stacks them with a leading lane axis for ``drivers.run_lanes``). Kernels take the lane
    whole, as they take the tree."""
    wcolor: np.ndarray      # [B, A] leaf boards
    wlinks: np.ndarray      # [B, NF, A]
    winfo: np.ndarray       # [B, NI]
    path_edge: np.ndarray   # [B, D] edges from the root
    path_node: np.ndarray   # [B, D+1] nodes from the root
    path_hash: np.ndarray   # [B, D] hashes after each move
    path_len: np.ndarray    # [B]
    nodes_len: np.ndarray   # [B]
    leaf_kind: np.ndarray   # [B] LEAF_*
    locs: np.ndarray        # [B, n*n+1] expansion scratch
    scores: np.ndarray      # [B, n*n+1]
    leaf_block: np.ndarray  # [B] edge block reserved for the leaf's expansion
    leaf_edges: np.ndarray  # [B] edges written into it
    owner: np.ndarray       # [B, A] scoring scratch
    own: np.ndarray         # [B, A + 1] summed final owners; [:, A] boards scored
    out_z: np.ndarray       # [B] playout results, black's view
    first_ply: np.ndarray   # [B, A] RAVE: first ply of each point on the path
    scolor: np.ndarray      # [B, A] copies for repeated playouts
    slinks: np.ndarray      # [B, NF, A]
    sinfo: np.ndarray       # [B, NI]
    rng: np.ndarray         # [B, 8] xorshift states (word 0 used)


NODE_BYTES = 4 + 4 + 4 + 8 + 4 + 1 + 1
EDGE_BYTES = 2 + 4 + 4 + 8 + 4 + 4 + 4 + 8


def allocate_tree(max_nodes: int, max_edges: int) -> TreeArrays:
    """Empty pools (np.empty: pages are only touched as the tree grows)."""
    t = TreeArrays(
        node_first=np.empty(max_nodes, np.int32), node_count=np.empty(max_nodes, np.int32),
        node_n=np.empty(max_nodes, np.int32), node_w=np.empty(max_nodes, np.float64),
        node_vl=np.empty(max_nodes, np.int32), node_to_play=np.empty(max_nodes, np.int8),
        node_terminal=np.empty(max_nodes, np.int8),
        child_point=np.empty(max_edges, np.int16), child_p=np.empty(max_edges, np.float32),
        child_n=np.empty(max_edges, np.int32), child_w=np.empty(max_edges, np.float64),
        child_vl=np.empty(max_edges, np.int32), child_node=np.empty(max_edges, np.int32),
        amaf_n=np.empty(max_edges, np.int32), amaf_w=np.empty(max_edges, np.float64),
        counts=np.zeros(3, np.int64))
    return t


def pool_sizes(max_tree_mb: float) -> tuple[int, int]:
    """(max nodes, max edges) fitting in ``max_tree_mb`` megabytes, about 40 edges a node."""
    budget = max_tree_mb * 1e6
    nodes = int(budget / (NODE_BYTES + 40 * EDGE_BYTES))
    edges = int((budget - nodes * NODE_BYTES) / EDGE_BYTES)
    return max(nodes, 16), max(edges, 1024)


@njit(cache=True, nogil=True)
def new_node(t, to_play, terminal):
    """Allocate a node; -1 when the pool is full."""
    v = t.counts[NUM_NODES]
    if v >= t.node_first.shape[0]:
        return -1
    t.counts[NUM_NODES] = v + 1
    t.node_first[v] = UNEXPANDED
    t.node_count[v] = 0
    t.node_n[v] = 0
    t.node_w[v] = 0.0
    t.node_vl[v] = 0
    t.node_to_play[v] = to_play
    t.node_terminal[v] = terminal
    return v


@njit(cache=True, nogil=True)
def reset_tree(t, to_play, terminal):
    """Forget everything; make a fresh root."""
    t.counts[NUM_NODES] = 0
    t.counts[NUM_EDGES] = 0
    root = new_node(t, to_play, terminal)
    t.counts[ROOT] = root
    return root


@njit(cache=True, nogil=True)
def is_repetition(h, hist, nhist, path_hash, depth):
    """Does hash h occur in the game history or earlier on this path?"""
    for k in range(nhist):
        if hist[k] == h:
            return True
    for k in range(depth):
        if path_hash[k] == h:
            return True
    return False


@njit(cache=True, nogil=True)
def candidate_moves(color, links, info, zob, h, hist, nhist, path_hash, depth, out_locs):
    """Legal moves (positional superko included) that do not fill the mover's own eye;
    fills out_locs and returns their number. The pass is not listed (always legal)."""
    n = info[bk.I_N]
    w = n + 2
    c = info[bk.I_TO_PLAY]
    count = 0
    empty_hist = hist[:0]
    for k in range(info[bk.I_NEMPTY]):
        loc = links[bk.ELIST, k]
        if bk.legal_status(color, links, info, zob, empty_hist, 0, loc, c) != bk.LEGAL:
            continue
        if bk.is_eye(color, w, loc, c):
            continue
        h2 = bk.hash_after(color, links, info, zob, h, loc, c)
        if is_repetition(h2, hist, nhist, path_hash, depth):
            continue
        out_locs[count] = loc
        count += 1
    return count


@njit(cache=True, nogil=True)
def expand_node(t, v, color, links, info, zob, h, hist, nhist, path_hash, depth,
                prior_kind, pol, ext_priors, locs, scores, reserved):
    """Create v's children from the leaf position (legal moves + pass), with priors from the
    native prior kind or, when ext_priors is non-empty, from that float32[n*n+1] row (an
    evaluator's output, renormalised over the legal moves; a negative prior leaves the move
    out). The edges go to the end of the pool, or (reserved >= 0) into the block of n*n+1
    edges that ``select_leaves`` reserved, which lets the leaves of a batch be expanded in parallel; such a node is published
    (node_first/node_count set) only by ``backup``, under the tree's lock, so a concurrent
    selection never sees a half-written node. Returns the number of edges written, 0 when the
    edge pool is full (v stays unexpanded and is evaluated by rollout only)."""
    n = info[bk.I_N]
    w = n + 2
    count = candidate_moves(color, links, info, zob, h, hist, nhist, path_hash, depth, locs)
    first = t.counts[NUM_EDGES] if reserved < 0 else reserved
    if reserved < 0 and first + count + 1 > t.child_point.shape[0]:
        t.node_first[v] = UNEXPANDED
        return 0
    if ext_priors.shape[0] > 0:
        kept = 0
        for k in range(count):
            loc = locs[k]
            p = ext_priors[(loc // w - 1) * n + (loc % w - 1)]
            if p < 0.0:  # the evaluator's PRUNED: a move it reads as a blunder gets no edge
                continue
            locs[kept] = loc
            scores[kept] = p
            kept += 1
        count = kept
        scores[count] = max(ext_priors[n * n], 0.0)
    else:
        expansion_priors(color, links, info, locs, count, prior_kind, pol, scores)
    total = 0.0
    for k in range(count + 1):
        total += scores[k]
    for k in range(count + 1):
        e = first + k
        if k < count:
            loc = locs[k]
            t.child_point[e] = (loc // w - 1) * n + (loc % w - 1)
        else:
            t.child_point[e] = n * n
        t.child_p[e] = scores[k] / total if total > 0 else 1.0 / (count + 1)
        t.child_n[e] = 0
        t.child_w[e] = 0.0
        t.child_vl[e] = 0
        t.child_node[e] = -1
        t.amaf_n[e] = 0
        t.amaf_w[e] = 0.0
    if reserved >= 0:  # the unused tail of the reserved block: no edge of any node, kept clean
        for e in range(first + count + 1, first + n * n + 1):
            t.child_n[e] = 0
            t.child_vl[e] = 0
            t.child_node[e] = -1
        return count + 1
    t.counts[NUM_EDGES] = first + count + 1
    t.node_count[v] = count + 1
    t.node_first[v] = first
    return count + 1


@njit(cache=True, nogil=True)
def select_child(t, v, c_puct, fpu_reduction, vloss, rave_equiv):
    """argmax over v's edges of Q + c_puct * P * sqrt(N_parent) / (1 + N), with virtual loss
    counted as lost simulations and first-play urgency (parent Q - fpu) for unvisited edges;
    with RAVE, Q is blended with the AMAF mean (an unvisited edge with AMAF data uses it)."""
    first = t.node_first[v]
    parent_n = t.node_n[v] + t.node_vl[v]
    parent_q = t.node_w[v] / t.node_n[v] if t.node_n[v] > 0 else 0.0
    fpu_q = parent_q - fpu_reduction
    cu = c_puct * np.sqrt(max(parent_n, 1))   # hoisted: this loop is the serial hot spot
    inv_equiv = 1.0 / rave_equiv if rave_equiv > 0.0 else 0.0
    best = first
    best_score = -1e300
    for e in range(first, first + t.node_count[v]):
        vl = vloss * t.child_vl[e]
        n_eff = t.child_n[e] + vl
        if n_eff > 0:
            q = (t.child_w[e] - vl) / n_eff
        else:
            q = fpu_q
        an = t.amaf_n[e]
        if an > 0 and inv_equiv > 0.0:
            beta = an / (an + n_eff + n_eff * an * inv_equiv)
            q = (1.0 - beta) * q + beta * (t.amaf_w[e] / an)
        score = q + cu * t.child_p[e] / (1.0 + n_eff)
        if score > best_score:
            best_score = score
            best = e
    return best


@njit(cache=True, nogil=True)
def select_leaves(t, fparams, iparams, rcolor, rlinks, rinfo, rhash, hist, nhist, zob, lane, count,
                  ext_priors_none, pol):
    """Descend from the root ``count`` times, adding virtual loss, so the batch spreads over
    distinct leaves; replay each path on the leaf's work arrays (row b of w*).

    A bare edge visited ``expand_at`` times gets a node; an unexpanded node is expanded at
    once with native priors (I_DEFER = 0), or marked PENDING for a Python evaluator
    (I_DEFER = 1), or marked PENDING with a block of n*n+1 edges reserved in leaf_block[b],
    to be expanded by the parallel phase (I_DEFER = 2; see ``drivers.evaluate_slot``). Every
    path is recorded (edges, nodes, hashes) for ``backup``; ``first_ply[b, loc]`` gets the
    ply (counted from the root) at which loc was first played on the path, for RAVE. Returns the number of leaves that
    need a backup (collisions excluded)."""
    wcolor, wlinks, winfo = lane.wcolor, lane.wlinks, lane.winfo
    path_edge, path_node, path_hash = lane.path_edge, lane.path_node, lane.path_hash
    path_len, nodes_len, leaf_kind = lane.path_len, lane.nodes_len, lane.leaf_kind
    locs, scores, first_ply, leaf_block = lane.locs, lane.scores, lane.first_ply, lane.leaf_block
    c_puct = fparams[F_C_PUCT]
    fpu = fparams[F_FPU]
    vloss = fparams[F_VLOSS]
    expand_at = iparams[I_EXPAND_AT]
    defer = iparams[I_DEFER]
    prior_kind = iparams[I_PRIOR_KIND]
    rave_equiv = fparams[F_RAVE_EQUIV]
    max_depth = path_edge.shape[1]
    root = t.counts[ROOT]
    live = 0
    for b in range(count):
        color = wcolor[b]
        links = wlinks[b]
        info = winfo[b]
        color[:] = rcolor
        links[:, :] = rlinks
        info[:] = rinfo
        if rave_equiv > 0.0:
            first_ply[b, :] = -1
        leaf_block[b] = -1
        h = rhash
        v = root
        depth = 0
        nn = 0
        kind = LEAF_ROLLOUT
        while True:
            path_node[b, nn] = v
            nn += 1
            t.node_vl[v] += 1
            if t.node_terminal[v]:
                kind = LEAF_TERMINAL
                break
            if t.node_first[v] == PENDING:
                kind = LEAF_COLLISION
                break
            if t.node_first[v] == UNEXPANDED:
                kind = LEAF_ROLLOUT
                if defer == 1:
                    t.node_first[v] = PENDING
                    kind = LEAF_PENDING
                elif defer == 2:
                    block = t.counts[NUM_EDGES]
                    size = info[bk.I_N] * info[bk.I_N] + 1
                    if block + size <= t.child_point.shape[0]:
                        t.counts[NUM_EDGES] = block + size
                        leaf_block[b] = block
                        t.node_first[v] = PENDING
                        kind = LEAF_PENDING
                else:
                    expand_node(t, v, color, links, info, zob, h, hist, nhist, path_hash[b], depth,
                                prior_kind, pol, ext_priors_none, locs[b], scores[b], -1)
                break
            if depth >= max_depth:
                kind = LEAF_ROLLOUT
                break
            e = select_child(t, v, c_puct, fpu, vloss, rave_equiv)
            t.child_vl[e] += 1
            path_edge[b, depth] = e
            point = t.child_point[e]
            mover = info[bk.I_TO_PLAY]
            n = info[bk.I_N]
            if point == n * n:
                bk.play_pass(info, mover)
            else:
                loc = (point // n + 1) * (n + 2) + (point % n + 1)
                h = bk.place_stone(color, links, info, zob, h, loc, mover)
                if rave_equiv > 0.0 and first_ply[b, loc] < 0:
                    first_ply[b, loc] = depth
            path_hash[b, depth] = h
            depth += 1
            child = t.child_node[e]
            if child < 0:
                terminal = 1 if info[bk.I_PASSES] >= 2 else 0
                if t.child_n[e] >= expand_at or terminal:
                    child = new_node(t, info[bk.I_TO_PLAY], terminal)
                    if child >= 0:
                        t.child_node[e] = child
                        v = child
                        continue
                kind = LEAF_TERMINAL if terminal else LEAF_ROLLOUT
                break
            v = child
        path_len[b] = depth
        nodes_len[b] = nn
        if kind != LEAF_COLLISION:  # a collision keeps its virtual loss until the backup, so
            live += 1                  # the next descents of the batch turn elsewhere
        leaf_kind[b] = kind
    return live


@njit(cache=True, nogil=True)
def revert_virtual_loss(t, edges, depth, nodes, nn):
    for d in range(depth):
        t.child_vl[edges[d]] -= 1
    for d in range(nn):
        t.node_vl[nodes[d]] -= 1


@njit(cache=True, nogil=True)
def backup(t, path_edge, path_node, path_len, nodes_len, leaf_kind, values_black, count,
           rave, first_ply, leaf_block, leaf_edges):
    """Turn each path's virtual loss into a real visit worth ``values_black[b]`` (black's
    view, in [-1, 1]), flipped to each mover's view. With ``rave``, every node on the path
    also credits the AMAF statistics of its children whose point its side to move played
    first later in the simulation (tree path and playout; ``first_ply`` from the root).
    Nodes expanded into reserved blocks (leaf_block[b] >= 0) are published here."""
    w = int(np.sqrt(first_ply.shape[1]) + 0.5)  # first_ply rows span the padded board
    n = w - 2
    p2l = np.empty(n * n, np.int64)
    for p in range(n * n):
        p2l[p] = (p // n + 1) * w + p % n + 1
    for b in range(count):
        if leaf_kind[b] == LEAF_COLLISION:
            revert_virtual_loss(t, path_edge[b], path_len[b], path_node[b], nodes_len[b])
            continue
        if leaf_block[b] >= 0:
            v = path_node[b, nodes_len[b] - 1]
            if leaf_edges[b] > 0:
                t.node_count[v] = leaf_edges[b]
                t.node_first[v] = leaf_block[b]
            else:
                t.node_first[v] = UNEXPANDED
        vb = values_black[b]
        for d in range(path_len[b]):
            e = path_edge[b, d]
            mover = t.node_to_play[path_node[b, d]]
            t.child_vl[e] -= 1
            t.child_n[e] += 1
            t.child_w[e] += vb if mover == bk.BLACK else -vb
        for d in range(nodes_len[b]):
            v = path_node[b, d]
            t.node_vl[v] -= 1
            t.node_n[v] += 1
            vm = vb if t.node_to_play[v] == bk.BLACK else -vb
            t.node_w[v] += vm
            if rave and t.node_first[v] >= 0:
                amaf_update(t, v, d, vm, first_ply[b], p2l)


@njit(cache=True, nogil=True)
def amaf_update(t, v, depth, vm, first_ply, p2l):
    """Credit v's children played first by v's side to move at a ply >= depth (same parity).
    ``p2l``: loc of each point (a table: an integer division per child costs more than the rest)."""
    first = t.node_first[v]
    npts = p2l.shape[0]
    for e in range(first, first + t.node_count[v]):
        point = t.child_point[e]
        if point >= npts:
            continue
        fp = first_ply[p2l[point]]
        if fp >= depth and ((fp - depth) & 1) == 0:
            t.amaf_n[e] += 1
            t.amaf_w[e] += vm


@njit(cache=True, nogil=True)
def find_child(t, v, point):
    """Edge of node v with move ``point``, or -1."""
    first = t.node_first[v]
    if first < 0:
        return -1
    for e in range(first, first + t.node_count[v]):
        if t.child_point[e] == point:
            return e
    return -1


@njit(cache=True, nogil=True)
def subtree_size(t, root):
    """(nodes, edges) reachable from root."""
    stack = np.empty(t.counts[NUM_NODES], np.int32)
    stack[0] = root
    top = 1
    nodes = 0
    edges = 0
    while top > 0:
        top -= 1
        v = stack[top]
        nodes += 1
        first = t.node_first[v]
        if first >= 0:
            edges += t.node_count[v]
            for e in range(first, first + t.node_count[v]):
                if t.child_node[e] >= 0:
                    stack[top] = t.child_node[e]
                    top += 1
    return nodes, edges


@njit(cache=True, nogil=True)
def compact_into(src, dst, root):
    """Copy the subtree under ``root`` of ``src`` into empty pools ``dst`` (breadth first,
    children kept contiguous); dst's root becomes node 0."""
    queue = np.empty(src.counts[NUM_NODES], np.int32)   # old ids in new-id order
    queue[0] = root
    head = 0
    tail = 1
    ne = 0
    while head < tail:
        old = queue[head]
        v = head
        head += 1
        dst.node_count[v] = src.node_count[old]
        dst.node_n[v] = src.node_n[old]
        dst.node_w[v] = src.node_w[old]
        dst.node_vl[v] = 0
        dst.node_to_play[v] = src.node_to_play[old]
        dst.node_terminal[v] = src.node_terminal[old]
        first = src.node_first[old]
        if first < 0:
            dst.node_first[v] = UNEXPANDED
            dst.node_count[v] = 0
            continue
        dst.node_first[v] = ne
        for k in range(src.node_count[old]):
            e = first + k
            d = ne + k
            dst.child_point[d] = src.child_point[e]
            dst.child_p[d] = src.child_p[e]
            dst.child_n[d] = src.child_n[e]
            dst.child_w[d] = src.child_w[e]
            dst.child_vl[d] = 0
            dst.amaf_n[d] = src.amaf_n[e]
            dst.amaf_w[d] = src.amaf_w[e]
            c = src.child_node[e]
            if c >= 0:
                dst.child_node[d] = tail
                queue[tail] = c
                tail += 1
            else:
                dst.child_node[d] = -1
        ne += src.node_count[old]
    dst.counts[NUM_NODES] = tail
    dst.counts[NUM_EDGES] = ne
    dst.counts[ROOT] = 0


__all__ = ["TreeArrays", "allocate_tree", "pool_sizes", "reset_tree", "select_leaves", "backup",
           "find_child", "compact_into", "subtree_size", "PRIOR_UNIFORM"]
