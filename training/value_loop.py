"""The run both value trainings share (self-play sets and expert games): resume from the last
checkpoint, step, log, evaluate on the held-out set, checkpoint and export. What differs, where
a batch comes from and what the evaluation measures, comes in as two functions."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from go_engine.training.rl_config import ValueConfig


def resume_value_run(cfg: ValueConfig, trainer) -> tuple[Path, Path]:
    """Make ``cfg.out``, restore its latest checkpoint into ``trainer`` (dropping metrics logged
    after it), or on a fresh run warm-start it from ``cfg.init_weights``, and write the config;
    returns (out, metrics path). A resumed run never reads ``init_weights``."""
    from go_engine.training.checkpoint import latest_checkpoint
    from go_engine.training.plot import truncate_metrics
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    metrics = out / "metrics.jsonl"
    found = latest_checkpoint(out)
    if found:
        trainer.restore(found[1])
        truncate_metrics(metrics, "step", trainer.step_count)
    elif cfg.init_weights:
        from go_engine.training.plot import append_metric
        layers = sorted({name.rsplit("/", 1)[0] for name in trainer.warm_start(cfg.init_weights)})
        append_metric(metrics, {"kind": "init", "step": 0, "init_weights": cfg.init_weights, "layers": layers})
        print(f"warm start from {cfg.init_weights}: {', '.join(layers)}", flush=True)
    (out / "config.json").write_text(cfg.to_json())
    return out, metrics


def run_value_loop(cfg: ValueConfig, trainer, out: Path, metrics: Path, *,
                   take_step: Callable[[int], tuple[float, dict[str, float]]],
                   measure: Callable[[], dict], step_fields: Callable[[int], dict] = lambda s: {},
                   meta: dict | None = None, desc: str = "train value", progress: bool = True,
                   stop_at_step: int | None = None) -> dict:
    """Train from ``trainer``'s step to ``cfg.steps`` (or ``stop_at_step``, as a kill would).

    ``take_step(step)`` does one update and returns (value MSE, extra per-step numbers that the
    train log averages); ``measure()`` gives the held-out figures (``val_mse`` at least);
    ``step_fields(step)`` adds fields (the epoch) to every log line. ``value_best.npz`` follows
    the lowest ``val_mse`` (chosen on val, never test). Returns the summary it logs."""
    from tqdm import tqdm

    from go_engine.training.plot import append_metric, read_metrics
    from go_engine.training.value_train import plot_value
    meta = meta or {}
    start = trainer.step_count
    best = [min((r["val_mse"] for r in read_metrics(metrics) if r.get("kind") == "val"), default=float("inf"))
            if metrics.is_file() else float("inf")]

    def evaluate() -> dict:
        rec = {"kind": "val", "step": trainer.step_count, **step_fields(trainer.step_count), **measure()}
        append_metric(metrics, rec)
        if rec["val_mse"] < best[0]:
            best[0] = rec["val_mse"]
            trainer.export(out / "value_best.npz", {"step": rec["step"], **meta, "val": rec})
        return rec

    end = cfg.steps if stop_at_step is None else min(cfg.steps, stop_at_step)
    bar = tqdm(total=cfg.steps, initial=start, desc=desc, unit="step", disable=not progress)
    t0 = time.perf_counter()
    deadline = t0 + cfg.max_minutes * 60 if cfg.max_minutes > 0 else None
    losses: list[float] = []
    extras: dict[str, list[float]] = {}
    last_val = None
    try:
        while trainer.step_count < end:
            loss, extra = take_step(trainer.step_count)
            losses.append(loss)
            for key, value in extra.items():
                extras.setdefault(key, []).append(value)
            s = trainer.step_count
            bar.update(1)
            if s % cfg.log_every == 0 or s == end:
                fields = step_fields(s)
                rec = {"kind": "train", "step": s, **fields, "loss": float(np.mean(losses)),
                       "positions_per_s": (s - start) * cfg.batch_size / (time.perf_counter() - t0),
                       **{key: float(np.mean(values)) for key, values in extras.items()}}
                append_metric(metrics, rec)
                bar.set_postfix(mse=f"{rec['loss']:.3f}", **{k: f"{v:.2f}" for k, v in fields.items()})
                losses, extras = [], {}
            if s % cfg.eval_every == 0 or s == cfg.steps:
                last_val = evaluate()
            timed_out = deadline is not None and time.perf_counter() > deadline
            if s % cfg.checkpoint_every == 0 or s == cfg.steps or timed_out:
                trainer.save(out)
                trainer.export(out / "value.npz", {"step": s, **meta, "val": last_val})
                plot_value(metrics, out / "metrics.png")
            if timed_out:
                break
    finally:
        bar.close()
    if last_val is None or last_val["step"] != trainer.step_count:
        last_val = evaluate()
    summary = {"kind": "summary", "step": trainer.step_count, "start_step": start, "val": last_val, **meta,
               "wall_s": time.perf_counter() - t0, "out": str(out)}
    append_metric(metrics, summary)
    return summary
