"""GNU Go's ``estimate_score`` every STEP moves of a game record: where a game was decided.

    python benchmarks/results/policy19_checks/gnugo_trend.py benchmarks/results/policy19_gnugo10_cec05d6/game_0001.sgf 20
"""
import subprocess, sys
path, step = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
from go_engine.rules.sgf import read_moves
from pathlib import Path
rec = read_moves(Path(path).read_bytes(), path)
total = len(rec.moves)
p = subprocess.Popen(["/usr/games/gnugo", "--mode", "gtp", "--chinese-rules", "--komi", str(rec.komi)],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def ask(cmd):
    p.stdin.write(cmd + "\n"); p.stdin.flush()
    out = []
    while True:
        line = p.stdout.readline()
        if line.strip() == "" and out:
            break
        if line.strip():
            out.append(line.strip())
    return " ".join(out)
row = []
for k in list(range(step, total, step)) + [total]:
    ask(f"loadsgf {path} {k + 1}")
    row.append(f"{k}:{ask('estimate_score').lstrip('= ').split()[0]}")
print(path.split('/')[-1], " ".join(row))
ask("quit")
