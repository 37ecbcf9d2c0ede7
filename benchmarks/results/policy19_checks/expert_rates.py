"""How often the expert's move in held-out games is one the policy player's ``blunder`` rule forbids
(a self-atari of 2+ stones capturing nothing; a run from atari to two liberties, ladder plane off).

    python benchmarks/results/policy19_checks/expert_rates.py ../shared/data/sgf19/foxpro.tar.xz 60
"""
import sys
import numpy as np
from go_engine.training.data_build import iter_raw_games, BuildStats, split_of
from go_engine.features.planes import batch_planes_from_moves, FeatureScratch, P_CAPTURE, P_SELF_ATARI, P_LIBS_AFTER, P_LADDER_ESCAPE, P_LIBS
n = 19; scratch = FeatureScratch(n)
stats = BuildStats(); games = 0; npos = 0
counts = {"selfatari>=2": 0, "selfatari>=3": 0, "ladder_run": 0}
for g in iter_raw_games([sys.argv[1]], stats):
    if g.n != 19 or split_of(19, g.moves) != "test":
        continue
    codes = g.moves.astype(np.int16)
    ks = [k for k, c in enumerate(codes) if (c if c >= 0 else -c - 1) != n * n]
    to_play = np.array([1 if codes[k] >= 0 else 2 for k in ks])
    pl = batch_planes_from_moves(codes, np.zeros(len(ks), dtype=np.int64), np.array(ks), to_play, n, scratch)
    for i, k in enumerate(ks):
        c = codes[k]; p = int(c) if c >= 0 else -int(c) - 1
        r, cc = divmod(p, n); x = pl[i, r, cc]
        cap = int(np.argmax(x[P_CAPTURE:P_CAPTURE + 8]))
        sa = x[P_SELF_ATARI:P_SELF_ATARI + 8]
        if sa.any() and cap == 0:
            size = int(np.argmax(sa)) + 1
            counts["selfatari>=2"] += size >= 2
            counts["selfatari>=3"] += size >= 3
        # extends an own chain in atari (a neighbour with the 1-liberty plane), 2 liberties after, ladder says caught
        nbrs = [(r + dr, cc + dc) for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)) if 0 <= r + dr < n and 0 <= cc + dc < n]
        if any(pl[i, a, b, 0] and pl[i, a, b, P_LIBS] for a, b in nbrs) and x[P_LIBS_AFTER + 1] and not x[P_LADDER_ESCAPE]:
            counts["ladder_run"] += 1
    npos += len(ks); games += 1
    if games >= int(sys.argv[2]):
        break
print(games, "games", npos, "positions", {k: f"{v} ({100*v/npos:.2f}%)" for k, v in counts.items()})
