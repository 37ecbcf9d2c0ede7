"""``go-engine eval policy``: top-1/top-5 accuracy and log-loss of a policy net on expert moves,
from SGF archives (every non-pass move of every game) or from a built shard split."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from go_engine.training.data_build import BuildStats, decode_points, iter_raw_games, replay_ok
from go_engine.training.shards import ShardSet


def shardset_from_sgf(paths: list[str], max_games: int | None = None, board_size: int | None = None) -> tuple[ShardSet, dict]:
    """All positions of the archives' games in memory; games of another size or broken are skipped."""
    codes, starts, winners = [], [], []
    stats = BuildStats()
    skipped = stats.skipped
    n = board_size
    base = 0
    for game in iter_raw_games(paths, stats):
        if max_games is not None and len(codes) >= max_games:
            break
        n = n or game.n
        if game.n != n or not replay_ok(game):
            reason = "other board size" if game.n != n else "illegal move"
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        codes.append(game.moves)
        starts.append(base)
        winners.append(game.winner)
        base += len(game.moves)
    if not codes:
        raise ValueError(f"no usable games in {paths}")
    moves = np.concatenate(codes).astype(np.int16)
    lens = np.array([len(c) for c in codes])
    game_of = np.repeat(np.arange(len(codes)), lens)
    ply_of = np.arange(len(moves)) - np.repeat(np.array(starts), lens)
    keep = decode_points(moves) != n * n
    data = ShardSet(n, moves, np.array(starts, dtype=np.int64), np.array(winners, dtype=np.int8),
                    game_of[keep].astype(np.int64), ply_of[keep].astype(np.int16))
    return data, {"games": len(codes), "skipped": dict(skipped)}


def evaluate_policy(weights: str | Path | None = None, sgf: list[str] | None = None, shards: str | None = None,
                    split: str = "test", max_games: int | None = None, max_positions: int | None = None,
                    symmetries: int = 1, batch: int = 256, progress: bool = False) -> dict:
    """Accuracy of a policy net on expert moves; ``symmetries`` 8 scores the softmax averaged
    over the board's 8 symmetries (what ``--player policy`` plays from) instead of the identity."""
    if symmetries not in (1, 8):
        raise ValueError(f"symmetries must be 1 or 8, got {symmetries}")
    from tqdm import tqdm

    from go_engine.features.planes import FeatureScratch
    from go_engine.nets.policy_inference import PolicyNetRunner
    info: dict = {}
    if shards:
        data = ShardSet.load(shards, split)
        info = {"shards": shards, "split": split, "games": data.games}
    elif sgf:
        data, info = shardset_from_sgf(sgf, max_games)
        info["sgf"] = list(sgf)
    else:
        raise ValueError("give --sgf ARCHIVE... or --shards DIR")
    evaluator = PolicyNetRunner(weights, board_size=data.n)
    if evaluator.n != data.n:
        raise ValueError(f"weights are for {evaluator.n}x{evaluator.n}, the games are {data.n}x{data.n}")
    index = np.arange(data.size)
    if max_positions is not None and max_positions < data.size:
        index = np.sort(np.random.default_rng(0).permutation(data.size)[:max_positions])
    scratch = FeatureScratch(data.n)
    total = top1 = top5 = 0
    loss = 0.0
    for start in tqdm(range(0, len(index), batch), desc="eval", unit="batch", disable=not progress):
        planes, targets = data.examples(index[start:start + batch], scratch)
        logp = evaluator.log_probs(planes, symmetries)
        target_lp = logp[np.arange(len(targets)), targets]
        rank = (logp > target_lp[:, None]).sum(axis=1)
        total += len(targets)
        top1 += int((rank == 0).sum())
        top5 += int((rank < 5).sum())
        loss -= float(target_lp.sum())
    return {"weights": str(evaluator.path) if evaluator.path else None, "board_size": data.n,
            "positions": total, "symmetries": symmetries, "top1": top1 / total, "top5": top5 / total, "log_loss": loss / total, **info}
