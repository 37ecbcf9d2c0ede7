"""``go-engine train rl``: AlphaGo's policy-gradient (REINFORCE) stage.

Start from the SL policy; each iteration plays ``games`` games of the current policy against
an opponent drawn uniformly from a pool of earlier versions (the SL net first; the current
weights join every ``pool_every`` iterations: AlphaGo used 500), half as black, half as white,
scores them by Tromp-Taylor, and ascends

    sum_games sum_{learner's moves t} (z - b) * grad log p(a_t | s_t)  /  games

with z = +1 win / -1 loss (0 for a draw) and baseline b = 0 (AlphaGo) or the iteration's
mean z. log p is taken over the sensible moves the sampler chose from. The learner never
sees planes stored during play: it replays each shard's moves (``features``), so the same
update serves the in-process loop here and the Ray learner (``training.distributed``).

Run directory: ``config.json``, ``metrics.jsonl`` (kind train/eval), ``metrics.png``,
``ckpt-<iter>.npz`` (params, optimizer state, iteration; atomic; resumed on restart),
``pool/pool-<iter>.npz`` (opponents), ``policy.npz`` (the RL policy, a policy weight file).
"""
from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from go_engine.rules import board_kernels as bk
from go_engine.features.planes import N_POLICY_PLANES, P_SENSIBLE, FeatureScratch, batch_planes_from_moves

from go_engine.training.plot import append_metric, truncate_metrics
from go_engine.training.rl_config import RLConfig


# --- the REINFORCE step --------------------------------------------------------------------

def learner_examples(shard: dict, baseline: str = "none") -> dict:
    """The learner's policy moves in a shard: (game, ply, point, advantage) per move.

    Skipped: forced passes (no sensible move: not a choice of the policy), uniformly random
    moves, moves of a starting prefix and the opponent's moves. z is from the learner's view."""
    n = int(shard["board_size"])
    starts, lens = shard["game_start"], shard["game_len"]
    winner, lcol = shard["winner"].astype(np.int64), shard["learner_color"].astype(np.int64)
    z = np.where(lcol == bk.BLACK, winner, -winner).astype(np.float32)
    b = float(z.mean()) if (baseline == "mean" and len(z)) else 0.0
    prefix = shard.get("start_len", np.zeros(len(starts), np.int32))
    games, plies, points = [], [], []
    for g in range(len(starts)):
        codes = shard["moves"][starts[g]:starts[g] + lens[g]].astype(np.int64)
        probs = shard["move_prob"][starts[g]:starts[g] + lens[g]]
        mine = (codes >= 0) if lcol[g] == bk.BLACK else (codes < 0)
        pts = np.where(codes >= 0, codes, -codes - 1)
        ok = mine & (pts != n * n) & (probs > 0) & (np.arange(len(codes)) >= prefix[g])
        idx = np.flatnonzero(ok)
        games.append(np.full(len(idx), g))
        plies.append(idx)
        points.append(pts[idx])
    game = np.concatenate(games).astype(np.int64) if games else np.zeros(0, np.int64)
    return {"game": game, "ply": np.concatenate(plies).astype(np.int64) if plies else np.zeros(0, np.int64),
            "point": np.concatenate(points).astype(np.int32) if points else np.zeros(0, np.int32),
            "advantage": (z[game] - b).astype(np.float32), "z": z, "baseline": b, "games": len(starts)}


class ReinforceLearner:
    """Policy params + optimizer; ``update(shards)`` applies one REINFORCE step."""

    def __init__(self, config, variables: dict, optimizer: str = "sgd", lr: float = 0.001, chunk: int = 512,
                 ladders: bool = True):
        import jax
        import jax.numpy as jnp
        import optax

        from go_engine.nets.policy_net import PolicyNet
        if config.batch_norm:
            raise ValueError("REINFORCE here expects a policy net without batch norm")
        self.config, self.n, self.chunk, self.ladders = config, config.board_size, chunk, ladders
        self.optimizer = optax.sgd(lr) if optimizer == "sgd" else optax.adam(lr)
        params = jax.tree_util.tree_map(jnp.asarray, variables["params"])
        self.state = {"params": params, "opt_state": self.optimizer.init(params),
                      "step": jnp.zeros((), jnp.int32)}
        model = PolicyNet(config)
        opt = self.optimizer

        def chunk_grad(params, planes, points, weights):
            def objective(p):
                logits = model.apply({"params": p}, planes, train=False)
                sensible = planes[..., P_SENSIBLE].reshape(planes.shape[0], -1) > 0
                logits = jnp.where(sensible, logits, -1e9)
                logp = jax.nn.log_softmax(logits, axis=-1)
                chosen = jnp.take_along_axis(logp, points[:, None], axis=-1)[:, 0]
                probs = jnp.exp(logp)
                entropy = -jnp.sum(jnp.where(sensible, probs * logp, 0.0), axis=-1)
                # minimise the negative of the policy-gradient objective
                return -jnp.sum(weights * chosen), (jnp.sum(jnp.where(weights != 0, entropy, 0.0)),
                                                    jnp.sum(jnp.where(weights != 0, chosen, 0.0)))
            (loss, aux), grads = jax.value_and_grad(objective, has_aux=True)(params)
            return loss, aux, grads

        def apply(state, grads):
            updates, opt_state = opt.update(grads, state["opt_state"], state["params"])
            return {"params": optax.apply_updates(state["params"], updates), "opt_state": opt_state,
                    "step": state["step"] + 1}

        self._chunk_grad = jax.jit(chunk_grad)
        self._apply = jax.jit(apply)
        self._scratch = FeatureScratch(self.n)

    @property
    def variables(self) -> dict:
        return {"params": self.state["params"]}

    def planes_for(self, shard: dict, ex: dict) -> np.ndarray:
        starts = shard["game_start"][ex["game"]].astype(np.int64)
        codes = shard["moves"][starts + ex["ply"]].astype(np.int64)
        to_play = np.where(codes >= 0, bk.BLACK, bk.WHITE)
        return batch_planes_from_moves(shard["moves"], starts, ex["ply"], to_play, self.n, self._scratch,
                                       N_POLICY_PLANES, self.ladders)

    def update(self, shards: list[dict], baseline: str = "none") -> dict:
        """One gradient step from all learner moves of ``shards``; returns diagnostics."""
        import jax
        import jax.numpy as jnp
        grads_sum = None
        loss_sum = ent_sum = lp_sum = 0.0
        positions = games = 0
        zs = []
        for shard in shards:
            ex = learner_examples(shard, baseline)
            games += ex["games"]
            zs.append(ex["z"])
            planes = self.planes_for(shard, ex) if len(ex["ply"]) else None
            for s in range(0, len(ex["ply"]), self.chunk):
                e = min(s + self.chunk, len(ex["ply"]))
                p, pt, w = planes[s:e], ex["point"][s:e], ex["advantage"][s:e]
                if e - s < self.chunk:  # pad to one compiled shape; zero weights add nothing
                    pad = self.chunk - (e - s)
                    p = np.concatenate([p, np.zeros((pad,) + p.shape[1:], p.dtype)])
                    pt = np.concatenate([pt, np.zeros(pad, pt.dtype)])
                    w = np.concatenate([w, np.zeros(pad, w.dtype)])
                loss, (ent, lp), grads = self._chunk_grad(self.state["params"], p, pt, w)
                grads_sum = grads if grads_sum is None else jax.tree_util.tree_map(jnp.add, grads_sum, grads)
                loss_sum += float(loss)
                ent_sum += float(ent)
                lp_sum += float(lp)
                positions += e - s
        if grads_sum is not None and games:
            grads_sum = jax.tree_util.tree_map(lambda g: g / games, grads_sum)
            self.state = self._apply(self.state, grads_sum)
        z = np.concatenate(zs) if zs else np.zeros(0)
        return {"games": games, "positions": positions, "loss": loss_sum / max(games, 1),
                "entropy": ent_sum / max(positions, 1), "mean_logp": lp_sum / max(positions, 1),
                "mean_z": float(z.mean()) if len(z) else 0.0}


# --- matches --------------------------------------------------------------------------------

def play_match(a, b, games: int, n: int, komi: float, seed: int, batch: int = 64, ladders: bool = True) -> dict:
    """``games`` games of NetPlayer a vs b (half with a as black); a's wins, losses, draws."""
    from go_engine.training.selfplay import GameBatch, colour_split_assigner, play_out
    wins = losses = draws = 0
    played = 0
    k = 0
    while played < games:
        size = min(batch, games - played)
        size += size % 2
        gb = GameBatch(n, size, komi=komi, seed=seed * 7919 + k)
        play_out(gb, colour_split_assigner(a, b), ladders=ladders)
        w = gb.winners().astype(np.int64)
        a_colour_black = np.arange(size) < size // 2
        a_result = np.where(a_colour_black, w, -w)
        wins += int((a_result > 0).sum())
        losses += int((a_result < 0).sum())
        draws += int((a_result == 0).sum())
        played += size
        k += 1
    return {"games": played, "wins": wins, "losses": losses, "draws": draws,
            "win_rate": (wins + 0.5 * draws) / played}


# --- the training loop ------------------------------------------------------------------------

def pool_files(out: Path) -> list[tuple[int, Path]]:
    found = []
    for p in sorted((out / "pool").glob("pool-*.npz")):
        try:
            found.append((int(p.stem.split("-")[1]), p))
        except (IndexError, ValueError):
            continue
    return found


def plot_rl(metrics_path: Path, png_path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from go_engine.training.plot import read_metrics, save_figure
    rows = read_metrics(metrics_path)
    train = [r for r in rows if r.get("kind") == "train"]
    evals = [r for r in rows if r.get("kind") == "eval"]
    fig, (ax_w, ax_e) = plt.subplots(1, 2, figsize=(11, 4))
    if train:
        it = [r["iteration"] for r in train]
        ax_w.plot(it, [r["win_rate"] for r in train], lw=0.8, alpha=0.6, label="vs pool opponent (training games)")
        ax_e.plot(it, [r["entropy"] for r in train], lw=0.8, label="policy entropy (nats)")
        ax_e.plot(it, [r["mean_length"] / 100 for r in train], lw=0.8, label="game length / 100")
    for key, style, label in (("win_rate_vs_sl", "o-", "eval vs SL"), ("win_rate_vs_pool", "s--", "eval vs pool")):
        pts = [(r["iteration"], r[key]) for r in evals if r.get(key) is not None]
        if pts:
            ax_w.plot(*zip(*pts), style, label=label)
    ax_w.axhline(0.5, color="grey", lw=0.5)
    ax_w.set_xlabel("iteration")
    ax_w.set_ylabel("win rate of the learner")
    ax_e.set_xlabel("iteration")
    for ax in (ax_w, ax_e):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, png_path)


def train_rl(cfg: RLConfig, progress: bool = True, stop_after: int | None = None) -> dict:
    """Run (or resume) REINFORCE to ``cfg.iterations``; ``stop_after`` ends early as a kill
    would (after that iteration's checkpoint, if one falls there)."""
    import jax
    from tqdm import tqdm

    from go_engine.nets.weights import load_policy_weights, resolve_policy_weights, save_policy_weights
    from go_engine.training.checkpoint import latest_checkpoint, restore_checkpoint, save_checkpoint
    from go_engine.training.selfplay import (GameBatch, JitPolicy, NetPlayer, batch_to_arrays, colour_split_assigner,
                           play_out)
    n = cfg.board_size
    out = Path(cfg.out)
    (out / "pool").mkdir(parents=True, exist_ok=True)
    sl_path = resolve_policy_weights(cfg.init, n)
    net_cfg, sl_vars, _ = load_policy_weights(sl_path)
    if net_cfg.board_size != n:
        raise ValueError(f"{sl_path} is for {net_cfg.board_size}x{net_cfg.board_size}, not {n}x{n}")
    learner = ReinforceLearner(net_cfg, sl_vars, cfg.optimizer, cfg.lr, cfg.chunk, cfg.ladders)
    metrics = out / "metrics.jsonl"
    found = latest_checkpoint(out)
    start = 0
    if found:
        learner.state = restore_checkpoint(found[1], learner.state)
        start = int(learner.state["step"])
        truncate_metrics(metrics, "iteration", start)
        for it, path in pool_files(out):  # pool members added after the checkpoint are redone
            if it > start:
                path.unlink()
    (out / "config.json").write_text(cfg.to_json())
    if not pool_files(out):
        save_policy_weights(out / "pool" / "pool-00000.npz", net_cfg, sl_vars, {"source": str(sl_path)})
    policy = JitPolicy(net_cfg)
    to_dev = lambda v: jax.tree_util.tree_map(jax.numpy.asarray, v)  # noqa: E731
    sl_player = NetPlayer("sl", policy, to_dev(sl_vars), cfg.temperature)
    pool_cache: dict[Path, dict] = {}

    def pool_player(path: Path) -> NetPlayer:
        if path not in pool_cache:
            pool_cache[path] = to_dev(load_policy_weights(path)[1])
        return NetPlayer(path.stem, policy, pool_cache[path], cfg.temperature)

    def export(extra: dict) -> None:
        meta = {"iteration": int(learner.state["step"]), "init": str(sl_path), "rl_config": asdict(cfg), **extra}
        save_policy_weights(out / "policy.npz", net_cfg, jax.tree_util.tree_map(np.asarray, learner.variables), meta)

    end = cfg.iterations if stop_after is None else min(cfg.iterations, stop_after)
    bar = tqdm(total=cfg.iterations, initial=start, desc="train rl", unit="iter", disable=not progress)
    t_start = time.perf_counter()
    deadline = t_start + cfg.max_minutes * 60 if cfg.max_minutes > 0 else None
    total_games = 0
    last_eval: dict = {}
    it = start
    while it < end:
        it += 1
        rng = np.random.default_rng([cfg.seed, it])
        pool = pool_files(out)
        opp_iter, opp_path = pool[int(rng.integers(len(pool)))]
        me = NetPlayer("learner", policy, learner.variables, cfg.temperature)
        opp = pool_player(opp_path)
        t0 = time.perf_counter()
        gb = GameBatch(n, cfg.games, komi=cfg.komi, seed=int(rng.integers(2**62)))
        play_out(gb, colour_split_assigner(me, opp), ladders=cfg.ladders)
        half = cfg.games // 2
        learner_color = np.where(np.arange(cfg.games) < half, bk.BLACK, bk.WHITE)
        names_b = ["learner" if g < half else opp_path.stem for g in range(cfg.games)]
        names_w = [opp_path.stem if g < half else "learner" for g in range(cfg.games)]
        shard = batch_to_arrays(gb, names_b, names_w, learner_color, version=it - 1)
        t1 = time.perf_counter()
        diag = learner.update([shard], cfg.baseline)
        t2 = time.perf_counter()
        total_games += cfg.games
        won = (diag["mean_z"] + 1) / 2
        rec = {"kind": "train", "iteration": it, "opponent": opp_path.stem, "opponent_iteration": opp_iter,
               "win_rate": won, "mean_length": float(gb.length.mean()), "play_s": t1 - t0, "learn_s": t2 - t1,
               "games_per_s": cfg.games / (t1 - t0), "elapsed_s": time.perf_counter() - t_start, **diag}
        append_metric(metrics, rec)
        if it % cfg.pool_every == 0:
            save_policy_weights(out / "pool" / f"pool-{it:05d}.npz", net_cfg,
                                jax.tree_util.tree_map(np.asarray, learner.variables), {"iteration": it})
        if cfg.eval_every and (it % cfg.eval_every == 0 or it == cfg.iterations):
            me = NetPlayer("learner", policy, learner.variables, cfg.temperature)
            vs_sl = play_match(me, sl_player, cfg.eval_games, n, cfg.komi, seed=10_000 + it, ladders=cfg.ladders)
            pool_now = [p for i, p in pool_files(out) if i > 0]
            vs_pool = None
            if pool_now:
                opp = pool_player(pool_now[int(rng.integers(len(pool_now)))])
                vs_pool = play_match(me, opp, cfg.eval_games, n, cfg.komi, seed=20_000 + it, ladders=cfg.ladders)
            last_eval = {"kind": "eval", "iteration": it, "win_rate_vs_sl": vs_sl["win_rate"], "vs_sl": vs_sl,
                         "win_rate_vs_pool": vs_pool["win_rate"] if vs_pool else None, "vs_pool": vs_pool}
            append_metric(metrics, last_eval)
        timed_out = deadline is not None and time.perf_counter() > deadline
        if it % cfg.checkpoint_every == 0 or it == cfg.iterations or timed_out:
            save_checkpoint(out, it, learner.state, cfg.to_json(), cfg.keep_checkpoints)
            export({"last_eval": last_eval})
            plot_rl(metrics, out / "metrics.png")
        bar.update(1)
        bar.set_postfix(win=f"{won:.2f}", games_s=f"{rec['games_per_s']:.1f}", H=f"{diag['entropy']:.2f}")
        if timed_out:
            break
    bar.close()
    summary = {"kind": "summary", "iteration": int(learner.state["step"]), "start_iteration": start,
               "games_played": total_games, "wall_s": time.perf_counter() - t_start, "last_eval": last_eval,
               "out": str(out)}
    append_metric(metrics, summary)
    return summary


def config_with_overrides(cfg: RLConfig, **overrides) -> RLConfig:
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
