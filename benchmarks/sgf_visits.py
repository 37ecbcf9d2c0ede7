"""Median visits per second of each side of a `go-engine match` folder, read from the SGF
comments the match writes (``black's win rate 48.9% (2556 visits, 0.8 s)``).

    python benchmarks/sgf_visits.py benchmarks/results/equal_time_9x9_vs_c780dfc
"""
import json
import re
import statistics
import sys

D = sys.argv[1]
eng, opp = [], []
for line in open(D + '/results.jsonl'):
    r = json.loads(line)
    txt = open(f"{D}/game_{r['index']:04d}.sgf").read()
    for color, v, t in re.findall(r"(black|white)'s win rate [0-9.]+% \((\d+) visits, ([0-9.]+) s\)", txt):
        (eng if color == r['engine_color'] else opp).append(int(v) / float(t))
print(f"engine median {statistics.median(eng):.0f} visits/s over {len(eng)} moves; opponent {statistics.median(opp):.0f} over {len(opp)}; ratio {statistics.median(eng)/statistics.median(opp):.2f}")
