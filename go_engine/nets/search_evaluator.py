"""``NetworkEvaluator``: the search's ``Evaluator`` backed by the policy and value networks.

AlphaGo's leaf evaluation: priors from the SL policy network, a value from the value network
(mixed with the playout result by the search, ``SearchConfig.mix_lambda``). One call
evaluates a whole batch of leaves: the feature planes are computed in Numba (one
``fill_planes`` per leaf, 49 planes: the policy net reads the first 48, the value net all 49),
then both networks run in one jitted call that also turns the policy's logits into the priors.
When the value net's frozen trunk is the policy's own convolutions (``shares_trunk``: the 19x19
value net is trained that way), they run once for both, and the value costs only its head.

Speed (``benchmarks/results/profile_default_player.md``): one XLA call on these small
convolutions keeps one core busy whatever XLA's thread settings, while two calls from two
threads keep both busy; so ``evaluate`` may be called from several threads at once (each has
its own feature scratch; ``thread_safe``), and the search overlaps the batches it has in
flight. Batches are padded to a compiled size: every size up to 8 (a search's batches hold
3-11 new leaves; padding them to 8 or 16 wasted a quarter of the network time), then a few
larger ones.

A move the ladder plane reads as running a chain in atari into a caught ladder (it captures
nothing and leaves the chain two liberties that the attacker ataris to the end) gets the prior
``PRUNED`` (``prune_ladder_runs``, on by default), and the tree leaves such moves out. Playouts do
not read ladders: to them the chased chain often lives, so without this the search ran a lost
ladder for 17 moves in a game against Pachi (``benchmarks/results/pachi_19x19_2s``, game 2).
Experts play such moves 0.09% of the time.

The pass gets a small fixed prior (the policy net has no pass output); the search renormalises
priors over the legal moves. Imports JAX when built: load it only when a network player is chosen.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from go_engine.features.planes import (N_POLICY_PLANES, N_VALUE_PLANES, P_CAPTURE, P_LADDER_ESCAPE, P_LIBS,
                                       P_LIBS_AFTER, P_OWN, FeatureScratch, fill_planes)
from go_engine.rules.position import ZOBRIST, Position
from go_engine.search.evaluators import Evaluator

PASS_PRIOR = 1e-3   # the policy net never predicts a pass; the search still considers it
PRUNED = -1.0        # a prior the tree reads as "leave this move out" (search.tree.expand_node)
EXACT_BUCKETS = 8    # batches of up to this many positions run at their own size
LARGE_BUCKETS = (12, 16, 24, 32, 48, 64, 128, 256, 512, 1024)
MAX_CALL = LARGE_BUCKETS[-1]


def batch_bucket(b: int) -> int:
    """The compiled batch size that a batch of b <= MAX_CALL positions is padded to."""
    return b if b <= EXACT_BUCKETS else next(s for s in LARGE_BUCKETS if s >= b)


def shares_trunk(policy_config, policy_vars: dict, value_config, value_vars: dict | None) -> bool:
    """Whether the value net's frozen trunk is exactly this policy's convolutions (same shape,
    same weights), so one pass through them serves both networks."""
    if value_config is None or value_vars is None or not value_config.trunk_layers:
        return False
    if policy_config.residual or policy_config.batch_norm:
        return False
    if (value_config.trunk_layers, value_config.trunk_filters, value_config.trunk_first_kernel,
            value_config.trunk_planes) != (policy_config.layers, policy_config.filters, policy_config.first_kernel,
                                           policy_config.in_planes):
        return False
    trunk, convs = value_vars["params"]["trunk"], policy_vars["params"]
    return all(np.array_equal(np.asarray(trunk[f"conv_{i}"][k]), np.asarray(convs[f"conv_{i}"][k]))
               for i in range(policy_config.layers - 1) for k in ("kernel", "bias"))


def ladder_run_mask(planes):
    """bool[B, n*n] (JAX) of the moves that run an own chain in atari into a caught ladder: the
    move captures nothing, joins a chain in atari (an own stone with one liberty next to it),
    leaves exactly two liberties, and the ladder-escape plane reads that chain as caught."""
    import jax.numpy as jnp
    in_atari = (planes[..., P_OWN] * planes[..., P_LIBS]).astype(jnp.bool_)   # own stones, 1 liberty
    padded = jnp.pad(in_atari, ((0, 0), (1, 1), (1, 1)))
    beside = padded[:, :-2, 1:-1] | padded[:, 2:, 1:-1] | padded[:, 1:-1, :-2] | padded[:, 1:-1, 2:]
    runs = (planes[..., P_CAPTURE] == 1) & (planes[..., P_LIBS_AFTER + 1] == 1) & (planes[..., P_LADDER_ESCAPE] == 0)
    return (runs & beside).reshape(planes.shape[0], -1)


def priors_and_values_fn(policy_config, value_config, pass_prior: float = PASS_PRIOR, shared_trunk: bool = False,
                         prune_ladder_runs: bool = True):
    """A jitted ``(policy vars, value vars | None, planes uint8[B, n, n, 49], 1/temperature) ->
    (priors float32[B, n*n+1], values float32[B])``: both networks and the softmax in one XLA
    call (one dispatch and one transfer per batch instead of two, and no NumPy softmax).
    ``shared_trunk`` (see ``shares_trunk``): the policy's convolutions run once and feed both its
    1x1 head and the value layers, so the value costs only its own small layers.
    ``prune_ladder_runs``: the moves of ``ladder_run_mask`` get the prior ``PRUNED``."""
    import jax
    import jax.numpy as jnp

    from go_engine.nets.policy_net import PolicyNet
    from go_engine.nets.value_net import PolicyTrunk, ValueNet
    policy_net = PolicyNet(policy_config)
    value_net = ValueNet(value_config) if value_config is not None else None
    trunk_net = PolicyTrunk(value_config) if shared_trunk else None
    n = policy_config.board_size

    def policy_logits(policy_vars, planes):
        if trunk_net is None:
            return policy_net.apply(policy_vars, planes[..., :N_POLICY_PLANES], train=False), None
        params = policy_vars["params"]
        feats = trunk_net.apply({"params": {k: params[k] for k in params if k.startswith("conv_")}},
                                planes[..., :N_POLICY_PLANES])
        head = params["head"]["kernel"][0, 0, :, 0]
        logits = jnp.einsum("bhwf,f->bhw", feats, head).reshape(planes.shape[0], n * n)
        return logits.astype(jnp.float32) + params["point_bias"], feats

    @jax.jit
    def run(policy_vars, value_vars, planes, inv_temperature):
        logits, feats = policy_logits(policy_vars, planes)
        probs = jax.nn.softmax(logits * inv_temperature, axis=-1) * (1.0 - pass_prior)
        if prune_ladder_runs:
            probs = jnp.where(ladder_run_mask(planes), jnp.asarray(PRUNED, probs.dtype), probs)
        passes = jnp.full((planes.shape[0], 1), pass_prior, probs.dtype)
        priors = jnp.concatenate([probs, passes], axis=1)
        if value_net is None:
            return priors, jnp.zeros(planes.shape[0], jnp.float32)
        return priors, value_net.apply(value_vars, planes, trunk_features=feats)

    return run


class NetworkEvaluator(Evaluator):
    """Priors from a policy weight file and values from a value weight file (or no value:
    ``value`` None gives 0 for every leaf, so the search must rely on playouts)."""

    native_prior = None   # the search calls ``evaluate`` once per batch
    thread_safe = True    # ``evaluate`` may run on several threads at once

    def __init__(self, policy: str | Path, value: str | Path | None, board_size: int,
                 prior_temperature: float = 1.0, prune_ladder_runs: bool = True):
        from go_engine.nets.policy_inference import PolicyNetRunner  # imports JAX
        self.n = board_size
        self.policy = PolicyNetRunner(policy, board_size=board_size)
        if self.policy.n != board_size:
            raise ValueError(f"policy weights {policy} are for {self.policy.n}x{self.policy.n}, "
                             f"not {board_size}x{board_size}")
        self.value = None
        if value is not None:
            from go_engine.nets.value_net import ValueNetRunner
            self.value = ValueNetRunner(value, board_size=board_size)
            if self.value.n != board_size:
                raise ValueError(f"value weights {value} are for {self.value.n}x{self.value.n}, "
                                 f"not {board_size}x{board_size}")
        self.prior_temperature = prior_temperature
        self.shared_trunk = self.value is not None and shares_trunk(
            self.policy.config, self.policy.variables, self.value.config, self.value.variables)
        self._fn = priors_and_values_fn(self.policy.config, self.value.config if self.value else None,
                                        shared_trunk=self.shared_trunk, prune_ladder_runs=prune_ladder_runs)
        self._local = threading.local()   # each calling thread's feature scratch
        self._count_lock = threading.Lock()
        self.calls = 0
        self.positions = 0

    def _run_networks(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32[B, n*n+1], values float32[B]) of B <= MAX_CALL positions' planes,
        padded to a compiled size."""
        b = len(planes)
        size = batch_bucket(b)
        if size > b:
            planes = np.concatenate([planes, np.zeros((size - b,) + planes.shape[1:], np.uint8)])
        priors, values = self._fn(self.policy.variables, self.value.variables if self.value else None,
                                  planes, np.float32(1.0 / self.prior_temperature))
        return np.asarray(priors)[:b], np.asarray(values, np.float32)[:b]

    def _scratch(self) -> FeatureScratch:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = FeatureScratch(self.n)
        return scratch

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def planes(self, positions: Sequence[Position]) -> np.ndarray:
        """uint8[B, n, n, 49] for the leaves, each from its side to move's view."""
        n = self.n
        s = self._scratch()
        out = np.zeros((len(positions), n, n, N_VALUE_PLANES), np.uint8)
        for b, pos in enumerate(positions):
            fill_planes(pos.color, pos.links, pos.info, ZOBRIST, s.st_color, s.st_links, s.st_info,
                        s.budget, s.marks, out[b], True)
        return out

    def warm_up(self, max_batch: int) -> None:
        """Compile the networks for every padded size that a batch of up to ``max_batch``
        positions needs (JAX compiles once per shape; a compile in the middle of a timed move
        costs a second)."""
        n = self.n
        largest = batch_bucket(min(MAX_CALL, max_batch))
        for size in sorted({batch_bucket(b) for b in range(1, largest + 1)}):
            self._run_networks(np.zeros((size, n, n, N_VALUE_PLANES), np.uint8))

    def evaluate(self, positions: Sequence[Position]) -> tuple[np.ndarray, np.ndarray]:
        """(priors float32[B, n*n+1], values float32[B] for each side to move)."""
        planes = self.planes(positions)
        if len(planes) <= MAX_CALL:
            priors, values = self._run_networks(planes)
        else:
            outs = [self._run_networks(planes[s:s + MAX_CALL]) for s in range(0, len(planes), MAX_CALL)]
            priors, values = np.concatenate([o[0] for o in outs]), np.concatenate([o[1] for o in outs])
        with self._count_lock:
            self.calls += 1
            self.positions += len(positions)
        return priors, values
