"""``go-engine train value``: regress the value network on self-play outcomes (MSE), with
Flax + Optax, data-parallel over ``jax.devices()`` like the SL trainer.

The run directory holds ``config.json``, ``metrics.jsonl`` (kind train/val), ``metrics.png``,
``ckpt-<step>.npz`` (params, optimizer state, step; resumable: batches are a function of
(seed, step)) and ``value.npz`` (a value weight file for ``go_engine.nets.value_net``).
``evaluate_value`` compares the net's MSE with the constant predictor and with the SL
policy's own rollouts (``rollout_estimates``) on held-out self-play and expert positions.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from go_engine.training.rl_config import ValueConfig
from go_engine.training.sharding import data_parallel
from go_engine.training.value_data import ValueSet, augment_planes
from go_engine.rules.conventions import DEFAULT_KOMI


class ValueTrainer:
    def __init__(self, cfg: ValueConfig, board_size: int):
        import jax
        import jax.numpy as jnp
        import optax

        from go_engine.nets.value_config import ValueNetConfig
        from go_engine.nets.value_net import ValueNet, init_value_variables, trunk_from_policy
        self.cfg = cfg
        self.net_config = ValueNetConfig(board_size=board_size, layers=cfg.layers, filters=cfg.filters,
                                         first_kernel=cfg.first_kernel, fc_units=cfg.fc_units,
                                         score_skip=cfg.score_skip)
        trunk = None
        if cfg.trunk_weights:  # a policy net's convolutions, copied in (frozen unless trunk_lr_scale > 0)
            self.net_config, trunk = trunk_from_policy(cfg.trunk_weights, self.net_config)
        elif cfg.trunk_lr_scale > 0:
            raise ValueError("trunk_lr_scale > 0 needs trunk_weights (there is no trunk to train)")
        frozen = trunk is not None and cfg.trunk_lr_scale == 0
        model = ValueNet(self.net_config)
        if cfg.lr_schedule == "cosine":
            lr = (optax.warmup_cosine_decay_schedule(0.0, cfg.lr, cfg.warmup_steps, max(cfg.steps, cfg.warmup_steps + 1))
                  if cfg.warmup_steps else optax.cosine_decay_schedule(cfg.lr, max(cfg.steps, 1)))
        elif cfg.warmup_steps:
            lr = optax.linear_schedule(0.0, cfg.lr, cfg.warmup_steps)
        else:
            lr = cfg.lr
        opt = (optax.adamw(lr, weight_decay=cfg.weight_decay) if cfg.optimizer == "adam"
               else optax.chain(optax.add_decayed_weights(cfg.weight_decay), optax.sgd(lr, momentum=0.9)))
        if trunk is not None:
            # frozen: the label and state layout of the first runs (their checkpoints resume);
            # trained: its own state of the same optimizer, whose updates (linear in lr for both
            # adamw and sgd, weight decay included) are scaled, i.e. lr times trunk_lr_scale
            trunk_label = "frozen" if frozen else "trunk"
            trunk_opt = optax.set_to_zero() if frozen else optax.chain(opt, optax.scale(cfg.trunk_lr_scale))
            opt = optax.multi_transform({"train": opt, trunk_label: trunk_opt},
                                        lambda p: {k: jax.tree_util.tree_map(lambda _: trunk_label if k == "trunk"
                                                                             else "train", v) for k, v in p.items()})
        self.mesh, self.batch_sharding, self.replicated = data_parallel(cfg.batch_size)
        params = init_value_variables(self.net_config, cfg.seed)["params"]
        if trunk is not None:
            params = {**params, "trunk": jax.tree_util.tree_map(jnp.asarray, trunk)}
        self.state = jax.device_put({"params": params, "opt_state": opt.init(params),
                                     "step": jnp.zeros((), jnp.int32)}, self.replicated)

        def loss_fn(params, planes, z, own):
            if frozen:  # no backward pass through the trunk
                params = {**params, "trunk": jax.lax.stop_gradient(params["trunk"])}
            if own is None:
                v = model.apply({"params": params}, planes)
                value_loss = jnp.mean((v - z) ** 2)
                return value_loss, value_loss
            v, board = model.apply({"params": params}, planes, with_map=True)
            value_loss = jnp.mean((v - z) ** 2)
            return value_loss + cfg.ownership_weight * jnp.mean((jnp.tanh(board) - own) ** 2), value_loss

        def train_step(state, planes, z, own):
            (_, value_loss), grads = jax.value_and_grad(loss_fn, has_aux=True)(state["params"], planes, z, own)
            updates, opt_state = opt.update(grads, state["opt_state"], state["params"])
            return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state,
                    "step": state["step"] + 1}, value_loss

        self._train_step = jax.jit(train_step, donate_argnums=(0,))
        self._predict = jax.jit(lambda params, planes: model.apply({"params": params}, planes))

    @property
    def step_count(self) -> int:
        return int(self.state["step"])

    def step(self, planes: np.ndarray, z: np.ndarray, ownership: np.ndarray | None = None) -> float:
        """One update; returns the batch's value MSE (``ownership``: float32[B, n, n] targets of
        the auxiliary loss, from the side to move's view)."""
        import jax
        own = None if ownership is None else jax.device_put(ownership, self.batch_sharding)
        self.state, loss = self._train_step(self.state, jax.device_put(planes, self.batch_sharding),
                                            jax.device_put(z, self.batch_sharding), own)
        return float(loss)

    def predict(self, planes: np.ndarray, batch: int = 512) -> np.ndarray:
        import jax
        ndev = len(self.mesh.devices.ravel())
        batch += (-batch) % ndev
        out = []
        for s in range(0, len(planes), batch):
            chunk = planes[s:s + batch]
            pad = batch - len(chunk)  # one compiled shape
            if pad:
                chunk = np.concatenate([chunk, np.zeros((pad,) + chunk.shape[1:], chunk.dtype)])
            v = np.asarray(self._predict(self.state["params"], jax.device_put(chunk, self.batch_sharding)))
            out.append(v[:len(v) - pad])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def save(self, directory: Path) -> Path:
        from go_engine.training.checkpoint import save_checkpoint
        return save_checkpoint(directory, self.step_count, self.state, self.cfg.to_json(), self.cfg.keep_checkpoints)

    def warm_start(self, weights_path: str) -> list[str]:
        """Replace the fresh parameters by ``weights_path``'s where name and shape match (before
        the first step only: Adam's state holds no history yet); returns the names copied."""
        import jax
        params, copied = warm_start(self.state["params"], weights_path)
        self.state = {**self.state, "params": jax.device_put(params, self.replicated)}
        return copied

    def restore(self, path: Path) -> None:
        import jax

        from go_engine.training.checkpoint import restore_checkpoint
        self.state = jax.device_put(restore_checkpoint(path, self.state), self.replicated)

    def export(self, path: Path, meta: dict) -> None:
        import jax

        from go_engine.nets.value_config import save_value_weights
        save_value_weights(path, self.net_config, {"params": jax.tree_util.tree_map(np.asarray, self.state["params"])},
                           meta)


def warm_start(params: dict, weights_path: str) -> tuple[dict, list[str]]:
    """``params`` with every leaf that a value weight file holds under the same name and shape
    replaced by the file's; also the names copied. Why: a new head (wider, or with
    ``score_skip``) can start from a trained trunk instead of the policy's."""
    import jax

    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.weights import flatten_tree, unflatten_tree
    _, variables, _ = load_value_weights(weights_path)
    source = flatten_tree(variables["params"])
    flat = flatten_tree(jax.tree_util.tree_map(np.asarray, params))
    copied = [k for k, v in flat.items() if k in source and np.shape(source[k]) == np.shape(v)]
    if not copied:
        raise ValueError(f"{weights_path}: no parameter matches this network's names and shapes")
    flat.update({k: np.asarray(source[k], np.asarray(flat[k]).dtype) for k in copied})
    return unflatten_tree(flat), copied


def mse(pred: np.ndarray, z: np.ndarray) -> float:
    return float(np.mean((np.asarray(pred, np.float64) - z) ** 2)) if len(z) else float("nan")


def split_holdout(data: ValueSet, fraction: float, seed: int) -> tuple[ValueSet, ValueSet]:
    perm = np.random.default_rng([seed, 99]).permutation(data.size)
    k = max(1, int(round(fraction * data.size)))
    return data.subset(np.sort(perm[k:])), data.subset(np.sort(perm[:k]))


def plot_value(metrics_path: Path, png_path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from go_engine.training.plot import read_metrics, save_figure
    rows = read_metrics(metrics_path)
    train = [r for r in rows if r.get("kind") == "train"]
    val = [r for r in rows if r.get("kind") == "val"]
    fig, ax = plt.subplots(figsize=(6, 4))
    if train:
        ax.plot([r["step"] for r in train], [r["loss"] for r in train], lw=0.8, label="train MSE (batch)")
    if val:
        ax.plot([r["step"] for r in val], [r["val_mse"] for r in val], "o-", label="held-out MSE")
        ax.plot([r["step"] for r in val], [r["train_mse"] for r in val], "s--", label="train-set MSE")
        ax.axhline(val[-1]["constant_mse"], color="grey", ls=":", label="constant predictor")
        ax.set_ylim(top=max(ax.get_ylim()[1], val[-1]["constant_mse"] + 0.02))  # axhline does not autoscale
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    save_figure(fig, png_path)


def train_value(cfg: ValueConfig, progress: bool = True, stop_at_step: int | None = None) -> dict:
    """Train (or resume) to ``cfg.steps``; ``stop_at_step`` ends early as a kill would."""
    from go_engine.training.value_loop import resume_value_run, run_value_loop
    if cfg.playout_target_weight > 0:
        raise ValueError("playout_target_weight is for expert_shards runs (train_value_expert)")
    data = ValueSet.load(cfg.data)
    if cfg.val_data:
        train_set, val_set = data, ValueSet.load(cfg.val_data)
    else:
        train_set, val_set = split_holdout(data, cfg.val_fraction, cfg.seed)
    t_feat = time.perf_counter()
    train_planes, val_planes = train_set.planes(), val_set.planes()
    feature_s = time.perf_counter() - t_feat
    trainer = ValueTrainer(cfg, data.n)
    out, metrics = resume_value_run(cfg, trainer)
    constant = float(train_set.z.mean())
    sample = np.random.default_rng([cfg.seed, 7]).permutation(train_set.size)[:len(val_planes)]

    def take_step(s: int) -> tuple[float, dict]:
        rng = np.random.default_rng([cfg.seed, s])
        idx = rng.integers(0, train_set.size, cfg.batch_size)
        planes = train_planes[idx]
        if cfg.symmetries:
            planes = augment_planes(planes, rng)
        return trainer.step(planes, train_set.z[idx]), {}

    def measure() -> dict:
        return {"val_mse": mse(trainer.predict(val_planes), val_set.z),
                "train_mse": mse(trainer.predict(train_planes[sample]), train_set.z[sample]),
                "constant_mse": mse(np.full(val_set.size, constant), val_set.z),
                "train_positions": train_set.size, "val_positions": val_set.size}

    summary = run_value_loop(cfg, trainer, out, metrics, take_step=take_step, measure=measure,
                             meta={"data": cfg.data}, progress=progress, stop_at_step=stop_at_step)
    return {**summary, "feature_s": feature_s}


# --- evaluation against the constant predictor and SL-policy rollouts ------------------------

def rollout_estimates(sl_weights: str, data: ValueSet, rollouts: int = 4, komi: float = DEFAULT_KOMI, batch: int = 256,
                      seed: int = 0) -> tuple[np.ndarray, float]:
    """Mean outcome (side to move's view) of ``rollouts`` SL-policy games from each position;
    returns (estimates, seconds per position)."""
    from go_engine.rules import board_kernels as bk

    from go_engine.training.selfplay import GameBatch, load_player, play_out, single_assigner
    player = load_player(sl_weights, data.n, name="sl")
    prefixes = data.prefixes()
    jobs = [(i, p) for i, p in enumerate(prefixes) for _ in range(rollouts)]
    total = np.zeros(data.size)
    t0 = time.perf_counter()
    for k in range(0, len(jobs), batch):
        part = jobs[k:k + batch]
        gb = GameBatch(data.n, len(part), komi=komi, seed=seed * 1009 + k)
        gb.set_prefixes([p for _, p in part])
        play_out(gb, single_assigner(player))
        w = gb.winners().astype(np.float64)
        for j, (i, _) in enumerate(part):
            total[i] += w[j] if data.to_play[i] == bk.BLACK else -w[j]
    return (total / rollouts).astype(np.float32), (time.perf_counter() - t0) / max(data.size, 1)


def evaluate_value(value_weights: str, sets: dict[str, ValueSet], train_mean: float, sl_weights: str | None = None,
                   rollouts: int = 4, rollout_positions: int = 256, komi: float = DEFAULT_KOMI) -> dict:
    """MSE table: value net, constant predictor (train-set mean), SL rollouts (on a subset)."""
    from go_engine.nets.value_net import ValueNetRunner
    ev = ValueNetRunner(value_weights)
    table = {}
    for name, data in sets.items():
        planes = data.planes()
        ev.values(planes[:8])  # compile outside the timing
        t0 = time.perf_counter()
        v = ev.values(planes)
        per_pos = (time.perf_counter() - t0) / max(data.size, 1)
        row = {"positions": data.size, "value_net_mse": mse(v, data.z), "value_net_s_per_position": per_pos,
               "constant_mse": mse(np.full(data.size, train_mean), data.z), "constant": train_mean}
        if sl_weights and rollouts > 0:
            sub = data.subset(np.arange(min(rollout_positions, data.size)))
            est, secs = rollout_estimates(sl_weights, sub, rollouts, komi)
            row.update({"rollout_positions": sub.size, "rollouts_per_position": rollouts,
                        "sl_rollout_mse": mse(est, sub.z), "sl_rollout_s_per_position": secs,
                        "value_net_mse_same_subset": mse(v[:sub.size], sub.z),
                        "constant_mse_same_subset": mse(np.full(sub.size, train_mean), sub.z)})
        table[name] = row
    return table
