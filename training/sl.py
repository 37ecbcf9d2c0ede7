"""``go-engine train sl``: supervised training of the policy network on expert moves (AlphaGo's
SL policy), with Flax + Optax, data-parallel over ``jax.devices()``.

The run directory holds ``config.json``, ``metrics.jsonl`` (one JSON object per log line:
kind train/val/speed), ``metrics.png``, ``ckpt-<step>.npz`` + ``.json`` (resumable:
parameters, optimizer state, step, RNG; the loader position is the step, since batches are
a function of (seed, step)), and ``policy.npz``, the weights for ``PolicyNetRunner``.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from go_engine.training.checkpoint import latest_checkpoint, restore_checkpoint, save_checkpoint
from go_engine.training.machine import machine_info
from go_engine.training.plot import append_metric, truncate_metrics
from go_engine.training.sharding import data_parallel
from go_engine.training.shards import BatchLoader, ShardSet
from go_engine.training.sl_config import SLConfig


def net_config(cfg: SLConfig, board_size: int):
    from go_engine.nets.config import PolicyNetConfig
    return PolicyNetConfig(board_size=board_size, layers=cfg.layers, filters=cfg.filters,
                           first_kernel=cfg.first_kernel, residual=cfg.residual, batch_norm=cfg.batch_norm)


def make_optimizer(cfg: SLConfig):
    import optax
    if cfg.schedule == "cosine":
        decay = max(cfg.steps - cfg.warmup_steps, 1)
        schedule = optax.cosine_decay_schedule(cfg.lr, decay, alpha=0.02)
    elif cfg.schedule == "step":
        schedule = optax.exponential_decay(cfg.lr, cfg.lr_step_every, 0.5, staircase=True)
    else:
        schedule = optax.constant_schedule(cfg.lr)
    if cfg.warmup_steps > 0:
        schedule = optax.join_schedules([optax.linear_schedule(0.0, cfg.lr, cfg.warmup_steps), schedule],
                                        [cfg.warmup_steps])
    if cfg.optimizer == "adam":
        opt = optax.adamw(schedule, weight_decay=cfg.weight_decay) if cfg.weight_decay else optax.adam(schedule)
    else:
        opt = optax.chain(optax.add_decayed_weights(cfg.weight_decay) if cfg.weight_decay else optax.identity(),
                          optax.sgd(schedule, momentum=cfg.momentum))
    return opt, schedule


class Trainer:
    """Model, optimizer, jitted steps and sharding for one config and board size."""

    def __init__(self, cfg: SLConfig, board_size: int):
        import jax
        import jax.numpy as jnp

        from go_engine.nets.policy_net import PolicyNet, init_variables
        self.cfg = cfg
        self.n = board_size
        self.net_config = net_config(cfg, board_size)
        self.model = PolicyNet(self.net_config, dtype=jnp.bfloat16 if cfg.bfloat16 else jnp.float32)
        self.optimizer, self.schedule = make_optimizer(cfg)
        self.mesh, self.batch_sharding, self.replicated = data_parallel(cfg.batch_size)
        variables = init_variables(self.net_config, cfg.seed)
        params = variables["params"]
        self.state = {
            "params": params,
            "batch_stats": variables.get("batch_stats", {}),
            "opt_state": self.optimizer.init(params),
            "step": jnp.zeros((), jnp.int32),
            "rng": jax.random.PRNGKey(cfg.seed + 1),
        }
        self.state = jax.device_put(self.state, self.replicated)
        model, optimizer, use_bn = self.model, self.optimizer, cfg.batch_norm

        def loss_fn(params, batch_stats, planes, targets):
            variables = {"params": params}
            if use_bn:
                variables["batch_stats"] = batch_stats
                logits, updates = model.apply(variables, planes, train=True, mutable=["batch_stats"])
                batch_stats = updates["batch_stats"]
            else:
                logits = model.apply(variables, planes, train=True)
            logp = jax.nn.log_softmax(logits, axis=-1)
            loss = -jnp.mean(jnp.take_along_axis(logp, targets[:, None], axis=-1))
            acc = jnp.mean(jnp.argmax(logits, axis=-1) == targets)
            return loss, (batch_stats, acc)

        def train_step(state, planes, targets):
            (loss, (batch_stats, acc)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
                state["params"], state["batch_stats"], planes, targets)
            updates, opt_state = optimizer.update(grads, state["opt_state"], state["params"])
            new_state = dict(state, params=jax.tree_util.tree_map(lambda p, u: p + u, state["params"], updates),
                             batch_stats=batch_stats, opt_state=opt_state, step=state["step"] + 1,
                             rng=jax.random.fold_in(state["rng"], state["step"]))
            return new_state, loss, acc

        def eval_logits(state, planes):
            variables = {"params": state["params"]}
            if use_bn:
                variables["batch_stats"] = state["batch_stats"]
            return jax.nn.log_softmax(model.apply(variables, planes, train=False), axis=-1)

        self._train_step = jax.jit(train_step, donate_argnums=(0,))
        self._eval_logits = jax.jit(eval_logits)

    def step(self, planes: np.ndarray, targets: np.ndarray):
        import jax
        planes = jax.device_put(planes, self.batch_sharding)
        targets = jax.device_put(targets, self.batch_sharding)
        self.state, loss, acc = self._train_step(self.state, planes, targets)
        return loss, acc

    @property
    def step_count(self) -> int:
        return int(self.state["step"])

    def variables(self) -> dict:
        out = {"params": self.state["params"]}
        if self.cfg.batch_norm:
            out["batch_stats"] = self.state["batch_stats"]
        return out

    def log_probs(self, planes: np.ndarray, batch: int = 256) -> np.ndarray:
        outs = []
        for start in range(0, len(planes), batch):
            chunk = planes[start:start + batch]
            pad = (-len(chunk)) % len(self.mesh.devices.ravel())
            if pad:
                chunk = np.concatenate([chunk, np.zeros((pad,) + chunk.shape[1:], chunk.dtype)])
            import jax
            out = np.asarray(self._eval_logits(self.state, jax.device_put(chunk, self.batch_sharding)))
            outs.append(out[:len(chunk) - pad])
        return np.concatenate(outs) if outs else np.zeros((0, self.n * self.n), np.float32)

    def save(self, directory: Path) -> Path:
        return save_checkpoint(directory, self.step_count, self.state, self.cfg.to_json(), self.cfg.keep_checkpoints)

    def restore(self, path: Path) -> None:
        import jax
        self.state = jax.device_put(restore_checkpoint(path, self.state), self.replicated)

    def start_from_weights(self, path: str | Path) -> dict:
        """Take the network of a policy weight file with a fresh optimizer; returns the file's
        meta, with ``grown_from_layers`` when the file's net was shallower. The file must hold
        this run's architecture, or the same one with fewer layers: it is then deepened by
        identity layers that leave its predictions unchanged (``net_growth``). Anything else is a
        ValueError naming the difference."""
        import jax

        from go_engine.nets.weights import load_policy_weights
        from go_engine.training.net_growth import deepen_policy_params, growth_difference
        config, variables, meta = load_policy_weights(path)
        params = jax.tree_util.tree_map(np.asarray, variables["params"])
        if config != self.net_config:
            why = growth_difference(config, self.net_config)
            if why:
                raise ValueError(f"{path} holds a different network ({config}) from this run's "
                                 f"({self.net_config}): {why}")
            params = deepen_policy_params(params, config, self.net_config)
            meta = dict(meta, grown_from_layers=config.layers)
        expected = jax.tree_util.tree_structure(self.state["params"])
        if jax.tree_util.tree_structure(params) != expected:
            raise ValueError(f"{path}: its parameters do not match the network's layout")
        self.state = jax.device_put(dict(self.state, params=params,
                                         batch_stats=variables.get("batch_stats", self.state["batch_stats"]),
                                         opt_state=self.optimizer.init(params)), self.replicated)
        return meta


def policy_metrics(log_probs: np.ndarray, targets: np.ndarray) -> dict:
    """Top-1, top-5 accuracy and mean log-loss (nats) of predictions against expert moves."""
    if len(targets) == 0:
        return {"positions": 0, "top1": float("nan"), "top5": float("nan"), "log_loss": float("nan")}
    target_lp = log_probs[np.arange(len(targets)), targets]
    rank = (log_probs > target_lp[:, None]).sum(axis=1)
    return {"positions": int(len(targets)), "top1": float(np.mean(rank == 0)), "top5": float(np.mean(rank < 5)),
            "log_loss": float(-np.mean(target_lp))}


def fixed_sample(data: ShardSet, count: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    index = np.random.default_rng(seed).permutation(data.size)[:count]
    return data.examples(np.sort(index))


def export_weights(trainer: Trainer, out: Path, extra: dict | None = None) -> Path:
    from go_engine.nets.weights import save_policy_weights
    meta = {"step": trainer.step_count, "data": trainer.cfg.data, **(extra or {})}
    path = out / "policy.npz"
    import jax
    save_policy_weights(path, trainer.net_config, jax.tree_util.tree_map(np.asarray, trainer.variables()), meta)
    return path


def train(cfg: SLConfig, progress: bool = True, stop_at_step: int | None = None) -> dict:
    """Run (or resume) training to ``cfg.steps``; ``stop_at_step`` ends early as a kill would
    (after the checkpoint of that step, if any). Returns the final summary."""
    from tqdm import tqdm

    from go_engine.training.plot import plot_metrics
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    train_set = ShardSet.load(cfg.data, "train")
    try:
        val_set = ShardSet.load(cfg.data, "val")
    except FileNotFoundError:
        val_set = None
    trainer = Trainer(cfg, train_set.n)
    metrics = out / "metrics.jsonl"
    found = latest_checkpoint(out)
    if found:
        trainer.restore(found[1])
        truncate_metrics(metrics, "step", trainer.step_count)
    elif cfg.init:
        meta = trainer.start_from_weights(cfg.init)
        row = {"kind": "init", "step": 0, "weights": cfg.init, "weights_step": meta.get("step")}
        if "grown_from_layers" in meta:
            row["grown_from_layers"] = meta["grown_from_layers"]
            print(f"start from {cfg.init}: {meta['grown_from_layers']} layers grown to {cfg.layers} "
                  "by identity layers (same predictions at step 0)")
        append_metric(metrics, row)
    start = trainer.step_count
    (out / "config.json").write_text(cfg.to_json())
    val_planes = val_targets = None
    if val_set is not None and cfg.eval_positions > 0:
        val_planes, val_targets = fixed_sample(val_set, cfg.eval_positions)

    def evaluate() -> dict:
        m = policy_metrics(trainer.log_probs(val_planes), val_targets)
        rec = {"kind": "val", "step": trainer.step_count, "loss": m["log_loss"], "acc": m["top1"],
               "top5": m["top5"], "positions": m["positions"]}
        append_metric(metrics, rec)
        return rec

    loader = BatchLoader(train_set, cfg.batch_size, seed=cfg.seed, start_step=start, symmetries=cfg.symmetries,
                         workers=cfg.loader_workers)
    end = cfg.steps if stop_at_step is None else min(cfg.steps, stop_at_step)
    bar = tqdm(total=cfg.steps, initial=start, desc="train sl", unit="step", disable=not progress)
    t_start = time.perf_counter()
    window_loss, window_acc = [], []
    model_time = wait_time = 0.0
    model_steps = 0
    last_val = None
    deadline = t_start + cfg.max_minutes * 60 if cfg.max_minutes > 0 else None
    try:
        while trainer.step_count < end:
            t0 = time.perf_counter()
            step, planes, targets = next(loader)
            t1 = time.perf_counter()
            loss, acc = trainer.step(planes, targets)
            loss = float(loss)  # waits for the step: model time is measured honestly
            t2 = time.perf_counter()
            acc = float(acc)
            wait_time += t1 - t0
            if trainer.step_count > start + 1:  # the first step includes compilation
                model_time += t2 - t1
                model_steps += 1
            window_loss.append(loss)
            window_acc.append(acc)
            s = trainer.step_count
            bar.update(1)
            if s % cfg.log_every == 0 or s == end:
                elapsed = time.perf_counter() - t_start
                rec = {"kind": "train", "step": s, "loss": float(np.mean(window_loss)),
                       "acc": float(np.mean(window_acc)), "lr": float(trainer.schedule(s)),
                       "positions_per_s": (s - start) * cfg.batch_size / elapsed,
                       "model_positions_per_s": model_steps * cfg.batch_size / model_time if model_time else None,
                       "loader_positions_per_s": loader.positions_per_s, "loader_wait_s": wait_time,
                       "elapsed_s": elapsed}
                append_metric(metrics, rec)
                window_loss, window_acc = [], []
                bar.set_postfix(loss=f"{rec['loss']:.3f}", acc=f"{rec['acc']:.3f}",
                                pos_s=f"{rec['positions_per_s']:.0f}")
            if val_planes is not None and (s % cfg.eval_every == 0 or s == cfg.steps):
                last_val = evaluate()
            timed_out = deadline is not None and time.perf_counter() > deadline
            if s % cfg.checkpoint_every == 0 or s == cfg.steps or timed_out:
                trainer.save(out)
                export_weights(trainer, out, {"val": last_val})
                if metrics.is_file():
                    plot_metrics(metrics, out / "metrics.png")
            if timed_out:
                break
    finally:
        loader.close()
        bar.close()
    summary = {"step": trainer.step_count, "start_step": start, "val": last_val,
               "model_positions_per_s": model_steps * cfg.batch_size / model_time if model_time else None,
               "loader_positions_per_s": loader.positions_per_s,
               "wall_s": time.perf_counter() - t_start, "out": str(out), "machine": machine_info()}
    append_metric(metrics, {"kind": "summary", **summary})
    return summary
