"""Planes of held-out positions from the training path (``replay_planes`` over shard codes) and
the play path (``Game.play`` then ``position_planes``, what the policy player computes), compared
plane by plane; top-1 of the net both ways, and with its softmax averaged over the 8 symmetries.

    python benchmarks/results/policy19_checks/plane_parity.py ../shared/data/sgf19/foxpro.tar.xz 25 [weights]
"""
import sys, time
import numpy as np
from go_engine.training.data_build import iter_raw_games, BuildStats, split_of
from go_engine.features.planes import (batch_planes_from_moves, position_planes, FeatureScratch,
                                       apply_symmetry, symmetry_point_maps, PLANE_NAMES)
from go_engine.rules.game import Game
from go_engine.nets.policy_inference import PolicyNetRunner

archive = sys.argv[1]
ngames = int(sys.argv[2])
runner = PolicyNetRunner(sys.argv[3] if len(sys.argv) > 3 else None, board_size=19)
n = 19
maps = symmetry_point_maps(n)
scratch = FeatureScratch(n)
stats = BuildStats()
games = 0
diff_planes = np.zeros(48, dtype=np.int64)
pos_diff = 0
npos = 0
hit_train = hit_play = hit_sym = 0
t0 = time.time()
for g in iter_raw_games([archive], stats):
    if g.n != 19 or split_of(19, g.moves) != "test":
        continue
    codes = g.moves.astype(np.int16)
    game = Game(19, komi=g.komi)
    tp, pp, targets = [], [], []
    for k, c in enumerate(codes):
        color = 1 if c >= 0 else 2
        pt = int(c) if c >= 0 else -int(c) - 1
        if pt != n * n:
            a = batch_planes_from_moves(codes, np.array([0]), np.array([k]), np.array([color]), n, scratch)[0]
            pos = game.position.copy(); pos.to_play = color
            b = position_planes(pos, scratch)
            d = (a != b).reshape(-1, 48).any(axis=0)
            diff_planes += d
            pos_diff += bool(d.any())
            tp.append(a); pp.append(b); targets.append(pt)
        game.play(pt, color)
    tp = np.stack(tp); pp = np.stack(pp); targets = np.array(targets)
    lt = runner.log_probs(tp); lp = runner.log_probs(pp)
    sens = pp[..., 46].reshape(len(pp), -1).astype(bool)
    hit_train += (lt.argmax(1) == targets).sum()
    hit_play += (np.where(sens, lp, -np.inf).argmax(1) == targets).sum()
    # 8-symmetry average of probabilities
    acc = np.zeros_like(lp, dtype=np.float64)
    for s in range(8):
        ls = runner.log_probs(apply_symmetry(pp, s))
        # ls indexes transformed points: prob of old point p = ls[maps[s, p]]
        acc += np.exp(ls[:, maps[s, :n * n]])
    hit_sym += (np.where(sens, acc, -np.inf).argmax(1) == targets).sum()
    npos += len(targets)
    games += 1
    if games >= ngames:
        break
print(f"games {games} positions {npos} in {time.time()-t0:.0f}s")
print(f"positions with any plane difference: {pos_diff}")
print("planes differing (positions):", {PLANE_NAMES[i]: int(v) for i, v in enumerate(diff_planes) if v})
print(f"top-1 train-path planes {hit_train/npos:.4f}  play-path (sensible-masked) {hit_play/npos:.4f}  8-sym avg {hit_sym/npos:.4f}")
